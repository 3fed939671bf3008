"""``primes fmt``: every catalog file in one canonical form.

The form: fields in the order of the record model (which follows the reference page: id, name, aliases,
status, the content sections in page order, then one edge list per kind in the ontology's order), nested
fields in their models' order, every list in the order written (the order of a prime's edges is its
pages' and its export's order: ``primes:position``), long text folded (``>-``) at a fixed width, short
lists of words inline, ``null`` for a section not written yet, no blank lines, one final newline. Comments
stay with the field they precede or end the line of.

A file that does not parse or does not validate is reported and left as it is. A formatted text is read
back before it is written: when its data or its comments differ from the original in any way, the file is
left untouched and the failure reported.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from yaml.nodes import MappingNode, SequenceNode

from primes.authoring._files import FileKind, expand, file_kind
from primes.authoring._yamltext import Comments, dump, place_comments, read_comments
from primes.findings import Finding
from primes.fsutil import write_atomic
from primes.load import display_path
from primes.model import CatalogMeta, Domain, inner_model, prime_model
from primes.records import check_record, validation_findings
from primes.source import Source, read_yaml


class Status(StrEnum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"  # reformatted (or, with check, would be)
    ERROR = "error"  # left untouched: the file has errors, or could not be formatted safely


@dataclass(slots=True)
class Formatted:
    """The outcome for one file: its status, the canonical text when there is one, and what was wrong."""

    path: Path
    shown: str
    status: Status
    text: str | None = None
    findings: list[Finding] = field(default_factory=list)
    problem: str = ""


def format_paths(paths: Iterable[Path], *, check: bool = False) -> list[Formatted]:
    """Format catalog folders and files in place (each file atomically); with ``check``, write nothing."""
    return [format_file(path, check=check) for path in expand(paths)]


def format_file(path: Path, *, check: bool = False) -> Formatted:
    shown = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Formatted(path, shown, Status.ERROR, problem=f"cannot read the file: {exc.strerror}")
    result = format_bytes(raw, file_kind(path), shown, file_id=path.stem)
    result.path = path
    if result.status is Status.CHANGED and not check:
        assert result.text is not None
        try:
            write_atomic(path, result.text)
        except OSError as exc:
            return Formatted(path, shown, Status.ERROR, problem=f"cannot write the file: {exc.strerror or exc}")
    return result


def format_bytes(raw: bytes, kind: FileKind, shown: str, *, file_id: str = "") -> Formatted:
    """The canonical form of one file's bytes (nothing is written)."""
    source = read_yaml(shown, raw, root=_root_node(kind))
    errors = _errors(source, kind, file_id)
    if errors:
        return Formatted(Path(shown), shown, Status.ERROR, findings=errors)
    original = raw.decode("utf-8").removeprefix("\ufeff")
    ordered = canonical_order(source.data, kind)
    comments = read_comments(original, source.positions)
    text = render(ordered, kind, comments)
    if text == original:
        return Formatted(Path(shown), shown, Status.UNCHANGED, text=text)
    problem = _changed_content(text, kind, ordered, comments)
    if problem:
        return Formatted(Path(shown), shown, Status.ERROR, problem=problem)
    return Formatted(Path(shown), shown, Status.CHANGED, text=text)


def render(data: Any, kind: FileKind, comments: Comments | None = None) -> str:
    """Write ordered data (see :func:`canonical_order`) as canonical text, with its comments."""
    text = dump(data)
    if comments is None:
        return text
    written = read_yaml("<formatted>", text.encode("utf-8"), root=_root_node(kind))
    return place_comments(text, written.positions, comments)


def _root_node(kind: FileKind) -> type[MappingNode] | type[SequenceNode]:
    return SequenceNode if kind is FileKind.DOMAINS else MappingNode


def _errors(source: Source, kind: FileKind, file_id: str) -> list[Finding]:
    """The errors that keep a file from being formatted: it does not parse, or its record does not validate."""
    parse_errors = [f for f in source.findings if f.is_error]
    if parse_errors or source.data is None:
        return parse_errors or list(source.findings)
    if kind is FileKind.PRIME:
        result = check_record(source, file_id)
        return [] if result.prime is not None else [f for f in result.findings if f.is_error]
    try:
        if kind is FileKind.META:
            CatalogMeta.model_validate(source.data)
        else:
            TypeAdapter(list[Domain]).validate_python(source.data)
    except ValidationError as exc:
        return validation_findings(source, exc, CatalogMeta if kind is FileKind.META else Domain)
    return []


def _changed_content(text: str, kind: FileKind, ordered: Any, comments: Comments) -> str:
    """Why the formatted text cannot be written (its data or its comments differ), or ``""``."""
    written = read_yaml("<formatted>", text.encode("utf-8"), root=_root_node(kind))
    if written.data != ordered:
        return "formatting would change the file's data, so it was left untouched (please report this)"
    again = read_comments(text, written.positions)
    if sorted(again.lines()) != sorted(comments.lines()):
        return "formatting would lose or alter a comment, so the file was left untouched (please report this)"
    return ""


# ---------------------------------------------------------------------------------------------------------
# The canonical order


def canonical_order(data: Any, kind: FileKind) -> Any:
    """The data with every mapping's keys in its model's order (unknown keys last); lists keep their order."""
    return _order(data, _model(kind))


def _model(kind: FileKind) -> type[BaseModel]:
    if kind is FileKind.PRIME:
        return prime_model()
    return CatalogMeta if kind is FileKind.META else Domain


def _order(value: Any, model: type[BaseModel] | None) -> Any:
    if isinstance(value, dict):
        slots = _slots(model) if model is not None else {}
        unknown = len(slots)
        keys = sorted(value, key=lambda k: slots.get(k, (unknown, None))[0])
        return {k: _order(value[k], slots.get(k, (unknown, None))[1]) for k in keys}
    if isinstance(value, list):
        return [_order(item, model) for item in value]
    return value


@functools.cache
def _slots(model: type[BaseModel]) -> dict[str, tuple[int, type[BaseModel] | None]]:
    """Each field's key (its name and its alias) -> its place in the model and the model of its items."""
    slots: dict[str, tuple[int, type[BaseModel] | None]] = {}
    for index, (name, info) in enumerate(model.model_fields.items()):
        inner = inner_model(info.annotation)
        slots[name] = (index, inner)
        if info.alias:
            slots[info.alias] = (index, inner)
    return slots
