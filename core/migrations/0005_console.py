from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0004_notices')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CharityCampaign',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=120)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('intro', fields.TextField(default='', unique=False)),
                ('intro_html', fields.TextField(default='', unique=False)),
                ('published', fields.BooleanField(default=False, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'content_campaign', 'app': 'core', 'pk_attr': 'id', 'table_description': 'One 上海慈善周 campaign: its dates, an intro, and the charity events held within them.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DailyCount',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField()),
                ('metric', fields.CharField(max_length=48)),
                ('count', fields.IntField(default=0)),
            ],
            options={'table': 'daily_count', 'app': 'core', 'unique_together': (('day', 'metric'),), 'pk_attr': 'id', 'table_description': 'Per-day counters for the dashboard (e.g. bot messages answered or not), kept without text.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Booking',
            name='no_show_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Notice',
            name='body_html',
            field=fields.TextField(default='', unique=False, db_default=''),
        ),
        ops.AddField(
            model_name='Notice',
            name='campaign',
            field=fields.ForeignKeyField('core.CharityCampaign', source_field='campaign_id', null=True, db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Notice',
            name='cover',
            field=fields.BinaryField(null=True),
        ),
        ops.AddField(
            model_name='Notice',
            name='cover_type',
            field=fields.CharField(default='', max_length=32, db_default=''),
        ),
        ops.AddField(
            model_name='Slot',
            name='closed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Slot',
            name='closed_reason',
            field=fields.CharField(default='', max_length=200, db_default=''),
        ),
    ]
