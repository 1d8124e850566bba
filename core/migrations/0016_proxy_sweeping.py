"""Proxy sweeping (代客祭扫, issue #15): places, packages and orders, and the booking outbox
(booking_notification) also carrying proxy-sweeping orders (booking_id nullable, proxy_order_id).

Ships clearly marked sample places and packages (示例), with no address or phone: staff replace
them with the bureau's real cemeteries, columbaria and services in the console.
"""

import functools
from json import dumps, loads
from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from core import sql

_PLACES = (
    ("sample_cemetery", "cemetery", "示例公墓（示例，请替换为实际墓园）"),
    ("sample_columbarium", "columbarium", "示例骨灰堂（示例，请替换为实际骨灰堂）"),
)
_PACKAGES = (
    ("basic", "基础代祭扫（示例）", "清扫墓碑及周边、敬献鲜花一束、代为鞠躬致意，完成后回传照片。", True),
    ("standard", "鲜花代祭扫（示例）", "在基础代祭扫之外，擦拭碑文、更换花篮，完成后回传照片。", True),
    ("clean_only", "墓位清洁（示例）", "仅清扫墓碑及周边，不回传照片。", False),
)


async def _samples(apps: Any, schema_editor: Any) -> None:
    conn = schema_editor.client
    for code, kind, name in _PLACES:
        await sql.execute("INSERT INTO place (code, kind, name, note, active, sample) "
                          "VALUES (?, ?, ?, ?, ?, ?)", [code, kind, name, "", True, True], conn)
    for code, name, description, photos in _PACKAGES:
        await sql.execute("INSERT INTO proxy_package (code, name, description, photos, active, sample) "
                          "VALUES (?, ?, ?, ?, ?, ?)", [code, name, description, photos, True, True],
                          conn)


def _json() -> dict[str, Any]:
    return {"encoder": functools.partial(dumps, separators=(',', ':')), "decoder": loads}


class Migration(migrations.Migration):
    dependencies = [('core', '0015_guides')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Place',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('kind', fields.CharField(default='cemetery', max_length=16)),
                ('name', fields.CharField(max_length=100)),
                ('note', fields.CharField(default='', max_length=200)),
                ('active', fields.BooleanField(default=True)),
                ('sample', fields.BooleanField(default=False)),
            ],
            options={'table': 'place', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SweepPackage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=60)),
                ('description', fields.CharField(default='', max_length=500)),
                ('photos', fields.BooleanField(default=True)),
                ('active', fields.BooleanField(default=True)),
                ('sample', fields.BooleanField(default=False)),
            ],
            options={'table': 'proxy_package', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProxyOrder',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ref', fields.CharField(unique=True, max_length=16)),
                ('user', fields.ForeignKeyField('core.MiniappUser', source_field='user_id', db_constraint=True, to_field='id', related_name='proxy_orders', on_delete=OnDelete.CASCADE)),
                ('place', fields.ForeignKeyField('core.Place', source_field='place_id', db_constraint=True, to_field='id', related_name='proxy_orders', on_delete=OnDelete.RESTRICT)),
                ('package', fields.ForeignKeyField('core.SweepPackage', source_field='package_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharField(default='received', db_index=True, max_length=16)),
                ('day', fields.DateField(db_index=True)),
                ('scheduled', fields.BooleanField(default=False)),
                ('day_key', fields.CharField(null=True, unique=True, max_length=120)),
                ('personal_enc', fields.TextField(unique=False)),
                ('masked', fields.JSONField(default=dict, **_json())),
                ('photos', fields.JSONField(default=list, **_json())),
                ('cancel_reason', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'proxy_order', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Notification',
            name='booking',
            field=fields.ForeignKeyField('core.Booking', source_field='booking_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='Notification',
            name='proxy_order',
            field=fields.ForeignKeyField('core.ProxyOrder', source_field='proxy_order_id', null=True, db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE),
        ),
        ops.RunPython(_samples, ops.RunPython.noop),
    ]
