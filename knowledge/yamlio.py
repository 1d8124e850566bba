"""Reading the bundled YAML files fast: libyaml's C loader when PyYAML was built with it.

The pure-Python SafeLoader spends ~40 ms on the crisis rules and ~90 ms on the synonyms in every
worker and every `baoshan ask`; the C loader reads the same safe subset in a tenth of that.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # PyYAML without libyaml: same result, slower
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


def load(stream: IO[str] | str) -> Any:
    return yaml.load(stream, Loader=_Loader)
