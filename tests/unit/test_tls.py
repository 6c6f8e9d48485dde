"""Self-signed CA and server certificates for ``seawall serve``."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import stat
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import verification

from seawall.errors import InvalidInput
from seawall.settings import Settings
from seawall.tls import (
    SelfSignedFiles,
    ensure_self_signed,
    server_files,
    server_names,
)

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _self_signed(tmp_path: Path, **fields: object) -> Settings:
    return Settings(data_dir=tmp_path, tls_self_signed=True, **fields)  # type: ignore[arg-type]


def _verify(files: SelfSignedFiles, name: x509.GeneralName, when: dt.datetime) -> None:
    """Verify server.pem against ca.pem as a TLS client would, for ``name``."""
    store = verification.Store([_cert(files.ca_cert)])
    verifier = (
        verification.PolicyBuilder().store(store).time(when).build_server_verifier(name)
    )
    verifier.verify(_cert(files.server_cert), [])


def test_settings_without_tls_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="TLS is not enabled"):
        server_files(Settings(data_dir=tmp_path))
    assert not (tmp_path / "tls").exists()


def test_self_signed_files_are_created_with_private_keys_0600(tmp_path: Path) -> None:
    result = server_files(_self_signed(tmp_path), now=NOW)
    files = SelfSignedFiles(tmp_path / "tls")
    assert result == (files.server_cert, files.server_key)
    assert stat.S_IMODE(files.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(files.server_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.ca_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.ca_cert.stat().st_mode) == 0o644
    assert not list(files.directory.glob(".*.tmp"))


@pytest.mark.parametrize(
    "name",
    [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
        x509.DNSName("registry.example.test"),
        x509.DNSName("public.example.test"),
    ],
)
def test_chain_verifies_for_every_name(tmp_path: Path, name: x509.GeneralName) -> None:
    settings = _self_signed(
        tmp_path,
        listen="registry.example.test:5443",
        public_url="https://public.example.test",
    )
    server_files(settings, now=NOW)
    _verify(SelfSignedFiles(tmp_path / "tls"), name, NOW)


def test_chain_does_not_verify_for_other_names(tmp_path: Path) -> None:
    server_files(_self_signed(tmp_path), now=NOW)
    with pytest.raises(verification.VerificationError):
        _verify(SelfSignedFiles(tmp_path / "tls"), x509.DNSName("evil.test"), NOW)


def test_server_names_skip_wildcard_listen_addresses(tmp_path: Path) -> None:
    names = server_names(Settings(data_dir=tmp_path, listen="0.0.0.0:5000"))
    assert names == ("localhost", "127.0.0.1", "::1")
    names = server_names(Settings(data_dir=tmp_path, listen="[::]:5000"))
    assert names == ("localhost", "127.0.0.1", "::1")
    names = server_names(Settings(data_dir=tmp_path, listen="10.1.2.3:5000"))
    assert names == ("localhost", "127.0.0.1", "::1", "10.1.2.3")


def test_server_pem_carries_the_ca_after_the_leaf(tmp_path: Path) -> None:
    files = ensure_self_signed(tmp_path, ("localhost",), now=NOW)
    chain = x509.load_pem_x509_certificates(files.server_cert.read_bytes())
    assert [c.subject for c in chain] == [
        _cert(files.server_cert).subject,
        _cert(files.ca_cert).subject,
    ]
    ca = chain[1].extensions.get_extension_for_class(x509.BasicConstraints).value
    leaf = chain[0].extensions.get_extension_for_class(x509.BasicConstraints).value
    assert ca.ca
    assert not leaf.ca


def test_valid_files_are_reused(tmp_path: Path) -> None:
    files = ensure_self_signed(tmp_path, ("localhost",), now=NOW)
    before = {p: p.read_bytes() for p in tmp_path.glob("*.pem")}
    ensure_self_signed(tmp_path, ("localhost",), now=NOW + dt.timedelta(days=200))
    assert {p: p.read_bytes() for p in tmp_path.glob("*.pem")} == before
    assert len(before) == 4
    assert files.server_key in before


def test_expiring_server_cert_is_renewed_under_the_same_ca(tmp_path: Path) -> None:
    files = ensure_self_signed(tmp_path, ("localhost",), now=NOW)
    ca_before, leaf_before = files.ca_cert.read_bytes(), files.server_cert.read_bytes()
    later = NOW + dt.timedelta(days=380)
    ensure_self_signed(tmp_path, ("localhost",), now=later)
    assert files.ca_cert.read_bytes() == ca_before
    assert files.server_cert.read_bytes() != leaf_before
    _verify(files, x509.DNSName("localhost"), later + dt.timedelta(days=300))


def test_expired_ca_is_remade_with_a_new_server_cert(tmp_path: Path) -> None:
    files = ensure_self_signed(tmp_path, ("localhost",), now=NOW)
    ca_before = files.ca_cert.read_bytes()
    later = NOW + dt.timedelta(days=3700)
    ensure_self_signed(tmp_path, ("localhost",), now=later)
    assert files.ca_cert.read_bytes() != ca_before
    _verify(files, x509.DNSName("localhost"), later)


def test_a_new_host_gets_a_new_server_cert(tmp_path: Path) -> None:
    files = ensure_self_signed(tmp_path, ("localhost",), now=NOW)
    ca_before = files.ca_cert.read_bytes()
    ensure_self_signed(tmp_path, ("localhost", "reg.test"), now=NOW)
    assert files.ca_cert.read_bytes() == ca_before
    _verify(files, x509.DNSName("reg.test"), NOW)


def test_damaged_or_mismatched_files_are_replaced(tmp_path: Path) -> None:
    files = ensure_self_signed(tmp_path, ("localhost",), now=NOW)
    other = ensure_self_signed(tmp_path / "other", ("localhost",), now=NOW)
    files.server_key.write_bytes(other.server_key.read_bytes())
    ensure_self_signed(tmp_path, ("localhost",), now=NOW)
    key = serialization.load_pem_private_key(files.server_key.read_bytes(), None)
    assert _cert(files.server_cert).public_key() == key.public_key()

    files.server_cert.write_text("not a certificate")
    ensure_self_signed(tmp_path, ("localhost",), now=NOW)
    _verify(files, x509.DNSName("localhost"), NOW)


def test_given_certificate_files_are_used_as_they_are(tmp_path: Path) -> None:
    files = ensure_self_signed(tmp_path / "mine", ("localhost",), now=NOW)
    settings = Settings(
        data_dir=tmp_path, tls_cert=files.server_cert, tls_key=files.server_key
    )
    assert server_files(settings) == (files.server_cert, files.server_key)
    assert not (tmp_path / "tls").exists()


def test_given_files_that_are_missing_or_not_pem_are_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN CERTIFICATE-----\nnope\n")
    missing = Settings(data_dir=tmp_path, tls_cert=tmp_path / "a", tls_key=junk)
    with pytest.raises(InvalidInput, match="failed to read TLS file"):
        server_files(missing)
    broken = Settings(data_dir=tmp_path, tls_cert=junk, tls_key=junk)
    with pytest.raises(InvalidInput, match="invalid TLS certificate"):
        server_files(broken)


def test_tls_handshake_trusts_only_the_seawall_ca(tmp_path: Path) -> None:
    result = server_files(_self_signed(tmp_path))
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(*result)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve_two() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"ok")
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve_two, daemon=True)
    thread.start()
    trusting = ssl.create_default_context(cafile=tmp_path / "tls" / "ca.pem")
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        trusting.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.recv(2) == b"ok"

    untrusting = ssl.create_default_context()
    untrusting.load_verify_locations(cadata=_unrelated_ca_pem(tmp_path))
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        untrusting.wrap_socket(raw, server_hostname="localhost")
    thread.join(timeout=5)
    listener.close()


def _unrelated_ca_pem(tmp_path: Path) -> str:
    other = ensure_self_signed(tmp_path / "unrelated", ("localhost",))
    return other.ca_cert.read_text()
