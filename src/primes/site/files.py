"""Generated files whose content is made when mkdocs reads it, instead of held in memory for the whole build.

mkdocs keeps every ``File`` until the build ends; a 10,000-prime site would hold each prime's Markdown, Turtle
and JSON-LD twice over (the file's content and the copies mkdocs makes). A :class:`LazyFile` produces its
content on each read: the prime page's Markdown when mkdocs reads the page, the RDF when it copies the file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File


class LazyFile(File):
    """A generated file (``generated_by`` set, as ``File.generated`` would) whose content is ``produce()``."""

    def __init__(self, config: MkDocsConfig, uri: str, produce: Callable[[], str | bytes]) -> None:
        super().__init__(uri, None, config.site_dir, config.use_directory_urls)
        self.generated_by = "primes"
        self.produce = produce

    @property
    def _content(self) -> str | bytes | None:  # read by File.content_string, content_bytes, copy_file
        return self.produce()

    @_content.setter
    def _content(self, value: Any) -> None:
        raise AttributeError(f"{self.src_uri} is made from the catalog; change the catalog, not the file")
