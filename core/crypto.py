"""Field encryption for personal data, keyed lookups, and masking.

Keys are derived from ``settings.secret_key`` with HKDF, one per purpose, so the encryption key
and the lookup key are independent even though they come from one secret. AES-GCM authenticates
the ciphertext: a tampered or foreign value fails to decrypt instead of yielding garbage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"baoshan:" + purpose).derive(secret.encode("utf-8"))


class FieldCipher:
    """Encrypts short strings (ID numbers, phones, WeChat session keys) for storage."""

    def __init__(self, secret_key: str) -> None:
        self._aead = AESGCM(_derive(secret_key, b"field-encryption:v1"))
        self._lookup_key = _derive(secret_key, b"lookup-hmac:v1")

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)  # random 96-bit nonce: safe for far more values than we store
        ct = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _VERSION.encode())
        return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + ct).decode('ascii')}"

    def decrypt(self, token: str) -> str:
        version, _, body = token.partition(".")
        if version != _VERSION:
            raise ValueError("unknown ciphertext version")
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
        return self._aead.decrypt(raw[:12], raw[12:], _VERSION.encode()).decode("utf-8")

    def lookup_hash(self, value: str) -> str:
        """A keyed hash for equality lookups (uniqueness rules) that reveals nothing without the key;
        a plain SHA-256 of an ID number could be reversed by enumerating birth dates."""
        return hmac.new(self._lookup_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def sign(self, value: str, length: int = 16) -> str:
        return self.lookup_hash("sig:" + value)[:length]


def mask_id_number(value: str) -> str:
    """3101**********0014: region prefix and last four, enough for a resident to recognise it."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****0014."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张*明 / 李*: keeps the surname and, for longer names, the last character."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
