"""YAML as text: where the scalars and comments of a file are, and writing data back in the canonical layout.

The catalog's reader (:mod:`primes.source`) gives data and the position of every field; this module adds what
an editor of the text needs on top of it: the exact span of each scalar (to replace one value and leave every
other byte alone), the comments (which belong to the field they precede, or end the line of), and a writer
that lays data out one way only, with comments put back where they belong.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from primes.source import FieldPath

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

WIDTH = 100  # the longest line the writer folds text to, indentation included
INDENT = 2  # a nested mapping's indentation; a list's dash sits two columns in from its key
_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()  # YAML 1.1, as the catalog's reader resolves plain scalars
_FOLD_POINT = re.compile(r"(?<=\S) (?=\S)")
_FLOW_SPECIAL = re.compile(r"[,:\[\]{}#&*!|>'\"%@`]")


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Where a scalar's text sits: character offsets and (0-based) line/column of its start and end."""

    start: int
    end: int
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    style: str | None = None


# ---------------------------------------------------------------------------------------------------------
# Reading: spans and comments


def compose(text: str) -> Node | None:
    """The node tree of a text that is known to parse (the caller has read it with the catalog's reader)."""
    loader = _Loader(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def value_spans(text: str) -> dict[FieldPath, Span]:
    """The span of every scalar value by field path (``("decomposes", 0, "prime")``)."""
    node = compose(text)
    out: dict[FieldPath, Span] = {}
    if node is not None:
        for path, child, _key in _walk(node, ()):
            if isinstance(child, ScalarNode):
                out[path] = _span(child)
    return out


def _walk(node: Node, path: FieldPath) -> Iterator[tuple[FieldPath, Node, Node | None]]:
    """(path, node, key node) for every node under ``node``, in document order."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else repr(key_node)
            child_path = (*path, key)
            yield child_path, value_node, key_node
            yield from _walk(value_node, child_path)
    elif isinstance(node, SequenceNode):
        for index, child in enumerate(node.value):
            child_path = (*path, index)
            yield child_path, child, None
            yield from _walk(child, child_path)


def _span(node: Node) -> Span:
    start, end = node.start_mark, node.end_mark
    style = getattr(node, "style", None)
    return Span(start.index, end.index, start.line, start.column, end.line, end.column, style)


def _text_span(node: Node) -> Span:
    """The span of a scalar's text: a block scalar's (``>-``, ``|``) starts on the line after its header,
    which may end with a comment."""
    span = _span(node)
    if span.style in (">", "|"):
        return Span(span.start, span.end, span.start_line + 1, 0, span.end_line, span.end_column, span.style)
    return span


@dataclass(slots=True)
class Comments:
    """A file's comments, each tied to the field it precedes or ends the line of.

    ``header`` comes before the first field and stays at the top; ``trailer`` follows the last field.
    Comment lines are kept as written, from the ``#`` on.
    """

    header: list[str] = field(default_factory=list)
    before: dict[FieldPath, list[str]] = field(default_factory=dict)
    eol: dict[FieldPath, list[str]] = field(default_factory=dict)
    trailer: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Every comment, for checking that none went missing."""
        out = [*self.header, *self.trailer]
        for group in (*self.before.values(), *self.eol.values()):
            out.extend(group)
        return out


def read_comments(text: str, positions: Mapping[FieldPath, tuple[int, int]]) -> Comments:
    """The comments of a parsed text; ``positions`` are the reader's (1-based line and column of each field)."""
    node = compose(text)
    spans: list[Span] = []
    if node is not None:
        for _path, child, key in _walk(node, ()):
            if isinstance(child, ScalarNode):
                spans.append(_text_span(child))
            if key is not None:
                spans.append(_text_span(key))
        spans.sort(key=lambda s: (s.start_line, s.start_column))
    starts = [(s.start_line, s.start_column) for s in spans]

    def inside_scalar(line: int, column: int) -> bool:
        at = bisect.bisect_right(starts, (line, column)) - 1
        return at >= 0 and (line, column) < (spans[at].end_line, spans[at].end_column)

    # Fields in document order; on one line the outermost first (a list item before its first key).
    fields = sorted(((ln - 1, len(p), p) for p, (ln, _col) in positions.items() if p), key=lambda f: (f[0], f[1]))
    field_lines = [f[0] for f in fields]
    comments = Comments()
    for number, line in enumerate(text.splitlines()):
        if "#" not in line:
            continue
        column = _comment_column(line, number, inside_scalar)
        if column is None:
            continue
        comment = line[column:].rstrip()
        at_end_of = line[:column].strip() != ""
        if at_end_of:
            owner = bisect.bisect_left(field_lines, number)
            if owner < len(fields) and fields[owner][0] == number:
                comments.eol.setdefault(fields[owner][2], []).append(comment)
                continue
        following = bisect.bisect_right(field_lines, number)
        if following >= len(fields):
            comments.trailer.append(comment)
        elif following == 0:
            comments.header.append(comment)
        else:
            comments.before.setdefault(fields[following][2], []).append(comment)
    return comments


def _comment_column(line: str, number: int, inside_scalar: Callable[[int, int], bool]) -> int | None:
    """Where a comment starts on a line: a ``#`` after white space (or first) that no scalar holds."""
    for match in re.finditer("#", line):
        column = match.start()
        if column > 0 and line[column - 1] not in " \t":
            continue
        if not inside_scalar(number, column):
            return column
    return None


# ---------------------------------------------------------------------------------------------------------
# Writing: the canonical layout


def dump(data: Any) -> str:
    """Write plain data (dicts in the order to write, lists, text, None) in the canonical layout.

    Keys are indented by two, a list's dashes two columns in from its key; text is plain when it reads back
    as the same text under YAML 1.1 and 1.2 alike, quoted otherwise, and folded (``>-``) at :data:`WIDTH`
    when it does not fit on its line; a list of short plain words is written inline (``[a, b]``) when it fits.
    """
    lines: list[str] = []
    if isinstance(data, list):
        _write_items(data, 0, lines)
    elif isinstance(data, dict):
        _write_mapping(data, 0, lines)
    else:
        lines.append(render_scalar(data))
    return "\n".join(lines) + "\n"


def _write_mapping(mapping: dict[Any, Any], column: int, lines: list[str], lead: str | None = None) -> None:
    """Keys at ``column``; ``lead`` starts the first line instead of spaces (a list item's dash)."""
    for index, (key, value) in enumerate(mapping.items()):
        start = lead if index == 0 and lead is not None else " " * column
        _write_value(value, column, f"{start}{render_scalar(str(key))}:", lines)


def _write_items(items: list[Any], dash: int, lines: list[str]) -> None:
    for item in items:
        lead = " " * dash + "- "
        if isinstance(item, dict) and item:
            _write_mapping(item, dash + 2, lines, lead)
        else:
            _write_value(item, dash, lead.rstrip(), lines)


def _write_value(value: Any, column: int, head: str, lines: list[str]) -> None:
    """One value after ``head`` (``key:`` or ``-``, whose key or dash sits at ``column``)."""
    if isinstance(value, dict) and value:
        lines.append(head)
        _write_mapping(value, column + INDENT, lines)
    elif isinstance(value, list) and value and not _fits_inline(value, len(head) + 1):
        lines.append(head)
        _write_items(value, column + INDENT, lines)
    elif isinstance(value, list):
        lines.append(f"{head} [{', '.join(value)}]")
    elif isinstance(value, dict):
        lines.append(f"{head} {{}}")
    elif isinstance(value, str) and (folded := _folded(value, len(head) + 1, column + INDENT)) is not None:
        header, body = folded
        lines.append(f"{head} {header}")
        lines.extend(" " * (column + INDENT) + line if line else "" for line in body)
    else:
        lines.append(f"{head} {render_scalar(value)}")


def render_scalar(value: Any) -> str:
    """A scalar written on one line: plain when that reads back as the same value under YAML 1.1 and 1.2,
    else single quoted, else double quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _plain_safe(text):
        return text
    if "\n" not in text and text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return _double_quoted(text)


_PLAIN_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@`")
# What YAML 1.2's core schema reads as something other than text (YAML 1.1's list is the reader's resolver).
_YAML12_NOT_TEXT = re.compile(
    r"""^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE
    |[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+
    |[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$""",
    re.VERBOSE,
)


def _plain_safe(text: str) -> bool:
    """Whether ``text`` written plain reads back as the same text, under YAML 1.1 (the catalog's reader)
    and YAML 1.2 (editors) alike."""
    if not text or text != text.strip() or not text.isprintable() or text[0] in _PLAIN_FIRST:
        return False
    if ": " in text or " #" in text or text.endswith(":") or text.startswith(("---", "...")):
        return False
    tag: str = _RESOLVER.resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag == _STR_TAG and not _YAML12_NOT_TEXT.match(text)


def _double_quoted(text: str) -> str:
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}")
    out.append('"')
    return "".join(out)


_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _fits_inline(items: list[Any], column: int) -> bool:
    """Whether a list can be written ``[a, b]`` on a line whose value starts at ``column``."""
    if not all(isinstance(item, str) and _plain_safe(item) and not _FLOW_SPECIAL.search(item) for item in items):
        return False
    return column + len(", ".join(items)) + 2 <= WIDTH


def _folded(text: str, column: int, indent: int) -> tuple[str, list[str]] | None:
    """The block header (``>-``, or ``>`` for a text that ends with one line break) and the lines of
    ``text`` folded at :data:`WIDTH` with content at ``indent``; None when the text is better left on its
    line (it fits, or is one long word) or folded style cannot hold it exactly."""
    if "\n" not in text and column + len(render_scalar(text)) <= WIDTH:
        return None
    header, body = (">", text[:-1]) if text.endswith("\n") and not text.endswith("\n\n") else (">-", text)
    if not body.strip() or not _foldable(body):
        return None
    width = WIDTH - indent
    lines: list[str] = []
    for index, paragraph in enumerate(body.split("\n")):
        if index:
            lines.append("")  # in a folded block, each empty line is one line break of the text
        cuts = [-1, *_fold_positions(paragraph, width), len(paragraph)]
        lines.extend(paragraph[a + 1 : b] for a, b in itertools.pairwise(cuts) if paragraph)
    if len(lines) == 1 and header == ">-":
        return None  # one long word: folding would not shorten it
    return header, lines


def _foldable(text: str) -> bool:
    """Whether folded style holds the text exactly: printable, no white space at either end or beside a
    line break (a folded block would read such spaces differently)."""
    if text != text.strip() or re.search(r"[ \t]\n|\n[ \t]", text):
        return False
    return text.replace("\n", "").isprintable()


def _fold_positions(paragraph: str, width: int) -> list[int]:
    """Offsets of the single spaces to break a paragraph at so that each line holds at most ``width``
    characters (greedily; a word longer than that gets a line of its own)."""
    positions: list[int] = []
    line_start = 0
    previous: int | None = None
    for match in _FOLD_POINT.finditer(paragraph):
        point = match.start()
        if point - line_start > width and previous is not None and previous >= line_start:
            positions.append(previous)
            line_start = previous + 1
        previous = point
    if len(paragraph) - line_start > width and previous is not None and previous >= line_start:
        positions.append(previous)
    return positions


def place_comments(text: str, positions: Mapping[FieldPath, tuple[int, int]], comments: Comments) -> str:
    """Put comments into written text: before or at the end of the line of the field each belongs to.

    ``positions`` are the reader's positions in ``text``; a comment whose field is not there goes with the
    closest enclosing field that is, or to the end (none is dropped).
    """
    lines = text.splitlines()
    before: dict[int, list[str]] = {}
    eol: dict[int, list[str]] = {}

    def line_of(path: FieldPath) -> int | None:
        while path:
            if path in positions:
                return positions[path][0] - 1
            path = path[:-1]
        return None

    for path, group in comments.before.items():
        number = line_of(path)
        before.setdefault(len(lines) if number is None else number, []).extend(group)
    for path, group in comments.eol.items():
        number = line_of(path)
        if number is None:
            before.setdefault(len(lines), []).extend(group)
        else:
            eol.setdefault(number, []).extend(group)
    out: list[str] = list(comments.header)
    for number, line in enumerate(lines):
        indent = " " * (len(line) - len(line.lstrip(" ")))
        ends = eol.get(number, [])
        out.extend(indent + comment for comment in [*before.get(number, []), *ends[1:]])
        out.append(f"{line}  {ends[0]}" if ends else line)
    out.extend(before.get(len(lines), []))
    out.extend(comments.trailer)
    return "\n".join(out) + "\n"
