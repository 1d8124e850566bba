"""Bureau staff accounts and their console sessions."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

# adviser: a community assistance adviser (社区救助顾问), who sees the referrals of their 街镇 only.
ROLES = ("admin", "editor", "registrar", "adviser")


class StaffUser(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharField(max_length=16)
    # Street codes (core.streets) an adviser serves, comma-separated; "" for other roles.
    streets = fields.CharField(max_length=400, default="")
    active = fields.BooleanField(default=True)
    failed_logins = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_user"


class StaffSession(Model):
    """A console session: the cookie holds a random token, the table only its SHA-256."""

    token_hash = fields.CharField(max_length=64, primary_key=True)
    user: fields.ForeignKeyRelation[StaffUser] = fields.ForeignKeyField(
        "core.StaffUser", related_name="sessions", on_delete=fields.CASCADE)
    # Tortoise adds `user_id` at runtime; declared for the type checker.
    user_id: int
    csrf = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField(db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_session"
