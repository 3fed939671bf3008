"""One failing fixture per rule: every code of ``findings.RULES`` fires, on the file and line it names.

Each folder ``tests/fixtures/broken/<rule-name>/`` holds files laid over a copy of the tiny catalog and an
``expected.txt`` listing every finding the check must report (``file:line CODE message excerpt``). The run
must report exactly those: a rule that fires on the wrong line, or drags other findings along, fails too.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT, TINY
from primes.findings import RULE_BY_CODE, RULES, Finding, Severity
from primes.load import load_catalog
from primes.source import MAX_FILE_BYTES

BROKEN = Path(__file__).parent / "fixtures" / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
EXPECTED_FILE = "expected.txt"
# Rules whose damage is generated rather than committed (a 1 MiB fixture has no place in the repository).
GENERATED = {"file-too-large"}


@dataclass(frozen=True)
class Expected:
    path: str
    line: int
    code: str
    excerpt: str


def read_expected(folder: Path) -> list[Expected]:
    out = []
    for raw in (folder / EXPECTED_FILE).read_text().splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        where, code, *excerpt = raw.split(" ", 2)
        path, line = where.rsplit(":", 1)
        out.append(Expected(path, int(line), code, excerpt[0] if excerpt else ""))
    return out


def broken_catalog(tmp_path: Path, case: str) -> Path:
    """A copy of the tiny catalog with the case's files laid over it."""
    target = tmp_path / case
    shutil.copytree(TINY, target, ignore=shutil.ignore_patterns(".primes-cache"))
    folder = BROKEN / case
    for source in folder.rglob("*"):
        if source.is_file() and source.name != EXPECTED_FILE:
            destination = target / source.relative_to(folder)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
    return target


def relative(finding: Finding, root: Path) -> str:
    """The finding's file relative to the catalog folder (findings print paths relative to the cwd)."""
    return (Path.cwd() / finding.path).resolve().relative_to(root.resolve()).as_posix()


def check(root: Path) -> list[Finding]:
    return load_catalog(root, use_cache=False).findings


def where(findings: list[Finding], root: Path) -> set[tuple[str, int, str]]:
    return {(relative(f, root), f.line, f.code) for f in findings}


@pytest.mark.parametrize("case", CASES)
def test_broken_fixture_reports_exactly_the_expected_findings(tmp_path: Path, case: str) -> None:
    root = broken_catalog(tmp_path, case)
    expected = read_expected(BROKEN / case)
    findings = check(root)

    assert where(findings, root) == {(e.path, e.line, e.code) for e in expected}, "\n".join(
        f.format() for f in findings
    )
    for e in expected:
        (finding,) = [f for f in findings if (relative(f, root), f.line, f.code) == (e.path, e.line, e.code)]
        assert e.excerpt in finding.message
        assert finding.severity is RULE_BY_CODE[e.code].severity
        assert finding.column >= 1
        assert finding.prime_id, "a finding in a prime file names the prime"


@pytest.mark.parametrize("case", CASES)
def test_each_fixture_is_named_after_the_rule_it_fires(case: str) -> None:
    codes = {e.code for e in read_expected(BROKEN / case)}
    assert case in {RULE_BY_CODE[code].name for code in codes}


def test_every_rule_has_a_failing_fixture() -> None:
    assert set(CASES) | GENERATED == {rule.name for rule in RULES}
    assert set(CASES).isdisjoint(GENERATED)


def test_rule_codes_and_names_are_unique() -> None:
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)
    assert all(re.fullmatch(r"PR\d{3}", r.code) for r in RULES)


# --- the generated case: a file over the size limit ------------------------------------------------


def test_file_over_the_size_limit_is_refused_unread(tiny_dir: Path) -> None:
    path = tiny_dir / "primes" / "whole.yaml"
    text = path.read_text()
    path.write_text(text + "# " + "x" * (MAX_FILE_BYTES - len(text.encode()) - 2) + "\n")
    assert path.stat().st_size == MAX_FILE_BYTES + 1

    findings = check(tiny_dir)

    assert where(findings, tiny_dir) == {("primes/whole.yaml", 1, "PR106")}
    assert f"{MAX_FILE_BYTES:,}" in findings[0].message


def test_file_at_the_size_limit_is_read(tiny_dir: Path) -> None:
    path = tiny_dir / "primes" / "whole.yaml"
    text = path.read_text()
    path.write_text(text + "# " + "x" * (MAX_FILE_BYTES - len(text.encode()) - 3) + "\n")
    assert path.stat().st_size == MAX_FILE_BYTES

    assert check(tiny_dir) == []


# --- behaviours beyond one rule per fixture ------------------------------------------------------------


def replace_in(root: Path, name: str, old: str, new: str) -> str:
    path = root / "primes" / name
    text = path.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text)
    return text


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("bad_id", ["../x", "Foo_Bar", "foo bar", "a--b", "-a", "a-", "a/b", "", "x" * 101])
def test_an_id_that_is_not_a_slug_is_refused(tiny_dir: Path, bad_id: str) -> None:
    replace_in(tiny_dir, "whole.yaml", "id: whole", f"id: {bad_id!r}")
    assert where(check(tiny_dir), tiny_dir) == {("primes/whole.yaml", 2, "PR302")}


def test_an_edge_target_that_is_not_a_slug_is_refused(tiny_dir: Path) -> None:
    text = replace_in(tiny_dir, "piece.yaml", "prime: part", "prime: ../part")
    findings = check(tiny_dir)
    assert ("primes/piece.yaml", line_of(text, "../part"), "PR302") in where(findings, tiny_dir)


def test_a_file_with_three_problems_yields_three_findings(tiny_dir: Path) -> None:
    replace_in(tiny_dir, "whole.yaml", "clarity:", "clarty:")
    replace_in(tiny_dir, "whole.yaml", "- domain: biology", "- domain: biolgy")
    text = replace_in(tiny_dir, "whole.yaml", "title: Whole In Class", "title: ''")

    assert where(check(tiny_dir), tiny_dir) == {
        ("primes/whole.yaml", line_of(text, "clarty:"), "PR203"),
        ("primes/whole.yaml", line_of(text, "biolgy"), "PR206"),
        ("primes/whole.yaml", line_of(text, "title: ''"), "PR204"),
    }


def test_a_record_that_fails_still_has_its_edges_checked(tiny_dir: Path) -> None:
    replace_in(tiny_dir, "piece.yaml", "clarity:", "clarty:")
    text = replace_in(tiny_dir, "piece.yaml", "prime: part", "prime: prat")

    findings = {(f.line, f.code) for f in check(tiny_dir)}

    assert findings == {(line_of(text, "clarty"), "PR203"), (line_of(text, "prat"), "PR401")}


def test_every_problem_of_every_file_is_reported_in_one_run(tiny_dir: Path) -> None:
    (tiny_dir / "primes" / "twin.yaml").write_bytes(b"id: twin\nname: \xff\n")
    replace_in(tiny_dir, "whole.yaml", "clarity:", "clarty:")
    replace_in(tiny_dir, "piece.yaml", "- prime: part\n  note: a piece of a part", "- prime: prat\n  note: a bit")

    assert {(path, code) for path, _, code in where(check(tiny_dir), tiny_dir)} == {
        ("primes/twin.yaml", "PR102"),
        ("primes/whole.yaml", "PR203"),
        ("primes/piece.yaml", "PR401"),
    }


def test_an_unreadable_file_does_not_make_edges_to_it_dangle(tiny_dir: Path) -> None:
    (tiny_dir / "primes" / "whole.yaml").write_text("id: whole\nname: [unclosed\n")
    assert {code for _, _, code in where(check(tiny_dir), tiny_dir)} == {"PR101"}


def test_a_draft_with_missing_sections_has_warnings_only(tiny_dir: Path) -> None:
    text = replace_in(tiny_dir, "whole.yaml", "name: Whole\n", "name: Whole\nstatus: draft\n")
    text = replace_in(tiny_dir, "whole.yaml", "- audience: teen\n  title: Whole In Class\n", "")
    text = replace_in(tiny_dir, "whole.yaml", "  text: The whole shows up in school examples.\n", "")
    (tiny_dir / "primes" / "whole.yaml").write_text(text.split("clarity:")[0])

    findings = check(tiny_dir)

    assert findings and all(f.severity is Severity.WARNING for f in findings)
    assert {f.code for f in findings} == {"PR205", "PR209"}
    assert {f.field for f in findings if f.code == "PR209"} == {
        "clarity",
        "manages_complexity",
        "abstract_reasoning",
        "knowledge_transfer",
        "example",
    }


def test_a_draft_still_may_not_explain_an_audience_twice(tiny_dir: Path) -> None:
    replace_in(tiny_dir, "whole.yaml", "name: Whole\n", "name: Whole\nstatus: draft\n")
    replace_in(tiny_dir, "whole.yaml", "- audience: teen", "- audience: child")
    severities = {(f.code, f.severity) for f in check(tiny_dir)}
    assert severities == {("PR205", Severity.ERROR), ("PR205", Severity.WARNING)}


def test_a_null_note_is_an_error_when_published_and_a_warning_in_a_draft(tiny_dir: Path) -> None:
    text = replace_in(tiny_dir, "piece.yaml", "note: a piece of a part", "note: null")
    assert {(f.line, f.code, f.severity) for f in check(tiny_dir)} == {
        (line_of(text, "note: null"), "PR405", Severity.ERROR)
    }
    replace_in(tiny_dir, "piece.yaml", "name: Piece\n", "name: Piece\nstatus: draft\n")
    assert {(f.code, f.severity) for f in check(tiny_dir)} == {("PR405", Severity.WARNING)}


def test_two_cycles_are_two_findings(tiny_dir: Path) -> None:
    (tiny_dir / "primes" / "whole.yaml").write_text(
        (tiny_dir / "primes" / "whole.yaml").read_text() + "decomposes:\n- prime: piece\n  note: a loop\n"
    )
    (tiny_dir / "primes" / "twin.yaml").write_text(
        (tiny_dir / "primes" / "twin.yaml").read_text() + "decomposes:\n- prime: lookalike\n  note: one way\n"
    )
    (tiny_dir / "primes" / "lookalike.yaml").write_text(
        (tiny_dir / "primes" / "lookalike.yaml").read_text() + "decomposes:\n- prime: twin\n  note: the other way\n"
    )
    cycles = sorted(f.message for f in check(tiny_dir) if f.code == "PR406")
    assert len(cycles) == 2
    assert "lookalike -> twin -> lookalike" in cycles[0]
    assert "part -> whole -> piece -> part" in cycles[1]


# --- catalog.yaml and domains.yaml ---------------------------------------------------------------------


def test_domain_listed_twice(tiny_dir: Path) -> None:
    path = tiny_dir / "domains.yaml"
    path.write_text(path.read_text() + "- id: physics\n  label: Physics again\n  description: Twice.\n")
    assert where(check(tiny_dir), tiny_dir) == {("domains.yaml", 10, "PR303")}


def test_domain_entry_problems_point_into_the_list(tiny_dir: Path) -> None:
    path = tiny_dir / "domains.yaml"
    path.write_text(path.read_text().replace("  label: Biology\n", "") + "- id: Chemistry\n  label: Chemistry\n")
    findings = check(tiny_dir)
    by_field = {f.field: (f.line, f.code) for f in findings if f.path.endswith("domains.yaml")}
    assert by_field["[1].label"] == (4, "PR201")
    assert by_field["[3].id"] == (9, "PR302")
    assert by_field["[3].description"][1] == "PR201"
    # the domain that failed is gone, so the primes that use it are told
    assert {f.code for f in findings if f.path.endswith(".yaml") and "primes" in f.path} == {"PR206"}


def test_domains_file_must_be_a_list(tiny_dir: Path) -> None:
    (tiny_dir / "domains.yaml").write_text("physics: Physics\n")
    findings = check(tiny_dir)
    assert ("domains.yaml", 1, "PR107") in where(findings, tiny_dir)


def test_catalog_metadata_is_checked(tiny_dir: Path) -> None:
    path = tiny_dir / "catalog.yaml"
    text = path.read_text().replace("base_iri: https://w3id.org/primes/", "base_iri: not an iri")
    path.write_text(text.replace("license: CC-BY-4.0\n", ""))
    assert where(check(tiny_dir), tiny_dir) == {
        ("catalog.yaml", line_of(text, "base_iri"), "PR207"),
        ("catalog.yaml", 2, "PR201"),
    }


def test_missing_catalog_files_are_findings(tiny_dir: Path) -> None:
    (tiny_dir / "catalog.yaml").unlink()
    (tiny_dir / "domains.yaml").unlink()
    codes = {(path, code) for path, _, code in where(check(tiny_dir), tiny_dir)}
    assert ("catalog.yaml", "PR201") in codes
    assert ("domains.yaml", "PR201") in codes


# --- the README's rule table ---------------------------------------------------------------------------


def rules_table() -> str:
    """The rule table of the README, from ``findings.RULES``."""
    lines = ["| Code | Rule | Severity | What it means |", "|---|---|---|---|"]
    lines += [f"| {r.code} | `{r.name}` | {r.severity.value} | {r.summary} |" for r in RULES]
    return "\n".join(lines)


def test_the_readme_rule_table_matches_the_rules() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Checking a catalog\n", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    assert table == rules_table(), "README out of date; the table should read:\n" + rules_table()
