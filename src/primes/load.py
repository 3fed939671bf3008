"""Stage 1: reading a catalog folder into checked records, with a cache of per-file results.

A catalog folder holds ``catalog.yaml``, ``domains.yaml`` and ``primes/<id>.yaml``. Parsing and validating a
file depends on its bytes alone, so those results are cached under ``.primes-cache/`` keyed by the file's
name and content; the rules that need the whole catalog run every time (they are cheap).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import hmac
import io
import marshal
import os
import pickle
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from yaml.nodes import SequenceNode

from primes import __version__
from primes import findings as rules
from primes.findings import Finding
from primes.model import CatalogMeta, Domain, Prime, prime_model
from primes.ontology import ontology_dir
from primes.records import FileResult, check_record, validation_findings
from primes.source import FieldPath, read_yaml
from primes.validate import NameIndex, check_catalog

PRIMES_DIR = "primes"
META_FILE = "catalog.yaml"
DOMAINS_FILE = "domains.yaml"
CACHE_DIR = ".primes-cache"
_FREEZE_AT = 1000  # prime files


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
        if len(results) >= _FREEZE_AT:
            # The records of a large catalog live as long as the catalog and hold no reference cycles: without
            # this, the first collections after the load would scan millions of them, again and again, at a
            # cost that rivals the load itself. (Cyclic garbage that exists right now is kept too: a small price
            # for a program that loads a large catalog.)
            gc.freeze()
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


# The modules whose code decides what a cached per-file result holds: a change to any of them (an upgrade, an
# edit in a source checkout) must not serve results computed by the old code.
_CACHED_CODE = ("source.py", "records.py", "model.py", "findings.py", "ontology.py", "validate.py", "errors.py")


@functools.cache
def _cache_key() -> str:
    digest = hashlib.sha256(__version__.encode())
    digest.update((ontology_dir() / "primes.ttl").read_bytes())
    for name in _CACHED_CODE:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def _cache_secret() -> bytes | None:
    """A random key of this user's that signs cache files.

    Unpickling runs code, and a cache file sits in the catalog folder, where a cloned repository could
    have put one: only files this user's own checks wrote (and signed) are read. None: no cache.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    key_file = Path(base) / "primes" / "cache-key"
    try:
        key = key_file.read_bytes()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key = os.urandom(32)
        fd, tmp = tempfile.mkstemp(dir=key_file.parent, suffix=".tmp")  # created with mode 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        os.replace(tmp, key_file)
        return key_file.read_bytes()  # another process may have won the race: use what is on disk
    except OSError:
        return None


def _sign(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()


# A file whose timestamps fall this close to (or after) the moment its status was taken may have been edited
# again within the same timestamp tick: its status proves nothing, and it is read again.
_RACY_NS = 2_000_000_000
_FORMAT = (2, marshal.version)


def _restore_model(cls: type[Any], values: dict[str, Any], fields_set: Any, extra: Any, private: Any) -> Any:
    """A pydantic model from its state, as ``BaseModel.__setstate__`` restores it, without its per-object cost."""
    model = object.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", fields_set)
    object.__setattr__(model, "__pydantic_extra__", extra)
    object.__setattr__(model, "__pydantic_private__", private)
    return model


_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(FileResult))
_RESULT_BY_INIT = all(f.init for f in dataclasses.fields(FileResult))
_POSITIONS_AT = _RESULT_FIELDS.index("positions")


class _PackedPositions(dict):  # type: ignore[type-arg]
    """A cached file's positions, unpacked on first use: a warm run asks where a field is in few files.

    Every read or change unpacks first, so it behaves as the plain dict it stands for.
    """

    __slots__ = ("blob",)

    def __init__(self, blob: bytes) -> None:
        super().__init__()
        self.blob: bytes | None = blob

    def unpack(self) -> _PackedPositions:
        if self.blob is not None:
            keys, points = marshal.loads(self.blob)
            self.blob = None
            dict.update(self, zip(keys, points, strict=True))
        return self

    def __reduce__(self) -> Any:
        return dict, (dict(self.unpack()),)


def _unpacked(name: str) -> Any:
    method = getattr(dict, name)

    def unpacking(self: _PackedPositions, *args: Any, **kwargs: Any) -> Any:
        args = tuple(arg.unpack() if type(arg) is _PackedPositions else arg for arg in args)
        return method(self.unpack(), *args, **kwargs)

    unpacking.__name__ = name
    return unpacking


for _name in (
    "__contains__", "__getitem__", "__iter__", "__len__", "__eq__", "__ne__", "__repr__", "__or__", "__ror__",
    "__ior__", "__reversed__", "__setitem__", "__delitem__", "get", "keys", "values", "items", "copy", "pop",
    "popitem", "setdefault", "update", "clear",
):  # fmt: skip
    setattr(_PackedPositions, _name, _unpacked(_name))
del _name


def _pack(positions: dict[FieldPath, tuple[int, int]]) -> bytes:
    if type(positions) is _PackedPositions and positions.blob is not None:
        return positions.blob  # still packed as it came from the cache
    return marshal.dumps((tuple(positions), tuple(positions.values())))


def _restore_result(values: tuple[Any, ...]) -> FileResult:
    """A file's result from the cache; its positions travel as one marshalled blob (far fewer objects)."""
    fields = list(values)
    fields[_POSITIONS_AT] = _PackedPositions(values[_POSITIONS_AT])
    return FileResult(*fields)


class _Pickler(pickle.Pickler):
    """Pickles records several times faster than pydantic's ``__getstate__``/``__setstate__`` round trip,
    which dominates the cost of a cache of ten thousand records."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, BaseModel):
            state = (obj.__dict__, obj.__pydantic_fields_set__, obj.__pydantic_extra__, obj.__pydantic_private__)
            return _restore_model, (type(obj), *state)
        if type(obj) is FileResult and _RESULT_BY_INIT:
            values = [getattr(obj, name) for name in _RESULT_FIELDS]
            values[_POSITIONS_AT] = _pack(values[_POSITIONS_AT])
            return _restore_result, (tuple(values),)
        return NotImplemented


def _dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


Status = tuple[int, int, int, int]  # size, modification and change times (ns), inode


def _status(stat: os.stat_result) -> Status:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


class _Cache:
    """Per-file results keyed by file name and content digest, in signed pickles.

    A base file holds every entry, and a delta file the entries changed since the base was written, so that
    an edit to one file of a large catalog rewrites a small file, not the whole cache. An entry may also
    keep the status (size, times, inode) its file had when read: a later run trusts an unchanged status
    without reading the file, unless the file changed too close to that moment for its timestamps to tell
    two edits apart (git's index does the same).
    """

    def __init__(self, root: Path, name: str, enabled: bool) -> None:
        self.name = name
        key = _cache_key()
        self.path = root / CACHE_DIR / f"{name}-{key}.pickle"
        self.delta_path = root / CACHE_DIR / f"{name}-{key}.delta.pickle"
        self.secret = _cache_secret() if enabled else None
        self.enabled = self.secret is not None
        self.started_ns = time.time_ns()
        # name -> (content digest, value, file status or None, when that status was taken)
        self.entries: dict[str, tuple[str, Any, Status | None, int]] = {}
        self.changed: dict[str, tuple[str, Any, Status | None, int]] = {}  # what the delta file holds
        self.removed: set[str] = set()
        self.generation = b""
        self.dirty = False
        if self.secret is not None:
            self._read(self.secret)

    def _load(self, path: Path, secret: bytes) -> Any:
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        mac, payload = blob[:32], blob[32:]
        if not hmac.compare_digest(mac, _sign(secret, payload)):
            return None  # not written by this user's checks, or damaged: ignore it
        try:
            return pickle.loads(payload)
        except Exception:  # an unreadable cache only costs time: recompute everything
            return None

    def _read(self, secret: bytes) -> None:
        prime_model()  # registers the record classes the pickle refers to by name
        base = self._load(self.path, secret)
        if not (isinstance(base, dict) and base.get("format") == _FORMAT):
            return
        self.generation, self.entries = base["generation"], base["entries"]
        delta = self._load(self.delta_path, secret)
        if isinstance(delta, dict) and delta.get("generation") == self.generation:
            self.changed, self.removed = delta["entries"], set(delta["removed"])
            for name in self.removed:
                self.entries.pop(name, None)
            self.entries.update(self.changed)

    def get(self, name: str, digest: str) -> Any:
        entry = self.entries.get(name)
        return entry[1] if entry is not None and entry[0] == digest else None

    def get_unchanged(self, name: str, status: Status) -> Any:
        """The value of a file whose status has not changed since it was read (None: read it)."""
        entry = self.entries.get(name)
        return entry[1] if entry is not None and self._trusted(entry, status) else None

    @staticmethod
    def _trusted(entry: tuple[str, Any, Status | None, int], status: Status) -> bool:
        return entry[2] == status and max(status[1], status[2]) < entry[3] - _RACY_NS

    def remember(self, name: str, status: Status) -> None:
        """Note the status of a file just read and found unchanged, so that the next run need not read it."""
        entry = self.entries[name]
        if not self._trusted(entry, status) and max(status[1], status[2]) < self.started_ns - _RACY_NS:
            self._set(name, (entry[0], entry[1], status, self.started_ns))

    def put(self, name: str, digest: str, value: Any, status: Status | None = None) -> None:
        self._set(name, (digest, value, status, self.started_ns))

    def _set(self, name: str, entry: tuple[str, Any, Status | None, int]) -> None:
        self.entries[name] = self.changed[name] = entry
        self.removed.discard(name)
        self.dirty = True

    def save(self, keep: set[str]) -> None:
        stale = set(self.entries) - keep
        for name in stale:
            del self.entries[name]
            self.changed.pop(name, None)
            self.removed.add(name)
        if self.secret is None or not (self.dirty or stale):
            return
        try:
            self.path.parent.mkdir(exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("*\n")
            if self.generation and len(self.changed) + len(self.removed) <= max(16, len(self.entries) // 20):
                delta = {"generation": self.generation, "entries": self.changed, "removed": sorted(self.removed)}
                self._write(self.delta_path, self.secret, _dumps(delta))
                return
            self.generation = os.urandom(8)
            base = {"format": _FORMAT, "generation": self.generation, "entries": self.entries}
            self._write(self.path, self.secret, _dumps(base))
            self.changed, self.removed = {}, set()
            for old in self.path.parent.glob(f"{self.name}-*.pickle"):
                if old != self.path:  # the delta the new base absorbed, or files of another key (older code)
                    old.unlink(missing_ok=True)
        except (OSError, pickle.PicklingError, ValueError):
            pass  # a read-only catalog still checks; it is only slower next time

    @staticmethod
    def _write(path: Path, secret: bytes, payload: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_sign(secret, payload))
                handle.write(payload)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def _prime_files(root: Path) -> list[Path]:
    folder = root / PRIMES_DIR
    return [folder / name for name, _, _ in _prime_entries(root)]


def _prime_entries(root: Path) -> list[tuple[str, str, Status | None]]:
    """Each prime file: its name, its path as findings show it, and its status (None: cannot stat it)."""
    folder = root / PRIMES_DIR
    if not folder.is_dir():
        return []
    shown_folder = display_path(folder)
    prefix = "" if shown_folder == "." else shown_folder + os.sep
    out: list[tuple[str, str, Status | None]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            # the names pathlib gives the suffix ".yaml" (not ".yaml" itself), of files or links to files
            if not (entry.name.endswith(".yaml") and len(entry.name) > 5 and entry.is_file()):
                continue
            try:
                status: Status | None = _status(entry.stat())
            except OSError:
                status = None
            out.append((entry.name, prefix + entry.name, status))
    out.sort()  # one folder: the order of the paths
    return out


def _load_primes(root: Path, *, use_cache: bool) -> list[FileResult]:
    cache = _Cache(root, "records", use_cache)
    results: list[FileResult] = []
    names: set[str] = set()
    folder = root / PRIMES_DIR
    for name, shown, status in _prime_entries(root):
        if status is not None:
            cached = cache.get_unchanged(name, status)
            if cached is not None and cached.path == shown:
                names.add(name)
                results.append(cached)
                continue
        path = folder / name
        read_findings: list[Finding] = []
        raw = _read(path, read_findings)
        if raw is None:
            results.append(FileResult(shown, None, None, None, {}, read_findings))
            continue
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
        names.add(path.name)
        cached = cache.get(path.name, digest)
        if cached is not None and cached.path == shown:
            if status is not None:
                cache.remember(path.name, status)
            results.append(cached)
            continue
        result = check_record(read_yaml(shown, raw), path.stem)
        result.digest = digest
        cache.put(path.name, digest, result, status)
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
