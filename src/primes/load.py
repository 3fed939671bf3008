"""Stage 1: reading a catalog folder into checked records, with a cache of per-file results.

A catalog folder holds ``catalog.yaml``, ``domains.yaml`` and ``primes/<id>.yaml``. Parsing and validating a
file depends on its bytes alone, so those results are cached under ``.primes-cache/`` keyed by the file's
name and content; many files to check are shared among worker processes (``parse_pool``). The rules that
need the whole catalog run every time, on small per-file summaries. The cache folder holds:

- ``files-*.pickle`` (and a ``.delta.pickle``): each file's result without its record: summary, findings;
- ``mentions-*.pickle``: each record's mentions of other primes' names, keyed by the set of names too;
- ``records-*.log`` and ``positions-*.log``: the records and each field's line, appended as files change,
  read only when a record is asked for or a finding must be placed;
- ``search-index-*.pickle``: what other modules keep there (``read_derived``/``write_derived``).

Every file is signed with a per-user key; the ``*`` in the names is a digest of the code and ontology.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import gc
import hashlib
import hmac
import io
import marshal
import os
import pickle
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from yaml.nodes import SequenceNode

from primes import __version__, parse_pool
from primes import findings as rules
from primes.errors import CatalogChanged
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
    primes: Mapping[str, Prime]  # a plain dict, or the loader's Records (read from the cache on first use)
    findings: list[Finding]
    files: dict[str, FileResult] = field(default_factory=dict)  # prime id -> its file's result
    cacheable: bool = False  # loaded with the cache on: structures derived from it may be cached too

    def fingerprint(self) -> str:
        """A digest of what the catalog holds (metadata, domains, each checked prime file's content): what a
        structure derived from the catalog is cached under (see read_derived); "" when it must not be.
        Worked out when asked for: a check has no use for it."""
        if not self.cacheable:
            return ""
        digest = hashlib.blake2b(digest_size=16)
        digest.update(self.meta.model_dump_json().encode() if self.meta else b"-")
        for domain in self.domains.values():
            digest.update(domain.model_dump_json().encode())
        digest.update("\n".join(f"{r.path}\t{r.digest}" for r in self.files.values()).encode())
        return digest.hexdigest()


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
        prime_files = _PrimeFiles(root, use_cache=use_cache)
        try:
            results = prime_files.check()
            index = NameIndex((r.summary.name_key, r.summary.id) for r in results if r.summary and r.summary.valid)
            prime_files.scan_mentions(index)
            prime_files.save()  # while the workers, if any, scan for mentions
            scanned = prime_files.scanned_mentions()
        finally:
            prime_files.close()
        fetch = functools.partial(_fetch_records, root, prime_files.store)
        mentions = _mentions(root, results, index, fetch, scanned, use_cache=use_cache)
        for result in results:
            findings.extend(result.findings)
        files, catalog_findings = check_catalog(results, domains, mentions)
        findings.extend(catalog_findings)
        findings.sort(key=lambda f: f.sort_key)
        if len(results) >= _FREEZE_AT:
            _freeze(new_load=True)
    return LoadedCatalog(root, meta, domains, Records(files, fetch), findings, files, cacheable=use_cache)


def read_derived(root: Path, name: str, fingerprint: str, version: str) -> Any:
    """A structure derived from a catalog, as :func:`write_derived` cached it for this very content (and
    this ``version`` of the code that derives it); None when there is none."""
    secret = _cache_secret()
    if not fingerprint or secret is None:
        return None
    payload = _read_signed(_derived_path(root, name), secret)
    if payload is None:
        return None
    try:
        stored = pickle.loads(payload)
    except Exception:  # a damaged cache only costs time
        return None
    if not isinstance(stored, tuple) or len(stored) != 2 or stored[0] != (fingerprint, version):
        return None
    return stored[1]


def write_derived(root: Path, name: str, fingerprint: str, version: str, value: Any) -> None:
    """Cache a structure derived from a catalog (one per name: the last content it was derived from)."""
    secret = _cache_secret()
    if not fingerprint or secret is None:
        return
    path = _derived_path(root, name)
    try:
        payload = _dumps(((fingerprint, version), value))
        path.parent.mkdir(exist_ok=True)
        _ignore_folder(path.parent)
        _write_atomic(path, [_sign(secret, payload), payload])
    except (OSError, pickle.PicklingError):
        pass


def _derived_path(root: Path, name: str) -> Path:
    return root / CACHE_DIR / f"{name}-{_cache_key()}.pickle"


def _read_signed(path: Path, secret: bytes) -> bytes | None:
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    mac, payload = blob[:32], blob[32:]
    return payload if hmac.compare_digest(mac, _sign(secret, payload)) else None


def _freeze(*, new_load: bool) -> None:
    """Move every object alive now out of the garbage collector's sight, in a program that loads once.

    The records of a large catalog live as long as the catalog and hold no reference cycles: without this,
    the first collections after the load would scan millions of them, again and again, at a cost that
    rivals the load itself. But cyclic garbage among frozen objects is never collected: a long-running
    server that loads the catalog again after each edit would keep every old catalog's graph. A program
    with other threads running (``primes serve``, a live site) is taken to be such a server.

    A program that loads again in one thread (a script over several catalogs, a benchmark) would keep the
    garbage of each earlier load the same way, frozen with it: at the end of a ``new_load``, what an earlier
    load froze is thawed, and what is garbage by now collected, before the freeze. (Not when the records of
    the same load are read later: that full collection would find nothing to free.)
    """
    if threading.active_count() == 1:
        if new_load and gc.get_freeze_count():
            gc.unfreeze()
            gc.collect()
        gc.freeze()


class Records(Mapping[str, Prime]):
    """The valid records of a loaded catalog by id.

    The rules of a check read the records' summaries only, so a warm check leaves the records themselves
    in the cache: they are read (all at once, the cost of one unpickling) the first time one is asked for.
    """

    def __init__(self, files: dict[str, FileResult], fetch: Callable[[list[FileResult]], None]) -> None:
        self._files = files
        self._fetch = fetch
        self._records: dict[str, Prime] | None = None
        self._lock = threading.Lock()

    def _all(self) -> dict[str, Prime]:
        records = self._records
        if records is None:
            with self._lock:
                if self._records is None:
                    missing = [result for result in self._files.values() if result.prime is None]
                    if missing:
                        with gc_paused():
                            self._fetch(missing)
                            if len(missing) >= _FREEZE_AT:
                                _freeze(new_load=False)
                    self._records = {prime_id: _record(result) for prime_id, result in self._files.items()}
                records = self._records
        return records

    @property
    def loaded(self) -> bool:
        """Whether the records have been read (for tests and benchmarks)."""
        return self._records is not None

    def __getitem__(self, prime_id: str) -> Prime:
        if prime_id not in self._files:
            raise KeyError(prime_id)
        return self._all()[prime_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, prime_id: object) -> bool:
        return prime_id in self._files

    def items(self) -> Any:
        return self._all().items()

    def values(self) -> Any:
        return self._all().values()


def _record(result: FileResult) -> Prime:
    assert result.prime is not None  # fetched, or a CatalogChanged was raised
    return result.prime


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
_PATH_AT = _RESULT_FIELDS.index("path")
_DIGEST_AT = _RESULT_FIELDS.index("digest")
_RECORD_AT = (_RESULT_FIELDS.index("prime"), _RESULT_FIELDS.index("partial"))


# The positions store of the load now reading results from the files cache or from workers: a result read
# back gets its positions from there, on first use (set around the reading, see _PrimeFiles).
_POSITIONS_SOURCE: contextvars.ContextVar[_BlobStore | None] = contextvars.ContextVar("positions", default=None)


class _PackedPositions(dict):  # type: ignore[type-arg]
    """A file's positions as one marshalled blob, unpacked on first use: a warm run asks where a field is in
    few files. A result read back from the cache holds no blob but the store and digest to fetch it by.

    Every read or change unpacks first, so it behaves as the plain dict it stands for.
    """

    __slots__ = ("blob", "digest", "path", "source")

    def __init__(self, blob: bytes | None, source: _BlobStore | None = None, digest: str = "", path: str = "") -> None:
        super().__init__()
        self.blob = blob
        self.source = source
        self.digest = digest
        self.path = path

    def unpack(self) -> _PackedPositions:
        if self.source is not None:
            name = os.path.basename(self.path)
            self.blob = self.source.one(self.digest) or _positions_from_file(self.source.root, name, self.digest)
            self.source = None
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
    if type(positions) is _PackedPositions and positions.blob is not None and positions.source is None:
        return positions.blob  # still packed
    return marshal.dumps((tuple(positions), tuple(positions.values())))


def _positions_from_file(root: Path, name: str, digest: str) -> bytes | None:
    """A file's positions when its store entry is missing: parsed again, if the file is still the one checked."""
    try:
        raw = (root / PRIMES_DIR / name).read_bytes()
    except OSError:
        return None
    if _digest(raw) != digest:
        return None  # changed since: its findings keep the line the check found, nothing better is known
    return _pack(read_yaml(name, raw).positions)


def _restore_result(values: tuple[Any, ...]) -> FileResult:
    """A file's result from the cache or a worker; its positions stay in the positions store until used."""
    fields = list(values)
    fields[_POSITIONS_AT] = _PackedPositions(None, _POSITIONS_SOURCE.get(), values[_DIGEST_AT], values[_PATH_AT])
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
            values[_POSITIONS_AT] = None  # positions and records travel separately, in their stores
            for at in _RECORD_AT:
                values[at] = None
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
        payload = _read_signed(path, secret)
        if payload is None:
            return None  # missing, not written by this user's checks, or damaged: ignore it
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

    def has(self, name: str) -> bool:
        return name in self.entries

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
            _ignore_folder(self.path.parent)
            if self.generation and len(self.changed) + len(self.removed) <= max(16, len(self.entries) // 20):
                delta = {"generation": self.generation, "entries": self.changed, "removed": sorted(self.removed)}
                self._write(self.delta_path, self.secret, _dumps(delta))
                return
            self.generation = os.urandom(8)
            base = {"format": _FORMAT, "generation": self.generation, "entries": self.entries}
            self._write(self.path, self.secret, _dumps(base))
            self.changed, self.removed = {}, set()
            self.delta_path.unlink(missing_ok=True)  # the delta the new base absorbed
            _remove_other_keys(self.path.parent)
        except (OSError, pickle.PicklingError, ValueError):
            pass  # a read-only catalog still checks; it is only slower next time

    @staticmethod
    def _write(path: Path, secret: bytes, payload: bytes) -> None:
        _write_atomic(path, [_sign(secret, payload), payload])


def _write_atomic(path: Path, chunks: Sequence[bytes | memoryview]) -> None:
    """Replace a cache file in one step (a reader sees the old file or the new one, never half of one).

    Unlike ``fsutil.write_atomic``, no fsync: a cache lost in a crash only costs time.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(chunks)
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


_COMPACT_ABOVE = 16 * 1024 * 1024  # dead bytes a store may hold (when they are also less than the live ones)


class _BlobStore:
    """Per-file blobs by content digest, in one append-only file of signed entries.

    The per-file results the check needs are small and live in the ``files`` cache. The records (most of
    the bytes, most of the unpickling) and the positions of every field (needed only to place a finding
    the cross-file rules report) live apart, each in a store, read only when asked for; an edit appends
    an entry instead of rewriting a store. An entry is its signature, the digest, the payload's length and
    the payload; a torn or foreign entry ends the reading (what is missing is worked out again from the
    YAML files). When dead entries make up most of a store, the next run that writes rewrites it.
    """

    _HEAD = struct.Struct(">32s32sQ")  # signature, digest (hex), payload length

    def __init__(self, root: Path, name: str, secret: bytes | None) -> None:
        self.root = root
        self.path = root / CACHE_DIR / f"{name}-{_cache_key()}.log"
        self.secret = secret
        self.pending: dict[str, bytes] = {}  # entries the workers of this load packed, not read back from disk
        self.live: set[str] | None = None  # the digests of the catalog's files now, once known
        self._everything: dict[str, bytes] | None = None

    def entry(self, digest: str, payload: bytes) -> bytes:
        """One entry (workers pack their own: signing is part of the work they share)."""
        raw_digest = digest.encode("ascii").ljust(32)[:32]
        mac = _sign(self.secret, raw_digest + payload) if self.secret is not None else bytes(32)
        return self._HEAD.pack(mac, raw_digest, len(payload)) + payload

    def one(self, digest: str) -> bytes | None:
        """One payload; the first call reads the whole store (it serves the calls for other files that follow)."""
        entry = self.pending.get(digest)
        if entry is not None:
            return entry[self._HEAD.size :]
        if self._everything is None:
            self._everything = self.read(None)
        return self._everything.get(digest)

    def read(self, digests: set[str] | None) -> dict[str, bytes]:
        """The payloads of these digests (None: all) that this load or the store holds (latest entry of each)."""
        head = self._HEAD.size
        if digests is None:
            found = {}
        else:
            found = {digest: self.pending.pop(digest)[head:] for digest in digests & self.pending.keys()}
            digests = digests - found.keys()
            if not digests:
                return found
        if self.secret is None:
            return found
        try:
            blob = self.path.read_bytes()
        except OSError:
            return found
        view = memoryview(blob)
        live = self.live
        kept: dict[str, memoryview] = {}  # the latest entry of each live digest
        at = 0
        while at + head <= len(blob):
            mac, raw_digest, length = self._HEAD.unpack_from(blob, at)
            end = at + head + length
            if end > len(blob):
                break
            digest = raw_digest.decode("ascii", "replace")
            if digests is None or digest in digests:
                payload = bytes(view[at + head : end])
                if not hmac.compare_digest(mac, _sign(self.secret, raw_digest + payload)):
                    break
                found[digest] = payload
            if live is not None and digest in live:
                kept[digest] = view[at:end]
            at = end
        if live is not None:
            self._compact(len(blob), at, list(kept.values()))
        return found

    def _compact(self, size: int, readable: int, kept: list[memoryview]) -> None:
        """Rewrite the store with its live entries when entries of files that changed since (or a damaged
        tail) make up most of it: it grows by an entry with every edit."""
        live_size = sum(len(entry) for entry in kept)
        if size - live_size <= max(live_size, _COMPACT_ABOVE) and readable == size:
            return
        with contextlib.suppress(OSError):
            _write_atomic(self.path, kept)

    def write(self, entries: list[bytes], *, replace: bool) -> None:
        """Add entries, or (``replace``) make them the whole store; a failure only costs time later.

        Once they are on disk, the entries the workers packed are let go: a catalog of 100,000 primes holds
        a gigabyte of them, and the store serves them as well.
        """
        if self.secret is None or not entries:
            return
        try:
            self.path.parent.mkdir(exist_ok=True)
            _ignore_folder(self.path.parent)
            if replace:
                _write_atomic(self.path, entries)
                _remove_other_keys(self.path.parent)
            else:
                # one write of the whole batch: O_APPEND puts it at the end even when two checks append at once
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    data = memoryview(b"".join(entries))
                    while data:  # a regular file takes it all at once, barring a full disk or a signal
                        data = data[os.write(fd, data) :]
                finally:
                    os.close(fd)
        except OSError:
            return
        self.pending.clear()


def _remove_other_keys(folder: Path) -> None:
    """Delete the cache files another cache key wrote (older code, another ontology): never read again."""
    key = _cache_key()
    for path in folder.iterdir():
        if path.suffix in (".pickle", ".log") and f"-{key}." not in path.name:
            path.unlink(missing_ok=True)


def _ignore_folder(folder: Path) -> None:
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")


def _record_entry(store: _BlobStore, result: FileResult) -> bytes:
    return store.entry(result.digest, _dumps((result.prime, result.partial)))


def _positions_entry(store: _BlobStore, result: FileResult) -> bytes:
    return store.entry(result.digest, _pack(result.positions))


def _entries(records: _BlobStore, positions: _BlobStore, result: FileResult) -> tuple[bytes, bytes]:
    """A checked file's record and positions, packed for their stores."""
    return _record_entry(records, result), _positions_entry(positions, result)


def _fetch_records(root: Path, store: _BlobStore, results: list[FileResult]) -> None:
    """Fill in the records of results read from the cache: from the record store, else from their files."""
    payloads = store.read({result.digest for result in results})
    reparsed: list[bytes] = []
    for result in results:
        payload = payloads.get(result.digest)
        if payload is not None:
            try:
                result.prime, result.partial = pickle.loads(payload)
            except Exception:  # an unreadable entry only costs time: parse the file again
                result.prime = result.partial = None
        if result.prime is not None or result.partial is not None:
            continue
        path = root / PRIMES_DIR / os.path.basename(result.path)
        raw = path.read_bytes() if path.is_file() else b""
        digest = _digest(raw)
        if digest != result.digest:
            raise CatalogChanged(f"{result.path} changed after the catalog was checked; load it again")
        fresh = check_record(read_yaml(result.path, raw), path.stem)
        result.prime, result.partial = fresh.prime, fresh.partial
        reparsed.append(_record_entry(store, result))
    store.write(reparsed, replace=False)


class _PrimeFiles:
    """Stage 1 for the prime files: each file's result, from the cache where the file has not changed,
    checked afresh otherwise (by workers on every core when there are many), and the caches written back.

    With workers, the load goes: :meth:`check`, then (once the names are known) :meth:`scan_mentions`, then
    :meth:`save` while the workers scan, then :meth:`scanned_mentions`.
    """

    def __init__(self, root: Path, *, use_cache: bool) -> None:
        self.root = root
        self.folder = root / PRIMES_DIR
        secret = _cache_secret() if use_cache else None
        self.store = _BlobStore(root, "records", secret)
        self.positions = _BlobStore(root, "positions", secret)
        token = _POSITIONS_SOURCE.set(self.positions)
        try:
            self.cache = _Cache(root, "files", use_cache)
        finally:
            _POSITIONS_SOURCE.reset(token)
        self.entries = _prime_entries(root)
        self.pool: parse_pool.Pool | None = None
        self.fresh: list[bytes] = []  # record store entries of the files checked in this load
        self.fresh_positions: list[bytes] = []

    def check(self) -> list[FileResult]:
        token = _POSITIONS_SOURCE.set(self.positions)  # for the results the workers send
        try:
            return self._check()
        finally:
            _POSITIONS_SOURCE.reset(token)

    def _check(self) -> list[FileResult]:
        cache = self.cache
        slots: list[FileResult | None] = [None] * len(self.entries)
        jobs: list[parse_pool.Job] = []
        for at, (name, shown, status) in enumerate(self.entries):
            if status is not None:
                cached = cache.get_unchanged(name, status)
                if cached is not None and cached.path == shown:
                    slots[at] = cached
                    continue
            if not cache.has(name):  # nothing to compare with: no need to read the file here
                jobs.append(parse_pool.Job(at, name, shown))
                continue
            read_findings: list[Finding] = []
            raw = _read(self.folder / name, read_findings)
            if raw is None:
                slots[at] = FileResult(shown, None, None, None, {}, read_findings)
                continue
            cached = cache.get(name, _digest(raw))
            if cached is not None and cached.path == shown:
                if status is not None:
                    cache.remember(name, status)
                slots[at] = cached
                continue
            jobs.append(parse_pool.Job(at, name, shown))
        check_file = functools.partial(_check_file, self.folder)
        workers = parse_pool.worker_count(len(jobs))
        if workers > 1:
            pack = functools.partial(_entries, self.store, self.positions)
            self.pool = parse_pool.Pool(jobs, workers, check_file, _dumps, pack)
            checked = self.pool.results(check_file)
        else:
            checked = ((job.at, check_file(job.name, job.shown), None) for job in jobs)
        for at, result, packed in checked:
            slots[at] = result
            if not result.digest:
                continue  # unreadable: nothing to cache
            name, _, status = self.entries[at]
            cache.put(name, result.digest, result, status)
            if packed is None:  # checked here
                if cache.enabled:
                    self.fresh_positions.append(_positions_entry(self.positions, result))
                    if result.summary is not None:
                        self.fresh.append(_record_entry(self.store, result))
                continue
            record, positions = packed  # a worker's: they stay packed until they are asked for
            self.positions.pending[result.digest] = positions
            self.fresh_positions.append(positions)
            if result.summary is not None:
                self.store.pending[result.digest] = record
                self.fresh.append(record)
        results = [result for result in slots if result is not None]
        self.store.live = self.positions.live = {result.digest for result in results if result.digest}
        return results

    def scan_mentions(self, index: NameIndex) -> None:
        if self.pool is not None:
            self.pool.scan_mentions(index)

    def scanned_mentions(self) -> dict[int, list[tuple[str, str]]]:
        """The mentions the workers found, by place in the results (empty without workers)."""
        if self.pool is None:
            return {}
        try:
            return self.pool.mentions()
        finally:
            self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def save(self) -> None:
        self.cache.save({name for name, _, _ in self.entries})
        self.store.write(self.fresh, replace=len(self.fresh) * 2 > len(self.entries))
        self.positions.write(self.fresh_positions, replace=len(self.fresh_positions) * 2 > len(self.entries))
        self.fresh, self.fresh_positions = [], []


def _check_file(folder: Path, name: str, shown: str) -> FileResult:
    """Read and check one prime file (all it needs: a worker process can run it)."""
    path = folder / name
    read_findings: list[Finding] = []
    raw = _read(path, read_findings)
    if raw is None:
        return FileResult(shown, None, None, None, {}, read_findings)
    result = check_record(read_yaml(shown, raw), path.stem)
    result.digest = _digest(raw)
    return result


def _digest(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def _mentions(
    root: Path,
    results: list[FileResult],
    index: NameIndex,
    fetch: Callable[[list[FileResult]], None],
    scanned: dict[int, list[tuple[str, str]]],
    *,
    use_cache: bool,
) -> dict[str, list[tuple[str, str]]]:
    """Each valid prime's mentions of other primes' names: from the cache, from the workers that checked
    its file (``scanned``, by place in ``results``), or scanned here."""
    cache = _Cache(root, "mentions", use_cache)
    out: dict[str, list[tuple[str, str]]] = {}
    keep: set[str] = set()
    scan: list[FileResult] = []
    for at, result in enumerate(results):
        if not result.valid:
            continue
        prime_id = _record_id(result)
        keep.add(prime_id)
        key = index.digest + result.digest
        found = cache.get(prime_id, key)
        if found is None:
            found = scanned.get(at)
            if found is None:
                scan.append(result)
                continue
            cache.put(prime_id, key, found)
        out[prime_id] = found
    unread = [result for result in scan if result.prime is None]
    if unread:  # a name changed: texts the cache has not scanned for it are read back
        fetch(unread)
    for result in scan:
        assert result.prime is not None
        found = index.mentions(result.prime)
        cache.put(result.prime.id, index.digest + result.digest, found)
        out[result.prime.id] = found
    cache.save(keep)
    return out


def _record_id(result: FileResult) -> str:
    assert result.summary is not None
    return result.summary.id
