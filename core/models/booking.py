"""Mini-program users, slots, bookings and what keeps their rules true under concurrency.

Personal data is stored only encrypted (``*_enc``) plus a masked copy for display. Uniqueness rules
(one active marriage booking per person, …) are enforced by the unique ``BookingClaim.key``: a
claim row exists exactly while its booking is active, so two concurrent requests cannot both pass.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class MiniappUser(Model):
    id = fields.BigIntField(primary_key=True)
    openid = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "miniapp_user"


class MiniappSession(Model):
    """A login token: only its SHA-256 is stored, so a database leak yields no usable tokens."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[MiniappUser] = fields.ForeignKeyField(
        "core.MiniappUser", related_name="sessions", on_delete=fields.CASCADE)
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    session_key_enc = fields.TextField()  # WeChat's session_key never leaves the server
    expires_at = fields.DatetimeField(db_index=True)
    revoked = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "miniapp_session"


class Slot(Model):
    id = fields.BigIntField(primary_key=True)
    service = fields.CharField(max_length=32, db_index=True)
    title = fields.CharField(max_length=200, default="")
    # A short theme staff set (a 520 or 七夕 ceremony, a 红色文化 day); "" when the slot has none.
    theme = fields.CharField(max_length=100, default="")
    # Where it happens when a service has several places (a cemetery, a youth event's venue).
    place = fields.CharField(max_length=100, default="")
    # Age range on the slot's day for services that have one (youth events); null = no limit.
    age_min = fields.IntField(null=True)
    age_max = fields.IntField(null=True)
    # Split the capacity evenly between men and women (read from the ID number).
    gender_split = fields.BooleanField(default=False)
    starts_at = fields.DatetimeField(db_index=True)  # UTC
    ends_at = fields.DatetimeField()
    capacity = fields.IntField()
    # Only ever changed by one conditional UPDATE (see core.booking.service); never read-then-saved.
    booked = fields.IntField(default=0)
    # Of ``booked``, the places held by men and by women (youth events, where the ID number gives
    # the sex); changed only in the same conditional UPDATE as ``booked`` (core.booking.capacity).
    booked_m = fields.IntField(default=0)
    booked_f = fields.IntField(default=0)
    opens_at = fields.DatetimeField(null=True)
    # Set when staff close the slot: no new bookings, and its bookings become "closed".
    closed_at = fields.DatetimeField(null=True)
    closed_reason = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    bookings: fields.ReverseRelation[Booking]
    waitlist: fields.ReverseRelation[WaitlistEntry]

    class Meta:
        table = "booking_slot"


class Booking(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[MiniappUser] = fields.ForeignKeyField(
        "core.MiniappUser", related_name="bookings", on_delete=fields.CASCADE)
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField(
        "core.Slot", related_name="bookings", on_delete=fields.RESTRICT)
    # Tortoise adds the `<fk>_id` attributes at runtime; declared for the type checker.
    user_id: int
    slot_id: int
    service = fields.CharField(max_length=32)
    status = fields.CharField(max_length=16, default="confirmed", db_index=True)
    code = fields.CharField(max_length=16, unique=True)
    party_size = fields.IntField(default=1)
    # "M"/"F": which gender's count (Slot.booked_m / booked_f) this booking's places are in, so
    # cancelling or closing gives back the right one without decrypting anything; "" for none.
    gender_place = fields.CharField(max_length=1, default="")
    personal_enc = fields.TextField()
    masked: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    cancelled_at = fields.DatetimeField(null=True)
    checked_in_at = fields.DatetimeField(null=True)
    no_show_at = fields.DatetimeField(null=True)
    # Why staff cancelled it (shown to the resident); "" when the resident cancelled it themselves.
    cancel_reason = fields.CharField(max_length=200, default="")

    class Meta:
        table = "booking"


class BookingLookup(Model):
    """Exact-match search over encrypted personal data: a keyed hash (``FieldCipher.lookup_hash``)
    of each normalised phone and name of a booking, "phone:<hmac>" / "name:<hmac>". Without the
    secret key the hashes reveal nothing; with it, staff find a booking by what the resident says
    at the counter without decrypting every row (core.booking.search)."""

    id = fields.BigIntField(primary_key=True)
    booking: fields.ForeignKeyRelation[Booking] = fields.ForeignKeyField(
        "core.Booking", related_name="lookups", on_delete=fields.CASCADE)
    booking_id: int
    key = fields.CharField(max_length=80, db_index=True)

    class Meta:
        table = "booking_lookup"
        unique_together = (("booking", "key"),)


class BookingClaim(Model):
    """One row per uniqueness rule an active booking holds, deleted when the booking ends."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=160, unique=True)
    booking: fields.ForeignKeyRelation[Booking] = fields.ForeignKeyField(
        "core.Booking", related_name="claims", on_delete=fields.CASCADE)
    booking_id: int

    class Meta:
        table = "booking_claim"


class IdempotencyKey(Model):
    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[MiniappUser] = fields.ForeignKeyField(
        "core.MiniappUser", related_name="idempotency_keys", on_delete=fields.CASCADE)
    key = fields.CharField(max_length=100)
    booking: fields.ForeignKeyNullableRelation[Booking] = fields.ForeignKeyField(
        "core.Booking", related_name="idempotency_keys", null=True, on_delete=fields.CASCADE)
    user_id: int
    booking_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "booking_idempotency"
        unique_together = (("user", "key"),)


class WaitlistEntry(Model):
    id = fields.BigIntField(primary_key=True)
    slot: fields.ForeignKeyRelation[Slot] = fields.ForeignKeyField(
        "core.Slot", related_name="waitlist", on_delete=fields.CASCADE)
    user: fields.ForeignKeyRelation[MiniappUser] = fields.ForeignKeyField(
        "core.MiniappUser", related_name="waitlist", on_delete=fields.CASCADE)
    slot_id: int
    user_id: int
    service = fields.CharField(max_length=32)
    status = fields.CharField(max_length=16, default="waiting", db_index=True)
    party_size = fields.IntField(default=1)
    personal_enc = fields.TextField()
    masked: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    # "slot:user" while waiting, NULL afterwards: one waiting place per user per slot.
    active_key = fields.CharField(max_length=64, unique=True, null=True)
    booking: fields.ForeignKeyNullableRelation[Booking] = fields.ForeignKeyField(
        "core.Booking", related_name="waitlist_entries", null=True, on_delete=fields.SET_NULL)
    booking_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "booking_waitlist"


class Subscription(Model):
    """A one-time subscribe-message consent, good for exactly one message."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[MiniappUser] = fields.ForeignKeyField(
        "core.MiniappUser", related_name="subscriptions", on_delete=fields.CASCADE)
    user_id: int
    template_id = fields.CharField(max_length=128)
    status = fields.CharField(max_length=16, default="unused", db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "booking_subscription"


class Notification(Model):
    """Outbox of messages to residents (reminders, waiting-list promotions), each sent once."""

    # Also proxy-sweeping progress (core.proxy_sweeping.notify): then proxy_order is set instead.

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[MiniappUser] = fields.ForeignKeyField(
        "core.MiniappUser", related_name="notifications", on_delete=fields.CASCADE)
    # Exactly one of booking and proxy_order: the outbox serves bookings and proxy-sweeping orders.
    booking: fields.ForeignKeyNullableRelation[Booking] = fields.ForeignKeyField(
        "core.Booking", related_name="notifications", null=True, on_delete=fields.CASCADE)
    # Typed loosely: core.models.proxy imports this module (core.models.proxy.ProxyOrder).
    proxy_order: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "core.ProxyOrder", related_name="notifications", null=True, on_delete=fields.CASCADE)
    user_id: int
    booking_id: int | None
    proxy_order_id: int | None
    kind = fields.CharField(max_length=16)
    due_at = fields.DatetimeField(db_index=True)
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    detail = fields.CharField(max_length=200, default="")
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "booking_notification"


class RateCounter(Model):
    """Fixed-window request counters shared by every worker (bucket = scope:subject:window)."""

    bucket = fields.CharField(max_length=200, primary_key=True)
    count = fields.IntField(default=0)
    expires_at = fields.BigIntField(db_index=True)

    class Meta:
        table = "rate_counter"
