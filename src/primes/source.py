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
_STANDARD_TAG = "tag:yaml.org,2002:"
_SEQ, _MAP = _STANDARD_TAG + "seq", _STANDARD_TAG + "map"
_SCALARS = yaml.constructor.SafeConstructor()
_SCALAR_CONSTRUCTORS = {
    tag: yaml.constructor.SafeConstructor.yaml_constructors[tag]
    for tag in (_STANDARD_TAG + name for name in ("null", "bool", "int", "float", "timestamp"))
}


_PLAIN_TAGS: dict[str, str] = {}  # tag of each short plain scalar seen: keys and values repeat across files


class _Composer(_Loader):
    """The C loader with the resolver calls it makes for every node cut short (a third of its time).

    The safe resolver has no path resolvers, so the tag of a node depends on its kind and value alone:
    a quoted or block scalar is a string, and a plain scalar is resolved once per distinct short value.
    """

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        if self.yaml_path_resolvers:
            super().descend_resolver(current_node, current_index)

    def ascend_resolver(self) -> None:
        if self.yaml_path_resolvers:
            super().ascend_resolver()

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is not ScalarNode or self.yaml_path_resolvers:
            return str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
        if not implicit[0]:
            return _STR
        tag = _PLAIN_TAGS.get(value)
        if tag is None:
            tag = str(super().resolve(kind, value, implicit))  # type: ignore[no-untyped-call]
            if len(value) <= 64:
                if len(_PLAIN_TAGS) > 100_000:
                    _PLAIN_TAGS.clear()
                _PLAIN_TAGS[value] = tag
        return tag


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
        loader = _Composer(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        source.findings.append(_reader_finding(path, text, exc))
        return source
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        source.findings.append(Finding.of(rules.YAML_SYNTAX, path, f"{problem}{context}", line=line, column=column))
        return source
    except yaml.YAMLError as exc:
        source.findings.append(Finding.of(rules.YAML_SYNTAX, path, str(exc).splitlines()[0]))
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
    try:
        data = _construct(node, (), source)
    except RecursionError:
        # The C parser stops flow collections at a depth of 1000; ours recurses once per level.
        source.findings.append(
            Finding.of(rules.YAML_SYNTAX, path, "the YAML is nested too deeply to be a record; flatten it")
        )
        return source
    if any(f.code == rules.YAML_SYNTAX.code for f in source.findings):
        return source  # a value could not be read: the record is not trustworthy
    source.data = data
    return source


def _reader_finding(path: str, text: str, exc: yaml.reader.ReaderError) -> Finding:
    """A character the YAML reader refuses; libyaml reports its offset in UTF-8 bytes."""
    encoded = text.encode("utf-8")
    offset = min(max(exc.position, 0), len(encoded))
    line_start = encoded.rfind(b"\n", 0, offset) + 1
    line = encoded.count(b"\n", 0, offset) + 1
    column = len(encoded[line_start:offset].decode("utf-8", errors="replace")) + 1
    character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    return Finding.of(
        rules.YAML_SYNTAX,
        path,
        f"character U+{character:04X} is not allowed in YAML ({exc.reason}); remove it",
        line=line,
        column=column,
    )


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


def _scalar(node: ScalarNode, source: Source) -> Any:
    """A plain value (number, true/false, null, date); an explicit tag or a value its tag rejects is a finding.

    The constructor's methods are called directly: ``construct_object`` would remember every node it
    ever built in the shared constructor, and would build Python objects for tags a record has no use for.
    """
    construct = _SCALAR_CONSTRUCTORS.get(node.tag)
    if construct is None:
        _refuse_tag(node, source)
        return None
    try:
        return construct(_SCALARS, node)
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError):
        problem = f"{node.value!r} is not a valid {_short_tag(node.tag)} value; write a plain value"
        source.findings.append(
            Finding.of(
                rules.YAML_SYNTAX,
                source.path,
                problem,
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
            )
        )
    return None


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_STANDARD_TAG) if tag.startswith(_STANDARD_TAG) else tag


def _refuse_tag(node: Node, source: Source) -> None:
    source.findings.append(
        Finding.of(
            rules.YAML_SYNTAX,
            source.path,
            f"the YAML tag {_short_tag(node.tag)} is not allowed; write a plain value",
            line=node.start_mark.line + 1,
            column=node.start_mark.column + 1,
        )
    )


def _construct(node: Node, path: FieldPath, source: Source) -> Any:
    if isinstance(node, ScalarNode):
        if node.tag == _STR:
            return node.value
        return _scalar(node, source)
    if isinstance(node, SequenceNode):
        if node.tag != _SEQ:
            _refuse_tag(node, source)
        items = []
        for index, child in enumerate(node.value):
            child_path = (*path, index)
            source.positions[child_path] = (child.start_mark.line + 1, child.start_mark.column + 1)
            items.append(_construct(child, child_path, source))
        return items
    if isinstance(node, MappingNode):
        if node.tag != _MAP:
            _refuse_tag(node, source)
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
