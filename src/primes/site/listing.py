"""Long lists of the index pages (A–Z, domains, relations, levels), written as HTML instead of Markdown.

An index page of a large catalog lists thousands of primes; as Markdown, each item would go through
Python-Markdown's inline processing, which made the domain pages alone a fifth of a 1,000-prime build. A
page's Markdown holds a placeholder per list instead (:func:`slot`), and the plugin puts the HTML in after
Markdown (``on_page_content``), with links resolved to the built URLs. The lists are escaped like
everything else (:func:`~primes.site.text.xml`) and left out of the search index: they repeat the primes'
own pages. A link's text is escaped once (:class:`Ref`), as are the separators the site writes (:class:`Html`);
links are resolved through :class:`Hrefs`, which the pages of a folder share (the domain pages link the same
primes).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from primes.site.text import xml

_WHITESPACE = re.compile(r"\s+")
Resolve = Callable[[str], str]  # docs-relative source path of a page -> its href from the current page


@dataclass(frozen=True, slots=True)
class Ref:
    """A link to a generated page, by its source path (its text escaped once: a prime is listed on many pages)."""

    target: str
    text: str
    strong: bool = False
    markup: str = field(init=False, repr=False, compare=False)  # the text as element text

    def __post_init__(self) -> None:
        object.__setattr__(self, "markup", _text(self.text))


class Html(str):
    """A part of an item that is HTML already (a separator the site writes): put in as it is."""

    __slots__ = ()

    @classmethod
    def of(cls, text: str) -> Html:
        """Text escaped as a part would be, once for the many items that share it."""
        return cls(_text(text))


Part = str | Ref  # text (escaped when put in, unless Html) or a link


@dataclass(frozen=True, slots=True)
class Listing:
    """Items made of text and links: a bullet list, or (``inline``) one paragraph joined by middle dots."""

    items: tuple[tuple[Part, ...], ...]
    inline: bool = False

    def html(self, resolve: Resolve) -> str:
        # An index page of a large catalog has thousands of items: one plain loop, each link made once.
        links: dict[int, str] = {}  # id of a Ref -> its link (a relation page names a prime once per edge)
        rendered = []
        for item in self.items:
            pieces = []
            for part in item:
                if isinstance(part, str):
                    pieces.append(part if part.__class__ is Html else _text(part))
                    continue
                link = links.get(id(part))
                if link is None:
                    link = f'<a href="{xml(resolve(part.target))}">{part.markup}</a>'
                    link = links[id(part)] = f"<strong>{link}</strong>" if part.strong else link
                pieces.append(link)
            rendered.append("".join(pieces))
        if self.inline:
            return f'<p class="primes-listing" data-search-exclude>{" · ".join(rendered)}</p>'
        body = "".join([f"<li>{item}</li>" for item in rendered])
        return f'<div class="primes-listing" data-search-exclude><ul>{body}</ul></div>'


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
    base = _base(page_url)
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


def _base(page_url: str) -> list[str]:
    """The parts of the folder a page's links are relative to (its URL, or its folder for ``a/b.html``)."""
    folder, _, last = page_url.rpartition("/")
    return [part for part in (folder if "." in last else page_url).split("/") if part]


class Hrefs:
    """:func:`relative_url_from` for the pages of one build, each href worked out once per folder of pages.

    A link from a page depends only on the folder its links are relative to (``primes/a/``), and on that
    folder's last part (``a``) only for URLs under it: pages side by side (``primes/a/``, ``primes/b/``) link
    every other file alike. The prime pages' diagrams link a few primes each, the domain pages thousands, and
    mostly the same ones: each such link is worked out once, then looked up.
    """

    def __init__(self) -> None:
        self._shared: dict[tuple[int, str], dict[str, str]] = {}  # (depth, parent folder) -> url -> href

    def from_page(self, page_url: str) -> Callable[[str], str]:
        """The href of a file's URL from the page at ``page_url``."""
        base = _base(page_url)
        compute = relative_url_from(page_url)
        if not base:
            return compute
        parent = "".join(part + "/" for part in base[:-1])
        own = parent + base[-1]  # URLs equal to this or under it are the page's own: they differ from page to page
        shared = self._shared.setdefault((len(base), parent), {})

        def relative(url: str) -> str:
            if url.startswith(own) and (len(url) == len(own) or url[len(own)] == "/"):
                return compute(url)
            href = shared.get(url)
            if href is None:
                href = compute(url)
                if url[:1] != "/" and "//" not in url:  # a URL mkdocs made (not an absolute path): shared alike
                    shared[url] = href
            return href

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
