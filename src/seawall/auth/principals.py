"""Who is asking: the Principal record every decision starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from seawall.auth.scope import ResourceScope


class PrincipalKind(Enum):
    USER = "user"  # a person: password for the console and docker login, keys
    SERVICE = "service"  # a pipeline or cluster: access keys only
    ANONYMOUS = "anonymous"  # no credentials; only a Principal "*" grant applies


@dataclass(frozen=True)
class Principal:
    """An authenticated (or anonymous) caller, as policies see it.

    ``groups`` are group names, ``tags`` the principal's tags (the values of
    ``aws:PrincipalTag/<key>``), ``via`` how it authenticated (``"access-key"``,
    ``"password"``, ``"login-token"``, ``"bearer"``, ``"anonymous"``) and
    ``credential_id`` the public id of what it presented (an access key id or a
    token id, never a secret).
    """

    arn: str
    name: str
    kind: PrincipalKind
    account: str
    groups: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    via: str = "anonymous"
    credential_id: str = ""
    principal_id: str = field(default="", compare=False)
    # A bearer token's access claim: the most this request may do (None: no cap).
    token_access: tuple[ResourceScope, ...] | None = None
    # When the credential it presented expires (tokens); None: it does not.
    expires_at: float | None = field(default=None, compare=False)

    @property
    def is_anonymous(self) -> bool:
        return self.kind is PrincipalKind.ANONYMOUS

    @property
    def tag_map(self) -> dict[str, str]:
        return dict(self.tags)


def anonymous(account: str) -> Principal:
    """The caller that presented no credentials."""
    return Principal(arn="*", name="", kind=PrincipalKind.ANONYMOUS, account=account)
