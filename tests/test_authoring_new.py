"""``primes new``: a draft with every section marked as not written, which check lists; taken names refused."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from conftest import BUNDLED, LOOKALIKE, TWIN, WHOLE
from primes.authoring.fmt import Status, format_file
from primes.authoring.new import SCHEMA_LINE, SECTION_GUIDE, draft_text, edge_option, new_prime, slugify
from primes.catalog import check
from primes.cli import app
from primes.findings import Severity
from primes.model import CONTENT_SECTIONS
from primes.ontology import edge_kind, edge_kinds

GOLDEN = Path(__file__).parent / "golden" / "authoring" / "new"


def new(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["new", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def catalog_files(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(root).items() if not k.startswith(".primes-cache")}


@pytest.fixture
def edges() -> dict[str, list[str]]:
    return {"decomposition": [WHOLE], "mutual-partner": [TWIN], "not-to-be-confused-with": [LOOKALIKE]}


def test_the_draft_file_is_the_golden_one(tiny_dir: Path, edges: dict[str, list[str]]) -> None:
    made = new_prime(tiny_dir, "Feedback Loop", edges=edges)
    assert made.path == tiny_dir / "primes" / "feedback-loop.yaml"
    assert made.path.read_text() == (GOLDEN / "feedback-loop.yaml").read_text()
    assert made.path.read_text().splitlines()[0] == SCHEMA_LINE


def test_check_lists_exactly_what_is_left_to_write(tiny_dir: Path, edges: dict[str, list[str]]) -> None:
    made = new_prime(tiny_dir, "Feedback Loop", edges=edges)
    mine = [f for f in check(tiny_dir).findings if f.prime_id == made.prime_id]
    assert all(f.severity is Severity.WARNING for f in mine)
    assert sorted((f.code, f.field) for f in mine) == sorted(
        [("PR209", section) for section in CONTENT_SECTIONS]
        + [
            ("PR405", f"{edge_kind(kind).field}[0].{edge_kind(kind).annotation_field}")
            for kind in ("decomposition", "mutual-partner", "not-to-be-confused-with")
        ]
    )
    assert sorted(mine, key=lambda f: f.sort_key) == sorted(made.findings, key=lambda f: f.sort_key)
    assert not any(f.is_error for f in check(tiny_dir).findings)


def test_strict_check_fails_on_a_draft(tiny_dir: Path) -> None:
    new_prime(tiny_dir, "Feedback Loop", edges={"decomposition": [WHOLE]})
    assert CliRunner().invoke(app, ["check", str(tiny_dir)]).exit_code == 0
    assert CliRunner().invoke(app, ["check", "--strict", str(tiny_dir)]).exit_code == 1


def test_a_draft_without_edges_is_also_told_it_is_isolated(tiny_dir: Path) -> None:
    made = new_prime(tiny_dir, "Loner")
    assert {f.code for f in made.findings} == {"PR209", "PR501"}


def test_the_draft_is_valid_against_the_committed_schema(tiny_dir: Path, edges: dict[str, list[str]]) -> None:
    made = new_prime(tiny_dir, "Feedback Loop", edges=edges)
    schema = json.loads((BUNDLED / "schema.json").read_text())
    jsonschema.validate(yaml.safe_load(made.path.read_text()), schema)


def test_the_draft_is_already_formatted(tiny_dir: Path, edges: dict[str, list[str]]) -> None:
    made = new_prime(tiny_dir, "Goodhart's Law", edges=edges)
    assert format_file(made.path, check=True).status is Status.UNCHANGED


def test_every_section_has_a_guide_that_fits_on_a_line() -> None:
    assert set(SECTION_GUIDE) == set(CONTENT_SECTIONS)
    text = draft_text("x", "X", {})
    assert all(len(line) <= 100 for line in text.splitlines())
    for kind in edge_kinds():
        assert f"{kind.field}: []" in text


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Feedback Loop", "feedback-loop"),
        ("Goodhart's Law", "goodharts-law"),
        ("Exploration–Exploitation Trade-off", "exploration-exploitation-trade-off"),
        ("  Café  Society ", "cafe-society"),
        ("Red Queen (Dynamics)", "red-queen-dynamics"),
        ("日本", ""),
    ],
)
def test_the_id_is_made_from_the_name(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_the_cli_writes_the_draft_and_prints_what_is_left(tiny_dir: Path) -> None:
    code, out, err = new("Feedback Loop", "--parent", WHOLE, "--partner", TWIN, "--catalog", tiny_dir)
    assert code == 0
    assert out.splitlines()[0].startswith("created ") and out.splitlines()[0].endswith("feedback-loop.yaml (draft)")
    assert out.count("PR209 warning") == len(CONTENT_SECTIONS)
    assert out.count("PR405 warning") == 2
    assert "11 thing(s) left to write" in err


def test_the_cli_has_one_option_per_edge_kind() -> None:
    result = CliRunner().invoke(app, ["new", "--help"], env={"COLUMNS": "200"})
    for kind in edge_kinds():
        assert edge_option(kind) in result.stdout
    assert [edge_option(k) for k in edge_kinds()] == ["--parent", "--partner", "--contrast"]


def test_an_explicit_id(tiny_dir: Path) -> None:
    made = new_prime(tiny_dir, "Nihon", prime_id="nihon")
    assert made.path.name == "nihon.yaml"
    assert yaml.safe_load(made.path.read_text())["name"] == "Nihon"


@pytest.mark.parametrize(
    ("args", "messages"),
    [
        (["Whole"], ["a prime with id 'whole' already exists: ", "whole.yaml", "the name 'Whole' is already used by "]),
        (["WHOLE!", "--id", "other"], ["the name 'Whole' is already used by "]),
        (["Something", "--id", WHOLE], ["a prime with id 'whole' already exists"]),
        (["Something", "--parent", "wole"], ["--parent wole: no prime with id 'wole'", "did you mean 'whole'?"]),
        (["Something", "--id", "Not A Slug"], ["'Not A Slug' is not a valid id"]),
        (["日本"], ["cannot make an id from the name", "--id"]),
        (["   "], ["is empty"]),
        (["Tab\there"], ["control character"]),
    ],
)
def test_refusals_name_the_reason_and_write_nothing(tiny_dir: Path, args: list[str], messages: list[str]) -> None:
    before = catalog_files(tiny_dir)
    code, _out, err = new(*args, "--catalog", tiny_dir)
    assert code == 1
    for message in messages:
        assert message in " ".join(err.split())
    assert "Traceback" not in err
    assert catalog_files(tiny_dir) == before


def test_every_problem_is_listed_at_once(tiny_dir: Path) -> None:
    code, _out, err = new("Whole", "--parent", "wole", "--partner", "twni", "--catalog", tiny_dir)
    assert code == 1
    text = " ".join(err.split())
    assert "already exists" in text and "--parent wole" in text and "--partner twni" in text


def test_a_name_claimed_by_a_file_with_errors_is_taken_too(tiny_dir: Path) -> None:
    broken = tiny_dir / "primes" / "broken.yaml"
    broken.write_text("id: broken\nname: Mystery Pattern\nclarty: typo\n")
    code, _out, err = new("Mystery Pattern", "--catalog", tiny_dir)
    assert code == 1
    assert "already used by" in err and "broken.yaml" in err


def test_not_a_catalog_folder(tmp_path: Path) -> None:
    code, _out, err = new("Anything", "--catalog", tmp_path)
    assert code == 1
    assert "not a catalog folder" in err
    assert list(tmp_path.iterdir()) == []
