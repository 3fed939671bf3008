"""Stage 1: reading a catalog folder into checked records, with a cache of per-file results.

A catalog folder holds ``catalog.yaml``, ``domains.yaml`` and ``primes/<id>.yaml``. Parsing and validating a
file depends on its bytes alone, so those results are cached under ``.primes-cache/`` keyed by the file's
name and content; the rules that need the whole catalog run every time (they are cheap).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from yaml.nodes import SequenceNode

from primes import __version__
from primes import findings as rules
from primes.findings import Finding
from primes.model import CatalogMeta, Domain, Prime
from primes.ontology import ontology_dir
from primes.records import FileResult, check_record, validation_findings
from primes.source import read_yaml
from primes.validate import NameIndex, check_catalog

PRIMES_DIR = "primes"
META_FILE = "catalog.yaml"
DOMAINS_FILE = "domains.yaml"
CACHE_DIR = ".primes-cache"


@dataclass(slots=True)
class LoadedCatalog:
    """Everything stage 1 and 2 produce: records, metadata, domains, findings, and where each file is."""

    root: Path
    meta: CatalogMeta | None
    domains: dict[str, Domain]
    primes: dict[str, Prime]
    findings: list[Finding]
    files: dict[str, FileResult] = field(default_factory=dict)  # prime id -> its file's result


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: it slows bulk loads of many small objects several times over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def display_path(path: Path) -> str:
    """A path as findings print it: relative to the working folder when it lies below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load_catalog(root: Path | str, *, use_cache: bool = True) -> LoadedCatalog:
    """Read and check a whole catalog folder; every problem becomes a finding."""
    root = Path(root)
    findings: list[Finding] = []
    if not root.is_dir():
        findings.append(Finding.of(rules.EMPTY_FILE, str(root), "no catalog folder here"))
        return LoadedCatalog(root, None, {}, {}, findings)
    with gc_paused():
        meta = _load_meta(root, findings)
        domains = _load_domains(root, findings)
        results = _load_primes(root, use_cache=use_cache)
        prime_results = {r.prime.id: r for r in results if r.prime is not None}
        names = {r.prime.name: r.prime.id for r in results if r.prime is not None}
        index = NameIndex(names)
        mentions = _mentions(root, results, index, use_cache=use_cache)
        for result in results:
            findings.extend(result.findings)
        primes, catalog_findings = check_catalog(results, domains, mentions)
        findings.extend(catalog_findings)
    findings.sort(key=lambda f: f.sort_key)
    files = {pid: prime_results[pid] for pid in primes}
    return LoadedCatalog(root, meta, domains, primes, findings, files)


def _read(path: Path, findings: list[Finding]) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        findings.append(Finding.of(rules.MISSING_FIELD, display_path(path), f"{path.name} is missing"))
    except OSError as exc:
        findings.append(Finding.of(rules.YAML_SYNTAX, display_path(path), f"cannot read the file: {exc.strerror}"))
    return None


def _load_meta(root: Path, findings: list[Finding]) -> CatalogMeta | None:
    path = root / META_FILE
    raw = _read(path, findings)
    if raw is None:
        return None
    source = read_yaml(display_path(path), raw)
    findings.extend(source.findings)
    if source.data is None:
        return None
    try:
        return CatalogMeta.model_validate(source.data)
    except ValidationError as exc:
        findings.extend(validation_findings(source, exc, CatalogMeta))
        return None


def _load_domains(root: Path, findings: list[Finding]) -> dict[str, Domain]:
    path = root / DOMAINS_FILE
    raw = _read(path, findings)
    if raw is None:
        return {}
    source = read_yaml(display_path(path), raw, root=SequenceNode)
    findings.extend(source.findings)
    domains: dict[str, Domain] = {}
    for index, item in enumerate(source.data or ()):
        try:
            domain = Domain.model_validate(item)
        except ValidationError as exc:
            for finding in validation_findings(source, exc, Domain):
                findings.append(_reroot(finding, source, index))
            continue
        if domain.id in domains:
            line, column = source.position((index, "id"))
            findings.append(
                Finding.of(
                    rules.DUPLICATE_ID,
                    source.path,
                    f"domain {domain.id!r} is listed twice",
                    line=line,
                    column=column,
                    field=f"[{index}].id",
                )
            )
            continue
        domains[domain.id] = domain
    return domains


def _reroot(finding: Finding, source: Any, index: int) -> Finding:
    line, column = source.position((index, *_split(finding.field)))
    field_name = f"[{index}].{finding.field}" if finding.field else f"[{index}]"
    return Finding(finding.code, finding.severity, finding.path, line, column, finding.message, field_name)


def _split(field_name: str) -> tuple[str, ...]:
    return tuple(part for part in field_name.split(".") if part) if field_name else ()


def _cache_key() -> str:
    ontology = (ontology_dir() / "primes.ttl").read_bytes()
    return hashlib.sha256(__version__.encode() + b"\0" + ontology).hexdigest()[:16]


class _Cache:
    """Per-file results keyed by file name and content digest, in one pickle per catalog."""

    def __init__(self, root: Path, name: str, enabled: bool) -> None:
        self.path = root / CACHE_DIR / f"{name}-{_cache_key()}.pickle"
        self.enabled = enabled
        self.entries: dict[str, tuple[str, Any]] = {}
        self.dirty = False
        if enabled:
            try:
                with self.path.open("rb") as handle:
                    self.entries = pickle.load(handle)
            except (
                OSError,
                EOFError,
                pickle.UnpicklingError,
                AttributeError,
                ImportError,
                TypeError,
                ValueError,
            ):
                self.entries = {}

    def get(self, name: str, digest: str) -> Any:
        entry = self.entries.get(name)
        return entry[1] if entry is not None and entry[0] == digest else None

    def put(self, name: str, digest: str, value: Any) -> None:
        self.entries[name] = (digest, value)
        self.dirty = True

    def save(self, keep: set[str]) -> None:
        stale = set(self.entries) - keep
        for name in stale:
            del self.entries[name]
        if not self.enabled or not (self.dirty or stale):
            return
        try:
            self.path.parent.mkdir(exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n")
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(self.entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only catalog still checks; it is only slower next time


def _prime_files(root: Path) -> list[Path]:
    folder = root / PRIMES_DIR
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".yaml" and p.is_file())


def _load_primes(root: Path, *, use_cache: bool) -> list[FileResult]:
    cache = _Cache(root, "records", use_cache)
    results: list[FileResult] = []
    names: set[str] = set()
    for path in _prime_files(root):
        shown = display_path(path)
        read_findings: list[Finding] = []
        raw = _read(path, read_findings)
        if raw is None:
            results.append(FileResult(shown, None, None, None, {}, read_findings))
            continue
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
        names.add(path.name)
        cached = cache.get(path.name, digest)
        if cached is not None and cached.path == shown:
            results.append(cached)
            continue
        result = check_record(read_yaml(shown, raw), path.stem)
        result.digest = digest
        cache.put(path.name, digest, result)
        results.append(result)
    cache.save(names)
    return results


def _mentions(
    root: Path, results: list[FileResult], index: NameIndex, *, use_cache: bool
) -> dict[str, list[tuple[str, str]]]:
    cache = _Cache(root, "mentions", use_cache)
    out: dict[str, list[tuple[str, str]]] = {}
    keep: set[str] = set()
    for result in results:
        prime = result.prime
        if prime is None:
            continue
        key = index.digest + result.digest
        keep.add(prime.id)
        found = cache.get(prime.id, key)
        if found is None:
            found = index.mentions(prime)
            cache.put(prime.id, key, found)
        out[prime.id] = found
    cache.save(keep)
    return out
