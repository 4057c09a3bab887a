"""TLS for the review app: a self-signed certificate when the city has none.

:func:`self_signed` writes ``review-key.pem`` (mode 0600) and ``review-cert.pem`` under the
folder it is given (``<home>/tls``), for the host names and addresses staff type into
the browser (CN = the first, subjectAltName = all). An existing pair is reused while it
covers the same names and is valid for at least :data:`RENEW_DAYS` more days, so the
certificate that PCs were told to trust does not change at every restart. Uses the
``cryptography`` package (installed with Prefect). Nothing here opens a socket.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 397  # what browsers accept for a server certificate
RENEW_DAYS = 30
KEY_FILE, CERT_FILE = "review-key.pem", "review-cert.pem"
_SERVER_KEY_USAGE = x509.KeyUsage(digital_signature=True, key_encipherment=True, content_commitment=False,
                                  data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                  crl_sign=False, encipher_only=False, decipher_only=False)


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    names: tuple[str, ...]
    sha256: str  # fingerprint of the certificate, AA:BB:… (to check on a client PC)
    spki_sha256: str  # base64 SHA-256 of the public key (Chromium's --ignore-certificate-errors-spki-list)
    created: bool  # False: an existing pair was reused


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        return x509.DNSName(name)


def _describe(cert: x509.Certificate, cert_path: Path, key_path: Path, names: Sequence[str],
              created: bool) -> TlsFiles:
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return TlsFiles(cert_path, key_path, tuple(names),
                    cert.fingerprint(hashes.SHA256()).hex(":").upper(),
                    base64.b64encode(hashlib.sha256(spki).digest()).decode(), created)


def _san_names(cert: x509.Certificate) -> set[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {str(n.value) for n in san}


def _reusable(cert_path: Path, key_path: Path, names: Sequence[str],
              now: datetime) -> x509.Certificate | None:
    if not (cert_path.is_file() and key_path.is_file()):
        return None
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except ValueError:
        return None
    wanted = {str(ipaddress.ip_address(n.strip("[]"))) if _is_ip(n) else n for n in names}
    if _san_names(cert) != wanted or cert.not_valid_after_utc < now + timedelta(days=RENEW_DAYS):
        return None
    return cert


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def self_signed(folder: Path, names: Sequence[str], now: datetime | None = None) -> TlsFiles:
    """A key and self-signed certificate for ``names`` in ``folder`` (reused when still good)."""
    if not names:
        raise ValueError("a certificate needs at least one host name or address")
    now = now or datetime.now(UTC)
    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    existing = _reusable(cert_path, key_path, names, now)
    if existing is not None:
        return _describe(existing, cert_path, key_path, names, created=False)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "yomitori review (self-signed)")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=VALID_DAYS))
            .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_SERVER_KEY_USAGE, critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    _write(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()), mode=0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return _describe(cert, cert_path, key_path, names, created=True)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write atomically with ``mode`` from the start (a key is never readable by others)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def describe(cert_path: Path) -> tuple[str, str]:
    """(SHA-256 fingerprint, base64 SPKI SHA-256) of a PEM certificate (e.g. the city's)."""
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    info = _describe(cert, cert_path, cert_path, (), created=False)
    return info.sha256, info.spki_sha256
