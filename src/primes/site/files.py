"""Generated files whose content is made when mkdocs reads it, instead of held in memory for the whole build.

mkdocs keeps every ``File`` until the build ends; a 10,000-prime site would hold each prime's Markdown, Turtle
and JSON-LD twice over (the file's content and the copies mkdocs makes). A :class:`LazyFile` produces its
content on each read: the prime page's Markdown when mkdocs reads the page, the RDF when it copies the file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mkdocs.structure.files import File, InclusionLevel


class LazyFile(File):
    """A generated file (``generated_by`` set, as ``File.generated`` would) whose content is ``produce()``.

    ``uri`` must be normalized already (segments joined by single slashes, no ``.`` or ``..``), as the site's
    paths made of slugs are: ``File.__init__`` would normalize it through a ``PurePath``, which for three files
    per prime was most of the time the plugin took to list its files. It sets nothing else.
    """

    def __init__(self, site_dir: str, use_directory_urls: bool, uri: str, produce: Callable[[], str | bytes]) -> None:
        self.src_uri = uri
        self.src_dir = None
        self.dest_dir = site_dir
        self.use_directory_urls = use_directory_urls
        self.inclusion = InclusionLevel.UNDEFINED
        self.generated_by = "primes"
        self.produce = produce

    @property
    def _content(self) -> str | bytes | None:  # read by File.content_string, content_bytes, copy_file
        return self.produce()

    @_content.setter
    def _content(self, value: Any) -> None:
        raise AttributeError(f"{self.src_uri} is made from the catalog; change the catalog, not the file")
