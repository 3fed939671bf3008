"""``primes fmt``: one canonical form, comments kept, data unchanged, idempotent, files with errors untouched."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import BUNDLED, TINY
from primes.authoring._files import AuthoringError, FileKind, expand
from primes.authoring._yamltext import WIDTH, dump, read_comments
from primes.authoring.fmt import Status, format_bytes, format_paths
from primes.catalog import check
from primes.cli import app
from primes.model import prime_model
from primes.ontology import edge_kinds
from primes.source import read_yaml

GOLDEN = Path(__file__).parent / "golden" / "authoring" / "fmt"


def fmt(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["fmt", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def data_of(text: str) -> Any:
    source = read_yaml("x.yaml", text.encode("utf-8"))
    assert not source.findings, source.findings
    return source.data


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def records(root: Path) -> dict[str, Any]:
    """Every prime's record, edges in their order (the order of the page and of ``primes:position``)."""
    catalog = check(root, use_cache=False)
    return {p.id: p.model_dump() for p in catalog}


# ---------------------------------------------------------------------------------------------------------
# The canonical form


def test_a_messy_file_becomes_the_golden_canonical_form() -> None:
    raw = (GOLDEN / "messy.in.yaml").read_bytes()
    result = format_bytes(raw, FileKind.PRIME, "messy.yaml", file_id="messy")
    assert result.status is Status.CHANGED
    assert result.text == (GOLDEN / "messy.out.yaml").read_text()


def test_the_golden_canonical_form_is_a_fixed_point() -> None:
    raw = (GOLDEN / "messy.out.yaml").read_bytes()
    result = format_bytes(raw, FileKind.PRIME, "messy.yaml", file_id="messy")
    assert result.status is Status.UNCHANGED
    assert result.text == raw.decode()


def test_formatting_keeps_the_data_and_every_comment() -> None:
    before = (GOLDEN / "messy.in.yaml").read_text()
    after = (GOLDEN / "messy.out.yaml").read_text()
    assert data_of(after) == data_of(before)
    comments_before = read_comments(before, read_yaml("x", before.encode()).positions).lines()
    comments_after = read_comments(after, read_yaml("x", after.encode()).positions).lines()
    assert sorted(comments_before) == sorted(comments_after)
    assert len(comments_after) == 7


def test_fields_follow_the_model_order_and_edges_keep_theirs() -> None:
    after = data_of((GOLDEN / "messy.out.yaml").read_text())
    model_keys = [info.alias or name for name, info in prime_model().model_fields.items()]
    assert list(after) == [k for k in model_keys if k in after]
    assert [e["prime"] for e in after["decomposes"]] == ["zeta-parent", "alpha-parent"]
    assert list(after["explanations"][0]) == ["audience", "title", "text"]


def test_long_text_is_folded_within_the_width() -> None:
    text = (GOLDEN / "messy.out.yaml").read_text()
    assert "core_idea: >-\n" in text
    assert max(len(line) for line in text.splitlines()) <= WIDTH


def test_the_bundled_catalog_is_formatted() -> None:
    results = format_paths([BUNDLED], check=True)
    assert {r.shown: r.status for r in results if r.status is not Status.UNCHANGED} == {}
    assert len(results) == len(list((BUNDLED / "primes").glob("*.yaml"))) + 2  # + catalog.yaml, domains.yaml


def test_formatting_a_catalog_keeps_its_records_and_its_findings(tiny_dir: Path) -> None:
    before_records = records(tiny_dir)
    before_findings = sorted((f.code, f.prime_id, f.field) for f in check(tiny_dir, use_cache=False).findings)
    code, out, _err = fmt(tiny_dir)
    assert code == 0
    assert "reformatted" in out
    assert records(tiny_dir) == before_records
    assert sorted((f.code, f.prime_id, f.field) for f in check(tiny_dir, use_cache=False).findings) == before_findings
    assert fmt("--check", tiny_dir)[0] == 0


def test_the_domain_list_and_the_metadata_are_formatted_too(tiny_dir: Path) -> None:
    domains = tiny_dir / "domains.yaml"
    domains.write_text("# domains\n-   label: Physics\n    id: physics\n    description: Matter and energy.\n")
    meta = tiny_dir / "catalog.yaml"
    meta.write_text("version: 0.1.0\n" + meta.read_text().replace("version: 0.1.0\n", ""))
    format_paths([domains, meta])
    assert domains.read_text() == "# domains\n- id: physics\n  label: Physics\n  description: Matter and energy.\n"
    assert list(yaml.safe_load(meta.read_text()))[-2:] == ["version", "language"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\xef\xbb\xbfid: x\nname: X\n", "id: x\nname: X\n"),  # a byte-order mark
        (b"name: X\r\nid: x\r\n", "id: x\nname: X\n"),  # Windows line ends
        (b"---\nid: x\nname: X\n...\n", "id: x\nname: X\n"),  # document markers
        (b"id: x\nname: X\n\n\n", "id: x\nname: X\n"),  # blank lines
        (b"id: x\nname: 'On'\n", "id: x\nname: 'On'\n"),  # YAML 1.1 would read On as true
        (b"id: x\nname: '0o17'\n", "id: x\nname: '0o17'\n"),  # YAML 1.2 would read 0o17 as a number
    ],
)
def test_odd_but_valid_input(raw: bytes, expected: str) -> None:
    result = format_bytes(raw, FileKind.PRIME, "x.yaml", file_id="x")
    assert result.text == expected


# ---------------------------------------------------------------------------------------------------------
# Files with errors, --check, atomicity


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("id: whole\nname: [unclosed\n", "PR101"),
        ("id: whole\nname: Whole\nclarty: typo\n", "PR203"),
        ("", "PR103"),
        ("id: whole\nid: whole\nname: Whole\n", "PR104"),
    ],
)
def test_a_file_with_errors_is_reported_and_left_untouched(tiny_dir: Path, text: str, code: str) -> None:
    path = tiny_dir / "primes" / "whole.yaml"
    path.write_text(text)
    status, out, err = fmt(tiny_dir)
    assert status == 1
    assert code in out
    assert "whole.yaml: left untouched" in err
    assert path.read_text() == text
    assert sorted(p.name for p in (tiny_dir / "primes").iterdir()) == sorted(
        p.name for p in (TINY / "primes").iterdir()
    )
    assert [r.path.name for r in format_paths([tiny_dir], check=True) if r.status is not Status.UNCHANGED] == [
        "whole.yaml"
    ]


def test_check_changes_nothing_and_lists_what_would_change(tiny_dir: Path) -> None:
    before = snapshot(tiny_dir)
    status, out, err = fmt("--check", tiny_dir)
    assert status == 1
    assert snapshot(tiny_dir) == before
    listed = {line.removeprefix("would reformat ") for line in out.splitlines()}
    assert len(listed) == len([r for r in format_paths([tiny_dir], check=True) if r.status is Status.CHANGED]) > 0
    assert "would be reformatted" in err


def test_a_second_run_changes_nothing(tiny_dir: Path) -> None:
    assert fmt(tiny_dir)[0] == 0
    before = snapshot(tiny_dir)
    status, out, _err = fmt(tiny_dir)
    assert (status, out) == (0, "")
    assert snapshot(tiny_dir) == before


def test_each_file_is_replaced_atomically(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails leaves that file as it was (and no temporary file); the others are formatted."""
    failing = tiny_dir / "primes" / "twin.yaml"
    original = failing.read_bytes()
    real_replace = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst) == failing:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    status, _out, err = fmt(tiny_dir)
    assert status == 1
    assert "twin.yaml: left untouched: cannot write the file: No space left on device" in err
    assert failing.read_bytes() == original
    assert sorted(p.name for p in (tiny_dir / "primes").iterdir()) == sorted(
        p.name for p in (TINY / "primes").iterdir()
    )
    monkeypatch.undo()
    assert [r.path for r in format_paths([tiny_dir], check=True) if r.status is Status.CHANGED] == [failing]


def test_what_is_not_a_catalog_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    status, _out, err = fmt(tmp_path, tmp_path / "notes.txt", tmp_path / "missing")
    assert status == 1
    assert "not a catalog folder" in err and "not a YAML file" in err and "no such file or folder" in err
    with pytest.raises(AuthoringError):
        expand([tmp_path])


def test_the_default_is_the_catalog_folder(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIMES_CATALOG", str(tiny_dir))
    assert fmt("--check")[0] == 1
    assert fmt()[0] == 0
    assert fmt("--check")[0] == 0


def test_a_copy_of_the_bundled_catalog_stays_the_same(tmp_path: Path) -> None:
    target = tmp_path / "catalog"
    shutil.copytree(BUNDLED, target, ignore=shutil.ignore_patterns(".primes-cache"))
    before = snapshot(target)
    assert fmt(target) == (0, "", "0 file(s) reformatted, 50 already formatted, 0 left untouched (errors)\n")
    assert snapshot(target) == before


# ---------------------------------------------------------------------------------------------------------
# Properties: for any valid record, fmt keeps the data and is idempotent

WORDS = st.sampled_from(
    [
        "word", "pattern", "yes", "No", "on", "null", "~", "1e3", "0x1F", "0o17", "12", "-", "- x", "#", "a#b",
        ": ", "a:b", "'", '"', "[", "]", "{", "}", ",", "&anchor", "*alias", "!tag", "%", "@", "`", "|", ">",
        "é", "日本", "😀", "\t", "  ", "\n", "\n\n", "\u2028", "\x85", "\\", "...", "---",
    ]
)  # fmt: skip
NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # the model refuses control characters
TEXT = st.one_of(
    st.lists(st.one_of(WORDS, st.text(min_size=1, max_size=15)), min_size=1, max_size=40).map(" ".join),
    st.text(min_size=1, max_size=30),
).filter(lambda t: t.strip() != "" and not NOT_IN_TEXT.search(t))
SLUG = st.from_regex(r"[a-z][a-z0-9]{0,6}(?:-[a-z0-9]{1,5}){0,2}", fullmatch=True)


@st.composite
def prime_data(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {"id": draw(SLUG), "name": draw(TEXT)}
    if draw(st.booleans()):
        data["aliases"] = draw(st.lists(TEXT, max_size=6))
    data["status"] = draw(st.sampled_from(["draft", "published"]))
    for section in ("core_idea", "overview", "clarity", "manages_complexity", "abstract_reasoning"):
        if draw(st.booleans()):
            data[section] = draw(st.one_of(st.none(), TEXT))
    if draw(st.booleans()):
        data["explanations"] = [
            {"audience": a, "title": draw(TEXT), "text": draw(TEXT)} for a in draw(st.permutations(["child", "teen"]))
        ]
    if draw(st.booleans()):
        data["broad_use"] = [{"domain": draw(SLUG), "text": draw(TEXT)} for _ in range(draw(st.integers(0, 3)))]
    if draw(st.booleans()):
        data["knowledge_transfer"] = [{"from": draw(SLUG), "to": draw(SLUG), "text": draw(TEXT)}]
    if draw(st.booleans()):
        data["example"] = {"text": draw(TEXT), "title": draw(TEXT)}
    for kind in edge_kinds():
        if draw(st.booleans()):
            targets = draw(st.lists(SLUG, max_size=4))
            data[kind.field] = [
                {kind.annotation_field: draw(st.one_of(st.none(), TEXT)), "prime": target} for target in targets
            ]
    keys = draw(st.permutations(list(data)))
    return {key: data[key] for key in keys}


@st.composite
def written(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A record, written by PyYAML in a drawn style, with comments before some of its fields."""
    data = draw(prime_data())
    text = yaml.safe_dump(
        data,
        sort_keys=draw(st.booleans()),
        default_style=draw(st.sampled_from([None, "'", '"'])),
        default_flow_style=draw(st.sampled_from([False, None])),
        width=draw(st.sampled_from([40, 80, 10_000])),
        allow_unicode=draw(st.booleans()),
        indent=draw(st.sampled_from([2, 4])),
    )
    lines = []
    for index, line in enumerate(text.splitlines()):
        if re.match(r"^['\"]?[a-z_]+['\"]?:", line) and draw(st.booleans()):
            lines.append(f"# comment {index}")
        lines.append(line)
    if draw(st.booleans()):
        lines.append("# the end")
    return data, "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(written())
def test_fmt_keeps_the_data_and_is_idempotent(case: tuple[dict[str, Any], str]) -> None:
    data, text = case
    # What the file says (PyYAML's own dump does not always read back the same: "0\x85" becomes "0 ").
    original = read_yaml("x.yaml", text.encode("utf-8")).data
    try:
        prime_model().model_validate(original)
    except ValueError:
        assume(False)
    first = format_bytes(text.encode("utf-8"), FileKind.PRIME, "x.yaml", file_id=data["id"])
    assert first.status is not Status.ERROR, (first.problem, first.findings)
    assert first.text is not None
    assert read_yaml("x.yaml", first.text.encode("utf-8")).data == original
    second = format_bytes(first.text.encode("utf-8"), FileKind.PRIME, "x.yaml", file_id=data["id"])
    assert second.status is Status.UNCHANGED
    assert second.text == first.text
    comments = [line.strip() for line in text.splitlines() if line.startswith("# comment") or line == "# the end"]
    assert sorted(line.strip() for line in first.text.splitlines() if line.lstrip().startswith("# ")) == sorted(
        comments
    )


@settings(max_examples=300, deadline=None)
@given(st.text().filter(lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t)), st.integers(0, 3))
def test_any_text_is_written_so_that_it_reads_back_the_same(text: str, depth: int) -> None:
    value: Any = text
    for level in range(depth):
        value = [value] if level % 2 else {"key": value}
    data = {"field": value}
    assert read_yaml("x.yaml", dump(data).encode("utf-8")).data == data
