"""Catalog text made safe for Markdown and for SVG, and measured for wrapping in the diagrams.

Catalog text is data, never markup: every character that Markdown (with the extensions the site enables)
or HTML would read as syntax is escaped, so ``<script>``, ``onerror=`` and ``[x](javascript:...)`` in a
record come out as the literal text a reader typed.
"""

from __future__ import annotations

import functools
import html
import re

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
_ASCII_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c-\x1f]")  # ASCII white space other than the space
_ASCII_BREAK_OR_SPECIAL = re.compile(
    "[\t\n\r\x0b\x0c\x1c-\x1f" + re.escape("".join(ch for ch in _INLINE_ESCAPES if ch.isascii())) + "]"
)
_XML_SPECIAL = re.compile("[&<>\"']")  # what html.escape(quote=True) replaces


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
    """Whether a text has no white space to collapse and nothing to escape (most record text): one scan."""
    return (
        text.isascii()
        and "  " not in text
        and text[:1] != " "
        and text[-1:] != " "
        and _ASCII_BREAK_OR_SPECIAL.search(text) is None
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


def xml(text: object) -> str:
    """Text for an XML/HTML attribute or element: markup characters and quotes escaped."""
    value = str(text)
    if _XML_SPECIAL.search(value) is None:  # most names and URLs: one scan instead of five replaces
        return value
    return html.escape(value, quote=True)


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
    units = sum(_WIDTHS.get(ch, _DEFAULT_WIDTH) for ch in text)
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
    pieces: list[tuple[str, str]] = []  # (text, what joins it to the piece before on the same line)
    for word in words:
        for i, piece in enumerate(_split_long_word(word, width, font_size, bold)):
            pieces.append((piece, " " if i == 0 else ""))
    for piece, glue in pieces:
        candidate = f"{current}{glue}{piece}" if current else piece
        if text_width(candidate, font_size, bold=bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = piece
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
    for ch in word:
        if current and text_width(current + ch + "-", font_size, bold=bold) > width:
            parts.append(current + "-")
            current = ""
        current += ch
    parts.append(current)
    return parts


def _with_ellipsis(line: str, width: float, font_size: float, bold: bool) -> str:
    line = line.rstrip()
    while line and text_width(line + "…", font_size, bold=bold) > width:
        line = line[:-1].rstrip()
    return line + "…"
