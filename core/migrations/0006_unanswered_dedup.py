"""Unanswered questions: one row per asker, text and day, and no personal numbers in free text.

Adds the dedup key (``text_hash`` and ``day``; with ``user_hash`` one unique key) and masks the
text already stored: rows written before this migration (and the audit log's copies of them, from
dismissing or resolving a group) may hold ID numbers, phones or card numbers residents typed.
Old rows keep ``day`` NULL, which the unique key never counts as a duplicate.
"""

import json
from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

from core import sql
from core.pii import mask_free_text

# The same cap core.unanswered applies to new rows.
_MAX_CHARS = 200
_AUDIT_ACTIONS = ("kb.unanswered_dismiss", "kb.unanswered_resolve")


def _mask_json(value: Any) -> Any:
    if isinstance(value, str):
        return mask_free_text(value)
    if isinstance(value, list):
        return [_mask_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _mask_json(v) for k, v in value.items()}
    return value


async def _mask_existing(apps: Any, schema_editor: Any) -> None:
    conn = schema_editor.client
    for row in await sql.fetch("SELECT id, text, normalized FROM kb_unanswered", [], conn):
        text = mask_free_text(row["text"])[:_MAX_CHARS]
        normalized = mask_free_text(row["normalized"])[:_MAX_CHARS]
        if (text, normalized) != (row["text"], row["normalized"]):
            await sql.execute("UPDATE kb_unanswered SET text = ?, normalized = ? WHERE id = ?",
                              [text, normalized, row["id"]], conn)
    rows = await sql.fetch('SELECT id, target, "before", "after" FROM audit_log '
                           "WHERE action IN (?, ?)", list(_AUDIT_ACTIONS), conn)
    for row in rows:
        # JSON columns come back as text on both databases (no codec is registered).
        before, after = (json.loads(v) if isinstance(v, str) else v
                         for v in (row["before"], row["after"]))
        masked = (mask_free_text(row["target"])[:128], _mask_json(before), _mask_json(after))
        if masked != (row["target"], before, after):
            await sql.execute('UPDATE audit_log SET target = ?, "before" = ?, "after" = ? WHERE id = ?',
                              [masked[0], *(None if v is None else json.dumps(v, ensure_ascii=False)
                                            for v in masked[1:]), row["id"]], conn)


class Migration(migrations.Migration):
    dependencies = [('core', '0005_console')]

    initial = False

    operations = [
        ops.AddField(
            model_name='UnansweredQuestion',
            name='day',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='UnansweredQuestion',
            name='text_hash',
            field=fields.CharField(default='', max_length=64, db_default=''),
        ),
        ops.AddConstraint(
            model_name='UnansweredQuestion',
            constraint=UniqueConstraint(fields=('user_hash', 'text_hash', 'day'), name=None),
        ),
        ops.RunPython(_mask_existing, ops.RunPython.noop),
    ]
