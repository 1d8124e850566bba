"""The bot's outbox of late answers lives in wechat_inbound (bot.outbox): the message while an
answer is owed, and the lease of the worker working on it."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('core', '0007_urgent')]

    initial = False

    operations = [
        ops.AddField(
            model_name='WechatInbound',
            name='request',
            field=fields.TextField(default='', unique=False, db_default=''),
        ),
        ops.AddField(
            model_name='WechatInbound',
            name='lease_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
