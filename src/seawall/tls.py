"""TLS for ``seawall serve``: the operator's certificate, or a self-signed one.

With ``tls_cert``/``tls_key`` in settings the server uses those files as
given. With ``tls_self_signed`` it keeps a private CA and a server
certificate issued by it in ``data_dir/tls/``::

    data_dir/tls/
        ca.pem            the CA certificate clients trust (copy it to a
                          client's ca.crt, e.g. /etc/containers/certs.d/HOST:PORT/)
        ca-key.pem        the CA's private key (0600), kept to renew server.pem
        server.pem        the server certificate followed by the CA certificate
        server-key.pem    the server's private key (0600)

Files are reused while valid. The server certificate is re-issued when it is
expired or near expiry, when it does not name the configured host, or when
it was not issued by the current CA; the CA is re-made (and with it the
server certificate) only when the CA itself is expired or near expiry, so
clients keep trusting the same ``ca.pem`` across restarts and renewals.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import ipaddress
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from seawall.errors import InvalidInput
from seawall.logging import get_logger
from seawall.settings import Settings

log = get_logger(__name__)

TLS_DIRNAME = "tls"
CA_VALIDITY = dt.timedelta(days=3650)
# 397 days: the longest validity browsers and Go clients accept for leaf certs.
SERVER_VALIDITY = dt.timedelta(days=397)
# Renew this long before expiry so a running server never serves a dead cert.
RENEW_BEFORE = dt.timedelta(days=30)
# The server answers on loopback under these names whatever the listen host.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_WILDCARD_HOSTS = ("", "0.0.0.0", "::")  # noqa: S104 - names, not a bind

PrivateKey = ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class SelfSignedFiles:
    """Where the self-signed CA and server certificate live."""

    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.directory / "ca-key.pem"

    @property
    def server_cert(self) -> Path:
        return self.directory / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.directory / "server-key.pem"


def server_files(
    settings: Settings, *, now: dt.datetime | None = None
) -> tuple[Path, Path]:
    """The (certfile, keyfile) ``seawall serve`` should use when TLS is on.

    Given ``tls_cert``/``tls_key`` are checked to be readable PEM and returned
    as they are. Otherwise, with ``tls_self_signed``, the self-signed files in
    ``data_dir/tls/`` are created or renewed as needed. Raises InvalidInput
    for unreadable or unparsable certificate files, and when the settings
    enable no TLS at all (check ``settings.tls_enabled`` first).
    """
    if settings.tls_cert is not None and settings.tls_key is not None:
        _check_given_files(settings.tls_cert, settings.tls_key)
        return settings.tls_cert, settings.tls_key
    if not settings.tls_self_signed:
        raise InvalidInput("invalid settings: TLS is not enabled")
    files = ensure_self_signed(
        settings.data_dir / TLS_DIRNAME, server_names(settings), now=now
    )
    return files.server_cert, files.server_key


def server_names(settings: Settings) -> tuple[str, ...]:
    """Host names and addresses the server certificate must be valid for."""
    names = list(LOOPBACK_NAMES)
    extra = [settings.host, urlsplit(settings.public_url).hostname or ""]
    for name in extra:
        if name not in _WILDCARD_HOSTS and name not in names:
            names.append(name)
    return tuple(names)


def ensure_self_signed(
    directory: Path, names: tuple[str, ...], *, now: dt.datetime | None = None
) -> SelfSignedFiles:
    """Make sure ``directory`` holds a valid CA and a server cert for ``names``.

    Safe to call from several processes at once: they serialise on a lock
    file and every file is replaced atomically.
    """
    now = now or dt.datetime.now(dt.UTC)
    files = SelfSignedFiles(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(directory / ".lock"):
        ca_cert, ca_key = _load_or_make_ca(files, now)
        if not _server_reusable(files, ca_cert, names, now):
            _issue_server_cert(files, ca_cert, ca_key, names, now)
    return files


def _load_or_make_ca(
    files: SelfSignedFiles, now: dt.datetime
) -> tuple[x509.Certificate, PrivateKey]:
    loaded = _load_pair(files.ca_cert, files.ca_key)
    if loaded is not None and _fresh(loaded[0], now):
        return loaded
    log.info("tls_ca_created", path=str(files.ca_cert))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _build_ca(key, now)
    _write_private(files.ca_key, _key_pem(key))
    _write_public(files.ca_cert, cert.public_bytes(serialization.Encoding.PEM))
    # A new CA invalidates the old server certificate.
    files.server_cert.unlink(missing_ok=True)
    return cert, key


def _build_ca(key: PrivateKey, now: dt.datetime) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Seawall"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Seawall self-signed CA"),
        ]
    )
    usage = _key_usage(signature=True, cert_sign=True)
    public = key.public_key()
    return (
        _base_builder(name, name, public, now, CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), False)
        .sign(key, hashes.SHA256())
    )


def _issue_server_cert(
    files: SelfSignedFiles,
    ca_cert: x509.Certificate,
    ca_key: PrivateKey,
    names: tuple[str, ...],
    now: dt.datetime,
) -> None:
    log.info("tls_server_certificate_issued", names=list(names))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _build_server(key, ca_cert, ca_key, names, now)
    chain = cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(
        serialization.Encoding.PEM
    )
    # Key first: a reader never pairs the new certificate with the old key.
    _write_private(files.server_key, _key_pem(key))
    _write_public(files.server_cert, chain)


def _build_server(
    key: PrivateKey,
    ca_cert: x509.Certificate,
    ca_key: PrivateKey,
    names: tuple[str, ...],
    now: dt.datetime,
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    issuer_id = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
        ca_ski.value
    )
    public = key.public_key()
    server_auth = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
    return (
        _base_builder(subject, ca_cert.subject, public, now, SERVER_VALIDITY)
        .add_extension(x509.SubjectAlternativeName(_san(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(_key_usage(signature=True, cert_sign=False), critical=True)
        .add_extension(server_auth, critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), False)
        .add_extension(issuer_id, critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _base_builder(
    subject: x509.Name,
    issuer: x509.Name,
    public: ec.EllipticCurvePublicKey,
    now: dt.datetime,
    validity: dt.timedelta,
) -> x509.CertificateBuilder:
    # Backdated an hour so a client whose clock lags a little still accepts it.
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + validity)
    )


def _key_usage(*, signature: bool, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _san(names: tuple[str, ...]) -> list[x509.GeneralName]:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return entries


def _server_reusable(
    files: SelfSignedFiles,
    ca_cert: x509.Certificate,
    names: tuple[str, ...],
    now: dt.datetime,
) -> bool:
    """True when server.pem is fresh, issued by ``ca_cert``, names ``names``
    and matches server-key.pem."""
    loaded = _load_pair(files.server_cert, files.server_key)
    if loaded is None:
        return False
    cert, key = loaded
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    same_key = cert.public_key() == key.public_key()
    return same_key and _fresh(cert, now) and _covers(cert, names)


def _fresh(cert: x509.Certificate, now: dt.datetime) -> bool:
    started = cert.not_valid_before_utc <= now
    return started and now + RENEW_BEFORE < cert.not_valid_after_utc


def _covers(cert: x509.Certificate, names: tuple[str, ...]) -> bool:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return False
    return set(_san(names)) <= set(san.value)


def _load_pair(
    cert_path: Path, key_path: Path
) -> tuple[x509.Certificate, PrivateKey] | None:
    """A certificate and its EC key from PEM files, or None when absent or bad."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    return cert, key


def _check_given_files(cert_path: Path, key_path: Path) -> None:
    """Fail early, in plain words, on operator-given files the server cannot use."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        serialization.load_pem_private_key(key_path.read_bytes(), None)
    except OSError as exc:
        raise InvalidInput(f"failed to read TLS file: {exc}") from exc
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            f"invalid TLS certificate or key ({cert_path}, {key_path}): {exc}"
        ) from exc
    if cert.not_valid_after_utc < dt.datetime.now(dt.UTC):
        log.warning("tls_certificate_expired", path=str(cert_path))


def _key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, data: bytes) -> None:
    _write_atomic(path, data, 0o600)


def _write_public(path: Path, data: bytes) -> None:
    _write_atomic(path, data, 0o644)


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a temporary file created with ``mode``, then rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
