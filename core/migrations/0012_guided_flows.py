"""Guided flows (core.flows): where a resident is in a short guided conversation such as the
政策找人 self-check, answers encrypted, expiring 30 minutes after the last message."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('core', '0011_counter')]

    initial = False

    operations = [
        ops.CreateModel(
            name='GuidedFlowState',
            fields=[
                ('user', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('flow', fields.CharField(max_length=32)),
                ('step', fields.IntField(default=0)),
                ('answers_enc', fields.TextField(default='', unique=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'guided_flow_state', 'app': 'core', 'pk_attr': 'user',
                     'table_description': 'Where one resident is in a guided flow.'},
            bases=['Model'],
        ),
    ]
