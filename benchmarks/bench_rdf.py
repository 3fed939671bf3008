"""Stage 3: RDF and SPARQL, ours (Turtle written from the records, an embedded pyoxigraph store) against
rdflib's in-memory store on the same triples.

    python benchmarks/bench_rdf.py [--sizes 1000,10000] [--repeats 3] [--rdflib-turtle-max 2000]

At each size:
- Turtle export: ``primes.rdf.export.serialize(catalog, "turtle")`` from a freshly loaded catalog (nothing
  cached) against rdflib serializing the same graph as Turtle (skipped above ``--rdflib-turtle-max``
  primes: it takes minutes there); target under 3 s at 10,000 primes, and the bytes must be identical
  from run to run (checked within the run and against a second process);
- store: loading the export (and the ontology) into a pyoxigraph ``Store`` against parsing it into an
  rdflib ``Graph``;
- each named query of ``ontology/queries/*.rq`` (parameters bound to a sampled prime and a word) through
  ``primes.rdf.sparql.run`` against ``rdflib.Graph.query`` on the same triples, every result row read, after
  one untimed run of each (a sample is the mean of as many calls as fill 0.1 s); target at least 20x
  faster. The row counts of the two must agree.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import rdflib

import _harness as h
import primes
from primes.rdf import build as rdf_build
from primes.rdf import export, sparql

TARGET_AT = 10_000  # the size the targets are set for (other sizes are measured, not judged)

DIGEST = """
import hashlib, sys
import primes
from primes.rdf.export import serialize
print(hashlib.sha256(serialize(primes.load(sys.argv[1]), "turtle")).hexdigest())
"""


def fresh_catalog(root: Path) -> primes.Catalog:
    """A new catalog object: the RDF caches are per object, so nothing built before is reused. Its records
    are read here (the loader defers them to their first use), so that loading stays out of what is timed."""
    catalog = primes.load(root)
    for _ in catalog:
        break
    return catalog


def rows(results: object) -> int:
    """Read every row (or triple) of a result, as a client would; return how many there were."""
    if isinstance(results, bool | ox.QueryBoolean):
        return 1
    return sum(1 for _ in results)  # type: ignore[attr-defined]


def bound_queries(catalog: primes.Catalog, rng: random.Random) -> dict[str, str]:
    """Every named query with its parameters written in (a prime that has children, a word of a name)."""
    graph = catalog.kind_graphs["decomposition"]
    with_children = [node for node in catalog.ids if graph.in_degree(node) > 0] or catalog.ids
    prime_id = rng.choice(with_children)
    word = catalog[rng.choice(catalog.ids)].name.split()[0][:5].lower()
    out: dict[str, str] = {}
    for name, query in sparql.named_queries().items():
        values = {p.name: (prime_id if p.kind == "prime" else word) for p in query.params}
        out[name] = sparql.bind(catalog, query, values)
    return out


PARTS = ("export", "queries")


def measure_size(n: int, args: argparse.Namespace, measures: list[h.Measure], checks: dict[str, object]) -> None:
    root = h.catalog_dir(n, args.seed, args.results)
    only = set(args.only.split(","))
    if "export" in only:
        measure_export(n, root, args, measures, checks)
    if "queries" in only:
        measure_queries(n, root, args.repeats, measures, checks)


def measure_export(
    n: int, root: Path, args: argparse.Namespace, measures: list[h.Measure], checks: dict[str, object]
) -> None:
    outputs: list[bytes] = []

    def ours_export() -> float:
        fresh = fresh_catalog(root)  # loading is not timed: only the RDF build and the Turtle writing
        start = h.TIMER()
        outputs.append(export.serialize(fresh, "turtle"))
        return h.TIMER() - start

    turtle_times, _ = h.alternate(args.repeats, ours_export)
    turtle = outputs[0]
    checks[f"{n}: Turtle identical across runs in this process"] = all(o == turtle for o in outputs)
    del outputs[1:]
    baseline_turtle: list[float] = []
    if n <= args.rdflib_turtle_max:
        graph = rdflib.Graph()
        graph.parse(data=turtle, format="turtle")
        _, baseline_turtle = h.alternate(
            1 if n > 1000 else args.repeats, lambda: 0.0, lambda: h.clock(lambda: graph.serialize(format="turtle"))
        )
        del graph
    target = "ours <= 3 s" if n == TARGET_AT else ""
    note = f"{len(turtle) / 1e6:,.1f} MB of Turtle"
    if not baseline_turtle:
        note += f"; rdflib's Turtle serializer not run above {args.rdflib_turtle_max:,} primes"
    measures.append(
        h.Measure(n, "Turtle export", turtle_times, baseline_turtle, "rdflib serialize", target=target, note=note)
    )
    other = subprocess.run(
        [sys.executable, "-c", DIGEST, str(root)], capture_output=True, text=True, check=True
    ).stdout.strip()
    checks[f"{n}: Turtle identical in another process"] = other == hashlib.sha256(turtle).hexdigest()


def measure_queries(n: int, root: Path, repeats: int, measures: list[h.Measure], checks: dict[str, object]) -> None:
    catalog = fresh_catalog(root)
    store_bytes = export.store_input(catalog)
    start = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(data=store_bytes, format="turtle")
    rdflib_parse = time.perf_counter() - start

    def ours_store() -> float:
        return h.clock(lambda: ox.Store().load(store_bytes, format=ox.RdfFormat.TURTLE))

    store_times, _ = h.alternate(repeats, ours_store)
    note = f"{len(graph):,} triples (the catalog and the ontology)"
    measures.append(
        h.Measure(n, "load the export into a store", store_times, [rdflib_parse], "rdflib Graph.parse", note=note)
    )

    # The catalog's own store (built once per catalog object, as the CLI and the server use it).
    rdf_build._CACHE.pop(catalog, None)
    export._STORES.pop(catalog, None)
    start = time.perf_counter()
    export.store(catalog)
    measures.append(h.Measure(n, "records -> embedded store", [time.perf_counter() - start]))

    prefixes = export.catalog_prefixes(catalog)
    for name, text in bound_queries(catalog, random.Random(n)).items():
        counts: dict[str, int] = {}

        def ours(text: str = text, counts: dict[str, int] = counts) -> float:
            counts["ours"] = rows(sparql.run(catalog, text)[1])
            return h.per_call(lambda: rows(sparql.run(catalog, text)[1]), min_time=0.1)

        def theirs(text: str = text, counts: dict[str, int] = counts) -> float:
            counts["rdflib"] = rows(graph.query(text, initNs=prefixes))
            return h.per_call(lambda: rows(graph.query(text, initNs=prefixes)), min_time=0.1)

        mine, base = h.alternate(repeats, ours, theirs)
        target = "speedup >= 20" if n == TARGET_AT else ""
        note = f"{counts['ours']:,} rows" + (
            "" if counts["ours"] == counts["rdflib"] else f" (rdflib: {counts['rdflib']:,})"
        )
        measures.append(h.Measure(n, f"query {name}", mine, base, "rdflib", target=target, note=note))
        checks[f"{n}: query {name} gives as many rows as rdflib"] = counts["ours"] == counts["rdflib"]


def main() -> int:
    args = h.arguments(
        __doc__.split("\n\n")[0],
        default_sizes=(1_000, 10_000),
        default_repeats=3,
        extra=[
            (
                ("--rdflib-turtle-max",),
                {"type": int, "default": 2_000, "help": "largest size at which rdflib serializes Turtle"},
            ),
            (("--only",), {"default": ",".join(PARTS), "help": f"comma-separated subset of {','.join(PARTS)}"}),
        ],
    )
    measures: list[h.Measure] = []
    checks: dict[str, object] = {}
    for n in args.sizes:
        measure_size(n, args, measures, checks)
    return h.finish(h.stage_name("bench_rdf", args.only, PARTS), measures, args.results, checks)


if __name__ == "__main__":
    sys.exit(main())
