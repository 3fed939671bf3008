"""Stage 2: queries on a loaded catalog, against networkx's own primitives on the same graphs.

    python benchmarks/bench_queries.py [--sizes 1000,10000] [--repeats 3] [--only one-hop]

Each query runs once per sampled prime (or query text), ours and the baseline by turns, and the median
latency is reported (targets at 10,000 primes: one-hop, ancestors and descendants at most 50 µs, search at
most 5 ms):
- one-hop: ``primes.query.neighborhood(catalog, id)`` (every kind, both directions, neighbours by role,
  names, sorted) against listing the in- and out-edges with keys and data on the ``MultiDiGraph``;
- ancestors / descendants: ``primes.query.ancestors`` / ``descendants`` against ``nx.descendants`` /
  ``nx.ancestors`` on the decomposition ``DiGraph``; and, for the record, the same ``nx`` call through a
  filtered view of the multigraph (the trap the graph module avoids);
- search: ``primes.search(catalog, text)`` (ranked, fuzzy, with snippets) against a plain case-folded
  substring scan over every name, alias and text (no index, no ranking).
Building the graphs and the search index is timed once, for information.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable

import networkx as nx

import _harness as h
import primes
from primes.query import ancestors, descendants, neighborhood

TARGET_AT = 10_000  # the size the targets are set for (other sizes are measured, not judged)
SAMPLE = 200
QUERIES = ("one-hop", "ancestors", "descendants", "search")


def latencies(
    items: list[str], ours: Callable[[str], object], baseline: Callable[[str], object], repeats: int
) -> tuple[list[float], list[float]]:
    """One timed call per item and side, the sides by turns; repeated ``repeats`` times."""
    mine: list[float] = []
    theirs: list[float] = []
    timer = h.TIMER
    with h.gc_paused():
        for run in range(repeats):
            for index, item in enumerate(items):
                for side in (0, 1) if (index + run) % 2 == 0 else (1, 0):
                    fn, out = (ours, mine) if side == 0 else (baseline, theirs)
                    start = timer()
                    fn(item)
                    out.append(timer() - start)
    return mine, theirs


def one_hop_baseline(graph: nx.MultiDiGraph) -> Callable[[str], object]:
    def run(prime_id: str) -> object:
        return (
            list(graph.out_edges(prime_id, keys=True, data=True)),
            list(graph.in_edges(prime_id, keys=True, data=True)),
        )

    return run


def scan_baseline(catalog: primes.Catalog) -> Callable[[str], object]:
    """Search without an index: every name, alias and text, case-folded, scanned for the query."""
    corpus = [
        (prime.id, "\n".join([prime.name, *prime.aliases, *(text for _, text in prime.texts())]).casefold())
        for prime in catalog
    ]

    def run(query: str) -> object:
        needle = query.casefold()
        return [prime_id for prime_id, text in corpus if needle in text][:10]

    return run


def search_queries(catalog: primes.Catalog, rng: random.Random, count: int) -> list[str]:
    """Names, single words, two words, a misspelt word and a word prefix, in equal shares."""
    found: list[str] = []
    ids = catalog.ids
    while len(found) < count:
        prime = catalog[rng.choice(ids)]
        words = [w for w in prime.core_idea.split() if w.isalpha()] if prime.core_idea else []
        if len(words) < 2:
            words = prime.name.split() * 2
        shape = len(found) % 5
        if shape == 0:
            found.append(prime.name)
        elif shape == 1:
            found.append(rng.choice(words))
        elif shape == 2:
            at = rng.randrange(len(words) - 1)
            found.append(f"{words[at]} {words[at + 1]}")
        elif shape == 3:
            word = max(words, key=len)
            at = rng.randrange(1, len(word)) if len(word) > 1 else 0
            found.append(word[:at] + word[at + 1 :] if len(word) > 3 else word)  # one letter dropped
        else:
            word = prime.name.split()[0]
            found.append(word[: max(3, len(word) // 2)])
    return found


def measure_size(n: int, args: argparse.Namespace, measures: list[h.Measure], only: set[str]) -> None:
    root = h.catalog_dir(n, args.seed, args.results)
    repeats: int = args.repeats
    catalog = primes.load(root)
    target_us = "ours <= 50 us" if n == TARGET_AT else ""
    for _ in catalog:  # the loader defers reading the records to their first use: not part of the graph build
        break

    start = time.perf_counter()
    graph = catalog.graph
    kind_graphs = catalog.kind_graphs
    build = time.perf_counter() - start
    measures.append(
        h.Measure(n, "build MultiDiGraph + per-kind DiGraphs", [build], note=f"{graph.number_of_edges():,} edges")
    )

    rng = random.Random(n)
    sample = rng.sample(catalog.ids, min(SAMPLE, len(catalog)))
    hierarchy = "decomposition"
    tree = kind_graphs[hierarchy]

    if "one-hop" in only:
        ours, base = latencies(sample, lambda i: neighborhood(catalog, i), one_hop_baseline(graph), repeats)
        measures.append(h.Measure(n, "one-hop neighbourhood", ours, base, "nx in/out edges", target=target_us))
    if "ancestors" in only:
        ours, base = latencies(sample, lambda i: ancestors(catalog, i), lambda i: nx.descendants(tree, i), repeats)
        measures.append(h.Measure(n, "ancestors", ours, base, "nx.descendants, DiGraph", target=target_us))
        view = nx.subgraph_view(graph, filter_edge=lambda u, v, k: k == hierarchy)
        few = sample[: max(2, len(sample) // 10)]  # the view is slow: a tenth of the sample is plenty
        ours, base = latencies(few, lambda i: ancestors(catalog, i), lambda i: nx.descendants(view, i), 1)
        measures.append(h.Measure(n, "ancestors (vs filtered view)", ours, base, "nx.descendants, view"))
    if "descendants" in only:
        ours, base = latencies(sample, lambda i: descendants(catalog, i), lambda i: nx.ancestors(tree, i), repeats)
        measures.append(h.Measure(n, "descendants", ours, base, "nx.ancestors, DiGraph", target=target_us))
    if "search" in only:
        start = time.perf_counter()
        primes.search(catalog, "warm up the index")
        index_build = time.perf_counter() - start
        measures.append(h.Measure(n, "build search index (first search)", [index_build]))
        queries = search_queries(catalog, random.Random(n + 1), min(SAMPLE, 100))
        scan = scan_baseline(catalog)
        ours, base = latencies(queries, lambda q: primes.search(catalog, q), scan, repeats)
        target = "ours <= 5 ms" if n == TARGET_AT else ""
        measures.append(h.Measure(n, "search", ours, base, "substring scan", target=target))


def main() -> int:
    only_help = f"comma-separated subset of {','.join(QUERIES)}"
    args = h.arguments(
        __doc__.split("\n\n")[0],
        default_sizes=(1_000, 10_000),
        default_repeats=3,
        extra=[
            (("--only",), {"default": ",".join(QUERIES), "help": only_help}),
        ],
    )
    only = set(args.only.split(","))
    unknown = only - set(QUERIES)
    if unknown:
        print(f"error: unknown query {', '.join(sorted(unknown))}; choose from {', '.join(QUERIES)}", file=sys.stderr)
        return 2
    measures: list[h.Measure] = []
    for n in args.sizes:
        measure_size(n, args, measures, only)
    h.report(h.stage_name("bench_queries", args.only, QUERIES), measures, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
