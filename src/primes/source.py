"""Reading one YAML file into plain data, with the line and column of every field.

PyYAML's C parser composes the node tree; :func:`read_yaml` turns it into dicts and lists itself, so that
it can record positions, refuse duplicate keys and aliases, and cost no more than ``yaml.load``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from primes import findings as rules
from primes.findings import Finding

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 1024 * 1024
FieldPath = tuple[str | int, ...]
_STR = "tag:yaml.org,2002:str"
_SCALARS = yaml.constructor.SafeConstructor()


@dataclass(slots=True)
class Source:
    """A parsed file: its data (None when unusable), where each field sits, and what went wrong."""

    path: str
    data: Any = None
    positions: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def position(self, path: FieldPath) -> tuple[int, int]:
        """Line and column (1-based) of a field, or of its closest enclosing field that exists."""
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))


def field_path(path: FieldPath) -> str:
    """``("broad_use", 2, "domain")`` -> ``broad_use[2].domain``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_yaml(path: str, raw: bytes, *, root: type[MappingNode] | type[SequenceNode] = MappingNode) -> Source:
    """Parse one file's bytes; problems become findings, never exceptions.

    ``root`` is the node the file must hold: a mapping (a record) or a sequence (a list file).
    """
    source = Source(path)
    if len(raw) > MAX_FILE_BYTES:
        source.findings.append(
            Finding.of(
                rules.FILE_TOO_LARGE,
                path,
                f"the file is {len(raw):,} bytes, over the limit of {MAX_FILE_BYTES:,}; split or shorten it",
            )
        )
        return source
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        source.findings.append(
            Finding.of(
                rules.NOT_UTF8,
                path,
                f"byte {raw[exc.start]:#04x} is not UTF-8; save the file as UTF-8",
                line=line,
                column=column,
            )
        )
        return source
    text = text.removeprefix("\ufeff")
    if "&" in text and _refuse_anchors(source, text):
        return source
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        source.findings.append(Finding.of(rules.YAML_SYNTAX, path, f"{problem}{context}", line=line, column=column))
        return source
    except yaml.YAMLError as exc:
        source.findings.append(Finding.of(rules.YAML_SYNTAX, path, str(exc)))
        return source
    if node is None or (isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"):
        source.findings.append(Finding.of(rules.EMPTY_FILE, path, "the file is empty; write a record or delete it"))
        return source
    if not isinstance(node, root):
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        wanted = "one mapping of field: value" if root is MappingNode else "a list of entries"
        source.findings.append(
            Finding.of(rules.NOT_A_MAPPING, path, f"the file must hold {wanted}", line=line, column=column)
        )
        return source
    source.positions[()] = (node.start_mark.line + 1, node.start_mark.column + 1)
    source.data = _construct(node, (), source)
    return source


def _refuse_anchors(source: Source, text: str) -> bool:
    """Report every anchor and alias (an alias can expand a small file into gigabytes)."""
    found = False
    try:
        for event in yaml.parse(text, Loader=_Loader):
            anchor = getattr(event, "anchor", None)
            if anchor is None:
                continue
            what = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
            mark = event.start_mark
            assert mark is not None  # the C parser marks every event
            source.findings.append(
                Finding.of(
                    rules.ANCHOR,
                    source.path,
                    f"YAML {what} {'*' if what == 'alias' else '&'}{anchor} is not allowed; write the value out",
                    line=mark.line + 1,
                    column=mark.column + 1,
                )
            )
            found = True
    except yaml.YAMLError:
        return found  # the syntax error is reported by the main parse
    return found


def _construct(node: Node, path: FieldPath, source: Source) -> Any:
    if isinstance(node, ScalarNode):
        if node.tag == _STR:
            return node.value
        return _SCALARS.construct_object(node, deep=True)
    if isinstance(node, SequenceNode):
        items = []
        for index, child in enumerate(node.value):
            child_path = (*path, index)
            source.positions[child_path] = (child.start_mark.line + 1, child.start_mark.column + 1)
            items.append(_construct(child, child_path, source))
        return items
    if isinstance(node, MappingNode):
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = (
                _construct(key_node, path, source)
                if not isinstance(key_node, ScalarNode) or key_node.tag != _STR
                else key_node.value
            )
            if not isinstance(key, str):
                key = str(key)
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key in mapping:
                first = source.positions.get((*path, key), (0, 0))[0]
                source.findings.append(
                    Finding.of(
                        rules.DUPLICATE_KEY,
                        source.path,
                        f"key {key!r} appears again (first on line {first}); the second value would silently "
                        "replace the first: keep one",
                        line=line,
                        column=column,
                        field=field_path((*path, key)),
                    )
                )
                continue
            source.positions[(*path, key)] = (line, column)
            mapping[key] = _construct(value_node, (*path, key), source)
        return mapping
    raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover
