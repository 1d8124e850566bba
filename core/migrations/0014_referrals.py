"""Referrals to the community assistance adviser (core.referrals): the referral, its staff notes
and contact attempts, the anonymous tally kept after erasure, and the 街镇 an adviser serves."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('core', '0013_youth_events')]

    initial = False

    operations = [
        ops.AddField(model_name='StaffUser', name='streets',
                     field=fields.CharField(default='', max_length=400, db_default='')),
        ops.CreateModel(
            name='Referral',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ref', fields.CharField(unique=True, max_length=32)),
                ('user', fields.ForeignKeyField('core.MiniappUser', source_field='user_id',
                                                db_constraint=True, to_field='id',
                                                related_name='referrals', on_delete=OnDelete.CASCADE)),
                ('street', fields.CharField(db_index=True, max_length=32)),
                ('status', fields.CharField(default='submitted', db_index=True, max_length=16)),
                ('outcome', fields.CharField(default='', max_length=16)),
                ('urgent', fields.BooleanField(default=False)),
                ('personal_enc', fields.TextField(unique=False)),
                ('masked', fields.JSONField(default=dict)),
                ('consent_version', fields.CharField(max_length=32)),
                ('consent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_by', fields.CharField(default='', max_length=64)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('first_contact_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, db_index=True, auto_now=False,
                                                   auto_now_add=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'referral', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReferralEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('referral', fields.ForeignKeyField('core.Referral', source_field='referral_id',
                                                    db_constraint=True, to_field='id',
                                                    related_name='events', on_delete=OnDelete.CASCADE)),
                ('ref', fields.CharField(unique=True, max_length=32)),
                ('kind', fields.CharField(max_length=16)),
                ('actor', fields.CharField(max_length=64)),
                ('text_enc', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'referral_event', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReferralTally',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('street', fields.CharField(db_index=True, max_length=32)),
                ('month', fields.CharField(max_length=7)),
                ('urgent', fields.BooleanField(default=False)),
                ('outcome', fields.CharField(default='', max_length=16)),
                ('hours_to_contact', fields.FloatField(null=True)),
            ],
            options={'table': 'referral_tally', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
