"""幸福加油站 youth events: per-gender place counts on slots (kept by the same conditional UPDATE
as ``booked``) and, on each booking, which gender's count its places are in."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('core', '0012_guided_flows')]

    initial = False

    operations = [
        ops.AddField(model_name='Slot', name='booked_m',
                     field=fields.IntField(default=0, db_default=0)),
        ops.AddField(model_name='Slot', name='booked_f',
                     field=fields.IntField(default=0, db_default=0)),
        ops.AddField(model_name='Booking', name='gender_place',
                     field=fields.CharField(default='', max_length=1, db_default='')),
    ]
