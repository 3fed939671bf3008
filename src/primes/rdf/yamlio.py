"""Writing catalog files (prime records, ``domains.yaml``, ``catalog.yaml``) as YAML that reads back exactly.

Multi-line texts are written as literal blocks; texts with characters YAML treats as line breaks (NEL, the
Unicode line and paragraph separators) or a byte-order mark are double-quoted, where they are escaped:
PyYAML writes them raw in other styles, and they would not read back the same.
"""

from __future__ import annotations

from typing import Any

import yaml

_STR = "tag:yaml.org,2002:str"
_QUOTE_ALWAYS = ("\x85", "\u2028", "\u2029", "\ufeff")
WIDTH = 100


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    if any(char in text for char in _QUOTE_ALWAYS):
        return dumper.represent_scalar(_STR, text, style='"')
    if "\n" in text:
        return dumper.represent_scalar(_STR, text, style="|")  # PyYAML quotes it when a block cannot hold it
    return dumper.represent_scalar(_STR, text)


_Dumper.add_representer(str, _represent_str)


def dump(data: Any, *, header: str = "") -> str:
    """YAML text for ``data`` (mappings keep their key order), after an optional comment header."""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=WIDTH, default_flow_style=False)
    return header + body
