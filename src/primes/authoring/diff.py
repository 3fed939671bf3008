"""``primes diff``: what changed between two versions of a catalog, as a release changelog.

A side is a catalog folder or a git revision (the catalog is read from the revision with ``git archive``
into a temporary folder). Reported: primes added, removed and renamed (an id that disappears and one that
appears with mostly the same content are a rename), edges added and removed with their kinds, edge notes
changed, the fields that changed in each prime, and changes to domains and catalog metadata. Edges to a
renamed prime count as unchanged; a symmetric edge is the same edge whichever side declares it.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from primes.authoring._files import AuthoringError, is_catalog_dir, prime_files
from primes.catalog import Catalog, check
from primes.load import display_path
from primes.model import Prime
from primes.ontology import EdgeKind, edge_kind, edge_kinds

DEFAULT_CATALOG_PATH = "catalog"
RENAME_THRESHOLD = 0.5  # the share of a prime's fields that must be unchanged for a new id to be a rename
_EDGE_FIELDS = frozenset(k.field for k in edge_kinds())


@dataclass(frozen=True, slots=True)
class PrimeRef:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class EdgeChange:
    """An edge ``source --kind--> target`` (ids on the new side), with its note before and after."""

    kind: str
    source: str
    target: str
    old_note: str | None = None
    new_note: str | None = None


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(slots=True)
class PrimeChanges:
    """The fields that changed in one prime (which kept its id or was renamed)."""

    prime: PrimeRef
    fields: list[FieldChange]


@dataclass(slots=True)
class CatalogDiff:
    old_label: str
    new_label: str
    old_count: int = 0
    new_count: int = 0
    added: list[PrimeRef] = field(default_factory=list)
    removed: list[PrimeRef] = field(default_factory=list)
    renamed: list[tuple[PrimeRef, PrimeRef]] = field(default_factory=list)
    edges_added: list[EdgeChange] = field(default_factory=list)
    edges_removed: list[EdgeChange] = field(default_factory=list)
    notes_changed: list[EdgeChange] = field(default_factory=list)
    changed: list[PrimeChanges] = field(default_factory=list)
    domains_added: list[str] = field(default_factory=list)
    domains_removed: list[str] = field(default_factory=list)
    domains_changed: list[str] = field(default_factory=list)
    meta_changed: list[FieldChange] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # prime id -> name, on either side (the new one wins)
    not_compared: dict[str, list[str]] = field(default_factory=dict)  # side label -> files that did not load

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.added,
                self.removed,
                self.renamed,
                self.edges_added,
                self.edges_removed,
                self.notes_changed,
                self.changed,
                self.domains_added,
                self.domains_removed,
                self.domains_changed,
                self.meta_changed,
            )
        )

    def as_dict(self) -> dict[str, Any]:
        def edge(change: EdgeChange) -> dict[str, Any]:
            return {
                "kind": change.kind,
                "source": change.source,
                "target": change.target,
                "old_note": change.old_note,
                "new_note": change.new_note,
            }

        def prime(ref: PrimeRef) -> dict[str, str]:
            return {"id": ref.id, "name": ref.name}

        return {
            "old": self.old_label,
            "new": self.new_label,
            "primes": {"old": self.old_count, "new": self.new_count},
            "added": [prime(p) for p in self.added],
            "removed": [prime(p) for p in self.removed],
            "renamed": [{"old": prime(a), "new": prime(b)} for a, b in self.renamed],
            "edges_added": [edge(e) for e in self.edges_added],
            "edges_removed": [edge(e) for e in self.edges_removed],
            "notes_changed": [edge(e) for e in self.notes_changed],
            "changed": [
                {**prime(c.prime), "fields": {f.field: {"old": f.old, "new": f.new} for f in c.fields}}
                for c in self.changed
            ],
            "domains": {
                "added": self.domains_added,
                "removed": self.domains_removed,
                "changed": self.domains_changed,
            },
            "catalog": {f.field: {"old": f.old, "new": f.new} for f in self.meta_changed},
            "not_compared": self.not_compared,
        }


# ---------------------------------------------------------------------------------------------------------
# Opening a side


@contextmanager
def open_side(spec: str, catalog_path: str = DEFAULT_CATALOG_PATH, *, cwd: Path | None = None) -> Iterator[Path]:
    """The catalog folder a side names: a folder (a catalog, or a checkout holding ``catalog_path``), or
    a git revision of the repository around ``cwd``, read into a temporary folder for the block."""
    folder = Path(spec)
    if folder.is_dir():
        if is_catalog_dir(folder):
            yield folder
            return
        if is_catalog_dir(folder / catalog_path):
            yield folder / catalog_path
            return
        raise AuthoringError(f"{spec}: not a catalog folder (and no catalog at {folder / catalog_path})")
    with tempfile.TemporaryDirectory(prefix="primes-diff-") as tmp:
        yield _archive(spec, catalog_path, Path(tmp), cwd or Path.cwd())


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise AuthoringError("git is not installed, so revisions cannot be compared; give two folders") from None


def _archive(revision: str, catalog_path: str, target: Path, cwd: Path) -> Path:
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise AuthoringError(f"{revision!r} is not a folder, and {cwd} is not in a git repository")
    root = Path(top.stdout.decode().strip())
    known = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], root)
    if revision.startswith("-") or known.returncode != 0:
        raise AuthoringError(f"{revision!r} is neither a folder nor a git revision of {root}")
    inner = PurePosixPath(catalog_path)
    if inner.is_absolute() or ".." in inner.parts:
        raise AuthoringError(f"{catalog_path!r}: give the catalog's path inside the repository, like 'catalog'")
    archive = _git(["archive", "--format=tar", revision, "--", str(inner)], root)
    if archive.returncode != 0:
        raise AuthoringError(f"revision {revision!r} has no {catalog_path}/ folder")
    _extract(archive.stdout, target)
    folder = target / inner
    if not is_catalog_dir(folder):
        raise AuthoringError(f"{catalog_path}/ at revision {revision!r} is not a catalog folder")
    return folder


def _extract(archive: bytes, target: Path) -> None:
    """Unpack the regular files of a tar archive (links and devices are skipped: a catalog has none)."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or PurePosixPath(member.name).is_absolute() or ".." in parts:
                continue
            handle = tar.extractfile(member)
            if handle is None:
                continue
            path = target.joinpath(*parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(handle.read())


# ---------------------------------------------------------------------------------------------------------
# Comparing


def diff_specs(old: str, new: str, catalog_path: str = DEFAULT_CATALOG_PATH) -> CatalogDiff:
    """Compare two sides, each a catalog folder or a git revision."""
    with open_side(old, catalog_path) as old_dir, open_side(new, catalog_path) as new_dir:
        # A revision's temporary copy gets no check cache: it would be written only to be deleted.
        old_catalog = check(old_dir, use_cache=Path(old).is_dir())
        new_catalog = check(new_dir, use_cache=Path(new).is_dir())
        return diff_catalogs(old_catalog, new_catalog, old, new)


def diff_catalogs(old: Catalog, new: Catalog, old_label: str = "old", new_label: str = "new") -> CatalogDiff:
    out = CatalogDiff(old_label, new_label, len(old), len(new))
    out.names = {p.id: p.name for p in old} | {p.id: p.name for p in new}
    for label, catalog in ((old_label, old), (new_label, new)):
        skipped = _not_loaded(catalog)
        if skipped:
            out.not_compared[label] = skipped
    renames = _renames(old.primes, new.primes)
    out.renamed = [(_ref(old[a]), _ref(new[b])) for a, b in sorted(renames.items())]
    out.added = [_ref(new[i]) for i in sorted(set(new.ids) - set(old.ids) - set(renames.values()))]
    out.removed = [_ref(old[i]) for i in sorted(set(old.ids) - set(new.ids) - set(renames))]
    _diff_edges(out, old.primes, new.primes, renames)
    for old_id in old.ids:
        new_id = renames.get(old_id, old_id)
        if new_id in new:
            changes = _field_changes(old[old_id], new[new_id])
            if changes:
                out.changed.append(PrimeChanges(_ref(new[new_id]), changes))
    out.changed.sort(key=lambda c: c.prime.id)
    old_domains, new_domains = old.domains, new.domains
    out.domains_added = sorted(set(new_domains) - set(old_domains))
    out.domains_removed = sorted(set(old_domains) - set(new_domains))
    out.domains_changed = sorted(d for d in set(old_domains) & set(new_domains) if old_domains[d] != new_domains[d])
    if old.meta is not None and new.meta is not None:
        before, after = old.meta.model_dump(), new.meta.model_dump()
        out.meta_changed = [FieldChange(k, before[k], after[k]) for k in after if before.get(k) != after[k]]
    return out


def _not_loaded(catalog: Catalog) -> list[str]:
    loaded = {catalog.source_path(i) for i in catalog.ids}
    return [display_path(p) for p in prime_files(catalog.root) if display_path(p) not in loaded]


def _ref(prime: Prime) -> PrimeRef:
    return PrimeRef(prime.id, prime.name)


def _content(prime: Prime) -> dict[str, Any]:
    """Everything a prime says except its id, field by field (edges as sorted (target, note) pairs)."""
    data = prime.model_dump(mode="json", exclude={"id"})
    for kind in edge_kinds():
        data[kind.field] = sorted((ref.prime, ref.annotation or "") for ref in prime.edges(kind))
    return data


def _renames(old: Mapping[str, Prime], new: Mapping[str, Prime]) -> dict[str, str]:
    """Old id -> new id for each id that disappeared while one with mostly the same content appeared."""
    gone = [i for i in old if i not in new]
    came = [i for i in new if i not in old]
    if not gone or not came:
        return {}
    contents = {("old", i): _content(old[i]) for i in gone} | {("new", i): _content(new[i]) for i in came}
    scored: list[tuple[float, str, str]] = []
    for a in gone:
        for b in came:
            score = _similarity(contents[("old", a)], contents[("new", b)])
            if score >= RENAME_THRESHOLD:
                scored.append((score, a, b))
    renames: dict[str, str] = {}
    taken: set[str] = set()
    for _score, a, b in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if a not in renames and b not in taken:
            renames[a] = b
            taken.add(b)
    return renames


def _similarity(a: dict[str, Any], b: dict[str, Any]) -> float:
    """The share of fields, among those either prime fills, that are equal."""
    filled = [k for k in a.keys() | b.keys() if a.get(k) not in (None, [], ()) or b.get(k) not in (None, [], ())]
    if not filled:
        return 0.0
    return sum(1 for k in filled if a.get(k) == b.get(k)) / len(filled)


def _field_changes(old: Prime, new: Prime) -> list[FieldChange]:
    before = old.model_dump(mode="json", by_alias=True, exclude={"id"})
    after = new.model_dump(mode="json", by_alias=True, exclude={"id"})
    return [
        FieldChange(key, before.get(key), after[key])
        for key in after
        if key not in _EDGE_FIELDS and before.get(key) != after[key]
    ]


_EdgeKey = tuple[str, str, str]


def _edges(primes: Mapping[str, Prime], rename: Mapping[str, str]) -> dict[_EdgeKey, str | None]:
    """Every declared edge as (kind, source, target) -> note; a symmetric edge's ends in id order."""
    out: dict[_EdgeKey, str | None] = {}
    for prime_id, prime in primes.items():
        source = rename.get(prime_id, prime_id)
        for kind in edge_kinds():
            for ref in prime.edges(kind):
                target = rename.get(ref.prime, ref.prime)
                a, b = sorted((source, target)) if kind.symmetric else (source, target)
                out.setdefault((kind.id, a, b), ref.annotation)
    return out


def _diff_edges(out: CatalogDiff, old: Mapping[str, Prime], new: Mapping[str, Prime], renames: dict[str, str]) -> None:
    before, after = _edges(old, renames), _edges(new, {})
    for key in sorted(after.keys() - before.keys()):
        out.edges_added.append(EdgeChange(*key, new_note=after[key]))
    for key in sorted(before.keys() - after.keys()):
        out.edges_removed.append(EdgeChange(*key, old_note=before[key]))
    for key in sorted(before.keys() & after.keys()):
        if before[key] != after[key]:
            out.notes_changed.append(EdgeChange(*key, old_note=before[key], new_note=after[key]))


# ---------------------------------------------------------------------------------------------------------
# The changelog


def changelog(diff: CatalogDiff) -> str:
    """The diff as Markdown: a changelog section to paste into release notes."""
    names = diff.names
    lines = [f"# Catalog changes from {diff.old_label} to {diff.new_label}", ""]
    lines.append(f"{diff.old_count} primes before, {diff.new_count} after.")
    for label, files in diff.not_compared.items():
        lines += ["", f"Not compared (these files of {label} have errors): {', '.join(files)}"]
    if diff.empty:
        return "\n".join([*lines, "", "No changes."]) + "\n"

    def section(title: str, items: list[str]) -> None:
        if items:
            lines.extend(["", f"## {title} ({len(items)})", "", *(f"- {item}" for item in items)])

    def named(prime_id: str) -> str:
        return f"{names.get(prime_id, prime_id)} (`{prime_id}`)"

    def edge(change: EdgeChange) -> str:
        kind: EdgeKind = edge_kind(change.kind)
        return f"{named(change.source)} {kind.forward_phrase} {named(change.target)}"

    section("Added", [f"**{p.name}** (`{p.id}`)" for p in diff.added])
    section("Removed", [f"**{p.name}** (`{p.id}`)" for p in diff.removed])
    section("Renamed", [_renamed(a, b) for a, b in diff.renamed])
    section("Edges added", [edge(e) for e in diff.edges_added])
    section("Edges removed", [edge(e) for e in diff.edges_removed])
    section("Edge notes changed", [edge(e) for e in diff.notes_changed])
    section("Changed", [f"**{c.prime.name}** (`{c.prime.id}`): {_fields(c.fields)}" for c in diff.changed])
    domains = [f"added `{d}`" for d in diff.domains_added]
    domains += [f"removed `{d}`" for d in diff.domains_removed]
    domains += [f"changed `{d}`" for d in diff.domains_changed]
    section("Domains", domains)
    section("Catalog", [f"{f.field}: {f.old} → {f.new}" for f in diff.meta_changed])
    return "\n".join(lines) + "\n"


def _renamed(old: PrimeRef, new: PrimeRef) -> str:
    names = f" ({old.name} → {new.name})" if old.name != new.name else ""
    return f"`{old.id}` → `{new.id}`{names}"


_SHORT = 60


def _fields(changes: list[FieldChange]) -> str:
    """``core_idea, overview; status: draft → published`` (short values are shown, long texts named)."""
    parts = []
    for change in changes:
        if all(isinstance(v, str | None) and len(v or "") <= _SHORT for v in (change.old, change.new)):
            parts.append(f"{change.field}: {change.old or '(none)'} → {change.new or '(none)'}")
        else:
            parts.append(change.field)
    return ", ".join(parts)
