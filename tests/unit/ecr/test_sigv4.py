"""SigV4 verification against requests signed by botocore's own signer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from seawall.auth.principals import Principal, PrincipalKind
from seawall.ecr.errors import EcrError
from seawall.ecr.sigv4 import Credential, SignedRequest, SigV4Verifier

KEY_ID = "AKIASEAWALLTEST00001"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ALICE = Principal(
    arn="arn:aws:iam::000000000000:user/alice",
    name="alice",
    kind=PrincipalKind.USER,
    account="000000000000",
)


class Keys:
    def __init__(self, expires_at: datetime | None = None) -> None:
        self.expires_at = expires_at

    def credential(
        self, access_key_id: str, session_token: str | None
    ) -> Credential | None:
        if access_key_id != KEY_ID or session_token not in (None, "session"):
            return None
        return Credential(KEY_ID, SECRET, ALICE, self.expires_at)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _sign(
    body: bytes = b'{"repositoryName":"app"}',
    *,
    secret: str = SECRET,
    region: str = "us-east-1",
    service: str = "ecr",
    token: str | None = None,
    host: str = "127.0.0.1:5000",
) -> SignedRequest:
    request = AWSRequest(
        method="POST",
        url=f"http://{host}/",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
        },
    )
    SigV4Auth(Credentials(KEY_ID, secret, token), service, region).add_auth(request)
    headers = {k.lower(): [v] for k, v in request.headers.items()}
    headers.setdefault("host", [host])
    return SignedRequest("POST", "/", "", headers, body)


def _verifier(now: datetime | None = None, keys: Keys | None = None) -> SigV4Verifier:
    return SigV4Verifier(keys or Keys(), ["us-east-1"], Clock(now or datetime.now(UTC)))


def _code(verifier: SigV4Verifier, request: SignedRequest) -> str:
    with pytest.raises(EcrError) as info:
        verifier.verify(request)
    return info.value.code


def test_botocore_signature_verifies_and_names_the_principal() -> None:
    verified = _verifier().verify(_sign())
    assert verified.credential.principal == ALICE
    assert verified.region == "us-east-1"


def test_session_token_is_passed_to_the_credential_source() -> None:
    assert _verifier().verify(_sign(token="session")).credential.principal == ALICE
    assert _code(_verifier(), _sign(token="other")) == "UnrecognizedClientException"


def test_wrong_secret_is_an_invalid_signature() -> None:
    assert _code(_verifier(), _sign(secret="x" * 40)) == "InvalidSignatureException"


def test_tampered_body_is_an_invalid_signature() -> None:
    request = _sign()
    tampered = SignedRequest(
        request.method,
        request.path,
        request.query,
        request.headers,
        b'{"repositoryName":"other"}',
    )
    assert _code(_verifier(), tampered) == "InvalidSignatureException"


def test_changed_host_is_an_invalid_signature() -> None:
    request = _sign()
    headers = dict(request.headers, host=["evil.example:5000"])
    moved = SignedRequest("POST", "/", "", headers, request.body)
    assert _code(_verifier(), moved) == "InvalidSignatureException"


def test_unknown_key_is_unrecognized_client() -> None:
    request = _sign()
    auth = request.headers["authorization"][0].replace(KEY_ID, "AKIAUNKNOWN000000000")
    headers = dict(request.headers, authorization=[auth])
    unknown = SignedRequest("POST", "/", "", headers, request.body)
    assert _code(_verifier(), unknown) == "UnrecognizedClientException"


def test_missing_authorization_is_missing_token_403() -> None:
    request = _sign()
    headers = {k: v for k, v in request.headers.items() if k != "authorization"}
    with pytest.raises(EcrError) as info:
        _verifier().verify(SignedRequest("POST", "/", "", headers, request.body))
    assert info.value.code == "MissingAuthenticationTokenException"
    assert info.value.status == 403


def test_other_service_or_region_is_refused() -> None:
    assert _code(_verifier(), _sign(service="s3")) == "InvalidSignatureException"
    assert _code(_verifier(), _sign(region="eu-west-1")) == "InvalidSignatureException"


@pytest.mark.parametrize("offset", [timedelta(minutes=16), timedelta(minutes=-16)])
def test_clock_skew_beyond_15_minutes_is_refused(offset: timedelta) -> None:
    request = _sign()
    verifier = _verifier(now=datetime.now(UTC) + offset)
    with pytest.raises(EcrError) as info:
        verifier.verify(request)
    assert info.value.code == "InvalidSignatureException"
    assert "Signature" in info.value.message


def test_clock_skew_within_15_minutes_is_accepted() -> None:
    request = _sign()
    assert _verifier(now=datetime.now(UTC) + timedelta(minutes=14)).verify(request)


def test_expired_credential_is_expired_token() -> None:
    keys = Keys(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert _code(_verifier(keys=keys), _sign()) == "ExpiredTokenException"


def test_a_remembered_signature_cannot_be_replayed_later() -> None:
    now = datetime.now(UTC)
    clock = Clock(now)
    verifier = SigV4Verifier(Keys(), ["us-east-1"], clock)
    request = _sign()
    verified = verifier.verify(request)
    verifier.verify(request)  # not yet remembered: a retry after a failure
    verifier.remember(verified)
    verifier.verify(request)  # the same second: an honest duplicate
    clock.now = now + timedelta(seconds=6)
    with pytest.raises(EcrError) as info:
        verifier.verify(request)
    assert info.value.code == "InvalidSignatureException"
    assert "already used" in info.value.message


@pytest.mark.parametrize(
    "authorization",
    [
        "AWS4-HMAC-SHA1 Credential=a/b/c/d/aws4_request, SignedHeaders=host, "
        "Signature=x",
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=x",
        "AWS4-HMAC-SHA256 Credential=short, SignedHeaders=host, Signature=x",
        "AWS4-HMAC-SHA256 garbage",
    ],
)
def test_malformed_authorization_is_incomplete_signature(authorization: str) -> None:
    request = _sign()
    headers = dict(request.headers, authorization=[authorization])
    bad = SignedRequest("POST", "/", "", headers, request.body)
    assert _code(_verifier(), bad) == "IncompleteSignatureException"


def test_unsigned_host_header_is_refused() -> None:
    request = _sign()
    auth = request.headers["authorization"][0]
    stripped = auth.replace(
        "SignedHeaders=content-type;host;", "SignedHeaders=content-type;"
    )
    headers = dict(request.headers, authorization=[stripped])
    bad = SignedRequest("POST", "/", "", headers, request.body)
    assert _code(_verifier(), bad) == "InvalidSignatureException"
