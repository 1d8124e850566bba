from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AuditLog',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.CharField(max_length=64)),
                ('action', fields.CharField(max_length=64)),
                ('target', fields.CharField(default='', max_length=128)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_log', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KbEntry',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('kind', fields.CharField(default='entry', db_index=True, max_length=16)),
                ('category', fields.CharField(default='', max_length=32)),
                ('title', fields.CharField(max_length=200)),
                ('answer', fields.TextField(unique=False)),
                ('questions', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('keywords', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('topics', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('source', fields.CharField(default='', max_length=200)),
                ('department', fields.CharField(default='', max_length=100)),
                ('link', fields.CharField(default='', max_length=500)),
                ('action', fields.CharField(default='', max_length=64)),
                ('updated', fields.DateField(null=True)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('modified_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'kb_entry', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Setting',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('value', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'setting', 'app': 'core', 'pk_attr': 'key', 'table_description': 'A small key/value store: contact details, welcome text, and version stamps.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UnansweredQuestion',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('text', fields.CharField(max_length=500)),
                ('normalized', fields.CharField(db_index=True, max_length=500)),
                ('reason', fields.CharField(max_length=16)),
                ('channel', fields.CharField(max_length=16)),
                ('user_hash', fields.CharField(default='', max_length=64)),
                ('top_entry_id', fields.CharField(default='', max_length=64)),
                ('top_score', fields.FloatField(default=0)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'kb_unanswered', 'app': 'core', 'pk_attr': 'id', 'table_description': 'A question the bot could not answer confidently, kept so staff can fill the gaps.'},
            bases=['Model'],
        ),
    ]
