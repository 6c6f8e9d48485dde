"""Signed tokens: Docker registry bearer tokens and ECR-style login tokens.

Both are JWTs signed with Ed25519 (EdDSA) by a key derived from the root key
with HKDF, so every node that shares the root key issues and accepts the same
tokens, and the public half can be published for other verifiers. PyJWT does
the encoding and the claim checks (exp, nbf, iat, aud, iss) so none of that
is hand-written.

- A **registry token** (``aud`` = the service name) carries the Docker
  ``access`` claim: only what the caller may do in the scopes it asked for.
  It lives ``REGISTRY_TOKEN_TTL`` seconds.
- A **login token** (``aud`` = ``LOGIN_AUDIENCE``) is the password inside
  ``base64("AWS:<password>")``; it lives 12 hours, carries no ``access`` claim
  (every request is authorized afresh) and names the access key it was
  issued from, so disabling that key revokes it. It is base64url, so it never
  holds a colon.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from seawall.auth.principals import Principal
from seawall.auth.scope import ResourceScope
from seawall.crypto.rootkey import derive_key
from seawall.errors import Unauthenticated

PURPOSE = "auth/token-signing"
ISSUER = "seawall"
LOGIN_AUDIENCE = "seawall-login"
REGISTRY_TOKEN_TTL = 300  # the spec's floor is 60 s; docker pulls reuse a token
LOGIN_TOKEN_TTL = 12 * 3600
_LEEWAY = 30
_MAX_VERIFIED = 10_000


@dataclass(frozen=True)
class TokenClaims:
    """What a verified token says."""

    principal_id: str
    subject: str
    expires_at: float
    token_id: str
    access: tuple[ResourceScope, ...] | None  # None for login tokens
    access_key_id: str = ""


class TokenSigner:
    """Issue and verify tokens; holds the signing key."""

    def __init__(self, root_key: bytes, clock: Any) -> None:
        seed = derive_key(root_key, PURPOSE)
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self._public = self._private.public_key()
        raw = self._public.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id = hashlib.sha256(raw).hexdigest()[:16]
        self._clock = clock
        self._verified: dict[bytes, TokenClaims] = {}

    def __repr__(self) -> str:
        return f"TokenSigner(kid={self.key_id})"

    def issue_registry_token(
        self, principal: Principal, service: str, access: list[ResourceScope]
    ) -> tuple[str, int, float]:
        """(token, expires_in, issued_at) for ``access`` (already intersected)."""
        now = self._clock()
        claims = self._base(principal, service, now, REGISTRY_TOKEN_TTL)
        claims["access"] = [scope.as_claim() for scope in access]
        return self._sign(claims), REGISTRY_TOKEN_TTL, now

    def issue_login_token(
        self, principal: Principal, access_key_id: str = ""
    ) -> tuple[str, float]:
        """(password, expires_at) for ``base64("AWS:" + password)``."""
        now = self._clock()
        claims = self._base(principal, LOGIN_AUDIENCE, now, LOGIN_TOKEN_TTL)
        if access_key_id:
            claims["akid"] = access_key_id
        return self._sign(claims), now + LOGIN_TOKEN_TTL

    def verify(self, token: str, audience: str) -> TokenClaims:
        """The claims of a valid token for ``audience``; Unauthenticated else.

        Times are checked against the injected clock, not the wall clock. A
        verified token is remembered (by its SHA-256, never the token) until
        it expires, so a client reusing it costs one signature check.
        """
        key = hashlib.sha256(f"{audience}\n{token}".encode()).digest()
        known = self._verified.get(key)
        if known is not None and known.expires_at + _LEEWAY >= self._clock():
            return known
        claims = self._check(token, audience)
        if len(self._verified) >= _MAX_VERIFIED:
            self._verified = {}
        self._verified[key] = claims
        return claims

    def _check(self, token: str, audience: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=["EdDSA"],
                audience=audience,
                issuer=ISSUER,
                options={
                    "require": ["exp", "iat", "nbf", "sub", "jti", "pid"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidTokenError as exc:
            raise Unauthenticated(
                "invalid token: signature, audience or claims do not check"
            ) from exc
        now = self._clock()
        if float(claims["exp"]) + _LEEWAY < now:
            raise Unauthenticated("invalid token: it has expired")
        if float(claims["nbf"]) - _LEEWAY > now:
            raise Unauthenticated("invalid token: it is not valid yet")
        return _claims(claims)

    def _base(
        self, principal: Principal, audience: str, now: float, ttl: int
    ) -> dict[str, Any]:
        return {
            "iss": ISSUER,
            "sub": principal.name,
            "aud": audience,
            "iat": int(now),
            "nbf": int(now) - 1,
            "exp": int(now) + ttl,
            "jti": uuid.uuid4().hex,
            "pid": principal.principal_id,
        }

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(
            claims,
            self._private,
            algorithm="EdDSA",
            headers={"kid": self.key_id, "typ": "JWT"},
        )


def _claims(raw: dict[str, Any]) -> TokenClaims:
    access = None
    if "access" in raw:
        access = tuple(
            ResourceScope(
                str(e["type"]), str(e["name"]), tuple(str(a) for a in e["actions"])
            )
            for e in raw["access"]
        )
    return TokenClaims(
        principal_id=str(raw["pid"]),
        subject=str(raw["sub"]),
        expires_at=float(raw["exp"]),
        token_id=str(raw["jti"]),
        access=access,
        access_key_id=str(raw.get("akid", "")),
    )
