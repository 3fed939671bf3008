"""Shortest paths between two primes, each step with its edge kind and note, readable as a sentence.

Paths may cross an edge either way: "Emergence is a decomposition of Micro Macro Linkage; Micro Macro
Linkage decomposes into Downward Causation". The search is breadth-first from both ends at once on each
kind's own ``DiGraph``, so it touches only the two balls around the ends, not the whole catalog.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx

from primes.catalog import Catalog
from primes.errors import QueryError
from primes.ontology import EdgeKind
from primes.query._common import Edge, KindsArg, declared_edge, predecessors, resolve_kinds, successors


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a path, read from ``from_id`` to ``to_id``; ``edge`` is the edge as declared."""

    from_id: str
    from_name: str
    to_id: str
    to_name: str
    edge: Edge
    phrase: str  # the ontology's forward phrase, or its inverse phrase when the step runs against the edge

    @property
    def kind(self) -> str:
        return self.edge.kind

    @property
    def note(self) -> str | None:
        return self.edge.note

    @property
    def inverse(self) -> bool:
        """True when the step runs against the declared direction (from a parent down to a child)."""
        return self.edge.source != self.from_id

    @property
    def text(self) -> str:
        return f"{self.from_name} {self.phrase} {self.to_name}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_id,
            "to": self.to_id,
            "kind": self.kind,
            "note": self.note,
            "inverse": self.inverse,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Path:
    """A path of steps; a path from a prime to itself has no step."""

    start: str
    steps: tuple[Step, ...]

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.start, *(step.to_id for step in self.steps))

    @property
    def text(self) -> str:
        """The path as one explanation: its steps' sentences joined by semicolons."""
        return "; ".join(step.text for step in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {"ids": list(self.ids), "steps": [s.to_dict() for s in self.steps], "text": self.text}


def paths(
    catalog: Catalog, source: str, target: str, kinds: KindsArg = None, limit: int | None = None
) -> tuple[Path, ...]:
    """All shortest paths from ``source`` to ``target`` over the selected edge kinds, crossed either way.

    A pair linked by two kinds gives one path per kind. Empty when the two are not connected; ``limit``
    caps how many paths are returned (the number of shortest paths can grow fast in a dense graph).
    """
    catalog[source]
    catalog[target]
    selected = resolve_kinds(kinds)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise QueryError(f"limit must be a whole number of at least 1, not {limit!r}")
    found = _all_paths(catalog, source, target, selected)
    return tuple(itertools.islice(found, limit))


def _all_paths(catalog: Catalog, source: str, target: str, kinds: tuple[EdgeKind, ...]) -> Iterator[Path]:
    if source == target:
        yield Path(source, ())
        return
    graphs = [(kind, catalog.kind_graphs[kind.id]) for kind in kinds]
    meeting = _meet(graphs, source, target)
    if meeting is None:
        return
    meet, from_source, from_target = meeting
    primes = catalog.primes
    for middle in sorted(meet):
        for left in _back(graphs, middle, from_source):
            for right in _back(graphs, middle, from_target):
                nodes = left + right[-2::-1]
                choices = [_links(graphs, primes, a, b) for a, b in itertools.pairwise(nodes)]
                for steps in itertools.product(*choices):
                    yield Path(source, steps)


def _adjacent(graphs: list[tuple[EdgeKind, nx.DiGraph]], node: str) -> Iterator[str]:
    for kind, graph in graphs:
        yield from successors(graph)[node]
        if not kind.symmetric:  # a symmetric kind's predecessors are its (mirrored) successors
            yield from predecessors(graph)[node]


def _meet(
    graphs: list[tuple[EdgeKind, nx.DiGraph]], source: str, target: str
) -> tuple[list[str], dict[str, int], dict[str, int]] | None:
    """Breadth-first from both ends, a whole level at a time, growing the smaller frontier.

    When a level first reaches the other side, every node of that level the other side knows lies on a
    shortest path, and every shortest path crosses exactly one of them.
    """
    dist = ({source: 0}, {target: 0})
    frontier = ([source], [target])
    while frontier[0] and frontier[1]:
        side = 0 if len(frontier[0]) <= len(frontier[1]) else 1
        mine, other = dist[side], dist[1 - side]
        reached: list[str] = []
        for node in frontier[side]:
            depth = mine[node] + 1
            for adjacent in _adjacent(graphs, node):
                if adjacent not in mine:
                    mine[adjacent] = depth
                    reached.append(adjacent)
        meet = [node for node in reached if node in other]
        if meet:
            return meet, dist[0], dist[1]
        frontier = (reached, frontier[1]) if side == 0 else (frontier[0], reached)
    return None


def _back(graphs: list[tuple[EdgeKind, nx.DiGraph]], node: str, dist: dict[str, int]) -> Iterator[list[str]]:
    """Every shortest node sequence from the end ``dist`` was measured from, to ``node``."""
    depth = dist[node]
    if depth == 0:
        yield [node]
        return
    before = sorted({adjacent for adjacent in _adjacent(graphs, node) if dist.get(adjacent) == depth - 1})
    for previous in before:
        for head in _back(graphs, previous, dist):
            yield [*head, node]


def _links(graphs: list[tuple[EdgeKind, nx.DiGraph]], primes: dict[str, Any], a: str, b: str) -> list[Step]:
    """The steps from ``a`` to ``b``: one per edge between them, forward edges of a kind first."""
    a_name, b_name = primes[a].name, primes[b].name
    steps: list[Step] = []
    for kind, graph in graphs:
        data = successors(graph)[a].get(b)
        if data is not None:
            edge = declared_edge(kind, a, b, data)
            phrase = kind.forward_phrase if edge.source == a else kind.inverse_phrase
            steps.append(Step(a, a_name, b, b_name, edge, phrase))
        if not kind.symmetric:
            data = successors(graph)[b].get(a)
            if data is not None:
                steps.append(Step(a, a_name, b, b_name, declared_edge(kind, b, a, data), kind.inverse_phrase))
    return steps
