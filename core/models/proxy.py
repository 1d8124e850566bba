"""Places (cemeteries, columbaria), proxy-sweeping packages and orders (代客祭扫, issue #15).

``Place`` is a small table of its own with a ``kind`` so the tomb-sweeping reservations can reuse
the same staff-configured list later. An order's personal data (the family's name and phone, the
deceased's name, the grave location, the message) is stored only encrypted (``personal_enc``,
bound to the order's ``ref``) plus a masked copy for pages. ``day_key`` is the one-order-per-grave-
per-day rule: "place:grave hash:day" while the order holds the day, NULL once cancelled; its unique
index is what refuses the second order, also under concurrency.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from core.models.booking import MiniappUser


class Place(Model):
    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    kind = fields.CharField(max_length=16, default="cemetery")  # cemetery / columbarium
    name = fields.CharField(max_length=100)
    note = fields.CharField(max_length=200, default="")
    active = fields.BooleanField(default=True)
    # Shipped examples, shown with 示例 until staff replace them with the real places.
    sample = fields.BooleanField(default=False)

    class Meta:
        table = "place"


class SweepPackage(Model):
    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=60)
    description = fields.CharField(max_length=500, default="")  # what staff do
    photos = fields.BooleanField(default=True)  # whether photos are sent back
    active = fields.BooleanField(default=True)
    sample = fields.BooleanField(default=False)

    class Meta:
        table = "proxy_package"


class ProxyOrder(Model):
    id = fields.BigIntField(primary_key=True)
    ref = fields.CharField(max_length=16, unique=True)  # order number; binds personal_enc
    user: fields.ForeignKeyRelation[MiniappUser] = fields.ForeignKeyField(
        "core.MiniappUser", related_name="proxy_orders", on_delete=fields.CASCADE)
    place: fields.ForeignKeyRelation[Place] = fields.ForeignKeyField(
        "core.Place", related_name="proxy_orders", on_delete=fields.RESTRICT)
    package: fields.ForeignKeyRelation[SweepPackage] = fields.ForeignKeyField(
        "core.SweepPackage", related_name="orders", on_delete=fields.RESTRICT)
    user_id: int
    place_id: int
    package_id: int
    status = fields.CharField(max_length=16, default="received", db_index=True)
    # The requested day (the order's day when none was asked for), then the scheduled day.
    day = fields.DateField(db_index=True)
    scheduled = fields.BooleanField(default=False)
    day_key = fields.CharField(max_length=120, unique=True, null=True)
    personal_enc = fields.TextField()
    masked: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    # File names under <var>/proxy_photos/<order id>/, never the bytes.
    photos: fields.JSONField[list[str]] = fields.JSONField(default=list)
    cancel_reason = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    done_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "proxy_order"
