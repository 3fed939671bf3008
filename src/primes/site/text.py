"""Catalog text made safe for Markdown and for SVG, and measured for wrapping in the diagrams.

Catalog text is data, never markup: every character that Markdown (with the extensions the site enables)
or HTML would read as syntax is escaped, so ``<script>``, ``onerror=`` and ``[x](javascript:...)`` in a
record come out as the literal text a reader typed.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Sequence
from itertools import repeat

_WHITESPACE = re.compile(r"\s+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Characters Python-Markdown (with attr_list, tables, emphasis, headings) can read as syntax anywhere in a
# line get a backslash; `<`, `>` and `&` become entities instead, since a backslash does not stop raw HTML
# or an entity reference. This runs on every text of every page: one regex finds the few characters to
# replace (str.translate with a table like this one looks up every character, four times slower).
# Typographic punctuation becomes an entity too: a page that is otherwise ASCII then stays a one-byte-per-
# character string, half the memory mkdocs holds for it until the build ends. It renders the same.
_INLINE_ESCAPES: dict[str, str] = {
    **{ch: "\\" + ch for ch in "\\`*_{}[]|#"},
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "—": "&mdash;",
    "–": "&ndash;",
    "…": "&hellip;",
    "·": "&middot;",
    "’": "&rsquo;",
    "‘": "&lsquo;",
    "“": "&ldquo;",
    "”": "&rdquo;",
    "\u00a0": "&nbsp;",
}
_INLINE_SPECIAL = re.compile("[" + re.escape("".join(_INLINE_ESCAPES)) + "]")
# Characters that start a block construct (admonition, list, rule, fence, definition) only at the start of a
# line: they are escaped there only.
_LINE_START_BACKSLASH = frozenset("!+-")
_LINE_START_ENTITY = frozenset("=~:")
_ORDERED_ITEM = re.compile(r"^(\d+)([.)])")
_LINE_START = _LINE_START_BACKSLASH | _LINE_START_ENTITY | frozenset("0123456789")  # first characters md_inline checks
_ASCII_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c-\x1f]")  # ASCII white space other than the space
# Every byte but the ASCII breaks and specials: deleting them from an ASCII text leaves what needs work.
_ALL_BUT_BREAK_OR_SPECIAL = bytes(
    set(range(256)) - set(b"\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f") - {ord(ch) for ch in _INLINE_ESCAPES if ch.isascii()}
)


class Markdown(str):
    """A string that is already Markdown (a rendered fragment): templates print it unescaped."""

    __slots__ = ()


def md_inline(text: object) -> Markdown:
    """Text for one line of Markdown: white space collapsed, every syntax character escaped."""
    if isinstance(text, Markdown):
        return text
    value = str(text)
    if not _plain(value):
        value = _INLINE_SPECIAL.sub(_escape, _collapsed(value))
    first = value[:1]
    if first in _LINE_START_BACKSLASH:
        value = "\\" + value
    elif first in _LINE_START_ENTITY:
        value = f"&#{ord(first)};" + value[1:]
    elif first.isdigit():
        # "1984. A year" must not become an ordered list: escape the dot after the number.
        value = _ORDERED_ITEM.sub(r"\1\\\2", value, count=1)
    return Markdown(value)


def _plain(text: str) -> bool:
    """Whether a text has no white space to collapse and nothing to escape (most record text).

    Runs on every text of every page, so it scans in C: a regex over the characters took twice as long as
    this byte deletion, which leaves an empty string for a plain text."""
    return (
        text.isascii()
        and "  " not in text
        and text[:1] != " "
        and text[-1:] != " "
        and not text.encode().translate(None, _ALL_BUT_BREAK_OR_SPECIAL)
    )


def _collapsed(text: str) -> str:
    """White space collapsed to single spaces, ends trimmed: ``" ".join(text.split())``, skipped (it splits the
    text into words) for ASCII text with nothing to collapse."""
    if (
        text.isascii()
        and "  " not in text
        and _ASCII_BREAKS.search(text) is None
        and text[:1] != " "
        and text[-1:] != " "
    ):
        return text
    return " ".join(text.split())


def _escape(match: re.Match[str]) -> str:
    return _INLINE_ESCAPES[match.group()]


def md_block(text: object) -> Markdown:
    """Text as Markdown paragraphs: blank lines in the source separate paragraphs, other breaks are spaces."""
    if isinstance(text, Markdown):
        return text
    source = str(text).strip()
    if "\n" not in source:
        return md_inline(source)
    paragraphs = [md_inline(p) for p in _PARAGRAPH_BREAK.split(source)]
    return Markdown("\n\n".join(p for p in paragraphs if p))


def md_texts(texts: Sequence[str | None], *, block: bool = False) -> list[Markdown | None]:
    """:func:`md_block` (or :func:`md_inline`) of each text, None left as it is: a page's texts, checked in one
    scan of them all. Most record text has nothing to escape or collapse, and then only its first character
    can need work; the per-text calls cost more than the scans themselves."""
    present = [text for text in texts if text is not None]
    joined = "\x00".join(present)  # neither white space nor syntax: one text's check cannot run into the next
    if _plain(joined) and "\x00 " not in joined and " \x00" not in joined:
        first = _LINE_START
        return [
            None if text is None else Markdown(text) if text[:1] not in first else md_inline(text) for text in texts
        ]
    escape = md_block if block else md_inline
    return [None if text is None else escape(text) for text in texts]


def xml(text: object) -> str:
    """Text for an XML/HTML attribute or element: markup characters and quotes escaped."""
    value = str(text)
    # Most names and URLs have none of them: five searches in C (each as fast as a regex's one for the short
    # texts this gets) instead of five replaces.
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        return html.escape(value, quote=True)
    return value


def json_for_script(data: str) -> str:
    """JSON text safe inside a ``<script>`` element: no ``</script>``, no HTML comment, no entity surprises."""
    return data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# Advance widths in thousandths of an em, for DejaVu Sans (the widest of the usual sans-serif fallbacks):
# wrapping by these widths keeps text inside its box in narrower fonts too.
_WIDTHS: dict[str, int] = {
    **dict.fromkeys("abdeghnopqu", 635),
    **dict.fromkeys("ckvxyz", 600),
    **dict.fromkeys("fjilrt!|.,:;'", 400),
    "m": 975,
    "w": 820,
    "s": 525,
    **dict.fromkeys("ABCDGHKNOQRUVXYZ", 790),
    **dict.fromkeys("EFLPST", 700),
    **dict.fromkeys("IJ", 300),
    "M": 865,
    "W": 990,
    **dict.fromkeys("0123456789", 640),
    " ": 320,
    "-": 365,
    "…": 1000,
    "·": 320,
}
_DEFAULT_WIDTH = 1000  # anything else (wide glyphs, symbols) counts as a full em


def text_width(text: str, font_size: float, *, bold: bool = False) -> float:
    """An upper estimate of the rendered width of ``text`` in user units."""
    return _width(_units(text), font_size, bold)


def _units(text: str) -> int:
    # One C-level pass (a generator expression here cost more than the rest of a diagram's layout).
    return sum(map(_WIDTHS.get, text, repeat(_DEFAULT_WIDTH)))


@functools.lru_cache(maxsize=65536)
def _word_units(word: str) -> int:
    # Names share their words, and each name is wrapped at three widths (centre, neighbour, catalog graph).
    return _units(word)


def _width(units: int, font_size: float, bold: bool) -> float:
    return units / 1000 * font_size * (1.1 if bold else 1.0)


@functools.lru_cache(maxsize=65536)  # a name is wrapped for the diagram of each of its neighbours
def wrap(
    text: str, width: float, font_size: float, *, max_lines: int, bold: bool = False
) -> tuple[tuple[str, ...], bool]:
    """Break ``text`` into at most ``max_lines`` lines no wider than ``width``.

    Words too long for a line are split; when the text does not fit in ``max_lines`` the last line ends in
    an ellipsis. Returns the lines and whether anything was left out (callers then give the full text as a
    tooltip).
    """
    words = _WHITESPACE.sub(" ", text).strip().split(" ")
    lines: list[str] = []
    current = ""
    current_units = 0
    space = _units(" ")
    # A line's width is the sum of its characters': each candidate line adds a piece's units to the line's.
    for word in words:
        units = _word_units(word)
        if _width(units, font_size, bold) <= width:
            pieces: Iterable[tuple[str, int]] = ((word, units),)
        else:
            pieces = [(piece, _units(piece)) for piece in _split_long_word(word, width, font_size, bold)]
        for i, (piece, units) in enumerate(pieces):
            if current:
                candidate_units = current_units + units + (space if i == 0 else 0)
                if _width(candidate_units, font_size, bold) <= width:
                    current = f"{current} {piece}" if i == 0 else current + piece
                    current_units = candidate_units
                    continue
                lines.append(current)
            current, current_units = piece, units  # a new line (a piece wider than a line gets one alone)
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return tuple(lines), False
    kept = lines[:max_lines]
    kept[-1] = _with_ellipsis(kept[-1], width, font_size, bold)
    return tuple(kept), True


def _split_long_word(word: str, width: float, font_size: float, bold: bool) -> list[str]:
    """A word too wide for a line, in pieces: after its own hyphens first, then anywhere (adding a hyphen)."""
    if text_width(word, font_size, bold=bold) <= width:
        return [word]
    if "-" in word.strip("-"):
        pieces = [p + "-" for p in word.split("-")]
        pieces[-1] = pieces[-1][:-1]
        return [part for piece in pieces if piece for part in _split_long_word(piece, width, font_size, bold)]
    parts: list[str] = []
    current = ""
    current_units = 0
    hyphen = _units("-")
    for ch in word:
        units = _units(ch)
        if current and _width(current_units + units + hyphen, font_size, bold) > width:
            parts.append(current + "-")
            current, current_units = "", 0
        current += ch
        current_units += units
    parts.append(current)
    return parts


def _with_ellipsis(line: str, width: float, font_size: float, bold: bool) -> str:
    line = line.rstrip()
    while line and text_width(line + "…", font_size, bold=bold) > width:
        line = line[:-1].rstrip()
    return line + "…"
