"""Field encryption bound to its row (AES-GCM associated data) and the upgrade of unbound values."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime, time, timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sanic import Sanic

from core.booking import service
from core.booking.commands import Book
from core.booking.rules import SHANGHAI
from core.booking.slots import open_slot
from core.crypto import FieldCipher, FieldDecryptError
from core.field_binding import (
    BOOKING_PERSONAL,
    SESSION_KEY,
    WAITLIST_PERSONAL,
    booking_row_key,
    rebind_legacy_fields,
    session_row_key,
    waitlist_row_key,
)
from core.models import Booking, MiniappSession, MiniappUser, Slot, WaitlistEntry
from tests.miniapp_api.conftest import make_id

SECRET = "k" * 40
ID_A = make_id("19900101", male=True)


def _legacy(secret: str, plaintext: str) -> str:
    """A value exactly as the code before row binding wrote it (version 1, no binding)."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"baoshan:field-encryption:v1").derive(secret.encode())
    nonce = os.urandom(12)
    ct = AESGCM(key).encrypt(nonce, plaintext.encode(), b"v1")
    return "v1." + base64.urlsafe_b64encode(nonce + ct).decode()


def test_a_value_decrypts_only_for_its_own_table_column_and_row() -> None:
    cipher = FieldCipher(SECRET)
    at_a = {"table": "booking", "column": "personal_enc", "row_key": booking_row_key("AAAA2222")}
    token = cipher.encrypt(ID_A, **at_a)
    assert token.startswith("v2.") and "3101131990" not in token
    assert cipher.decrypt(token, **at_a) == ID_A
    wrong_places = [
        {**at_a, "row_key": booking_row_key("BBBB3333")},  # another booking, same column
        {**at_a, "column": "masked"},  # another column of the same row
        {**at_a, "table": "booking_waitlist"},  # another table
    ]
    for place in wrong_places:
        with pytest.raises(FieldDecryptError):
            cipher.decrypt(token, **place)
    # A WeChat session key likewise belongs to its session only.
    sk = SESSION_KEY.encrypt(cipher, "sk-secret", row_key=session_row_key("h1"))
    assert SESSION_KEY.decrypt(cipher, sk, row_key=session_row_key("h1")) == "sk-secret"
    with pytest.raises(FieldDecryptError):
        SESSION_KEY.decrypt(cipher, sk, row_key=session_row_key("h2"))
    # The parts are length-prefixed: moving a character from one part to the next is another place.
    split = cipher.encrypt("x", table="ab", column="c", row_key="r")
    with pytest.raises(FieldDecryptError):
        cipher.decrypt(split, table="a", column="bc", row_key="r")
    with pytest.raises(ValueError):
        cipher.encrypt("x", table="booking", column="personal_enc", row_key="")


def test_unreadable_values_raise_one_error_and_a_bound_value_cannot_be_relabelled_legacy() -> None:
    cipher = FieldCipher(SECRET)
    at = {"table": "booking", "column": "personal_enc", "row_key": booking_row_key("AAAA2222")}
    token = cipher.encrypt(ID_A, **at)
    body = token.partition(".")[2]
    # Calling it version 1 (read without binding) must not strip the binding.
    for bad in ["v1." + body, "", "v9." + body, "v2." + body[:10], "v2.***", "v2.é", token[:-2] + "AA"]:
        with pytest.raises(FieldDecryptError):
            cipher.decrypt(bad, **at)
    with pytest.raises(FieldDecryptError):  # an erased (NULL) value
        cipher.decrypt(None, **at)  # type: ignore[arg-type]
    with pytest.raises(FieldDecryptError):  # another install's secret
        FieldCipher("j" * 40).decrypt(token, **at)
    # Version 1 values written before the upgrade stay readable.
    assert cipher.decrypt(_legacy(SECRET, ID_A), **at) == ID_A
    assert FieldCipher.is_legacy(_legacy(SECRET, ID_A)) and not FieldCipher.is_legacy(token)


async def test_upgrade_rebinds_legacy_values_which_stay_readable(app: Sanic) -> None:
    cipher = FieldCipher(app.ctx.settings.secret_key)
    secret = app.ctx.settings.secret_key
    day = (datetime.now(UTC).astimezone(SHANGHAI) + timedelta(days=3)).date()
    starts = datetime.combine(day, time(9), SHANGHAI)
    slot = await open_slot("marriage_registration", starts, starts + timedelta(hours=1), 5)
    later = await open_slot("marriage_registration", starts + timedelta(hours=2),
                            starts + timedelta(hours=3), 5)
    user = await MiniappUser.create(openid="o-legacy")
    body = {"slot_id": slot.id, "phone": "13800000014",
            "party_a": {"name": "张三", "id_number": ID_A},
            "party_b": {"name": "李四", "id_number": make_id("19920202", male=False)}}
    booking, _ = await service.book(cipher, Book.from_body(body, user_id=user.id), now=datetime.now(UTC))
    personal = {k: v for k, v in body.items() if k != "slot_id"}
    old_personal = _legacy(secret, json.dumps(personal, ensure_ascii=False))
    await Booking.filter(id=booking.id).update(personal_enc=old_personal)
    entry = await WaitlistEntry.create(slot_id=slot.id, user_id=user.id, service=slot.service,
                                       personal_enc=_legacy(secret, '{"name": "陈七"}'), masked={})
    session = await MiniappSession.create(user_id=user.id, token_hash="h" * 64,
                                          session_key_enc=_legacy(secret, "sk-old"),
                                          expires_at=datetime.now(UTC) + timedelta(days=1))
    broken = await MiniappSession.create(user_id=user.id, token_hash="b" * 64,
                                         session_key_enc="v1.not-a-ciphertext",
                                         expires_at=datetime.now(UTC))

    assert await rebind_legacy_fields(cipher, batch_size=2) == 3
    stored = await Booking.get(id=booking.id)
    assert stored.personal_enc.startswith("v2.")
    assert json.loads(BOOKING_PERSONAL.decrypt(cipher, stored.personal_enc,
                                               row_key=booking_row_key(stored.code))) == personal
    entry = await WaitlistEntry.get(id=entry.id)
    assert WAITLIST_PERSONAL.decrypt(cipher, entry.personal_enc,
                                     row_key=waitlist_row_key(slot.id, user.id)) == '{"name": "陈七"}'
    session = await MiniappSession.get(id=session.id)
    assert SESSION_KEY.decrypt(cipher, session.session_key_enc,
                               row_key=session_row_key("h" * 64)) == "sk-old"
    # What does not decrypt is left as it was; a second run finds nothing more to do.
    assert (await MiniappSession.get(id=broken.id)).session_key_enc == "v1.not-a-ciphertext"
    assert await rebind_legacy_fields(cipher) == 0
    # The rebound booking works as before: rescheduling reads and re-validates its data.
    moved = await service.reschedule(cipher, booking.id, later.id, user_id=user.id,
                                     now=datetime.now(UTC))
    assert moved.slot_id == later.id  # type: ignore[attr-defined]
    assert (await Slot.get(id=slot.id)).booked == 0
    # Once rebound, the value no longer decrypts anywhere else.
    with pytest.raises(FieldDecryptError):
        BOOKING_PERSONAL.decrypt(cipher, stored.personal_enc, row_key=booking_row_key("OTHER234"))
