"""Guides for 社会组织成立“一件事” and the high-frequency registrations: the guide and guide_step
tables (core.models.guide). Their bundled content is loaded on first start (core.guide_seed)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('core', '0014_referrals')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Guide',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('title', fields.CharField(max_length=120)),
                ('summary', fields.CharField(default='', max_length=500)),
                ('keywords', fields.JSONField(default=list)),
                ('sources', fields.CharField(default='', max_length=500)),
                ('reviewed_on', fields.DateField(null=True)),
                ('position', fields.IntField(default=0)),
                ('published', fields.BooleanField(default=False, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'guide', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GuideStep',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('guide', fields.ForeignKeyField('core.Guide', source_field='guide_id',
                                                 db_constraint=True, to_field='id',
                                                 related_name='steps', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(default=0)),
                ('title', fields.CharField(max_length=120)),
                ('detail', fields.TextField(default='')),
                ('materials', fields.JSONField(default=list)),
                ('keywords', fields.JSONField(default=list)),
                ('video_kind', fields.CharField(default='', max_length=8)),
                ('video_title', fields.CharField(default='', max_length=120)),
                ('video_url', fields.CharField(default='', max_length=500)),
                ('video_file', fields.CharField(default='', max_length=80)),
                ('video_size', fields.BigIntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'guide_step', 'app': 'core', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
