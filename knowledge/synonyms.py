"""Colloquial words to official terms (领证→结婚登记, 撒海里→海葬 …).

Expansion, not replacement: the resident's own words stay, the official term is added, so an
entry phrased either way still matches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from knowledge import yamlio
from knowledge.normalise import clean

SYNONYMS_FILE = Path(__file__).parent / "data" / "synonyms.yaml"


class SynonymTable:
    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        pairs: dict[str, set[str]] = {}
        for official, variants in table.items():
            off = clean(str(official)).replace(" ", "")
            if not off:
                continue
            for variant in variants or ():
                var = clean(str(variant)).replace(" ", "")
                if var and var != off:
                    pairs.setdefault(var, set()).add(off)
        self._pairs = {k: sorted(v) for k, v in pairs.items()}
        # One compiled alternation, longest first, inside a lookahead so matches may overlap:
        # the regex engine finds every variant in one C-speed pass over the message.
        alternation = "|".join(re.escape(v) for v in sorted(pairs, key=len, reverse=True))
        self._re = re.compile(f"(?=({alternation}))") if pairs else None
        self.official_terms = sorted({o for offs in pairs.values() for o in offs})
        self.variant_terms = sorted(pairs)

    @classmethod
    def load(cls, path: Path = SYNONYMS_FILE) -> SynonymTable:
        if not path.exists():
            return cls({})
        with path.open(encoding="utf-8") as fh:
            return cls(yamlio.load(fh) or {})

    def expand(self, text: str) -> list[str]:
        """Official terms whose colloquial variants occur in ``text`` (spaces ignored)."""
        found: list[str] = []
        if self._re is None:
            return found
        for match in self._re.finditer(text.replace(" ", "")):
            for official in self._pairs[match.group(1)]:
                if official not in found:
                    found.append(official)
        return found
