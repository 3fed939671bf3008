"""``catalog/schema.json`` is the model's JSON Schema, committed, and it accepts what the checker accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from conftest import BUNDLED, TINY
from primes.cli import app
from primes.model import json_schema

COMMITTED = BUNDLED / "schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(COMMITTED.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def yaml_record(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def test_the_committed_schema_is_what_primes_schema_prints() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == COMMITTED.read_text(), (
        "catalog/schema.json is stale: run `primes schema -o catalog/schema.json`"
    )


def test_primes_schema_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    result = CliRunner().invoke(app, ["schema", "--output", str(target)])
    assert result.exit_code == 0
    assert json.loads(target.read_text()) == json_schema()
    assert target.read_text() == COMMITTED.read_text()


def test_the_schema_is_a_valid_draft_2020_12_schema(validator: jsonschema.protocols.Validator) -> None:
    assert validator.META_SCHEMA["$id"].startswith("https://json-schema.org/draft/2020-12/")


@pytest.mark.parametrize("path", sorted((BUNDLED / "primes").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_record_validates(validator: jsonschema.protocols.Validator, path: Path) -> None:
    validator.validate(yaml_record(path))


@pytest.mark.parametrize("path", sorted((TINY / "primes").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_tiny_record_validates(validator: jsonschema.protocols.Validator, path: Path) -> None:
    validator.validate(yaml_record(path))


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"clarty": "typo"}, []),
        ({"id": "../x"}, ["id"]),
        ({"id": "Foo_Bar"}, ["id"]),
        ({"name": 42}, ["name"]),
        ({"status": "final"}, ["status"]),
        ({"explanations": [{"audience": "grown-up", "title": "t", "text": "x"}]}, ["explanations"]),
        ({"decomposes": [{"prime": "part"}]}, ["decomposes", 0]),
        ({"decomposes": [{"prime": "part", "note": "n", "weight": 1}]}, ["decomposes", 0]),
        ({"knowledge_transfer": [{"from_domain": "physics", "to": "biology", "text": "t"}]}, ["knowledge_transfer"]),
        ({"example": "just text"}, ["example"]),
    ],
)
def test_the_schema_refuses_what_the_model_refuses(
    validator: jsonschema.protocols.Validator, change: dict[str, Any], where: list[str | int]
) -> None:
    record = {**yaml_record(TINY / "primes" / "whole.yaml"), **change}
    errors = list(validator.iter_errors(record))
    assert errors
    for error in errors:  # an error inside an optional field (anyOf: [..., null]) is reported on the field
        path = list(error.absolute_path)
        assert path == where[: len(path)] and (path or not where)


def test_a_record_without_id_or_name_is_refused(validator: jsonschema.protocols.Validator) -> None:
    record = yaml_record(TINY / "primes" / "whole.yaml")
    del record["name"]
    with pytest.raises(jsonschema.ValidationError, match="'name' is a required property"):
        validator.validate(record)


def test_the_readme_example_record_is_a_valid_record(validator: jsonschema.protocols.Validator) -> None:
    readme = (BUNDLED.parent / "README.md").read_text()
    section = readme.split("\n## The catalog\n", 1)[1].split("\n## ", 1)[0]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    record = yaml.safe_load(example)
    validator.validate(record)
    assert set(record) >= set(json_schema()["properties"]) - {"aliases"}  # it shows every field
