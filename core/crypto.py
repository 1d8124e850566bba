"""Field encryption for personal data, keyed lookups, and masking.

Keys are derived from ``settings.secret_key`` with HKDF, one per purpose, so the encryption key
and the lookup key are independent even though they come from one secret. AES-GCM authenticates
the ciphertext: a tampered or foreign value fails to decrypt instead of yielding garbage.

Version 2 values are also bound to where they are stored: the associated data names the table,
the column and a row key that never changes over the row's life. A value copied into another row
or column fails authentication like a tampered one, so someone who can write to the database
cannot make the service decrypt one resident's data in the context of another's booking.
Version 1 values (no binding) are still read, so older databases keep working until
``core.field_binding.rebind_legacy_fields`` has rewritten them as version 2.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v2"
_LEGACY_VERSION = "v1"
_NONCE_BYTES = 12


class FieldDecryptError(ValueError):
    """A stored value that cannot be read: tampered, copied from another row or column, written
    under another secret key, or erased. Callers treat the record as unreadable; the message never
    contains the value itself."""


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"baoshan:" + purpose).derive(secret.encode("utf-8"))


def _associated_data(table: str, column: str, row_key: str) -> bytes:
    """Version, table, column and row key, each length-prefixed: no choice of row key can make
    two different (table, column, row) triples produce the same bytes."""
    if not (table and column and row_key):
        # A missing binding would silently give every row the same context: a programming error.
        raise ValueError("table, column and row_key must be non-empty")
    out = bytearray()
    for part in (_VERSION, table, column, row_key):
        raw = part.encode("utf-8")
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


class FieldCipher:
    """Encrypts short strings (ID numbers, phones, WeChat session keys) for storage, each bound to
    the table, column and row it is stored in."""

    def __init__(self, secret_key: str) -> None:
        # Both versions share one key; only the associated data differs.
        self._aead = AESGCM(_derive(secret_key, b"field-encryption:v1"))
        self._lookup_key = _derive(secret_key, b"lookup-hmac:v1")

    def encrypt(self, plaintext: str, *, table: str, column: str, row_key: str) -> str:
        aad = _associated_data(table, column, row_key)
        nonce = os.urandom(_NONCE_BYTES)  # random 96-bit nonce: safe for far more values than we store
        ct = self._aead.encrypt(nonce, plaintext.encode("utf-8"), aad)
        return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + ct).decode('ascii')}"

    def decrypt(self, token: str | None, *, table: str, column: str, row_key: str) -> str:
        """The plaintext, or FieldDecryptError for anything else (including an empty or NULL
        value). A version 1 value is read without its binding: see ``is_legacy``."""
        if not isinstance(token, str) or not token:
            raise FieldDecryptError("empty value")
        version, _, body = token.partition(".")
        if version == _VERSION:
            aad = _associated_data(table, column, row_key)
        elif version == _LEGACY_VERSION:
            aad = _LEGACY_VERSION.encode()  # written before row binding existed
        else:
            raise FieldDecryptError("unknown ciphertext version")
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            if len(raw) <= _NONCE_BYTES:
                raise FieldDecryptError("truncated ciphertext")
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad).decode("utf-8")
        except (InvalidTag, binascii.Error, UnicodeError) as exc:
            # InvalidTag also covers a value copied from another row, column or install.
            raise FieldDecryptError("ciphertext does not authenticate") from exc

    @staticmethod
    def is_legacy(token: object) -> bool:
        """A version 1 value: readable anywhere it is copied to, so the upgrade rewrites it."""
        return isinstance(token, str) and token.startswith(_LEGACY_VERSION + ".")

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
