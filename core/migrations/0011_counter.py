"""The registration counter (issue #14): a booking keeps the reason staff gave when they cancelled
it, and booking_lookup holds keyed hashes of each booking's normalised phone and names so staff can
find a booking by what the resident says without decrypting every row (core.booking.search)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('core', '0010_slot_details')]

    initial = False

    operations = [
        ops.AddField(model_name='Booking', name='cancel_reason',
                     field=fields.CharField(default='', max_length=200, db_default='')),
        ops.CreateModel(
            name='BookingLookup',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('booking', fields.ForeignKeyField('core.Booking', source_field='booking_id',
                                                   db_constraint=True, to_field='id',
                                                   related_name='lookups',
                                                   on_delete=OnDelete.CASCADE)),
                ('key', fields.CharField(db_index=True, max_length=80)),
            ],
            options={'table': 'booking_lookup', 'app': 'core',
                     'unique_together': (('booking', 'key'),), 'pk_attr': 'id',
                     'table_description': 'Keyed hashes of a booking\'s phone and names for search.'},
            bases=['Model'],
        ),
    ]
