"""Crisis messages recorded for staff as urgent (core.urgent)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('core', '0006_unanswered_dedup')]

    initial = False

    operations = [
        ops.CreateModel(
            name='UrgentMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=32)),
                ('channel', fields.CharField(max_length=16)),
                ('excerpt', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True, db_index=True)),
                ('handled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('handled_by', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'urgent_message', 'app': 'core', 'pk_attr': 'id',
                     'table_description': 'One crisis message: what kind, where from, the masked '
                                          'words, and who followed it up.'},
            bases=['Model'],
        ),
    ]
