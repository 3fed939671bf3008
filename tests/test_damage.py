"""Random damage to a valid catalog file yields findings, never an exception.

Each test damages one prime file of a copy of the tiny catalog and checks the whole catalog. The kinds of
damage are chosen so that a finding is certain (a deleted ``key: value`` line always leaves something
missing or malformed; a truncation before ``example:`` always loses a required section), and where it is
not certain (random bytes) the test states what must hold instead.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TINY
from primes.findings import RULE_BY_CODE, Finding
from primes.load import load_catalog

PRIME_FILES = sorted(p.name for p in (TINY / "primes").glob("*.yaml"))
ORIGINAL = {name: (TINY / "primes" / name).read_bytes() for name in PRIME_FILES}
SCALAR_LINE = re.compile(r"^(\s*(?:- )?)([a-z_]+): (\S.*)$")
OTHER_TYPES = ["[1, 2]", "{a: 1}", "42", "true", "null", "3.5", "2020-01-01", "[]", "{}"]

damage_settings = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("damage") / "tiny"
    shutil.copytree(TINY, target, ignore=shutil.ignore_patterns(".primes-cache"))
    return target


class Damaged:
    """One damaged file in the work copy; restored on exit so every example starts from the valid catalog."""

    def __init__(self, root: Path, name: str, raw: bytes) -> None:
        self.root, self.name, self.raw = root, name, raw

    def __enter__(self) -> list[Finding]:
        (self.root / "primes" / self.name).write_bytes(self.raw)
        findings = load_catalog(self.root, use_cache=False).findings  # must not raise
        for finding in findings:
            assert finding.code in RULE_BY_CODE
            assert finding.line >= 1 and finding.column >= 1
            assert finding.message and "\n" not in finding.message
            assert finding.path
        return findings

    def __exit__(self, *exc: object) -> None:
        (self.root / "primes" / self.name).write_bytes(ORIGINAL[self.name])


def in_file(findings: list[Finding], name: str) -> list[Finding]:
    return [f for f in findings if Path(f.path).name == name]


def content_lines(name: str) -> list[int]:
    """Indexes of the lines that hold ``key: value`` (not comments, not block headers like ``partners:``)."""
    lines = ORIGINAL[name].decode().splitlines()
    return [i for i, line in enumerate(lines) if SCALAR_LINE.match(line)]


@st.composite
def line_choice(draw: st.DrawFn) -> tuple[str, int]:
    name = draw(st.sampled_from(PRIME_FILES))
    return name, draw(st.sampled_from(content_lines(name)))


def test_the_undamaged_catalog_is_clean(workdir: Path) -> None:
    assert load_catalog(workdir, use_cache=False).findings == []


@damage_settings
@given(choice=line_choice())
def test_deleting_a_line_yields_a_finding(workdir: Path, choice: tuple[str, int]) -> None:
    name, index = choice
    lines = ORIGINAL[name].decode().splitlines(keepends=True)
    del lines[index]
    with Damaged(workdir, name, "".join(lines).encode()) as findings:
        assert in_file(findings, name)


@damage_settings
@given(choice=line_choice(), value=st.sampled_from(OTHER_TYPES))
def test_a_value_of_another_type_yields_a_finding_on_its_line(
    workdir: Path, choice: tuple[str, int], value: str
) -> None:
    name, index = choice
    lines = ORIGINAL[name].decode().splitlines(keepends=True)
    match = SCALAR_LINE.match(lines[index].rstrip("\n"))
    assert match
    lines[index] = f"{match.group(1)}{match.group(2)}: {value}\n"
    with Damaged(workdir, name, "".join(lines).encode()) as findings:
        assert index + 1 in {f.line for f in in_file(findings, name)}


@damage_settings
@given(name=st.sampled_from(PRIME_FILES), data=st.data())
def test_truncation_yields_a_finding(workdir: Path, name: str, data: st.DataObject) -> None:
    raw = ORIGINAL[name]
    cut = data.draw(st.integers(min_value=0, max_value=raw.index(b"\nexample:") + 1), label="cut")
    with Damaged(workdir, name, raw[:cut]) as findings:
        assert in_file(findings, name)


@damage_settings
@given(name=st.sampled_from(PRIME_FILES), data=st.data(), junk=st.binary(min_size=1, max_size=16))
def test_random_bytes_never_raise(workdir: Path, name: str, data: st.DataObject, junk: bytes) -> None:
    raw = ORIGINAL[name]
    at = data.draw(st.integers(min_value=0, max_value=len(raw)), label="at")
    damaged = raw[:at] + junk + raw[at:]
    with Damaged(workdir, name, damaged) as findings:
        try:
            damaged.decode("utf-8")
        except UnicodeDecodeError as exc:
            (finding,) = in_file(findings, name)
            assert finding.code == "PR102"
            assert finding.line == damaged[: exc.start].count(b"\n") + 1
        else:
            if not in_file(findings, name):
                # harmless damage (a letter added to a text, say): the file still yields its prime
                assert name.removesuffix(".yaml") in load_catalog(workdir, use_cache=False).primes


@damage_settings
@given(name=st.sampled_from(PRIME_FILES), text=st.text(max_size=200))
def test_any_text_as_a_whole_file_never_raises(workdir: Path, name: str, text: str) -> None:
    with Damaged(workdir, name, text.encode("utf-8", errors="surrogatepass")) as findings:
        if not in_file(findings, name):
            assert name.removesuffix(".yaml") in load_catalog(workdir, use_cache=False).primes


def test_damage_kinds_cover_every_file() -> None:
    """The strategies draw from real content: every fixture file has lines to damage."""
    assert all(content_lines(name) for name in PRIME_FILES)
