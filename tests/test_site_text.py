"""Catalog text in Markdown and SVG: escaped so that it renders as the text itself, and wrapped to fit."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from mkdocs.utils import get_relative_url

from primes.site.listing import Hrefs, relative_url_from
from primes.site.text import (
    _INLINE_ESCAPES,
    _split_long_word,
    _with_ellipsis,
    json_for_script,
    md_block,
    md_inline,
    md_texts,
    text_width,
    wrap,
    xml,
)

SITE_CONFIG = Path(__file__).resolve().parents[1] / "site" / "mkdocs.yml"


def _site_extensions() -> list[object]:
    """The Markdown extensions the site enables, as mkdocs.yml lists them."""
    config = yaml.safe_load(SITE_CONFIG.read_text(encoding="utf-8"))
    out: list[object] = []
    for entry in config["markdown_extensions"]:
        out.append(next(iter(entry)) if isinstance(entry, dict) else entry)
    return out


EXTENSIONS = _site_extensions()


class _Tree(HTMLParser):
    """Element names and the text content of a rendered fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _render(source: str) -> _Tree:
    tree = _Tree()
    tree.feed(markdown.markdown(source, extensions=EXTENSIONS))
    tree.close()
    return tree


# Text as a record may hold it: any printable characters (records refuse control characters).
record_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\x85"), min_size=1
).filter(lambda t: t.strip())

NASTY = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "<javascript:alert(1)>",
    "!!! danger",
    "# not a heading",
    "1984. A year",
    "- not a list",
    "> not a quote",
    "C#",
    "text {: onclick=alert(1) }",
    "*not emphasis* and __not strong__ and `not code`",
    "AT&T &amp; &lt;b&gt;",
    "| a | b |",
    "[TOC]",
    "back\\slash\\",
    "<!-- comment -->",
    "~~~",
    "===",
]


@pytest.mark.parametrize("text", NASTY)
def test_nasty_text_renders_as_itself(text: str) -> None:
    tree = _render(md_inline(text))
    assert tree.tags == ["p"]
    assert tree.attrs == []
    assert "".join(tree.text) == text


@settings(max_examples=300, deadline=None)
@given(record_text)
@example("1. one")
@example("+ plus")
def test_any_text_is_one_plain_paragraph(text: str) -> None:
    tree = _render(md_inline(text))
    assert tree.tags == ["p"], tree.tags
    assert "".join(tree.text) == " ".join(text.split())


@settings(max_examples=200, deadline=None)
@given(record_text)
def test_any_text_stays_plain_in_a_heading_and_a_list_item(text: str) -> None:
    heading = _render("# " + md_inline(text))
    assert heading.tags == ["h1"]
    assert "".join(heading.text) == " ".join(text.split())
    item = _render("- **" + md_inline("Domain") + "**: " + md_inline(text))
    assert item.tags == ["ul", "li", "strong"]
    assert "".join(item.text).strip() == "Domain: " + " ".join(text.split())


def test_blank_lines_separate_paragraphs() -> None:
    tree = _render(md_block("First line\nstill first.\n\n  # Second, not a heading."))
    assert tree.tags == ["p", "p"]
    assert [t.strip() for t in tree.text if t.strip()] == ["First line still first.", "# Second, not a heading."]


def test_xml_escapes_markup_and_quotes() -> None:
    assert xml('<a href="x">&\'') == "&lt;a href=&quot;x&quot;&gt;&amp;&#x27;"


# The escaping as first written (one str.translate of the same table over the collapsed text): the faster one
# must agree.
_REFERENCE_TABLE = str.maketrans(_INLINE_ESCAPES)


def _reference_md_inline(text: str) -> str:
    value = " ".join(text.split()).translate(_REFERENCE_TABLE)
    first = value[:1]
    if first in set("!+-"):
        return "\\" + value
    if first in set("=~:"):
        return f"&#{ord(first)};" + value[1:]
    if first.isdigit():
        return re.sub(r"^(\d+)([.)])", r"\1\\\2", value, count=1)
    return value


ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)))
SPACES = st.text(st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u2028\u3000ab—*_<&é1.-"))


@settings(max_examples=500, deadline=None)
@given(st.one_of(ANY_TEXT, SPACES))
@example(" leading")
@example("trailing ")
@example("a  b")
@example("a\x1cb")
@example("a\u00a0b")
def test_the_fast_escaping_agrees_with_the_plain_one(text: str) -> None:
    assert md_inline(text) == _reference_md_inline(text)


@given(st.one_of(ANY_TEXT, st.text(st.sampled_from("<>&\"'ab"))))
def test_xml_is_html_escape(text: str) -> None:
    assert xml(text) == html.escape(text, quote=True)


def test_json_for_script_cannot_close_the_script() -> None:
    text = json_for_script('{"name": "</script><script>alert(1)</script> & <!--"}')
    assert "<" not in text and ">" not in text and "&" not in text
    assert html.unescape(text) == text  # nothing the HTML parser would decode inside the script either


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=120),
    width=st.floats(min_value=40, max_value=300),
    lines=st.integers(min_value=1, max_value=4),
)
def test_wrapped_lines_fit_and_keep_the_text(text: str, width: float, lines: int) -> None:
    wrapped, cut = wrap(text, width, 13, max_lines=lines)
    assert len(wrapped) <= lines
    for line in wrapped:
        assert text_width(line, 13) <= width + 1e-9, line
    if not cut:
        # Only the spaces between words and the hyphens of split words may differ.
        assert "".join("".join(wrapped).split()).replace("-", "") == "".join(text.split()).replace("-", "")
    else:
        assert wrapped[-1].endswith("…")


def test_a_sixty_character_name_wraps_into_three_lines() -> None:
    name = "Cross Scale Interaction Between Fast And Slow Adaptive Cycles"
    assert len(name) >= 60
    wrapped, cut = wrap(name, 160, 13, max_lines=3)
    assert len(wrapped) == 3 and not cut
    assert " ".join(wrapped) == name


def test_wide_glyphs_count_as_wide() -> None:
    assert text_width("WWW", 10) > text_width("iii", 10) * 2
    assert text_width("漢字", 10) >= 20


_segment = st.text(alphabet="abc.-_", min_size=1, max_size=4).filter(lambda s: s not in (".", ".."))
_url = st.lists(_segment, max_size=4).map("/".join).flatmap(lambda u: st.sampled_from([u, u + "/"] if u else [""]))


@settings(max_examples=400, deadline=None)
@given(page=_url, target=_url)
def test_fast_relative_urls_agree_with_mkdocs(page: str, target: str) -> None:
    assert relative_url_from(page)(target) == get_relative_url(target, page)


@settings(max_examples=400, deadline=None)
@given(pages=st.lists(_url, min_size=1, max_size=6), targets=st.lists(_url, min_size=1, max_size=6))
@example(pages=["primes/a/", "primes/b/"], targets=["primes/a/", "primes/b/", "primes/a.ttl", "domains/x/"])
@example(pages=["a.html", "b/c.html", "b/"], targets=["b/c.html", "b/", "a.html", ""])
def test_hrefs_shared_between_pages_agree_with_mkdocs(pages: list[str], targets: list[str]) -> None:
    # One Hrefs for a whole build: links worked out for one page and kept for its neighbours in the folder.
    hrefs = Hrefs()
    for page in pages:
        relative = hrefs.from_page(page)
        for target in targets:
            assert relative(target) == get_relative_url(target, page), (page, target)


def _reference_wrap(text: str, width: float, size: float, max_lines: int) -> tuple[tuple[str, ...], bool]:
    """The wrapping rule measured the slow way: every candidate line's width summed again from its characters."""
    words = re.sub(r"\s+", " ", text).strip().split(" ")
    pieces = [
        (piece, " " if i == 0 else "")
        for word in words
        for i, piece in enumerate(_split_long_word(word, width, size, False))
    ]
    lines: list[str] = []
    current = ""
    for piece, glue in pieces:
        candidate = f"{current}{glue}{piece}" if current else piece
        if text_width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = piece
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return tuple(lines), False
    return (*lines[: max_lines - 1], _with_ellipsis(lines[max_lines - 1], width, size, False)), True


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("aWmi -…漢 \tQ"), min_size=1, max_size=90),
    width=st.floats(min_value=20, max_value=260),
    size=st.sampled_from([10.0, 12.0, 13.0, 15.0]),
    lines=st.integers(min_value=1, max_value=4),
)
@example(text="Cross Scale Interaction Between Fast And Slow Adaptive Cycles", width=160, size=13.0, lines=3)
def test_wrap_adds_up_widths_as_the_plain_rule_measures_them(text: str, width: float, size: float, lines: int) -> None:
    wrap.cache_clear()
    assert wrap(text, width, size, max_lines=lines) == _reference_wrap(text, width, size, lines)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(
        st.one_of(st.none(), ANY_TEXT, SPACES, st.sampled_from(["plain text", "1. one", "- no", " x", "x "]))
    ),
    block=st.booleans(),
)
@example(texts=["plain", None, "also plain", "=equals", "42) answer"], block=True)
@example(texts=["a ", "b"], block=False)
@example(texts=["a", " b"], block=False)
@example(texts=["a\x00 b", "c"], block=True)
def test_a_pages_texts_escaped_together_as_each_alone(texts: list[str | None], block: bool) -> None:
    escape = md_block if block else md_inline
    assert md_texts(texts, block=block) == [None if text is None else escape(text) for text in texts]
