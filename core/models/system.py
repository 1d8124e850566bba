"""Cross-cutting tables: staff-editable settings and version stamps, and the audit log."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Setting(Model):
    """A small key/value store: contact details, welcome text, and version stamps.

    Version stamps (e.g. ``kb_version``) live here so every worker can notice a change with one
    indexed read instead of comparing whole tables.
    """

    key = fields.CharField(max_length=64, primary_key=True)
    # Any JSON value: contact details are an object, version stamps a number.
    value: fields.JSONField[Any] = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "setting"


class AuditLog(Model):
    id = fields.BigIntField(primary_key=True)
    actor = fields.CharField(max_length=64)
    action = fields.CharField(max_length=64)
    target = fields.CharField(max_length=128, default="")
    before: fields.JSONField[Any] = fields.JSONField(null=True)
    after: fields.JSONField[Any] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_log"


class DailyCount(Model):
    """Per-day counters for the dashboard (e.g. bot messages answered or not), kept without text."""

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField()
    metric = fields.CharField(max_length=48)
    count = fields.IntField(default=0)

    class Meta:
        table = "daily_count"
        unique_together = (("day", "metric"),)
