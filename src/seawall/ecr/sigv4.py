"""AWS Signature Version 4 verification for the ECR API.

The verifier rebuilds the canonical request botocore signed (method, path,
query, the headers named in ``SignedHeaders``, the SHA-256 of the body),
derives the signing key from the caller's secret and compares signatures
in constant time. It also enforces what SigV4 leaves to the server:

- the credential scope names service ``ecr`` and a configured region, and
  its date is the date of ``X-Amz-Date``;
- ``X-Amz-Date`` is within ``max_skew`` of the server clock (15 minutes);
- ``host`` and ``x-amz-date`` are signed, so a request cannot be aimed at
  another server or another time;
- a signature that already changed state (see :class:`ReplayGuard`) is not
  accepted again while it is still fresh.

Failures raise :class:`~seawall.ecr.errors.EcrError` with the codes AWS
JSON services use, which botocore surfaces as ``ClientError``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import quote, unquote

from seawall.auth.principals import Principal
from seawall.ecr.errors import EcrError

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "ecr"
DEFAULT_MAX_SKEW = timedelta(minutes=15)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_AUTH_PARAM = re.compile(r"\s*([A-Za-z]+)=([^,\s]*)\s*")


class CredentialRejected(EcrError):
    """An unknown key or a wrong signature: what a guessed secret looks like."""


@dataclass(frozen=True)
class Credential:
    """What the server knows about an access key."""

    access_key_id: str
    secret: str = field(repr=False)
    principal: Principal
    expires_at: datetime | None = None


class CredentialSource(Protocol):
    def credential(
        self, access_key_id: str, session_token: str | None
    ) -> Credential | None:
        """The credential for the key (and session token), None when unknown."""


@dataclass(frozen=True)
class SignedRequest:
    """The parts of an HTTP request that SigV4 covers."""

    method: str
    path: str
    query: str
    headers: Mapping[str, list[str]]  # lower-case names, values in order
    body: bytes


@dataclass(frozen=True)
class Verified:
    """A request whose signature checked out."""

    credential: Credential
    region: str
    signature: str
    signed_at: datetime


@dataclass(frozen=True)
class _Authorization:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


class ReplayGuard:
    """Refuses a state-changing signed request seen again later.

    A client signs with its current time to the second, so the only
    identical signatures an honest client produces are requests repeated
    within the same second (parallel uploads, a tag set twice). A signature
    that comes back more than ``grace`` after its first success was copied:
    it is refused for as long as it is fresh (within the skew window).
    Signatures are remembered only once their request succeeded, so a
    retry after a failure goes through. The memory is per process and
    bounded. TODO(seawall): share it between nodes (the metadata database)
    so a replay against another node behind a load balancer is refused too.
    """

    def __init__(
        self,
        window: timedelta,
        grace: timedelta = timedelta(seconds=5),
        capacity: int = 100_000,
    ) -> None:
        self.window = window
        self.grace = grace
        self.capacity = capacity
        self._seen: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()

    def is_replay(self, signature: str, now: datetime) -> bool:
        with self._lock:
            first = self._seen.get(signature)
        return first is not None and now - first > self.grace

    def remember(self, signature: str, now: datetime) -> None:
        with self._lock:
            self._seen.setdefault(signature, now)
            while self._seen and (
                len(self._seen) > self.capacity
                or next(iter(self._seen.values())) < now - 2 * self.window
            ):
                self._seen.popitem(last=False)


class SigV4Verifier:
    """Verifies SigV4-signed requests against a :class:`CredentialSource`."""

    def __init__(
        self,
        credentials: CredentialSource,
        regions: Iterable[str],
        clock: Callable[[], datetime],
        max_skew: timedelta = DEFAULT_MAX_SKEW,
    ) -> None:
        self.credentials = credentials
        self.regions = frozenset(regions)
        self.clock = clock
        self.max_skew = max_skew
        self.replays = ReplayGuard(max_skew)

    def verify(self, request: SignedRequest) -> Verified:
        """The verified credential; raises EcrError when the request fails SigV4."""
        auth = _parse_authorization(_header(request, "authorization"))
        signed_at = self._check_scope_and_time(request, auth)
        credential = self._credential(request, auth)
        expected = _signature(request, auth, credential.secret)
        if not hmac.compare_digest(expected, auth.signature.lower()):
            raise CredentialRejected(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature "
                "you provided. Check your AWS Secret Access Key and signing method.",
            )
        if self.replays.is_replay(auth.signature, self.clock()):
            raise EcrError(
                "InvalidSignatureException",
                "invalid signature: this signed request was already used; "
                "sign the request again",
            )
        return Verified(credential, auth.region, auth.signature, signed_at)

    def remember(self, verified: Verified) -> None:
        """Refuse this signature from now on (call after a state change)."""
        self.replays.remember(verified.signature, self.clock())

    def _check_scope_and_time(
        self, request: SignedRequest, auth: _Authorization
    ) -> datetime:
        if auth.service != SERVICE:
            raise EcrError(
                "InvalidSignatureException",
                f"Credential should be scoped to correct service: '{SERVICE}'.",
            )
        if auth.region not in self.regions:
            raise EcrError(
                "InvalidSignatureException",
                f"Credential should be scoped to a valid region, not "
                f"'{auth.region}'. Valid: {', '.join(sorted(self.regions))}.",
            )
        for name in ("host", "x-amz-date"):
            if name not in auth.signed_headers:
                raise EcrError(
                    "InvalidSignatureException",
                    f"invalid signature: header '{name}' must be signed",
                )
        signed_at = _amz_date(_header(request, "x-amz-date"))
        if auth.date != signed_at.strftime("%Y%m%d"):
            raise EcrError(
                "InvalidSignatureException",
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                "version of date from HTTP",
            )
        self._check_skew(signed_at)
        return signed_at

    def _check_skew(self, signed_at: datetime) -> None:
        now = self.clock()
        stamp = signed_at.strftime(_AMZ_DATE)
        if signed_at < now - self.max_skew:
            earliest = (now - self.max_skew).strftime(_AMZ_DATE)
            raise EcrError(
                "InvalidSignatureException",
                f"Signature expired: {stamp} is now earlier than {earliest} "
                f"({now.strftime(_AMZ_DATE)} - 15 min.)",
            )
        if signed_at > now + self.max_skew:
            latest = (now + self.max_skew).strftime(_AMZ_DATE)
            raise EcrError(
                "InvalidSignatureException",
                f"Signature not yet current: {stamp} is still later than {latest} "
                f"({now.strftime(_AMZ_DATE)} + 15 min.)",
            )

    def _credential(self, request: SignedRequest, auth: _Authorization) -> Credential:
        token = request.headers.get("x-amz-security-token", [None])[0]
        credential = self.credentials.credential(auth.access_key_id, token)
        if credential is None:
            raise CredentialRejected(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        if credential.expires_at is not None and credential.expires_at <= self.clock():
            raise EcrError(
                "ExpiredTokenException",
                "The security token included in the request is expired",
            )
        return credential


def _header(request: SignedRequest, name: str) -> str:
    values = request.headers.get(name)
    if not values:
        if name == "authorization":
            raise EcrError(
                "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        raise EcrError(
            "IncompleteSignatureException",
            f"invalid request: the {name} header is required for SigV4",
        )
    return values[0]


def _parse_authorization(header: str) -> _Authorization:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise EcrError(
            "IncompleteSignatureException",
            f"unsupported authorization algorithm '{algorithm}': use {ALGORITHM}",
        )
    params: dict[str, str] = {}
    for part in rest.split(","):
        match = _AUTH_PARAM.fullmatch(part)
        if match is None:
            raise EcrError(
                "IncompleteSignatureException",
                f"invalid Authorization header element '{part.strip()}'",
            )
        params[match.group(1)] = match.group(2)
    missing = [
        k for k in ("Credential", "SignedHeaders", "Signature") if k not in params
    ]
    if missing:
        raise EcrError(
            "IncompleteSignatureException",
            f"Authorization header requires '{missing[0]}' parameter.",
        )
    scope = params["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not scope[0]:
        raise EcrError(
            "IncompleteSignatureException",
            "invalid credential scope: expected "
            "<key id>/<yyyymmdd>/<region>/<service>/aws4_request",
        )
    return _Authorization(
        access_key_id=scope[0],
        date=scope[1],
        region=scope[2],
        service=scope[3],
        signed_headers=tuple(params["SignedHeaders"].split(";")),
        signature=params["Signature"],
    )


def _amz_date(value: str) -> datetime:
    try:
        return datetime.strptime(value, _AMZ_DATE).replace(tzinfo=UTC)
    except ValueError as exc:
        raise EcrError(
            "IncompleteSignatureException",
            f"invalid X-Amz-Date '{value}': expected yyyyMMddTHHmmssZ",
        ) from exc


def _signature(request: SignedRequest, auth: _Authorization, secret: str) -> str:
    canonical = canonical_request(request, auth.signed_headers)
    scope = f"{auth.date}/{auth.region}/{auth.service}/aws4_request"
    string_to_sign = "\n".join(
        (
            ALGORITHM,
            _header(request, "x-amz-date"),
            scope,
            hashlib.sha256(canonical.encode()).hexdigest(),
        )
    )
    key = signing_key(secret, auth.date, auth.region, auth.service)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The SigV4 key derived by the HMAC chain date -> region -> service."""
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def canonical_request(request: SignedRequest, signed_headers: Iterable[str]) -> str:
    """The SigV4 canonical request for ``request`` over ``signed_headers``."""
    names = sorted(signed_headers)
    lines = [
        request.method.upper(),
        _canonical_path(request.path),
        _canonical_query(request.query),
    ]
    for name in names:
        values = request.headers.get(name)
        if values is None:
            raise EcrError(
                "InvalidSignatureException",
                f"invalid signature: signed header '{name}' is missing",
            )
        lines.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}")
    lines += ["", ";".join(names), _payload_hash(request)]
    return "\n".join(lines)


def _payload_hash(request: SignedRequest) -> str:
    actual = hashlib.sha256(request.body).hexdigest()
    declared = request.headers.get("x-amz-content-sha256", [actual])[0]
    if declared != actual:
        raise EcrError(
            "InvalidSignatureException",
            "invalid signature: the payload must be signed and match "
            "x-amz-content-sha256",
        )
    return actual


def _canonical_path(path: str) -> str:
    return quote(unquote(path) or "/", safe="/-_.~")


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for item in query.split("&"):
        key, _, value = item.partition("=")
        pairs.append(
            (quote(unquote(key), safe="-_.~"), quote(unquote(value), safe="-_.~"))
        )
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))
