"""Long lists of the index pages (A–Z, domains, relations, levels), written as HTML instead of Markdown.

An index page of a large catalog lists thousands of primes; as Markdown, each item would go through
Python-Markdown's inline processing, which made the domain pages alone a fifth of a 1,000-prime build. A
page's Markdown holds a placeholder per list instead (:func:`slot`), and the plugin puts the HTML in after
Markdown (``on_page_content``), with links resolved to the built URLs. The lists are escaped like
everything else (:func:`~primes.site.text.xml`) and left out of the search index: they repeat the primes'
own pages.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from primes.site.text import xml

_WHITESPACE = re.compile(r"\s+")
Resolve = Callable[[str], str]  # docs-relative source path of a page -> its href from the current page


@dataclass(frozen=True, slots=True)
class Ref:
    """A link to a generated page, by its source path."""

    target: str
    text: str
    strong: bool = False


Part = str | Ref


@dataclass(frozen=True, slots=True)
class Listing:
    """Items made of text and links: a bullet list, or (``inline``) one paragraph joined by middle dots."""

    items: tuple[tuple[Part, ...], ...]
    inline: bool = False

    def html(self, resolve: Resolve) -> str:
        # An index page of a large catalog has thousands of items: one plain loop.
        rendered = []
        for item in self.items:
            pieces = []
            for part in item:
                if isinstance(part, Ref):
                    pieces.append(_link(part, resolve))
                else:
                    pieces.append(_text(part))
            rendered.append("".join(pieces))
        if self.inline:
            return f'<p class="primes-listing" data-search-exclude>{" · ".join(rendered)}</p>'
        body = "".join([f"<li>{item}</li>" for item in rendered])
        return f'<div class="primes-listing" data-search-exclude><ul>{body}</ul></div>'


def _link(ref: Ref, resolve: Resolve) -> str:
    link = f'<a href="{xml(resolve(ref.target))}">{_text(ref.text)}</a>'
    return f"<strong>{link}</strong>" if ref.strong else link


def _text(text: str) -> str:
    """Element text: markup escaped, runs of white space as one space (most texts have none to fold)."""
    if "\n" in text or "  " in text or "\t" in text:
        text = _WHITESPACE.sub(" ", text)
    if "&" in text or "<" in text or ">" in text:
        return html.escape(text, quote=False)
    return text


def relative_url_from(page_url: str) -> Callable[[str], str]:
    """``mkdocs.utils.get_relative_url(url, page_url)`` for the normalized URLs mkdocs gives files (no ``.``
    or ``..`` segments), with the page's part worked out once: the index pages resolve thousands of links."""
    folder, _, last = page_url.rpartition("/")
    base = [part for part in (folder if "." in last else page_url).split("/") if part]
    up = "../" * len(base)

    def relative(url: str) -> str:
        if base and url and url[0] != "/" and "//" not in url and url.partition("/")[0] != base[0]:
            return up + url  # nothing in common with the page's folder (most links: other kinds of page)
        target = [part for part in url.split("/") if part]
        common = 0
        for a, b in zip(base, target, strict=False):
            if a != b:
                break
            common += 1
        path = "/".join([".."] * (len(base) - common) + target[common:]) or "."
        return path + "/" if url.endswith("/") else path

    return relative


SLOT = '<div class="primes-fragment" data-primes-fragment="{key}"></div>'


def slot(key: str) -> str:
    """The placeholder a page's Markdown holds for the listing ``key`` (a raw HTML block, kept as is)."""
    return SLOT.format(key=xml(key))


def fill(html: str, listings: Mapping[str, Listing], resolve: Resolve) -> str:
    """Put each listing in its placeholder."""
    for key, listing in listings.items():
        html = html.replace(slot(key), listing.html(resolve), 1)
    return html
