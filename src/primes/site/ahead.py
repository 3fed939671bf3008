"""Per-page work done in runs: asked for one page's value, make the next pages' values too.

mkdocs asks the plugin for one prime page's Markdown, converts that page to HTML, then asks for the next;
later it writes one page, then the next, and the plugin adds each page's diagram. Made between two pages of
mkdocs' own work, a page's Markdown took about half as long again as in a run of pages (measured at 1,000
primes): mkdocs' work on a page pushes our code and data out of the processor's caches. :class:`RunAhead`
makes the values for a run of the pages that will be asked for next (in the files' order) and hands them out
as they are asked for; it holds at most one run of values, so memory does not grow with the catalog.

Each run starts cold again, after mkdocs' work on the pages before it. Runs of 250 instead of 50 took the
plugin's share of a 1,000-prime build down by about a fifth more once the per-page work itself had been cut
(in-build process time, five builds of each, median 1.23 s against 1.53 s on a contended machine); a run
holds a few megabytes (Markdown of about 8 KB and a diagram of about 10 KB per page).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

RUN = 250  # values made at once
V = TypeVar("V")


class RunAhead(Generic[V]):
    """Values by key, made by ``make``; in runs once :meth:`expect` has said the order keys will come in."""

    def __init__(self, make: Callable[[str], V], run: int = RUN) -> None:
        self.make = make
        self.run = run
        self._order: Sequence[str] = ()
        self._place: dict[str, int] = {}
        self._made: dict[str, V] = {}
        self._asked: set[str] = set()

    def expect(self, order: Sequence[str]) -> None:
        """The keys will be asked for in this order (a full build): make them in runs from now on."""
        self._order = order
        self._place = {key: index for index, key in enumerate(order)}
        self._made = {}
        self._asked = set()

    def stop(self) -> None:
        """Make each value when it is asked for (a live rebuild asks for a few pages; the catalog changed)."""
        self.expect(())

    def take(self, key: str) -> V:
        """The value for ``key``: made in an earlier run, or now (with the next run)."""
        value = self._made.pop(key, None)
        if value is None:
            value = self.make(key)
            start = self._place.get(key)
            if start is not None:
                for other in self._order[start + 1 : start + self.run]:
                    if other not in self._asked and other not in self._made:
                        self._made[other] = self.make(other)
        self._asked.add(key)
        return value
