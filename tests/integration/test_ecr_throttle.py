"""Guessing secrets over the ECR API is throttled per source address.

A module of its own: its server refuses 127.0.0.1 for a minute afterwards.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.ecr_support import ecr_client
from tests.live import LiveServer

pytestmark = pytest.mark.integration


def test_rejected_signatures_are_throttled(server: LiveServer) -> None:
    guesser = ecr_client(server, secret="guessed-secret-0123456789abcdef01234567")
    codes = []
    for _ in range(21):
        with pytest.raises(ClientError) as info:
            guesser.describe_repositories()
        codes.append(info.value.response["Error"]["Code"])
    assert codes[:20] == ["InvalidSignatureException"] * 20
    assert codes[20] == "ThrottlingException"
    # The right key from the same address is refused too: the budget is the
    # address's, so a known-good key cannot be used to launder guesses.
    with pytest.raises(ClientError) as info:
        ecr_client(server).describe_repositories()
    assert info.value.response["Error"]["Code"] == "ThrottlingException"
