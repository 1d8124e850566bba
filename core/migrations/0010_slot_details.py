"""Slots carry a theme, a place, an age range and an optional gender split (second wave: themed
ceremonies, tomb-sweeping places, 幸福加油站 youth events)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('core', '0009_conversation')]

    initial = False

    operations = [
        ops.AddField(model_name='Slot', name='theme',
                     field=fields.CharField(default='', max_length=100, db_default='')),
        ops.AddField(model_name='Slot', name='place',
                     field=fields.CharField(default='', max_length=100, db_default='')),
        ops.AddField(model_name='Slot', name='age_min', field=fields.IntField(null=True)),
        ops.AddField(model_name='Slot', name='age_max', field=fields.IntField(null=True)),
        ops.AddField(model_name='Slot', name='gender_split',
                     field=fields.BooleanField(default=False, db_default=False)),
    ]
