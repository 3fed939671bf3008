"""Stage 2a: validating one file's data into a record, with findings that point at file, line and field."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError

from primes import findings as rules
from primes.errors import closest
from primes.findings import Finding, Severity
from primes.model import AUDIENCES, CONTENT_SECTIONS, Prime, inner_model, prime_model
from primes.ontology import EdgeKind, edge_kinds
from primes.source import FieldPath, Source, field_path
from primes.words import normalize

_TYPE_ERRORS = {
    "string_type",
    "tuple_type",
    "list_type",
    "model_type",
    "dict_type",
    "model_attributes_type",
    "int_type",
    "float_type",
    "bool_type",
    "int_parsing",
    "bool_parsing",
    "float_parsing",
}


class RecordSummary(NamedTuple):
    """What the rules that need the whole catalog read of a record: who it is, its edges, its domains.

    A few hundred bytes against the record's tens of kilobytes: a warm check reads these from the cache
    and leaves the records themselves on disk until something asks for them. (A named tuple: ten thousand
    of them unpickle several times faster than frozen dataclasses.)
    """

    id: str
    name: str
    name_key: str  # the name as mentions and duplicate names are matched (``words.normalize``)
    valid: bool  # False: the summary of a partial record (the file has errors)
    # kind id -> (target, fingerprint of the note or reason), in file order: the rules only compare notes, and
    # a fingerprint keeps the summaries of a large catalog a fraction of the size of its notes
    edges: dict[str, tuple[tuple[str, bytes | None], ...]]
    domains: tuple[tuple[str, FieldPath], ...]  # each domain the record names, and where

    @classmethod
    def of(cls, prime: Prime, *, valid: bool) -> RecordSummary:
        edges = {
            kind.id: tuple((ref.prime, _fingerprint(ref.annotation)) for ref in prime.edges(kind))
            for kind in edge_kinds()
        }
        domains: list[tuple[str, FieldPath]] = []
        for index, use in enumerate(prime.broad_use or ()):
            domains.append((use.domain, ("broad_use", index, "domain")))
        for index, transfer in enumerate(prime.knowledge_transfer or ()):
            domains.append((transfer.from_domain, ("knowledge_transfer", index, "from")))
            domains.append((transfer.to_domain, ("knowledge_transfer", index, "to")))
        return cls(prime.id, prime.name, normalize(prime.name), valid, edges, tuple(domains))

    def targets(self, kind: EdgeKind) -> tuple[tuple[str, bytes | None], ...]:
        return self.edges.get(kind.id, ())


def _fingerprint(text: str | None) -> bytes | None:
    return None if text is None else hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).digest()


@dataclass(slots=True)
class FileResult:
    """What one prime file yields: the record (None when it does not validate) and its findings.

    A result read back from the cache has ``summary`` but neither ``prime`` nor ``partial``: the loader
    fetches records only when they are asked for.
    """

    path: str
    prime: Prime | None
    claimed_id: str | None
    claimed_name: str | None
    positions: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    digest: str = ""
    # When the record does not validate: the record without its invalid fields, so that the rules on the
    # rest of the file (domains, edges, sections) still run and one check reports every problem at once.
    partial: Prime | None = None
    summary: RecordSummary | None = None  # of the record, or else of the partial record

    @property
    def valid(self) -> bool:
        return self.summary is not None and self.summary.valid

    def position(self, path: FieldPath) -> tuple[int, int]:
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))

    def finding(self, rule: rules.Rule, path: FieldPath, message: str, **kw: Any) -> Finding:
        line, column = self.position(path)
        prime_id = self.summary.id if self.summary else (self.claimed_id or "")
        return Finding.of(
            rule,
            self.path,
            message,
            line=line,
            column=column,
            field=field_path(path),
            prime_id=prime_id,
            **kw,
        )


def validation_findings(
    source: Source, exc: ValidationError, model: type[BaseModel], prime_id: str = ""
) -> list[Finding]:
    """Turn pydantic's errors into findings with positions and messages that say what to do."""
    out: list[Finding] = []
    for error in exc.errors(include_url=False):
        loc: FieldPath = tuple(error["loc"])
        rule, message = _classify(error, loc, source.data, model)
        line, column = source.position(loc)
        out.append(
            Finding.of(rule, source.path, message, line=line, column=column, field=field_path(loc), prime_id=prime_id)
        )
    return out


def _classify(error: Any, loc: FieldPath, data: Any, model: type[BaseModel]) -> tuple[rules.Rule, str]:
    kind: str = error["type"]
    name = str(loc[-1]) if loc else ""
    if kind == "missing":
        for edge in edge_kinds():
            if len(loc) == 3 and loc[0] == edge.field and loc[2] == edge.annotation_field:
                return rules.MISSING_ANNOTATION, (
                    f"a {edge.label} edge needs a {edge.annotation_field}: say why it holds"
                )
        return rules.MISSING_FIELD, f"required field {name!r} is missing"
    if kind == "extra_forbidden":
        value = _lookup(data, loc)
        if len(loc) == 1 and _looks_like_edges(value):
            known = ", ".join(k.field for k in edge_kinds())
            return rules.UNKNOWN_EDGE_KIND, (
                f"{name!r} is not an edge kind of the ontology; the edge fields are: {known}"
            )
        hint = closest(name, _field_names(model, loc))
        did_you_mean = f"; did you mean {hint[0]!r}?" if hint else ""
        return rules.UNKNOWN_FIELD, f"unknown field {name!r}{did_you_mean}"
    if kind == "empty_text":
        return rules.EMPTY_TEXT, f"{name!r} is empty or only white space; write it or remove the field"
    if kind == "invalid_slug":
        return rules.INVALID_SLUG, str(error["msg"])
    if kind in _TYPE_ERRORS:
        return rules.WRONG_TYPE, f"{name!r}: {error['msg'].lower()}, got {_type_name(error.get('input'))}"
    return rules.INVALID_VALUE, f"{name!r}: {error['msg']}"


def _lookup(data: Any, loc: FieldPath) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _looks_like_edges(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "prime" in v for v in value)


def _field_names(model: type[BaseModel], loc: FieldPath) -> list[str]:
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if info is None:
            return []
        current = inner_model(info.annotation)
        if current is None:
            return []
    names: list[str] = []
    for key, info in current.model_fields.items():
        names.append(info.alias or key)
    return names


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        bool: "true/false",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def check_record(source: Source, file_id: str) -> FileResult:
    """Validate one parsed prime file and apply every rule that needs this file alone."""
    data = source.data
    claimed_id = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None
    claimed_name = data.get("name") if isinstance(data, dict) and isinstance(data.get("name"), str) else None
    prime_id = claimed_id or file_id
    result = FileResult(
        source.path,
        None,
        claimed_id,
        claimed_name,
        source.positions,
        [replace(f, prime_id=prime_id) for f in source.findings],
    )
    if data is None:
        return result
    model = prime_model()
    try:
        prime = model.model_validate(data)
    except ValidationError as exc:
        result.findings.extend(validation_findings(source, exc, model, prime_id))
        result.partial, invalid = _salvage(model, data, exc)
        if result.partial is not None:
            result.summary = RecordSummary.of(result.partial, valid=False)
            _check_valid_record(result, result.partial, file_id, skip=invalid)
        return result
    result.prime = prime
    result.summary = RecordSummary.of(prime, valid=True)
    _check_valid_record(result, prime, file_id, skip=frozenset())
    return result


def _salvage(model: type[Prime], data: dict[str, Any], exc: ValidationError) -> tuple[Prime | None, frozenset[str]]:
    """The record without the top-level fields that failed, if the rest (id and name included) is valid."""
    invalid: set[str] = set()
    misspelt: set[str] = set()  # sections an unknown field was probably meant to be: not also "missing"
    for error in exc.errors(include_url=False):
        if not error["loc"]:
            return None, frozenset()
        invalid.add(str(error["loc"][0]))
        if error["type"] == "extra_forbidden" and len(error["loc"]) == 1:
            misspelt.update(closest(str(error["loc"][0]), CONTENT_SECTIONS, n=1))
    if invalid & {"id", "name"}:
        return None, frozenset()
    try:
        partial = model.model_validate({key: value for key, value in data.items() if key not in invalid})
    except ValidationError:
        return None, frozenset()
    return partial, frozenset(invalid | misspelt)


def _check_valid_record(result: FileResult, prime: Prime, file_id: str, *, skip: frozenset[str]) -> None:
    """The rules of one file that need a validated record (``skip``: fields already reported invalid)."""
    if prime.id != file_id:
        result.findings.append(
            result.finding(
                rules.ID_MISMATCH,
                ("id",),
                f"id {prime.id!r} differs from the file name {file_id + '.yaml'!r}; rename the file or fix the id",
            )
        )
    _check_sections(result, prime, skip)
    _check_own_edges(result, prime)


def _check_sections(result: FileResult, prime: Prime, skip: frozenset[str]) -> None:
    for section in CONTENT_SECTIONS:
        if getattr(prime, section) is not None or section in skip:
            continue
        if prime.is_draft:
            result.findings.append(
                result.finding(rules.DRAFT_SECTION, (section,), f"section {section!r} is not written yet (draft)")
            )
        else:
            result.findings.append(
                result.finding(
                    rules.MISSING_SECTION,
                    (section,),
                    f"section {section!r} is missing; a published prime needs it (or mark the prime status: draft)",
                )
            )
    if prime.explanations is not None:
        seen: dict[str, int] = {}
        for index, item in enumerate(prime.explanations):
            if item.audience in seen:
                result.findings.append(
                    result.finding(
                        rules.AUDIENCE,
                        ("explanations", index, "audience"),
                        f"audience {item.audience!r} is explained twice (also explanations[{seen[item.audience]}])",
                    )
                )
            else:
                seen[item.audience] = index
        missing = [a for a in AUDIENCES if a not in seen]
        if missing:
            severity = Severity.WARNING if prime.is_draft else None
            result.findings.append(
                result.finding(
                    rules.AUDIENCE,
                    ("explanations",),
                    f"no explanation for audience {', '.join(repr(a) for a in missing)}; each of "
                    f"{', '.join(AUDIENCES)} needs exactly one",
                    severity=severity,
                )
            )


def _check_own_edges(result: FileResult, prime: Prime) -> None:
    for kind in edge_kinds():
        seen: dict[str, int] = {}
        for index, ref in enumerate(prime.edges(kind)):
            where = (kind.field, index, "prime")
            if ref.prime == prime.id:
                result.findings.append(
                    result.finding(rules.SELF_EDGE, where, f"{prime.id!r} cannot be a {kind.label} edge of itself")
                )
            elif ref.prime in seen:
                result.findings.append(
                    result.finding(
                        rules.DUPLICATE_EDGE,
                        where,
                        f"the {kind.label} edge to {ref.prime!r} is already declared at "
                        f"{kind.field}[{seen[ref.prime]}]",
                    )
                )
            else:
                seen[ref.prime] = index
            if kind.annotation_required and ref.annotation is None:
                result.findings.append(_unwritten_annotation(result, prime, kind, index, ref.prime))


def _unwritten_annotation(result: FileResult, prime: Prime, kind: EdgeKind, index: int, target: str) -> Finding:
    """A required note written as null: not written yet, which a draft may be."""
    where = (kind.field, index, kind.annotation_field)
    if prime.is_draft:
        message = f"the {kind.label} edge to {target!r} has no {kind.annotation_field} yet (draft)"
        return result.finding(rules.MISSING_ANNOTATION, where, message, severity=Severity.WARNING)
    message = f"a {kind.label} edge needs a {kind.annotation_field}: say why it holds (or mark the prime status: draft)"
    return result.finding(rules.MISSING_ANNOTATION, where, message)
