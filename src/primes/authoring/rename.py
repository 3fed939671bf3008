"""``primes rename``: a new id (and maybe a new name) for a prime, and every edge that points at it rewritten.

Only the values change: each is replaced where it stands in the text, so every other byte of every file
(comments, layout, quoting) stays as it was. All files are staged first and applied as one change
(:class:`FileTransaction`): if anything fails, no file has changed. The catalog is checked afterwards.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from primes.authoring._files import AuthoringError, is_catalog_dir, prime_files
from primes.authoring._yamltext import Span, render_scalar, value_spans
from primes.authoring.transaction import FileTransaction
from primes.catalog import check
from primes.errors import UnknownPrime
from primes.findings import Finding
from primes.load import PRIMES_DIR, display_path
from primes.model import MAX_SLUG_LENGTH, SLUG_PATTERN
from primes.ontology import edge_kinds
from primes.records import check_record
from primes.source import FieldPath, Source, read_yaml
from primes.words import normalize


@dataclass(slots=True)
class Renamed:
    """What ``primes rename`` changed, and the findings of the catalog afterwards."""

    old_id: str
    new_id: str
    old_name: str
    new_name: str
    old_path: Path
    new_path: Path
    rewritten: dict[Path, int] = field(default_factory=dict)  # other files -> edges rewritten in each
    findings: list[Finding] = field(default_factory=list)

    @property
    def edges(self) -> int:
        return sum(self.rewritten.values())


@dataclass(slots=True)
class _File:
    path: Path
    text: str
    source: Source


def rename_prime(root: Path, old_id: str, new_id: str, *, new_name: str | None = None) -> Renamed:
    """Rename prime ``old_id`` to ``new_id`` (and ``new_name``), rewriting the edges to it in every file.

    Refuses, before changing anything: an unknown prime, an id or name already taken (naming the file that
    has it), an id that is not a slug, and a catalog with a file that does not parse (its edges could not be
    rewritten).
    """
    if not is_catalog_dir(root):
        raise AuthoringError(f"{root}: not a catalog folder (no {PRIMES_DIR}/ and no catalog.yaml in it)")
    files = _read_all(root)
    old_path = root / PRIMES_DIR / f"{old_id}.yaml"
    new_path = root / PRIMES_DIR / f"{new_id}.yaml"
    old = _old_file(files, old_path, old_id)
    old_name = str(old.source.data["name"])
    name = old_name if new_name is None else new_name.strip()
    _refuse_clashes(files, old, old_id, new_id, new_path, name, changes_name=name != old_name)

    texts: dict[Path, str] = {}
    rewritten: dict[Path, int] = {}
    for file in files:
        changes: dict[FieldPath, str] = {}
        for kind in edge_kinds():
            entries = file.source.data.get(kind.field)
            for index, entry in enumerate(entries if isinstance(entries, list) else ()):
                if isinstance(entry, dict) and entry.get("prime") == old_id:
                    changes[(kind.field, index, "prime")] = new_id
        if file is old:
            if new_id != old_id:
                changes[("id",)] = new_id
            if name != old_name:
                changes[("name",)] = name
        if changes and (file is old or new_id != old_id):
            texts[file.path] = _replace(file, changes)
            if file is not old:
                rewritten[file.path] = len(changes)

    with FileTransaction() as change:
        if new_id != old_id:
            change.create(new_path, texts.pop(old.path))
            change.delete(old.path)
        for path, text in texts.items():
            change.write(path, text)
        change.commit()
    findings = list(check(root).findings)
    return Renamed(old_id, new_id, old_name, name, old.path, new_path, rewritten, findings)


def _read_all(root: Path) -> list[_File]:
    """Every prime file, parsed; refuses if one cannot be read or parsed (edges in it could not be found)."""
    files: list[_File] = []
    broken: list[str] = []
    for path in prime_files(root):
        shown = display_path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            broken.append(f"{shown}: cannot read the file: {exc.strerror}")
            continue
        source = read_yaml(shown, raw)
        errors = [f for f in source.findings if f.is_error]
        if errors or not isinstance(source.data, dict):
            broken.extend(f.format() for f in errors or source.findings)
            continue
        files.append(_File(path, raw.decode("utf-8").removeprefix("\ufeff"), source))
    if broken:
        raise AuthoringError(
            "these files do not parse, so edges in them cannot be rewritten; fix them first:\n" + "\n".join(broken)
        )
    return files


def _old_file(files: list[_File], old_path: Path, old_id: str) -> _File:
    for file in files:
        if file.path == old_path:
            result = check_record(file.source, old_id)
            if result.prime is None:
                errors = "\n".join(f.format() for f in result.findings if f.is_error)
                raise AuthoringError(f"{display_path(old_path)} has errors; fix them first:\n{errors}")
            if result.prime.id != old_id:
                raise AuthoringError(
                    f"{display_path(old_path)} holds id {result.prime.id!r}, not {old_id!r}; fix the id first"
                )
            return file
    known = [str(f.source.data.get("id")) for f in files if isinstance(f.source.data.get("id"), str)]
    raise UnknownPrime(old_id, known)


def _refuse_clashes(
    files: list[_File], old: _File, old_id: str, new_id: str, new_path: Path, name: str, *, changes_name: bool
) -> None:
    problems: list[str] = []
    if len(new_id) > MAX_SLUG_LENGTH or not re.match(SLUG_PATTERN, new_id):
        problems.append(
            f"{new_id!r} is not a valid id (lower-case letters and digits joined by single hyphens, "
            f"at most {MAX_SLUG_LENGTH} characters)"
        )
    if new_id == old_id and not changes_name:
        problems.append(f"nothing to rename: {old_id!r} already has that id and name; give a new id or --name")
    if not name or not name.isprintable():
        problems.append(f"the name {name!r} is empty or holds a control character")
    if new_id != old_id and new_path.exists():
        problems.append(f"a prime with id {new_id!r} already exists: {display_path(new_path)}")
    for file in files:
        if file is old:
            continue
        data = file.source.data
        if new_id != old_id and data.get("id") == new_id and file.path != new_path:
            problems.append(f"the id {new_id!r} is already used by {display_path(file.path)}")
        other = data.get("name")
        if changes_name and isinstance(other, str) and normalize(other) == normalize(name):
            problems.append(f"the name {other!r} is already used by {display_path(file.path)}")
    if problems:
        raise AuthoringError("\n".join(problems))


def _replace(file: _File, changes: dict[FieldPath, str]) -> str:
    """The file's text with each value at a path replaced; every other byte is kept."""
    spans = value_spans(file.text)
    text = file.text
    for path, value in sorted(changes.items(), key=lambda item: spans[item[0]].start, reverse=True):
        span: Span = spans[path]
        replacement = render_scalar(value)
        if span.style in (">", "|"):
            replacement += "\n"  # a block scalar's span ends after its last line break
        text = text[: span.start] + replacement + text[span.end :]
    expected = _with_values(file.source.data, changes)
    if read_yaml(display_path(file.path), text.encode("utf-8")).data != expected:
        raise AuthoringError(f"{display_path(file.path)}: could not rewrite the file safely; nothing was changed")
    return text


def _with_values(data: Any, changes: dict[FieldPath, str]) -> Any:
    out = copy.deepcopy(data)
    for path, value in changes.items():
        target = out
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    return out
