"""Stage 2a: validating one file's data into a record, with findings that point at file, line and field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from primes import findings as rules
from primes.errors import closest
from primes.findings import Finding, Severity
from primes.model import AUDIENCES, CONTENT_SECTIONS, Prime, prime_model
from primes.ontology import edge_kinds
from primes.source import FieldPath, Source, field_path

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


@dataclass(slots=True)
class FileResult:
    """What one prime file yields: the record (None when it does not validate) and its findings."""

    path: str
    prime: Prime | None
    claimed_id: str | None
    claimed_name: str | None
    positions: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    digest: str = ""

    def position(self, path: FieldPath) -> tuple[int, int]:
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))

    def finding(self, rule: rules.Rule, path: FieldPath, message: str, **kw: Any) -> Finding:
        line, column = self.position(path)
        prime_id = self.prime.id if self.prime else (self.claimed_id or "")
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
        current = _inner_model(info.annotation)
        if current is None:
            return []
    names: list[str] = []
    for key, info in current.model_fields.items():
        names.append(info.alias or key)
    return names


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


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
    result = FileResult(source.path, None, claimed_id, claimed_name, source.positions, list(source.findings))
    if data is None:
        return result
    model = prime_model()
    try:
        prime = model.model_validate(data)
    except ValidationError as exc:
        result.findings.extend(validation_findings(source, exc, model, claimed_id or file_id))
        return result
    result.prime = prime
    if prime.id != file_id:
        result.findings.append(
            result.finding(
                rules.ID_MISMATCH,
                ("id",),
                f"id {prime.id!r} differs from the file name {file_id + '.yaml'!r}; rename the file or fix the id",
            )
        )
    _check_sections(result, prime)
    _check_own_edges(result, prime)
    return result


def _check_sections(result: FileResult, prime: Prime) -> None:
    for section in CONTENT_SECTIONS:
        if getattr(prime, section) is not None:
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
