"""The query commands through Typer's runner: JSON parsed and checked, renderings, exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from conftest import LOOKALIKE, PART, PIECE, SIBLING, TINY, TWIN, WHOLE
from primes.catalog import Catalog
from primes.cli import app
from primes.cli.query import render_prime
from primes.query import neighborhood

GOLDEN = Path(__file__).parent / "golden" / "query"
UPDATE = os.environ.get("PRIMES_UPDATE_GOLDEN") == "1"

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env=env)


def run_json(*args: str) -> Any:
    result = run(*args, "--catalog", str(TINY), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_neighbors_json_shape_and_declared_direction() -> None:
    data = run_json("neighbors", PART)
    assert set(data) >= {"id", "nodes", "edges", "roles"}
    assert data["id"] == PART
    assert {n["id"]: n["distance"] for n in data["nodes"]} == {PART: 0, WHOLE: 1, PIECE: 1, TWIN: 1}
    assert all(set(n) == {"id", "name", "distance"} for n in data["nodes"])
    # decomposition edges run from the child to the parent
    assert {(e["source"], e["target"], e["kind"]) for e in data["edges"]} == {
        (PART, WHOLE, "decomposition"),
        (PIECE, PART, "decomposition"),
        (TWIN, PART, "mutual-partner"),
        (PART, WHOLE, "not-to-be-confused-with"),
    }
    assert all(set(e) == {"source", "target", "kind", "note"} for e in data["edges"])
    assert [n["id"] for n in data["roles"]["children"]] == [PIECE]


def test_neighbors_options_hops_kind_direction() -> None:
    data = run_json("neighbors", WHOLE, "--hops", "2", "--kind", "decomposition", "--direction", "in")
    assert {n["id"]: n["distance"] for n in data["nodes"]} == {WHOLE: 0, PART: 1, SIBLING: 1, PIECE: 2}
    assert data["kinds"] == ["decomposition"] and data["direction"] == "in" and data["hops"] == 2
    both = run_json("neighbors", PART, "-k", "decomposes", "-k", "partners", "-d", "out")
    assert list(both["roles"]) == ["parents", "partners"]


def test_neighbors_renders_a_tree_by_role() -> None:
    result = run("neighbors", WHOLE, "--catalog", str(TINY))
    assert result.exit_code == 0
    out = result.stdout
    assert "Children (2)" in out and "Contrasted by (2)" in out
    assert out.index("Part") < out.index("Sibling") < out.index("Lookalike")
    assert "it only looks like the whole" in out


def test_ancestors_and_descendants_json_and_tree() -> None:
    up = run_json("ancestors", PIECE)
    assert up["relation"] == "ancestors"
    assert [(p["id"], p["depth"]) for p in up["primes"]] == [(PART, 1), (WHOLE, 2)]
    assert [(e["source"], e["target"]) for e in up["edges"]] == [(PIECE, PART), (PART, WHOLE)]
    down = run_json("descendants", WHOLE)
    assert [(p["id"], p["depth"]) for p in down["primes"]] == [(PART, 1), (SIBLING, 1), (PIECE, 2)]
    tree = run("descendants", WHOLE, "--catalog", str(TINY)).stdout
    lines = tree.splitlines()
    assert lines[0].startswith("Whole")
    assert any("└── Piece" in line for line in lines)
    assert "3 descendants, depth 2" in tree
    none = run("ancestors", WHOLE, "--catalog", str(TINY)).stdout
    assert "Whole has no parents." in none


def test_path_json_and_text() -> None:
    data = run_json("path", PIECE, LOOKALIKE)
    assert (data["source"], data["target"], data["length"]) == (PIECE, LOOKALIKE, 3)
    assert len(data["paths"]) == 2
    first = data["paths"][0]
    assert first["ids"] == [PIECE, PART, WHOLE, LOOKALIKE]
    assert first["steps"][2] == {
        "from": WHOLE,
        "to": LOOKALIKE,
        "kind": "not-to-be-confused-with",
        "note": "it only looks like the whole",
        "inverse": True,
        "text": "Whole is contrasted by Lookalike",
    }
    text = run("path", PIECE, LOOKALIKE, "--catalog", str(TINY)).stdout
    assert "1. Piece is a decomposition of Part" in text and "Path 2 (3 steps)" in text
    limited = run_json("path", PIECE, LOOKALIKE, "--limit", "1")
    assert len(limited["paths"]) == 1


def test_path_without_connection() -> None:
    data = run_json("path", PIECE, TWIN, "--kind", "not-to-be-confused-with")
    assert data["paths"] == [] and data["length"] is None
    result = run("path", PIECE, TWIN, "--kind", "not-to-be-confused-with", "--catalog", str(TINY))
    assert result.exit_code == 0 and "No path between Piece and Twin" in result.stdout


def test_search_json_and_table() -> None:
    data = run_json("search", "precise mechanism", "--limit", "3")
    assert data["query"] == "precise mechanism"
    assert len(data["hits"]) == 3
    hit = data["hits"][0]
    assert set(hit) == {"id", "name", "score", "matched", "field", "snippet", "highlights"}
    assert hit["field"] == "explanations[2].text" and hit["matched"] == 2
    assert [hit["snippet"][a:b] for a, b in hit["highlights"]] == ["precise", "mechanism"]
    table = run("search", "wholle", "--catalog", str(TINY)).stdout
    assert "Whole" in table and "name" in table
    empty = run("search", "xyzzyq", "--catalog", str(TINY))
    assert empty.exit_code == 0 and "No prime matches" in empty.stdout


def test_domains_list_and_one_domain() -> None:
    data = run_json("domains")
    assert [(d["id"], d["primes"], d["transfers"]) for d in data["domains"]] == [
        ("biology", 6, 0),
        ("economics", 0, 6),
        ("physics", 6, 6),
    ]
    physics = run_json("domains", "Physics")
    assert physics["id"] == "physics" and len(physics["uses"]) == 6 and len(physics["transfers"]) == 6
    assert physics["uses"][0] == {"id": LOOKALIKE, "name": "Lookalike", "text": "Lookalike in physics."}
    text = run("domains", "economics", "--catalog", str(TINY)).stdout
    assert "Knowledge transfers to or from Economics" in text


def test_stats_json_and_table() -> None:
    data = run_json("stats", "--top", "2")
    assert data["primes"] == 6
    assert data["edges"] == {"decomposition": 3, "mutual-partner": 2, "not-to-be-confused-with": 2}
    assert (data["roots"], data["leaves"], data["depth"], data["components"]) == (3, 4, 2, 1)
    assert [x["id"] for x in data["leaders"]] == [PART, WHOLE]
    text = run("stats", "--catalog", str(TINY)).stdout
    assert "hierarchy depth" in text and "Most connected" in text


def test_show_json_holds_the_record_and_the_derived_roles() -> None:
    data = run_json("show", PART)
    assert data["id"] == PART and data["name"] == "Part"
    assert data["knowledge_transfer"][0] == {
        "from": "physics",
        "to": "economics",
        "text": "Part carries over to markets.",
    }
    assert data["decomposes"] == [{"prime": WHOLE, "note": "a part of the whole"}]
    assert data["derived"]["foundational"] is False
    assert [n["id"] for n in data["derived"]["roles"]["children"]] == [PIECE]
    assert [n["declared_by"] for n in data["derived"]["roles"]["partners"]] == [TWIN]


def test_show_prints_the_sections_in_the_reference_order() -> None:
    result = run("show", WHOLE, "--catalog", str(TINY))
    assert result.exit_code == 0
    out = result.stdout
    order = [
        "Whole",
        "Core Idea",
        "How would you explain it like I'm…",
        "Whole For Kids",
        "The overview of whole",
        "Broad Use",
        "Clarity",
        "Manages Complexity",
        "Abstract Reasoning",
        "Knowledge Transfer",
        "Example",
        "Relationships to Other Primes",
        "Foundational — no parent edges in the catalog.",
        "Children (2)",
        "Part is a decomposition of Whole",
        "Contrasted by (2)",
        "Lookalike is not to be confused with Whole",
    ]
    positions = [out.index(marker) for marker in order]
    assert positions == sorted(positions)


@pytest.mark.parametrize("prime_id", [WHOLE, PART])
def test_show_rendering_matches_golden(tiny: Catalog, prime_id: str) -> None:
    console = Console(width=80, record=True, color_system=None, file=open(os.devnull, "w"))  # noqa: SIM115
    for line in render_prime(tiny, tiny[prime_id], neighborhood(tiny, prime_id), width=80):
        console.print(line, soft_wrap=True)
    text = console.export_text()
    console.file.close()
    golden = GOLDEN / f"show-{prime_id}.txt"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    assert all(line == line.rstrip() for line in text.splitlines())


@pytest.mark.parametrize(
    "args",
    [
        ("show", "hole"),
        ("neighbors", "hole"),
        ("ancestors", "hole"),
        ("descendants", "hole"),
        ("path", "hole", PART),
    ],
)
def test_an_unknown_id_exits_1_with_a_suggestion(args: tuple[str, ...]) -> None:
    result = run(*args, "--catalog", str(TINY))
    assert result.exit_code == 1
    assert "no prime with id 'hole'" in result.stderr and "did you mean 'whole'?" in result.stderr
    assert result.stdout == ""


def test_an_unknown_domain_exits_1_with_a_suggestion() -> None:
    result = run("domains", "physic", "--catalog", str(TINY))
    assert result.exit_code == 1 and "did you mean 'physics'?" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("neighbors", PART, "--kind", "decompose"),
        ("neighbors", PART, "--direction", "sideways"),
        ("neighbors", PART, "--hops", "0"),
        ("neighbors",),
        ("path", PART),
        ("search", "!!!"),
        ("search", "part", "--limit", "0"),
        ("stats", "--top", "-1"),
        ("show", PART, "--bogus"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = run(*args, "--catalog", str(TINY))
    assert result.exit_code == 2, result.output


def test_the_catalog_comes_from_the_environment() -> None:
    result = runner.invoke(app, ["neighbors", PART, "--json"], env={"PRIMES_CATALOG": str(TINY)})
    assert result.exit_code == 0
    assert json.loads(result.stdout)["id"] == PART


def test_a_catalog_with_errors_is_refused(tiny_dir: Path) -> None:
    (tiny_dir / "primes" / "piece.yaml").write_text("id: piece\nname: Piece\ndecomposes:\n- prime: nowhere\n")
    result = run("neighbors", PART, "--catalog", str(tiny_dir))
    assert result.exit_code == 1
    assert "fix them first" in result.stderr
