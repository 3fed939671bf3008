"""The record models: strict (unknown fields are errors), frozen, with one edge field per ontology edge kind."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from pydantic import ValidationError

import primes
from conftest import PART, PIECE, TWIN, WHOLE
from primes.model import (
    AUDIENCES,
    CONTENT_SECTIONS,
    CatalogMeta,
    Domain,
    Explanation,
    Prime,
    json_schema,
    prime_model,
)
from primes.ontology import edge_kind, edge_kinds


def record(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "feedback-loop",
        "name": "Feedback Loop",
        "core_idea": "Outputs come back as inputs.",
        "explanations": [{"audience": a, "title": f"For {a}", "text": f"Text for {a}."} for a in AUDIENCES],
        "overview": "The long definition.",
        "broad_use": [{"domain": "biology", "text": "Homeostasis."}],
        "clarity": "Clear.",
        "manages_complexity": "Compresses.",
        "abstract_reasoning": "Licenses inference.",
        "knowledge_transfer": [{"from": "biology", "to": "economics", "text": "Markets."}],
        "example": {"title": "A thermostat", "text": "It switches the heating."},
    }
    data.update(changes)
    return data


def validate(**changes: Any) -> Prime:
    return prime_model().model_validate(record(**changes))


def error_types(**changes: Any) -> set[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationError) as info:
        validate(**changes)
    return {(tuple(e["loc"]), e["type"]) for e in info.value.errors()}


def test_a_complete_record_validates() -> None:
    prime = validate()
    assert prime.id == "feedback-loop"
    assert prime.status == "published"
    assert not prime.is_draft
    assert all(getattr(prime, section) is not None for section in CONTENT_SECTIONS)


def test_the_model_has_one_edge_field_per_edge_kind() -> None:
    fields = prime_model().model_fields
    for kind in edge_kinds():
        assert kind.field in fields
        assert fields[kind.field].description == kind.label
    assert set(fields) - set(Prime.model_fields) == {kind.field for kind in edge_kinds()}


def test_prime_model_is_built_once() -> None:
    assert prime_model() is prime_model()
    assert prime_model(edge_kinds()) is prime_model()


def test_only_id_and_name_are_required_by_the_model() -> None:
    prime = prime_model().model_validate({"id": "x", "name": "X"})
    assert prime.core_idea is None and prime.explanations is None
    assert error_types(id=None) >= {(("id",), "string_type")}
    with pytest.raises(ValidationError) as info:
        prime_model().model_validate({"id": "x"})
    assert [e["type"] for e in info.value.errors()] == ["missing"]


def test_unknown_fields_are_errors_at_every_level() -> None:
    assert error_types(clarty="typo") == {(("clarty",), "extra_forbidden")}
    example = {"title": "t", "text": "x", "caption": "c"}
    assert error_types(example=example) == {(("example", "caption"), "extra_forbidden")}
    edge = [{"prime": "a", "note": "n", "weight": 2}]
    assert error_types(decomposes=edge) == {(("decomposes", 0, "weight"), "extra_forbidden")}


def test_records_are_frozen() -> None:
    prime = validate()
    with pytest.raises(ValidationError):
        prime.name = "Other"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", " ", "\n\t "])
def test_texts_may_not_be_blank(text: str) -> None:
    assert error_types(clarity=text) == {(("clarity",), "empty_text")}


def test_texts_may_not_hold_control_characters() -> None:
    assert error_types(clarity="a\x07b") == {(("clarity",), "control_character")}
    assert validate(clarity="tabs\tand\nnewlines are fine").clarity == "tabs\tand\nnewlines are fine"


@pytest.mark.parametrize("slug", ["a", "micro-macro-linkage", "a1-b2", "x" * 100])
def test_valid_slugs(slug: str) -> None:
    assert validate(id=slug).id == slug


@pytest.mark.parametrize("slug", ["../x", "Foo_Bar", "foo bar", "a--b", "-a", "a-", "a/b", "é", "", "x" * 101])
def test_invalid_slugs(slug: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate(id=slug)
    (error,) = info.value.errors()
    assert error["type"] == "invalid_slug"
    assert repr(slug) in error["msg"]
    assert "{" not in error["msg"]


def test_edge_targets_and_domains_are_slugs_too() -> None:
    assert error_types(decomposes=[{"prime": "../x", "note": "n"}]) == {(("decomposes", 0, "prime"), "invalid_slug")}
    assert error_types(broad_use=[{"domain": "Bio Logy", "text": "t"}]) == {
        (("broad_use", 0, "domain"), "invalid_slug")
    }


def test_audience_and_status_are_closed_lists() -> None:
    explanations = [{"audience": "grown-up", "title": "t", "text": "x"}]
    assert error_types(explanations=explanations) == {(("explanations", 0, "audience"), "literal_error")}
    assert error_types(status="final") == {(("status",), "literal_error")}
    assert validate(status="draft").is_draft


def test_knowledge_transfer_reads_from_and_to() -> None:
    transfer = validate().knowledge_transfer
    assert transfer is not None
    assert (transfer[0].from_domain, transfer[0].to_domain) == ("biology", "economics")
    assert transfer[0].model_dump(by_alias=True)["from"] == "biology"


def test_an_edge_needs_its_annotation_field() -> None:
    for kind in edge_kinds():
        if not kind.annotation_required:
            continue
        errors = error_types(**{kind.field: [{"prime": "other"}]})
        assert errors == {((kind.field, 0, kind.annotation_field), "missing")}


def test_edges_and_their_annotations() -> None:
    decomposition, partner = edge_kind("decomposition"), edge_kind("mutual-partner")
    prime = validate(
        decomposes=[{"prime": "a", "note": "first"}, {"prime": "b", "note": "second"}],
        partners=[{"prime": "c", "note": "together"}],
    )
    assert [(ref.prime, ref.annotation) for ref in prime.edges(decomposition)] == [("a", "first"), ("b", "second")]
    assert [ref.kind for ref in prime.edges(partner)] == [partner]
    assert prime.edges(edge_kind("not-to-be-confused-with")) == ()


def test_explanation_by_audience() -> None:
    prime = validate()
    explanation = prime.explanation("teen")
    assert isinstance(explanation, Explanation)
    assert explanation.title == "For teen"
    assert prime.explanation("toddler") is None


def test_texts_lists_every_free_text_with_its_field() -> None:
    prime = validate(not_to_be_confused_with=[{"prime": "z", "reason": "a different reason"}])
    texts = dict(prime.texts())
    assert texts["core_idea"] == "Outputs come back as inputs."
    assert texts["explanations[1].text"] == "Text for teen."
    assert texts["broad_use[0].text"] == "Homeostasis."
    assert texts["knowledge_transfer[0].text"] == "Markets."
    assert texts["example.text"] == "It switches the heating."
    assert texts["not_to_be_confused_with[0].reason"] == "a different reason"


def test_records_pickle_for_the_check_cache(tiny: primes.Catalog) -> None:
    for prime_id in (WHOLE, PART, PIECE, TWIN):
        prime = tiny[prime_id]
        copy = pickle.loads(pickle.dumps(prime))
        assert copy == prime
        assert type(copy) is type(prime)


def test_a_model_for_another_ontology_leaves_the_bundled_one_picklable(tiny: primes.Catalog) -> None:
    prime_model(tuple(reversed(edge_kinds())))  # a different tuple of kinds: a model of its own
    assert pickle.loads(pickle.dumps(tiny[PART])) == tiny[PART]


def test_domain_and_catalog_meta() -> None:
    assert Domain.model_validate({"id": "physics", "label": "Physics", "description": "Matter."}).id == "physics"
    meta = {"title": "T", "description": "D", "base_iri": "https://example.org/p/", "license": "L", "version": "1"}
    assert CatalogMeta.model_validate(meta).language == "en"
    with pytest.raises(ValidationError):
        CatalogMeta.model_validate({**meta, "base_iri": "https://example.org/p"})  # must end in / or #
    with pytest.raises(ValidationError):
        CatalogMeta.model_validate({**meta, "publisher": "someone"})


def test_json_schema_follows_the_model() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"id", "name"}
    properties = schema["properties"]
    assert {kind.field for kind in edge_kinds()} <= set(properties)
    assert set(CONTENT_SECTIONS) <= set(properties)
    assert properties["id"]["pattern"] == "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    transfer = schema["$defs"]["Transfer"]["properties"]
    assert {"from", "to"} <= set(transfer)
