from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0002_booking')]

    initial = False

    operations = [
        ops.CreateModel(
            name='StaffUser',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('password_hash', fields.CharField(max_length=255)),
                ('role', fields.CharField(max_length=16)),
                ('active', fields.BooleanField(default=True)),
                ('failed_logins', fields.IntField(default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff_user', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffSession',
            fields=[
                ('token_hash', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('user', fields.ForeignKeyField('core.StaffUser', source_field='user_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('csrf', fields.CharField(max_length=64)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff_session', 'app': 'core', 'pk_attr': 'token_hash', 'table_description': 'A console session: the cookie holds a random token, the table only its SHA-256.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatAccessToken',
            fields=[
                ('app_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('token', fields.CharField(default='', max_length=600)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wechat_access_token', 'app': 'core', 'pk_attr': 'app_id', 'table_description': 'The one access token per app, shared by every worker (lease_until marks a refresh).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatFollower',
            fields=[
                ('user', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('subscribed', fields.BooleanField(default=True)),
                ('scene', fields.CharField(default='', max_length=64)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'wechat_follower', 'app': 'core', 'pk_attr': 'user'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatInbound',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('user', fields.CharField(max_length=64)),
                ('status', fields.CharField(default='processing', max_length=16)),
                ('reply', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'wechat_inbound', 'app': 'core', 'pk_attr': 'key', 'table_description': "One inbound message or event, keyed the way WeChat's retries repeat it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatUserState',
            fields=[
                ('user', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('suggestions', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wechat_user_state', 'app': 'core', 'pk_attr': 'user', 'table_description': 'Short-lived conversation state: the numbered suggestions last offered to a user.'},
            bases=['Model'],
        ),
    ]
