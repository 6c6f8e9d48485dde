"""Authentication: credentials in, a Principal out.

Accepted on every API: an access key (``Basic id:secret``), a user name and
password, an ECR-style login token (``Basic AWS:<token>``, or the user's own
name with the token) and a Docker bearer token. Verified credentials are
cached as keyed HMACs (never the secret itself) until anything in the access
model changes, so a password costs one argon2 verification per change, not
per request. Every comparison of a presented secret is constant-time.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from seawall.auth.credentials import Credentials
from seawall.auth.identities import IdentityStore
from seawall.auth.inline import require_io
from seawall.auth.keys import AccessKeyStore
from seawall.auth.principals import Principal, anonymous
from seawall.auth.tokens import LOGIN_AUDIENCE, TokenSigner
from seawall.errors import NotFound, Unauthenticated

_KEY_ID = re.compile(r"^(AKIA|ASIA)[A-Z0-9]{12,28}$")
LOGIN_USER = "AWS"
_BAD = "failed to authenticate: invalid credentials"
_MAX_RESOLVED = 50_000


@dataclass(frozen=True)
class _Verified:
    digest: bytes  # HMAC of the presented secret under a per-process key
    principal_id: str


class Authenticator:
    """Turn presented credentials into a Principal; Unauthenticated if wrong."""

    def __init__(
        self,
        identities: IdentityStore,
        keys: AccessKeyStore,
        signer: TokenSigner,
        account: str,
        service: Callable[[], str],
    ) -> None:
        self._identities = identities
        self._keys = keys
        self._signer = signer
        self._account = account
        self._service = service
        self._mac_key = os.urandom(32)
        self._verified: dict[tuple[str, str], _Verified] = {}
        self._principals: dict[str, Principal] = {}
        self._resolved: dict[str, Principal] = {}

    def clear(self) -> None:
        """Forget every cached verification (the access model changed)."""
        self._verified = {}
        self._principals = {}
        self._resolved = {}

    def authenticate(self, credentials: Credentials) -> Principal:
        """The principal behind ``credentials`` (anonymous when none)."""
        if credentials.scheme == "none":
            return anonymous(self._account)
        if credentials.scheme == "bearer":
            return self._bearer(credentials.secret)
        if credentials.username == LOGIN_USER or _looks_like_jwt(credentials.secret):
            return self._login_token(credentials)
        if _KEY_ID.match(credentials.username):
            return self._access_key(credentials.username, credentials.secret)
        return self._password(credentials.username, credentials.secret)

    def principal(self, principal_id: str) -> Principal:
        """The principal with id ``principal_id`` (cached); Unauthenticated if gone."""
        found = self._principals.get(principal_id)
        if found is None:
            require_io()
            try:
                found = self._identities.get_principal_by_id(principal_id)
            except NotFound as exc:
                raise Unauthenticated(_BAD) from exc
            self._principals[principal_id] = found
        return found

    # -- the credential kinds --------------------------------------------

    def _access_key(self, key_id: str, secret: str) -> Principal:
        digest = self._mac(secret)
        cached = self._verified.get(("key", key_id))
        if cached is None:
            require_io()
            stored = self._keys.get_secret(key_id)
            owner = self._keys.owner(key_id) if stored is not None else None
            # Compare even for unknown keys so timing does not reveal them.
            expected = self._mac(stored) if stored is not None else os.urandom(32)
            matches = hmac.compare_digest(digest, expected)
            if owner is None or not matches:
                raise Unauthenticated(_BAD)
            cached = self._verified[("key", key_id)] = _Verified(expected, owner)
        elif not hmac.compare_digest(digest, cached.digest):
            raise Unauthenticated(_BAD)
        resolved = self._resolved.get(key_id)
        if resolved is None:
            resolved = replace(
                self.principal(cached.principal_id),
                via="access-key",
                credential_id=key_id,
            )
            self._resolved[key_id] = resolved
        return resolved

    def _password(self, username: str, password: str) -> Principal:
        digest = self._mac(password)
        cached = self._verified.get(("password", username))
        if cached is not None and hmac.compare_digest(digest, cached.digest):
            return replace(
                self.principal(cached.principal_id),
                via="password",
                credential_id=username,
            )
        require_io()
        found = self._identities.check_password(username, password)
        if found is None:
            raise Unauthenticated(_BAD)
        self._verified[("password", username)] = _Verified(digest, found.principal_id)
        return replace(found, via="password", credential_id=username)

    def _login_token(self, credentials: Credentials) -> Principal:
        claims = self._signer.verify(credentials.secret, LOGIN_AUDIENCE)
        if credentials.username not in (LOGIN_USER, claims.subject):
            raise Unauthenticated(_BAD)
        found = self.principal(claims.principal_id)
        if claims.access_key_id and not self._key_active(
            claims.access_key_id, found.principal_id
        ):
            raise Unauthenticated(
                "invalid token: the access key it came from is no longer active"
            )
        return replace(
            found,
            via="login-token",
            credential_id=claims.token_id,
            expires_at=claims.expires_at,
        )

    def _bearer(self, token: str) -> Principal:
        claims = self._signer.verify(token, self._service())
        resolved = self._resolved.get(f"bearer:{claims.token_id}")
        if resolved is not None:
            return resolved
        found = (
            self.principal(claims.principal_id)
            if claims.principal_id
            else anonymous(self._account)
        )
        resolved = replace(
            found,
            via="bearer",
            credential_id=claims.token_id,
            token_access=claims.access or (),
            expires_at=claims.expires_at,
        )
        if len(self._resolved) > _MAX_RESOLVED:
            self._resolved = {}
        self._resolved[f"bearer:{claims.token_id}"] = resolved
        return resolved

    def _key_active(self, key_id: str, principal_id: str) -> bool:
        cached = self._verified.get(("key-owner", key_id))
        if cached is None:
            require_io()
            owner = self._keys.owner(key_id)
            if owner is None:
                return False
            cached = self._verified[("key-owner", key_id)] = _Verified(b"", owner)
        return cached.principal_id == principal_id

    def _mac(self, secret: str) -> bytes:
        return hmac.digest(self._mac_key, secret.encode(), "sha256")


def _looks_like_jwt(secret: str) -> bool:
    return secret.startswith("eyJ") and secret.count(".") == 2
