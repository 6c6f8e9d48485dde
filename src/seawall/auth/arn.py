"""ARNs and the glob matching used by Action, Resource and condition values.

Repository resources are ``arn:aws:ecr:<region>:<account>:repository/<name>``
(nested names keep their ``/``); principals are
``arn:aws:iam::<account>:user/<name>`` for people and ``...:role/<name>`` for
service identities, so policies written for AWS read the same here.
"""

from __future__ import annotations

import re
from functools import lru_cache

PARTITION = "aws"


def repository_arn(region: str, account: str, repository: str) -> str:
    """The ARN of ``repository`` in this registry."""
    return f"arn:{PARTITION}:ecr:{region}:{account}:repository/{repository}"


def principal_arn(account: str, kind: str, name: str) -> str:
    """The ARN of a user (``kind="user"``) or service identity (``"service"``)."""
    resource = "user" if kind == "user" else "role"
    return f"arn:{PARTITION}:iam::{account}:{resource}/{name}"


def group_arn(account: str, name: str) -> str:
    return f"arn:{PARTITION}:iam::{account}:group/{name}"


def account_root_arn(account: str) -> str:
    return f"arn:{PARTITION}:iam::{account}:root"


def arn_account(arn: str) -> str:
    """The account field of ``arn`` ("" when it is not an ARN)."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[0] == "arn" else ""


@lru_cache(maxsize=4096)
def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(
        ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern
    )
    return re.compile(
        f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    )


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """True when ``value`` matches ``pattern`` (``*`` any run, ``?`` one char)."""
    if "*" not in pattern and "?" not in pattern:
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return _compile(pattern, ignore_case).match(value) is not None


def arn_like(pattern: str, value: str) -> bool:
    """ArnLike: each of the six colon fields matched as a glob on its own."""
    pattern_parts = pattern.split(":", 5)
    value_parts = value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return glob_match(pattern, value)
    return all(
        glob_match(p, v) for p, v in zip(pattern_parts, value_parts, strict=True)
    )
