"""HTTPS for `kb serve`: TLS 1.2 or newer, a self-signed demo certificate, plain HTTP only on loopback."""

from __future__ import annotations

import ipaddress
import os
import ssl
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kb.errors import ConfigError

SELF_SIGNED_DAYS = 365
RENEW_BEFORE_DAYS = 7


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(host: str, cert: Path | None, key: Path | None) -> None:
    """Refuse plain HTTP anywhere but loopback, and half a TLS configuration anywhere."""
    if (cert is None) != (key is None):
        raise ConfigError("give both --cert and --key (or KB_SERVER__CERT and KB_SERVER__KEY), or neither")
    if cert is None and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve plain HTTP on {host}: questions may hold patient information. "
            "Give --cert/--key, use --self-signed for a demo, or bind to 127.0.0.1"
        )
    for path in (cert, key):
        if path is not None and not path.is_file():
            raise ConfigError(f"TLS file {path} does not exist")


def server_ssl_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert), str(key))
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"cannot load the TLS certificate {cert} and key {key}: {exc}") from None
    return context


def self_signed_certificate(directory: Path, host: str) -> tuple[Path, Path]:
    """A demo certificate for localhost, 127.0.0.1, ::1 and `host`, made once and renewed near expiry."""
    cert_path, key_path = directory / "self-signed.crt", directory / "self-signed.key"
    if cert_path.is_file() and key_path.is_file() and _still_good(cert_path, host):
        return cert_path, key_path
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    addresses = {"127.0.0.1", "::1"}
    try:
        addresses.add(str(ipaddress.ip_address(host)))
    except ValueError:
        if host not in ("localhost", "0.0.0.0", "::"):
            names.append(x509.DNSName(host))
    names.extend(x509.IPAddress(ipaddress.ip_address(a)) for a in sorted(addresses) if a not in ("0.0.0.0", "::"))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kb self-signed demo")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=SELF_SIGNED_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private_key, hashes.SHA256())
    )
    key_bytes = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(key_path, key_bytes)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def _still_good(cert_path: Path, host: str) -> bool:
    try:
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    covered = {str(n) for n in names.get_values_for_type(x509.DNSName)}
    covered |= {str(a) for a in names.get_values_for_type(x509.IPAddress)}
    fresh = certificate.not_valid_after_utc - datetime.now(timezone.utc) > timedelta(days=RENEW_BEFORE_DAYS)
    return fresh and (host in covered or host in ("0.0.0.0", "::"))


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
