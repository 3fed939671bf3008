"""``primes rename``: the file, the id and every edge pointing at it change together, and nothing else does."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import LOOKALIKE, PART, PIECE, SIBLING, TWIN, WHOLE
from primes.authoring.rename import rename_prime
from primes.catalog import load
from primes.cli import app
from primes.errors import UnknownPrime


def rename(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["rename", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the catalog (the check cache aside), by path: names and bytes."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".primes-cache" not in p.parts
    }


def edges(root: Path) -> set[tuple[str, str, str]]:
    catalog = load(root, use_cache=False)
    return {(u, v, k) for u, v, k, d in catalog.graph.edges(keys=True, data=True) if d["declared"]}


def test_renaming_rewrites_the_file_the_id_and_every_edge(tiny_dir: Path) -> None:
    before_files = snapshot(tiny_dir)
    before_edges = edges(tiny_dir)
    done = rename_prime(tiny_dir, WHOLE, "entirety")
    after = snapshot(tiny_dir)
    assert "primes/whole.yaml" not in after
    assert after["primes/entirety.yaml"] == before_files["primes/whole.yaml"].replace(b"id: whole", b"id: entirety")
    # Exactly the files with edges to it changed, and only in those values.
    assert {p.name: n for p, n in done.rewritten.items()} == {"part.yaml": 2, "sibling.yaml": 1, "lookalike.yaml": 1}
    for name in ("part", "sibling", "lookalike"):
        key = f"primes/{name}.yaml"
        assert after[key] == before_files[key].replace(b"prime: whole\n", b"prime: entirety\n")
    unchanged = set(before_files) - {f"primes/{n}.yaml" for n in ("whole", "part", "sibling", "lookalike")}
    assert all(after[k] == before_files[k] for k in unchanged)
    rename_map = {WHOLE: "entirety"}
    assert edges(tiny_dir) == {(rename_map.get(u, u), rename_map.get(v, v), k) for u, v, k in before_edges}
    assert not any(f.is_error for f in done.findings)


def test_comments_quoting_and_layout_stay_as_they_were(tiny_dir: Path) -> None:
    part = tiny_dir / "primes" / "part.yaml"
    text = part.read_text().replace(
        "decomposes:\n- prime: whole\n", 'decomposes:\n# the parent\n- prime: "whole"   # quoted, with a comment\n'
    )
    part.write_text(text)
    rename_prime(tiny_dir, WHOLE, "entirety")
    assert part.read_text() == text.replace('"whole"', "entirety").replace("prime: whole\n", "prime: entirety\n")


def test_a_new_name_as_well(tiny_dir: Path) -> None:
    done = rename_prime(tiny_dir, PIECE, "fragment", new_name="Fragment")
    text = (tiny_dir / "primes" / "fragment.yaml").read_text()
    assert "id: fragment\nname: Fragment\n" in text
    assert (done.old_name, done.new_name) == ("Piece", "Fragment")
    assert done.rewritten == {}  # nothing points at piece
    assert load(tiny_dir, use_cache=False)["fragment"].name == "Fragment"


def test_only_the_name(tiny_dir: Path) -> None:
    before = snapshot(tiny_dir)
    done = rename_prime(tiny_dir, TWIN, TWIN, new_name="Twin Pattern")
    after = snapshot(tiny_dir)
    assert {k for k in after if after[k] != before.get(k)} == {"primes/twin.yaml"}
    assert after["primes/twin.yaml"] == before["primes/twin.yaml"].replace(b"name: Twin\n", b"name: Twin Pattern\n")
    assert done.new_path == done.old_path


def test_a_name_that_needs_quotes_is_quoted(tiny_dir: Path) -> None:
    rename_prime(tiny_dir, TWIN, TWIN, new_name="Yes: No # Maybe")
    assert "name: 'Yes: No # Maybe'\n" in (tiny_dir / "primes" / "twin.yaml").read_text()
    assert load(tiny_dir, use_cache=False)[TWIN].name == "Yes: No # Maybe"


def test_a_folded_name_is_replaced_whole(tiny_dir: Path) -> None:
    path = tiny_dir / "primes" / "twin.yaml"
    path.write_text(path.read_text().replace("name: Twin\n", "name: >-\n  Twin\n"))
    rename_prime(tiny_dir, TWIN, "double", new_name="Double")
    assert "id: double\nname: Double\ncore_idea:" in (tiny_dir / "primes" / "double.yaml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([WHOLE, PART], "a prime with id 'part' already exists"),
        ([WHOLE, "Entirety"], "'Entirety' is not a valid id"),
        ([WHOLE, WHOLE], "nothing to rename"),
        (["wohle", "entirety"], "no prime with id 'wohle' in the catalog; did you mean 'whole'?"),
        ([WHOLE, "entirety", "--name", "part"], "the name 'Part' is already used by"),
        ([WHOLE, "entirety", "--name", " "], "is empty"),
    ],
)
def test_refusals_change_nothing(tiny_dir: Path, args: list[str], message: str) -> None:
    before = snapshot(tiny_dir)
    code, _out, err = rename(*args, "--catalog", tiny_dir)
    assert code == 1
    assert message in " ".join(err.split())
    assert "Traceback" not in err
    assert snapshot(tiny_dir) == before


def test_a_file_that_does_not_parse_stops_the_rename(tiny_dir: Path) -> None:
    (tiny_dir / "primes" / "broken.yaml").write_text("id: broken\ndecomposes: [unclosed\n")
    before = snapshot(tiny_dir)
    code, _out, err = rename(WHOLE, "entirety", "--catalog", tiny_dir)
    assert code == 1
    assert "do not parse" in err and "broken.yaml" in err
    assert snapshot(tiny_dir) == before


def test_the_prime_to_rename_must_validate(tiny_dir: Path) -> None:
    path = tiny_dir / "primes" / "whole.yaml"
    path.write_text(path.read_text().replace("clarity:", "clarty:"))
    before = snapshot(tiny_dir)
    code, _out, err = rename(WHOLE, "entirety", "--catalog", tiny_dir)
    assert code == 1
    assert "has errors; fix them first" in err and "PR203" in err
    assert snapshot(tiny_dir) == before


def test_an_unknown_prime_is_an_unknown_prime(tiny_dir: Path) -> None:
    with pytest.raises(UnknownPrime):
        rename_prime(tiny_dir, "nothing", "something")


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()], ids=repr)
def test_an_interrupted_rename_leaves_the_catalog_byte_identical(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    """The first file is renamed into place, then the next rename fails: the first is undone."""
    before = snapshot(tiny_dir)
    real_replace = os.replace
    calls: list[tuple[Any, Any]] = []

    def replace(src: Any, dst: Any) -> None:
        if str(src).endswith(".tmp"):  # applying a staged file (undoing uses the backups)
            calls.append((src, dst))
            if len(calls) == 2:
                raise failure
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    if isinstance(failure, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            rename_prime(tiny_dir, WHOLE, "entirety")
    else:
        code, _out, err = rename(WHOLE, "entirety", "--catalog", tiny_dir)
        assert code == 1
        assert "nothing was changed" in err and "No space left on device" in err
    assert len(calls) == 2  # one file was in place when the failure came
    assert snapshot(tiny_dir) == before


def test_the_cli_reports_the_change_and_rechecks(tiny_dir: Path) -> None:
    code, out, err = rename(WHOLE, "entirety", "--name", "Entirety", "--catalog", tiny_dir)
    assert code == 0
    assert "renamed whole -> entirety (Whole -> Entirety)" in out
    assert "rewrote 4 edge(s) in 3 other file(s)" in out
    assert "0 error(s)" in err


def test_the_recheck_reports_errors(tiny_dir: Path) -> None:
    """A catalog with an unrelated error is renamed all the same, and the check afterwards says so."""
    path = tiny_dir / "primes" / LOOKALIKE
    path = path.with_suffix(".yaml")
    path.write_text(path.read_text().replace("domain: physics", "domain: phyics"))
    code, out, err = rename(SIBLING, "brother", "--catalog", tiny_dir)
    assert code == 1
    assert "renamed sibling -> brother" in out
    assert "PR206" in out
    assert "the catalog has errors after the rename" in err
    assert (tiny_dir / "primes" / "brother.yaml").exists()
