"""Transport security: the server refuses plain HTTP on a non-loopback address unless
told a TLS proxy is in front, and serves HTTPS with a certificate; the client
checks that certificate against the system trust store."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hubdesk.server.testing import server_process
from hubdesk.sync.errors import InsecureConnection
from hubdesk.sync.transport import HttpTransport
from tests.server.test_cli import cli

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return certfile, keyfile


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'server.sqlite3'}"


def test_plain_http_on_a_network_address_is_refused(db: str, tmp_path: Path) -> None:
    refused = cli(db, "serve", "--host", "0.0.0.0", "--port", "0", check=False)
    assert refused.returncode == 1
    assert "refusing to serve plain HTTP" in refused.stderr and "--certfile" in refused.stderr
    assert not Path(db.removeprefix("sqlite:///")).exists()  # refused before anything


@pytest.fixture
def served_tls(db: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    certfile, keyfile = _self_signed(tmp_path)
    with server_process(db, extra_args=("--certfile", str(certfile), "--keyfile", str(keyfile)),
                        cafile=certfile) as running:
        assert running.url.startswith("https://127.0.0.1:")
        yield running.url, certfile


def test_https_with_a_certificate_and_an_untrusted_one_refused(
        served_tls: tuple[str, Path]) -> None:
    url, certfile = served_tls
    with httpx.Client(verify=ssl.create_default_context(cafile=str(certfile))) as trusting:
        assert trusting.get(url + "/v1/health").json()["status"] == "ok"
    transport = HttpTransport(url)  # the OS trust store does not know this certificate
    try:
        with pytest.raises(InsecureConnection):
            transport.health()
    finally:
        transport.close()
