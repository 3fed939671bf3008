"""``primes check``: one finding a line like a compiler, JSON for tools, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import primes
from conftest import TINY
from primes.cli import app
from primes.findings import RULE_BY_CODE

LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<code>PR\d{3}) (?P<severity>error|warning): .+$")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["check", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def damage(root: Path) -> None:
    """Two errors in one file and a warning in another."""
    path = root / "primes" / "whole.yaml"
    path.write_text(path.read_text().replace("clarity:", "clarty:").replace("domain: biology", "domain: biolgy"))
    piece = root / "primes" / "piece.yaml"
    piece.write_text(piece.read_text().replace("A worked case of the piece.", "A piece, told by a twin."))


def make_draft(root: Path) -> None:
    path = root / "primes" / "whole.yaml"
    path.write_text(path.read_text().replace("name: Whole\n", "name: Whole\nstatus: draft\n").split("example:")[0])


def test_a_clean_catalog_exits_0() -> None:
    code, out, err = run(TINY)
    assert code == 0
    assert out == ""
    assert "6 primes, 0 error(s), 0 warning(s): ok" in err


def test_errors_exit_1_and_every_finding_is_one_line(tiny_dir: Path) -> None:
    damage(tiny_dir)
    code, out, _ = run(tiny_dir, "--no-cache")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3
    for line in lines:
        match = LINE.match(line)
        assert match, line
        assert Path(match["path"]).exists()
        assert RULE_BY_CODE[match["code"]].severity.value == match["severity"]
    assert [LINE.match(line)["code"] for line in lines] == ["PR502", "PR206", "PR203"]  # type: ignore[index]


def test_text_output_is_each_findings_format(tiny_dir: Path) -> None:
    damage(tiny_dir)
    _, out, _ = run(tiny_dir, "--no-cache")
    assert out.splitlines() == [f.format() for f in primes.check(tiny_dir, use_cache=False).findings]


def test_the_summary_goes_to_stderr(tiny_dir: Path) -> None:
    damage(tiny_dir)
    _, _, err = run(tiny_dir)
    assert "5 primes, 2 error(s), 1 warning(s): failed" in err  # whole.yaml does not validate


def test_warnings_pass_unless_strict(tiny_dir: Path) -> None:
    make_draft(tiny_dir)
    code, out, _ = run(tiny_dir)
    assert code == 0
    assert out and all(" warning: " in line for line in out.splitlines())
    assert run(tiny_dir, "--strict")[0] == 1


def test_strict_on_a_clean_catalog_exits_0() -> None:
    assert run(TINY, "--strict")[0] == 0


def test_json_output(tiny_dir: Path) -> None:
    damage(tiny_dir)
    code, out, _ = run(tiny_dir, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert set(report) == {"catalog", "primes", "errors", "warnings", "ok", "findings"}
    assert (report["primes"], report["errors"], report["warnings"], report["ok"]) == (5, 2, 1, False)
    assert report["catalog"] == str(tiny_dir)
    for finding in report["findings"]:
        assert set(finding) == {"code", "rule", "severity", "path", "line", "column", "message", "field", "prime_id"}
        assert RULE_BY_CODE[finding["code"]].name == finding["rule"]
        assert isinstance(finding["line"], int) and isinstance(finding["column"], int)
    whole = [f for f in report["findings"] if f["prime_id"] == "whole"]
    assert {(f["code"], f["field"]) for f in whole} == {("PR203", "clarty"), ("PR206", "broad_use[1].domain")}


def test_json_output_of_a_clean_catalog() -> None:
    code, out, _ = run(TINY, "--format", "json", "--strict")
    assert code == 0
    report = json.loads(out)
    assert (report["ok"], report["findings"], report["errors"], report["warnings"]) == (True, [], 0, 0)


def test_json_ok_follows_strict(tiny_dir: Path) -> None:
    make_draft(tiny_dir)
    assert json.loads(run(tiny_dir, "--format", "json")[1])["ok"] is True
    assert json.loads(run(tiny_dir, "--format", "json", "--strict")[1])["ok"] is False


@pytest.mark.parametrize(
    "args",
    [
        ("/no/such/catalog",),
        ("--format", "yaml", str(TINY)),
        ("--bogus", str(TINY)),
        (str(TINY), "extra-argument"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    assert run(*args)[0] == 2


def test_a_file_instead_of_a_folder_is_a_usage_error(tiny_dir: Path) -> None:
    code, _, err = run(tiny_dir / "catalog.yaml")
    assert code == 2
    assert "no catalog folder" in err


def test_the_catalog_folder_defaults_to_the_environment(tiny_dir: Path) -> None:
    damage(tiny_dir)
    result = CliRunner().invoke(app, ["check"], env={"PRIMES_CATALOG": str(tiny_dir)})
    assert result.exit_code == 1


def test_the_installed_command_prints_findings_not_tracebacks(tiny_dir: Path) -> None:
    (tiny_dir / "primes" / "whole.yaml").write_bytes(b"id: whole\nname: !!python/object:os.system x\n\xff")
    command = Path(sys.executable).with_name("primes")
    result = subprocess.run([str(command), "check", str(tiny_dir)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert re.search(r"whole\.yaml:3:1: PR102 error: ", result.stdout)


def test_text_from_the_file_prints_as_written(tiny_dir: Path) -> None:
    """Messages quote the file: Rich markup, escapes and emoji codes in it must not be interpreted."""
    path = tiny_dir / "primes" / "whole.yaml"
    path.write_text(path.read_text() + '":fire:": x\n"[bold]x\\\\": y\n"a\\\\": z\n')
    _, out, _ = run(tiny_dir, "--no-cache")
    expected = [f.format() for f in primes.check(tiny_dir, use_cache=False).findings]
    assert out.splitlines() == expected
    assert len(expected) == 3 and ":fire:" in expected[0]
