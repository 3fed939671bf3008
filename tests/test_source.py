"""Reading one YAML file: data with the position of every field, and every problem as a finding."""

from __future__ import annotations

import pytest
from yaml.nodes import SequenceNode

from primes.source import MAX_FILE_BYTES, Source, field_path, read_yaml


def read(text: str | bytes, **kw: object) -> Source:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return read_yaml("f.yaml", raw, **kw)  # type: ignore[arg-type]


def codes(source: Source) -> list[tuple[str, int, int]]:
    return [(f.code, f.line, f.column) for f in source.findings]


RECORD = """\
# a comment
id: whole
name: Whole
explanations:
  - audience: child
    title: For Kids
broad_use:
- domain: physics
  text: In physics.
count: 3
flag: true
nothing: null
"""


def test_data_is_plain_python() -> None:
    source = read(RECORD)
    assert source.findings == []
    assert source.data == {
        "id": "whole",
        "name": "Whole",
        "explanations": [{"audience": "child", "title": "For Kids"}],
        "broad_use": [{"domain": "physics", "text": "In physics."}],
        "count": 3,
        "flag": True,
        "nothing": None,
    }


@pytest.mark.parametrize(
    ("path", "position"),
    [
        ((), (2, 1)),
        (("id",), (2, 1)),
        (("name",), (3, 1)),
        (("explanations",), (4, 1)),
        (("explanations", 0), (5, 5)),
        (("explanations", 0, "audience"), (5, 5)),
        (("explanations", 0, "title"), (6, 5)),
        (("broad_use", 0, "text"), (9, 3)),
        (("count",), (10, 1)),
    ],
)
def test_every_field_has_its_line_and_column(path: tuple[str | int, ...], position: tuple[int, int]) -> None:
    assert read(RECORD).position(path) == position


def test_a_missing_field_falls_back_to_its_closest_enclosing_field() -> None:
    source = read(RECORD)
    assert source.position(("explanations", 0, "text")) == (5, 5)
    assert source.position(("explanations", 7, "text")) == (4, 1)
    assert source.position(("no_such_field",)) == (2, 1)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), ""),
        (("id",), "id"),
        (("broad_use", 2, "domain"), "broad_use[2].domain"),
        (("explanations", 0), "explanations[0]"),
        ((3, "id"), "[3].id"),
    ],
)
def test_field_path(path: tuple[str | int, ...], text: str) -> None:
    assert field_path(path) == text


def test_duplicate_key_names_both_lines() -> None:
    source = read("id: a\nname: A\nclarity: x\nname: B\n")
    assert codes(source) == [("PR104", 4, 1)]
    assert "first on line 2" in source.findings[0].message
    assert source.findings[0].field == "name"
    assert source.data["name"] == "A"  # the first value is kept; the finding says the second is not


def test_duplicate_key_in_a_nested_mapping() -> None:
    source = read("example:\n  title: A\n  text: B\n  title: C\n")
    assert codes(source) == [("PR104", 4, 3)]
    assert source.findings[0].field == "example.title"
    assert "first on line 2" in source.findings[0].message


def test_every_duplicate_key_is_reported() -> None:
    assert [c[:2] for c in codes(read("a: 1\nb: 2\na: 3\nb: 4\na: 5\n"))] == [
        ("PR104", 3),
        ("PR104", 4),
        ("PR104", 5),
    ]


def test_anchors_and_aliases_are_refused_each_with_its_line() -> None:
    source = read("id: a\ntext: &t some text\nother: *t\nmore: *t\n")
    assert codes(source) == [("PR105", 2, 7), ("PR105", 3, 8), ("PR105", 4, 7)]
    assert source.data is None
    assert "&t" in source.findings[0].message
    assert "*t" in source.findings[1].message


def test_an_alias_bomb_is_refused_without_expanding() -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    source = read(bomb)
    assert source.data is None
    assert {c[0] for c in codes(source)} == {"PR105"}


def test_an_ampersand_in_text_is_not_an_anchor() -> None:
    source = read("id: a\ntext: salt & pepper, 'quoted & fine'\n")
    assert source.findings == []
    assert source.data["text"] == "salt & pepper, 'quoted & fine'"


def test_not_utf8_gives_line_and_column() -> None:
    source = read(b"id: a\nname: ok\ntext: caf\xe9 au lait\n")
    assert codes(source) == [("PR102", 3, 10)]
    assert "0xe9" in source.findings[0].message
    assert source.data is None


def test_a_byte_order_mark_is_accepted() -> None:
    source = read(b"\xef\xbb\xbfid: a\n")
    assert source.findings == []
    assert source.data == {"id": "a"}


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "null\n", "~\n"])
def test_an_empty_file(text: str) -> None:
    assert codes(read(text)) == [("PR103", 1, 1)]


def test_a_file_over_the_limit_is_not_parsed() -> None:
    source = read(b"id: a\n" + b"#" * MAX_FILE_BYTES)
    assert codes(source) == [("PR106", 1, 1)]
    assert source.data is None


def test_a_file_at_the_limit_is_parsed() -> None:
    raw = b"id: a\n#"
    source = read(raw + b"x" * (MAX_FILE_BYTES - len(raw)))
    assert source.findings == []


@pytest.mark.parametrize(
    ("text", "line"),
    [("- id: a\n- id: b\n", 1), ("# hello\njust text\n", 2), ("42\n", 1), ("# c\n\n[a, b]\n", 3)],
)
def test_a_record_file_must_hold_a_mapping(text: str, line: int) -> None:
    source = read(text)
    assert [c[:2] for c in codes(source)] == [("PR107", line)]
    assert "mapping" in source.findings[0].message


def test_a_list_file_must_hold_a_list() -> None:
    assert read("- id: a\n", root=SequenceNode).data == [{"id": "a"}]
    source = read("id: a\n", root=SequenceNode)
    assert [c[0] for c in codes(source)] == ["PR107"]
    assert "list" in source.findings[0].message


def test_a_list_file_records_item_positions() -> None:
    source = read("- id: a\n  label: A\n- id: b\n  label: B\n", root=SequenceNode)
    assert source.position((1, "label")) == (4, 3)


@pytest.mark.parametrize(
    ("text", "line", "column", "excerpt"),
    [
        ("id: a\nname: [unclosed\n", 3, 1, "expected ',' or ']'"),
        ("id: a\n  name: b\n", 2, 7, "mapping values are not allowed"),
        ("id: a\nname:\tb\n\tc: d\n", 3, 1, "tab"),
        ("id: a\n---\nid: b\n", 2, 1, "another document"),
        ("id: 'open\n", 2, 1, "unexpected end of stream"),
        ("id: *nowhere\n", 1, 5, "undefined alias"),
    ],
)
def test_syntax_errors_carry_the_parsers_position(text: str, line: int, column: int, excerpt: str) -> None:
    source = read(text)
    assert codes(source) == [("PR101", line, column)]
    assert excerpt in source.findings[0].message
    assert "\n" not in source.findings[0].message
    assert source.data is None


def test_a_control_character_is_a_finding_on_its_line() -> None:
    source = read("id: a\nname: é b\x00c\n")
    assert codes(source) == [("PR101", 2, 10)]
    assert "U+0000" in source.findings[0].message
    assert "\n" not in source.findings[0].message


@pytest.mark.parametrize(
    "value",
    [
        "!foo bar",
        "!!python/object:os.system x",
        "!!binary aGVsbG8=",
        "!!int abc",
        "!!float abc",
        "!!timestamp nope",
        "!!set {a, b}",
        "!custom [1, 2]",
    ],
)
def test_tags_and_values_their_tag_rejects_are_findings(value: str) -> None:
    source = read(f"id: a\nname: {value}\n")
    assert [c[:2] for c in codes(source)] == [("PR101", 2)]
    assert source.data is None


def test_merge_keys_are_refused() -> None:
    source = read("base: {a: 1}\nother:\n  <<: {b: 2}\n")
    assert [c[:2] for c in codes(source)] == [("PR101", 3)]
    assert "!!merge" in source.findings[0].message


def test_plain_scalars_keep_their_yaml_types() -> None:
    data = read("a: 1\nb: 1.5\nc: yes\nd: 2020-01-02\ne: '1'\nf: .inf\n").data
    assert (type(data["a"]), type(data["b"]), data["e"]) == (int, float, "1")
    assert data["c"] is True
    assert str(data["d"]) == "2020-01-02"
    assert data["f"] == float("inf")


def test_non_string_keys_become_strings() -> None:
    assert read("1: a\ntrue: b\n").data == {"1": "a", "True": "b"}


@pytest.mark.parametrize("depth", [100, 999, 5000])
def test_deep_nesting_is_a_finding_not_a_crash(depth: int) -> None:
    source = read("id: " + "[" * depth + "]" * depth + "\n")
    if depth <= 100:
        assert source.findings == []
    else:
        assert [c[0] for c in codes(source)] == ["PR101"]
        assert source.data is None
