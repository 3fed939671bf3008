"""The benchmark scripts keep working: each runs end to end on a 50-prime catalog (no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import primes
from primes.query import ancestors

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
SMALL = 50


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The scripts' environment: the check cache's key under a temporary folder, not the user's home."""
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("user-cache"))}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One results folder for every script, so the 50-prime catalog is generated once."""
    return tmp_path_factory.mktemp("bench-results")


def generate(n: int, out: Path, seed: int = 1) -> None:
    subprocess.run(
        [sys.executable, str(BENCHMARKS / "generate.py"), str(n), str(out), "--seed", str(seed)],
        check=True,
        capture_output=True,
        timeout=120,
    )


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


def test_the_generator_writes_a_clean_catalog(tmp_path: Path) -> None:
    generate(SMALL, tmp_path / "catalog")
    catalog = primes.check(tmp_path / "catalog", use_cache=False)
    assert len(catalog) == SMALL
    assert catalog.findings == ()  # no errors and no warnings, unlinked mentions included
    hierarchy = catalog.kind_graphs["decomposition"]
    assert any(hierarchy.out_degree(node) > 1 for node in hierarchy)  # some primes have two parents
    assert max(ancestors(catalog, prime_id).depth for prime_id in catalog.ids) >= 3  # several levels
    assert all(catalog.kind_graphs[kind.id].number_of_edges() > 0 for kind in catalog.edge_kinds)
    assert len(catalog.domains) >= 12


def test_the_generator_is_deterministic(tmp_path: Path) -> None:
    generate(SMALL, tmp_path / "one")
    generate(SMALL, tmp_path / "two")
    generate(SMALL, tmp_path / "other", seed=2)
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")
    assert files_of(tmp_path / "one") != files_of(tmp_path / "other")


def test_the_generator_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "catalog").mkdir()
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "generate.py"), "5", str(tmp_path / "catalog")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--force" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("script", "extra", "expected"),
    [
        ("bench_load.py", [], {"load+check cold", "re-check after 1 edit", "peak memory, check cold"}),
        ("bench_queries.py", [], {"one-hop neighbourhood", "ancestors", "descendants", "search"}),
        ("bench_rdf.py", [], {"Turtle export", "load the export into a store", "query neighborhood"}),
        ("bench_site.py", [], {"our share of the build", "whole build", "edit to visible (primes serve)"}),
    ],
)
def test_a_benchmark_script_runs(
    script: str, extra: list[str], expected: set[str], results: Path, env: dict[str, str]
) -> None:
    command = [sys.executable, str(BENCHMARKS / script), "--sizes", str(SMALL), "--repeats", "1"]
    done = subprocess.run(
        [*command, "--results", str(results), *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((results / f"{script.removesuffix('.py')}.json").read_text())
    names = {m["name"] for m in report["measures"]}
    assert expected <= names
    assert all(m["size"] == SMALL and m["ours"] and all(x >= 0 for x in m["ours"]) for m in report["measures"])
    assert all(report.get("checks", {}).values())  # e.g. warm findings equal cold ones, identical Turtle
    assert "measure" in done.stdout  # the table
