"""An ``https://`` upstream: the sidecar forwards over TLS, verifying the certificate.

The upstream is a real uvicorn serving TLS with a certificate made here; the sidecar
trusts it through ``SSL_CERT_FILE``, as OpenSSL's default verify paths do.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

from tests.conftest import MODELS
from tests.serve.conftest import Sidecar
from tests.serve.test_sidecar_routes import VALID

if TYPE_CHECKING:
    from pathlib import Path


def _certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def _answer(scope: Any, receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"x-seen", b"tls")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b'{"predictions": %d}' % len(body)})


@pytest.fixture
def tls_upstream(tmp_path: Path) -> Any:
    cert, key = _certificate(tmp_path)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    config = uvicorn.Config(_answer, log_level="warning", lifespan="off",
                            ssl_certfile=str(cert), ssl_keyfile=str(key))  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"https://localhost:{sock.getsockname()[1]}", cert
    server.should_exit = True
    thread.join(10)
    sock.close()


def test_a_valid_body_is_forwarded_over_tls(
    tls_upstream: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert = tls_upstream
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # inherited by the sidecar process
    sidecar = Sidecar(MODELS / "iris_sklearn_classifier", url, tmp_path)
    try:
        response = sidecar.post(VALID)
        assert response.status_code == 200
        assert response.headers["x-seen"] == "tls"
        assert response.json() == {"predictions": len(VALID)}
    finally:
        assert sidecar.stop() == 0


def test_an_untrusted_certificate_is_a_502(tls_upstream: Any, tmp_path: Path) -> None:
    url, _ = tls_upstream
    sidecar = Sidecar(MODELS / "iris_sklearn_classifier", url, tmp_path)
    try:
        response = sidecar.post(VALID)
        assert response.status_code == 502
        assert response.json()["upstream"] == url
    finally:
        assert sidecar.stop() == 0
