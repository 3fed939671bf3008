"""The records of a catalog, as pydantic models.

``Prime`` holds the content sections; the edge fields (one per edge kind of the ontology) are added by
:func:`prime_model`, so the model, the JSON Schema and the checks all follow ``ontology/primes.ttl``.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model
from pydantic_core import PydanticCustomError

from primes.ontology import EdgeKind, edge_kinds

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_SLUG_LENGTH = 100
_SLUG = re.compile(SLUG_PATTERN)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _check_text(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("empty_text", "the text is empty or only white space; write it or remove the field")
    if _CONTROL.search(value):
        raise PydanticCustomError("control_character", "the text contains a control character")
    return value


def _check_slug(value: str) -> str:
    if len(value) > MAX_SLUG_LENGTH or not _SLUG.match(value):
        raise PydanticCustomError(
            "invalid_slug",
            "{value} is not a kebab-case slug (lower-case letters and digits joined by single hyphens, "
            "at most {limit} characters)",
            {"value": repr(value), "limit": MAX_SLUG_LENGTH},
        )
    return value


Text = Annotated[str, AfterValidator(_check_text)]
Slug = Annotated[str, AfterValidator(_check_slug), Field(json_schema_extra={"pattern": SLUG_PATTERN})]
Audience = Literal["child", "teen", "adult"]
Status = Literal["published", "draft"]

AUDIENCES: tuple[Audience, ...] = ("child", "teen", "adult")
AUDIENCE_LABELS: dict[str, str] = {
    "child": "a young child",
    "teen": "a teenager",
    "adult": "an educated adult",
}


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Explanation(Record):
    """The pattern explained for one audience, under a title of its own."""

    audience: Audience
    title: Text
    text: Text


class Use(Record):
    """How the pattern shows up in one domain."""

    domain: Slug
    text: Text


class Transfer(Record):
    """What carries over when the pattern moves from one domain to another."""

    from_domain: Slug = Field(alias="from")
    to_domain: Slug = Field(alias="to")
    text: Text


class Example(Record):
    title: Text
    text: Text


class EdgeRef(Record):
    """One declared edge: the target prime and the note or reason its kind carries."""

    kind: ClassVar[EdgeKind]
    prime: Slug

    @property
    def annotation(self) -> str | None:
        value = getattr(self, self.kind.annotation_field, None)
        return value if isinstance(value, str) else None


CONTENT_SECTIONS: tuple[str, ...] = (
    "core_idea",
    "explanations",
    "overview",
    "broad_use",
    "clarity",
    "manages_complexity",
    "abstract_reasoning",
    "knowledge_transfer",
    "example",
)


class Prime(Record):
    """A prime: an abstract pattern that recurs across fields.

    ``id`` and ``name`` are always required. The content sections are required of a published prime
    and recommended for a draft; the checker, not the model, says which are missing.
    """

    id: Slug
    name: Text
    aliases: tuple[Text, ...] = ()
    status: Status = "published"
    core_idea: Text | None = None
    explanations: tuple[Explanation, ...] | None = None
    overview: Text | None = None
    broad_use: tuple[Use, ...] | None = None
    clarity: Text | None = None
    manages_complexity: Text | None = None
    abstract_reasoning: Text | None = None
    knowledge_transfer: tuple[Transfer, ...] | None = None
    example: Example | None = None

    def edges(self, kind: EdgeKind) -> tuple[EdgeRef, ...]:
        """The edges of one kind that this record declares, in file order."""
        refs = getattr(self, kind.field, ())
        return tuple(refs)

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def explanation(self, audience: str) -> Explanation | None:
        for item in self.explanations or ():
            if item.audience == audience:
                return item
        return None

    def texts(self) -> list[tuple[str, str]]:
        """Every free text of the record as (field path, text), edges' notes and reasons included."""
        out: list[tuple[str, str]] = []
        for name in ("core_idea", "overview", "clarity", "manages_complexity", "abstract_reasoning"):
            value = getattr(self, name)
            if value:
                out.append((name, value))
        for i, e in enumerate(self.explanations or ()):
            out.append((f"explanations[{i}].text", e.text))
        for i, u in enumerate(self.broad_use or ()):
            out.append((f"broad_use[{i}].text", u.text))
        for i, t in enumerate(self.knowledge_transfer or ()):
            out.append((f"knowledge_transfer[{i}].text", t.text))
        if self.example:
            out.append(("example.text", self.example.text))
        for kind in edge_kinds():
            for i, ref in enumerate(self.edges(kind)):
                if ref.annotation:
                    out.append((f"{kind.field}[{i}].{kind.annotation_field}", ref.annotation))
        return out


def _edge_model(kind: EdgeKind, register: bool) -> type[EdgeRef]:
    # A required note must be present but may be null: ``note: null`` marks the note of a draft's edge as not
    # written yet, and the checker reports it (a warning for a draft, an error for a published prime).
    annotation: Any = Text | None
    default: Any = ... if kind.annotation_required else None
    name = "".join(part.capitalize() for part in kind.id.split("-")) + "Edge"
    field_definitions: dict[str, Any] = {kind.annotation_field: (annotation, Field(default=default))}
    model: type[EdgeRef] = create_model(
        name,
        __base__=EdgeRef,
        __module__=__name__,
        __doc__=f"An edge of kind {kind.label!r}: this prime {kind.forward_phrase} the target.",
        **field_definitions,
    )
    model.kind = kind
    if register:
        globals()[name] = model  # so that records pickle (the check cache stores them)
    return model


def prime_model(kinds: tuple[EdgeKind, ...] | None = None) -> type[Prime]:
    """The record model with one edge field per edge kind (by default, those of the bundled ontology)."""
    if kinds is None:
        return _bundled_model()
    kinds = tuple(kinds)
    return _prime_model(kinds, kinds == edge_kinds())


@functools.cache
def _bundled_model() -> type[Prime]:
    return _prime_model(edge_kinds(), True)


@functools.cache
def _prime_model(kinds: tuple[EdgeKind, ...], register: bool) -> type[Prime]:
    # Only the bundled model is registered as a module attribute: pickle finds classes by name, and a
    # model built for another ontology (a test's, a tool's) must not replace the one cached records use.
    fields: dict[str, Any] = {}
    for kind in kinds:
        item: Any = _edge_model(kind, register)
        fields[kind.field] = (tuple[item, ...], Field(default=(), description=kind.label))
    model = create_model("PrimeRecord", __base__=Prime, __module__=__name__, __doc__=Prime.__doc__, **fields)
    if register:
        globals()["PrimeRecord"] = model
    return model


class Domain(Record):
    id: Slug
    label: Text
    description: Text


class CatalogMeta(Record):
    """``catalog/catalog.yaml``: what the catalog says about itself."""

    title: Text
    description: Text
    base_iri: Annotated[str, Field(pattern=r"^https?://\S+[/#]$")]
    license: Text
    version: Text
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")] = "en"


def inner_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside a field's annotation (``tuple[Use, ...] | None`` -> ``Use``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = inner_model(arg)
        if found is not None:
            return found
    return None


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a prime file, for editors that validate YAML as one types."""
    schema = prime_model().model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Primes prime record"
    schema["description"] = "One file of catalog/primes/: a prime and the edges it declares."
    return schema
