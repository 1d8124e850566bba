"""Facts that other parts of the service repeat, kept beside the knowledge base they come from.

The booking service once described marriage registration as needing 户口簿 while the knowledge
base (rightly) said it is no longer needed since 2025-05-10. Whatever outside the entries states
one of these facts builds its sentence from here; tests hold the entries to the same words.
"""

from __future__ import annotations

# 《婚姻登记条例》（2025年修订）: mainland residents bring only their resident ID cards.
MARRIAGE_MATERIALS = "本人有效的居民身份证"
# The entry that states the same fact in full (with its source and date).
MARRIAGE_MATERIALS_ENTRY = "mr-register-materials"
