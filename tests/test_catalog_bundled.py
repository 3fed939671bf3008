"""The bundled catalog: clean under ``--strict``, true to the reference page, and a connected graph."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import pytest
from typer.testing import CliRunner

import primes
from conftest import BUNDLED
from primes.cli import app

MML = "micro-macro-linkage"
REFERENCE_CHILDREN = {"aggregation", "downward-causation", "emergence"}
REFERENCE_CONTRASTS = {"emergence", "downward-causation", "scaling-and-scale-dependence"}


def test_the_bundled_catalog_checks_clean_under_strict() -> None:
    result = CliRunner().invoke(app, ["check", "--strict", "--no-cache", str(BUNDLED)])
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
    assert primes.check(BUNDLED, use_cache=False).findings == ()


def test_the_schema_comment_of_every_file_points_at_the_schema(bundled: primes.Catalog) -> None:
    for prime in bundled:
        path = BUNDLED / "primes" / f"{prime.id}.yaml"
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema.json", path


# --- the facts of the reference page ------------------------------------------------------------------


def test_the_primes_the_reference_page_names_are_complete(bundled: primes.Catalog) -> None:
    for prime_id in (MML, *REFERENCE_CHILDREN, "scaling-and-scale-dependence"):
        prime = bundled[prime_id]
        assert not prime.is_draft
        assert [e.audience for e in prime.explanations or ()] == ["child", "teen", "adult"]
    assert bundled[MML].name == "Micro Macro Linkage"


def test_aggregation_downward_causation_and_emergence_decompose_mml_with_notes(bundled: primes.Catalog) -> None:
    decomposition = bundled.kind("decomposition")
    children = bundled.kind_graphs[decomposition.id].predecessors(MML)
    assert set(children) == REFERENCE_CHILDREN
    for child in REFERENCE_CHILDREN:
        (ref,) = [ref for ref in bundled[child].edges(decomposition) if ref.prime == MML]
        assert ref.annotation and len(ref.annotation.split()) >= 5


def test_mml_is_not_to_be_confused_with_its_three_lookalikes(bundled: primes.Catalog) -> None:
    contrast = bundled.kind("not-to-be-confused-with")
    refs = bundled[MML].edges(contrast)
    assert {ref.prime for ref in refs} == REFERENCE_CONTRASTS
    assert all(ref.annotation and len(ref.annotation.split()) >= 5 for ref in refs)


def test_emergence_is_both_a_child_and_a_contrast_of_mml(bundled: primes.Catalog) -> None:
    assert set(bundled.graph["emergence"][MML]) == {"decomposition"}
    assert set(bundled.graph[MML]["emergence"]) == {"not-to-be-confused-with"}


def test_mml_is_foundational(bundled: primes.Catalog) -> None:
    assert bundled[MML].edges(bundled.kind("decomposition")) == ()
    assert bundled.kind_graphs["decomposition"].out_degree(MML) == 0


# --- the shape of the catalog ---------------------------------------------------------------------------


def test_at_least_40_published_complete_primes(bundled: primes.Catalog) -> None:
    published = [p for p in bundled if not p.is_draft]
    assert len(published) >= 40
    # "complete": the strict check passes, so every section is written; spot-check that here too
    assert all(p.example is not None and p.knowledge_transfer for p in published)


def test_at_least_10_partner_pairs(bundled: primes.Catalog) -> None:
    partners = bundled.kind_graphs["mutual-partner"]
    pairs = {frozenset(edge) for edge in partners.edges}
    assert len(pairs) >= 10


def test_at_least_20_contrasts(bundled: primes.Catalog) -> None:
    assert bundled.kind_graphs["not-to-be-confused-with"].number_of_edges() >= 20


def test_decomposition_is_at_least_three_deep_somewhere(bundled: primes.Catalog) -> None:
    decomposition = bundled.kind_graphs["decomposition"]
    assert nx.is_directed_acyclic_graph(decomposition)
    assert nx.dag_longest_path_length(decomposition) >= 3


def test_several_roots(bundled: primes.Catalog) -> None:
    decomposition = bundled.kind_graphs["decomposition"]
    roots = [n for n in decomposition if decomposition.out_degree(n) == 0 and decomposition.in_degree(n) > 0]
    assert len(roots) >= 3
    assert MML in roots


def test_one_connected_component(bundled: primes.Catalog) -> None:
    assert nx.number_weakly_connected_components(bundled.graph) == 1


def test_every_domain_is_used_by_several_primes(bundled: primes.Catalog) -> None:
    users: dict[str, set[str]] = defaultdict(set)
    for prime in bundled:
        for use in prime.broad_use or ():
            users[use.domain].add(prime.id)
        for transfer in prime.knowledge_transfer or ():
            users[transfer.from_domain].add(prime.id)
            users[transfer.to_domain].add(prime.id)
    thin = {domain: len(users[domain]) for domain in bundled.domains if len(users[domain]) < 3}
    assert not thin, f"domains used by fewer than 3 primes: {thin}"


@pytest.mark.parametrize("kind_id", ["decomposition", "mutual-partner", "not-to-be-confused-with"])
def test_every_edge_kind_is_used(bundled: primes.Catalog, kind_id: str) -> None:
    assert bundled.kind_graphs[kind_id].number_of_edges() > 0
