"""``primes new``: a draft prime with every section present and marked as not written yet.

A section not written yet is ``null``: the record is valid against the schema, and the checker reports each
such section of a draft as a warning (PR209; an error under ``--strict``), so ``primes check`` lists exactly
what is left to write. An edge's note is ``null`` the same way (PR405, a warning for a draft). A comment
above each section says what goes in it; the file's first line points editors at ``catalog/schema.json``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from primes.authoring._files import AuthoringError, FileKind, is_catalog_dir, prime_files
from primes.authoring._yamltext import WIDTH, Comments
from primes.authoring.fmt import canonical_order, render
from primes.authoring.transaction import FileTransaction
from primes.catalog import Catalog, check
from primes.errors import UnknownPrime
from primes.findings import Finding
from primes.load import PRIMES_DIR, display_path
from primes.model import AUDIENCES, CONTENT_SECTIONS, MAX_SLUG_LENGTH, SLUG_PATTERN
from primes.ontology import EdgeKind, edge_kind, edge_kinds
from primes.source import read_yaml
from primes.words import normalize

SCHEMA_LINE = "# yaml-language-server: $schema=../schema.json"

# What each content section holds, as the reference page lays it out: the comment above a section not written.
SECTION_GUIDE: dict[str, str] = {
    "core_idea": "Core idea: one paragraph saying what the pattern is.",
    "explanations": f"Explanations: one per audience ({', '.join(AUDIENCES)}), each with a title and a text.",
    "overview": "Overview: the full definition: elements, origin, what the pattern is not, consequences.",
    "broad_use": "Broad use: how the pattern shows up in domains of domains.yaml: domain and text.",
    "clarity": "Clarity: one paragraph: the confusion that naming the pattern clears up.",
    "manages_complexity": "Manages complexity: one paragraph: how the pattern makes a system tractable.",
    "abstract_reasoning": "Abstract reasoning: one paragraph: the inferences the pattern licenses.",
    "knowledge_transfer": "Knowledge transfer: what carries over between domains: from, to and text.",
    "example": "Example: one worked example, with a title and a text.",
}


@dataclass(slots=True)
class NewPrime:
    """What ``primes new`` wrote, and the findings of the new file (what is left to write)."""

    path: Path
    prime_id: str
    text: str
    findings: list[Finding] = field(default_factory=list)


def slugify(name: str) -> str:
    """The id a name gets: ``"Goodhart's Law"`` -> ``goodharts-law`` (accents dropped, words joined by hyphens)."""
    words = re.sub(r"['\u2019]", "", unicodedata.normalize("NFC", name).lower())
    words = "".join(char if char.isalnum() else " " for char in words)  # dashes and punctuation part words
    ascii_words = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_words).strip("-")


def edge_option(kind: EdgeKind) -> str:
    """The command-line option that adds an edge of a kind: its outgoing role, singular (``--parent``)."""
    return "--" + kind.outgoing_role.removesuffix("s").replace("_", "-")


def new_prime(
    root: Path,
    name: str,
    *,
    prime_id: str | None = None,
    edges: Mapping[str, Sequence[str]] | None = None,
) -> NewPrime:
    """Write ``primes/<id>.yaml``, a draft named ``name`` with edges to existing primes (by kind id).

    Refuses, with every reason at once, a name or id already used (naming the file that uses it), an id that
    is not a slug, and an edge to a prime the catalog does not have.
    """
    if not is_catalog_dir(root):
        raise AuthoringError(f"{root}: not a catalog folder (no {PRIMES_DIR}/ and no catalog.yaml in it)")
    name = name.strip()
    problems: list[str] = []
    if not name or not name.isprintable():
        raise AuthoringError(f"the name {name!r} is empty or holds a control character")
    prime_id = slugify(name) if prime_id is None else prime_id
    if not prime_id:
        raise AuthoringError(f"cannot make an id from the name {name!r}; give one with --id")
    if len(prime_id) > MAX_SLUG_LENGTH or not re.match(SLUG_PATTERN, prime_id):
        problems.append(
            f"{prime_id!r} is not a valid id (lower-case letters and digits joined by single hyphens, "
            f"at most {MAX_SLUG_LENGTH} characters)"
        )
    catalog = check(root)
    problems.extend(_taken(root, catalog, prime_id, name))
    targets = _edge_targets(catalog, edges or {}, problems)
    if problems:
        raise AuthoringError("\n".join(problems))
    path = root / PRIMES_DIR / f"{prime_id}.yaml"
    text = draft_text(prime_id, name, targets)
    path.parent.mkdir(exist_ok=True)  # a catalog with no prime yet may have no primes/ folder
    with FileTransaction() as change:
        change.create(path, text)
        change.commit()
    findings = [f for f in check(root).findings if f.prime_id == prime_id or f.path == display_path(path)]
    return NewPrime(path, prime_id, text, findings)


def _taken(root: Path, catalog: Catalog, prime_id: str, name: str) -> list[str]:
    """Why the id or the name cannot be used: each use, with the file that has it."""
    problems: list[str] = []
    path = root / PRIMES_DIR / f"{prime_id}.yaml"
    if path.exists():
        problems.append(f"a prime with id {prime_id!r} already exists: {display_path(path)}")
    wanted = normalize(name)
    for other in catalog:
        if other.id == prime_id and catalog.source_path(other.id) != display_path(path):
            problems.append(f"the id {prime_id!r} is already used by {catalog.source_path(other.id)}")
        if normalize(other.name) == wanted:
            problems.append(f"the name {other.name!r} is already used by {catalog.source_path(other.id)}")
    # Files that do not validate are not in the catalog, but what they claim is taken all the same.
    loaded = {catalog.source_path(p.id) for p in catalog}
    for file in prime_files(root):
        shown = display_path(file)
        if shown in loaded or file == path:
            continue
        try:
            data = read_yaml(shown, file.read_bytes()).data
        except OSError:
            continue
        if not isinstance(data, dict):
            continue
        if data.get("id") == prime_id:
            problems.append(f"the id {prime_id!r} is already used by {shown}")
        if isinstance(data.get("name"), str) and normalize(data["name"]) == wanted:
            problems.append(f"the name {data['name']!r} is already used by {shown}")
    return problems


def _edge_targets(
    catalog: Catalog, edges: Mapping[str, Sequence[str]], problems: list[str]
) -> dict[EdgeKind, list[str]]:
    targets: dict[EdgeKind, list[str]] = {}
    for kind_id, ids in edges.items():
        kind = edge_kind(kind_id)
        for target in ids:
            if target not in catalog:
                problems.append(f"{edge_option(kind)} {target}: {UnknownPrime(target, catalog.ids)}")
            elif target not in targets.setdefault(kind, []):
                targets[kind].append(target)
    return targets


def draft_text(prime_id: str, name: str, targets: Mapping[EdgeKind, Sequence[str]]) -> str:
    """The text of a new draft, in canonical form (``primes fmt`` leaves it as it is)."""
    data: dict[str, Any] = {"id": prime_id, "name": name, "aliases": [], "status": "draft"}
    comments = Comments(header=[SCHEMA_LINE])
    for section in CONTENT_SECTIONS:
        data[section] = None
        comments.before[(section,)] = [f"# {SECTION_GUIDE[section]}"]
    for kind in edge_kinds():
        data[kind.field] = [{"prime": target, kind.annotation_field: None} for target in targets.get(kind, ())]
        comments.before[(kind.field,)] = [_edge_guide(kind)]
    return render(canonical_order(data, FileKind.PRIME), FileKind.PRIME, comments)


def _edge_guide(kind: EdgeKind) -> str:
    """``# decomposes: the primes this one is a decomposition of (parents), each with a note.``"""
    each = f", each with a {kind.annotation_field}" if kind.annotation_required else ""
    guide = f"# {kind.field}: the primes this one {kind.forward_phrase} ({kind.outgoing_role}){each}."
    if len(guide) > WIDTH:
        guide = f"# {kind.field}: the primes this one {kind.forward_phrase}{each}."
    return guide
