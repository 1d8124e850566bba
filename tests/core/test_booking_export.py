"""The export module keeps openpyxl's rule for characters XML cannot carry without importing
openpyxl at start-up (#18); the two must never drift apart."""

from __future__ import annotations

import subprocess
import sys

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.booking.export import _ILLEGAL_XML, _clean


def test_illegal_characters_rule_is_openpyxls() -> None:
    assert _ILLEGAL_XML.pattern == ILLEGAL_CHARACTERS_RE.pattern
    assert _clean("张\x00三\x1f") == "张三"


def test_importing_the_export_module_does_not_load_openpyxl() -> None:
    code = "import sys, core.booking.export; print('openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
