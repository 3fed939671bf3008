"""``primes diff``: primes added, removed, renamed; edges; fields; from folders or git revisions."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import TINY
from primes.authoring.diff import changelog, diff_catalogs, diff_specs
from primes.authoring.new import new_prime
from primes.authoring.rename import rename_prime
from primes.catalog import check
from primes.cli import app

GOLDEN = Path(__file__).parent / "golden" / "authoring" / "diff"


def diff(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["diff", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def evolve(root: Path) -> None:
    """One of every kind of change a release can make."""
    primes = root / "primes"
    new_prime(root, "Feedback Loop", edges={"decomposition": ["whole"]})
    rename_prime(root, "piece", "fragment", new_name="Fragment")
    replace_in(primes / "part.yaml", "clarity: Naming the part", "clarity: Naming the part finally")
    replace_in(primes / "lookalike.yaml", "not_to_be_confused_with:\n- prime: whole\n", "decomposes:\n- prime: part\n")
    replace_in(primes / "lookalike.yaml", "  reason: it only looks like the whole", "  note: it is a kind of part")
    replace_in(primes / "twin.yaml", "note: twins come in pairs", "note: twins always come in pairs")
    # The sibling-twin partnership moves to the twin's file: the same symmetric edge, not a change.
    replace_in(primes / "sibling.yaml", "partners:\n- prime: twin\n  note: siblings and twins share a family\n", "")
    replace_in(
        primes / "twin.yaml", "partners:\n", "partners:\n- prime: sibling\n  note: siblings and twins share a family\n"
    )
    domains = root / "domains.yaml"
    domains.write_text(domains.read_text() + "- id: chemistry\n  label: Chemistry\n  description: Reactions.\n")
    replace_in(root / "catalog.yaml", "version: 0.1.0", "version: 0.2.0")


@pytest.fixture
def old_and_new(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(TINY, old, ignore=shutil.ignore_patterns(".primes-cache"))
    shutil.copytree(TINY, new, ignore=shutil.ignore_patterns(".primes-cache"))
    evolve(new)
    assert not any(f.is_error for f in check(new, use_cache=False).findings)
    return old, new


def test_every_kind_of_change_is_found(old_and_new: tuple[Path, Path]) -> None:
    old, new = old_and_new
    result = diff_catalogs(check(old, use_cache=False), check(new, use_cache=False))
    assert [p.id for p in result.added] == ["feedback-loop"]
    assert result.removed == []
    assert [(a.id, b.id, b.name) for a, b in result.renamed] == [("piece", "fragment", "Fragment")]
    assert [(e.kind, e.source, e.target) for e in result.edges_added] == [
        ("decomposition", "feedback-loop", "whole"),
        ("decomposition", "lookalike", "part"),
    ]
    assert [(e.kind, e.source, e.target, e.old_note) for e in result.edges_removed] == [
        ("not-to-be-confused-with", "lookalike", "whole", "it only looks like the whole")
    ]
    assert [(e.kind, e.source, e.target, e.new_note) for e in result.notes_changed] == [
        ("mutual-partner", "part", "twin", "twins always come in pairs")
    ]
    assert {c.prime.id: [f.field for f in c.fields] for c in result.changed} == {
        "fragment": ["name"],
        "part": ["clarity"],
    }
    assert result.domains_added == ["chemistry"]
    assert [(f.field, f.old, f.new) for f in result.meta_changed] == [("version", "0.1.0", "0.2.0")]


def test_the_changelog_is_the_golden_one(old_and_new: tuple[Path, Path]) -> None:
    old, new = old_and_new
    code, out, _err = diff(old, new)
    assert code == 0
    text = out.replace(str(old), "OLD").replace(str(new), "NEW")
    assert text == (GOLDEN / "changelog.md").read_text()


def test_json_holds_the_same(old_and_new: tuple[Path, Path]) -> None:
    old, new = old_and_new
    code, out, _err = diff(old, new, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["added"] == [{"id": "feedback-loop", "name": "Feedback Loop"}]
    assert data["renamed"] == [{"old": {"id": "piece", "name": "Piece"}, "new": {"id": "fragment", "name": "Fragment"}}]
    assert data["changed"][1]["fields"]["clarity"]["new"].startswith("Naming the part finally")
    assert data["catalog"] == {"version": {"old": "0.1.0", "new": "0.2.0"}}
    assert data["primes"] == {"old": 6, "new": 7}


def test_the_same_catalog_has_no_changes(tiny_dir: Path) -> None:
    copy = tiny_dir.parent / "copy"
    shutil.copytree(tiny_dir, copy)
    code, out, _err = diff(copy, tiny_dir)
    assert code == 0
    assert out.endswith("No changes.\n")
    assert diff_specs(str(copy), str(tiny_dir)).empty


def test_a_rewritten_prime_under_a_new_id_is_removed_and_added(tiny_dir: Path) -> None:
    """Rename detection needs most of the content unchanged."""
    old = tiny_dir.parent / "before"
    shutil.copytree(tiny_dir, old)
    path = tiny_dir / "primes" / "piece.yaml"
    text = path.read_text().replace("id: piece", "id: shard").replace("Piece", "Shard").replace("piece", "shard")
    path.unlink()
    (tiny_dir / "primes" / "shard.yaml").write_text(text)
    result = diff_specs(str(old), str(tiny_dir))
    assert ([p.id for p in result.removed], [p.id for p in result.added], result.renamed) == (["piece"], ["shard"], [])


def test_files_that_do_not_load_are_named(old_and_new: tuple[Path, Path]) -> None:
    old, new = old_and_new
    (new / "primes" / "broken.yaml").write_text("id: broken\n")
    result = diff_specs(str(old), str(new))
    assert result.not_compared == {str(new): [str(new / "primes" / "broken.yaml")]}
    assert "Not compared (these files of" in changelog(result)


# ---------------------------------------------------------------------------------------------------------
# Git revisions


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose catalog/ is the tiny catalog at tag v1 and the evolved one at tag v2."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copytree(TINY, repo / "catalog", ignore=shutil.ignore_patterns(".primes-cache"))
    (repo / ".gitignore").write_text(".primes-cache/\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "v1")
    git(repo, "tag", "v1")
    evolve(repo / "catalog")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "v2")
    git(repo, "tag", "v2")
    return repo


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("old", "new", "not_compared")}


def test_two_revisions_diff_like_two_folders(
    repo: Path, old_and_new: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    code, out, _err = diff("v1", "v2", "--json")
    assert code == 0
    old, new = old_and_new
    assert comparable(json.loads(out)) == comparable(diff_specs(str(old), str(new)).as_dict())
    assert diff("v1", "v2")[1].startswith("# Catalog changes from v1 to v2\n")


def test_a_revision_against_the_working_tree(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "catalog")  # anywhere inside the repository
    (repo / "catalog" / "primes" / "whole.yaml").write_text(
        (repo / "catalog" / "primes" / "whole.yaml").read_text().replace("name: Whole", "name: The Whole")
    )
    result = diff_specs("v2", "..")
    assert [(c.prime.id, [(f.field, f.old, f.new) for f in c.fields]) for c in result.changed] == [
        ("whole", [("name", "Whole", "The Whole")])
    ]
    assert diff_specs("v2", "HEAD").empty


def test_a_catalog_elsewhere_in_the_repository(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "data").mkdir()
    git(repo, "mv", "catalog", "data/catalog")
    git(repo, "commit", "-q", "-m", "move")
    monkeypatch.chdir(repo)
    assert diff_specs("HEAD", "HEAD", "data/catalog").empty
    code, _out, err = diff("HEAD", "v1", "--path", "data/catalog")
    assert code == 1
    assert "revision 'v1' has no data/catalog/ folder" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nonsense", "v1"], "'nonsense' is neither a folder nor a git revision"),
        (["--", "-v1", "v2"], "is neither a folder nor a git revision"),
        (["v1", "v2", "--path", "../etc"], "give the catalog's path inside the repository"),
    ],
)
def test_bad_revisions_are_refused_clearly(
    repo: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(repo)
    code, _out, err = diff(*args)
    assert code == 1
    assert message in " ".join(err.split())
    assert "Traceback" not in err


def test_a_revision_outside_a_repository_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _out, err = diff("v1", str(TINY))
    assert code == 1
    assert "is not in a git repository" in err
