"""Conversation context and answers for staff review (core.conversation, core.answer_review):
the topic of a resident's last answer beside the suggestions in wechat_user_state, and the
answer_review table."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('core', '0008_bot_outbox')]

    initial = False

    operations = [
        ops.AddField(
            model_name='WechatUserState',
            name='topic_entry',
            field=fields.CharField(default='', max_length=64, db_default=''),
        ),
        ops.AddField(
            model_name='WechatUserState',
            name='topic_question',
            field=fields.CharField(default='', max_length=200, db_default=''),
        ),
        ops.AddField(
            model_name='WechatUserState',
            name='topic_expires_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.CreateModel(
            name='AnswerReview',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('day', fields.DateField()),
                ('channel', fields.CharField(max_length=16)),
                ('text', fields.CharField(max_length=500)),
                ('normalized', fields.CharField(db_index=True, max_length=500)),
                ('text_hash', fields.CharField(max_length=64)),
                ('entry_id', fields.CharField(max_length=64)),
                ('runner_up_id', fields.CharField(default='', max_length=64)),
                ('margin', fields.FloatField(default=0)),
                ('reason', fields.CharField(max_length=16)),
                ('user_hash', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'answer_review', 'app': 'core',
                     'unique_together': (('user_hash', 'text_hash', 'day', 'reason'),),
                     'pk_attr': 'id',
                     'table_description': 'An answer staff should look at again: a small lead, '
                                          "or a resident's thumbs-down."},
            bases=['Model'],
        ),
    ]
