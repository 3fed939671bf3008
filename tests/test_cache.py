"""The check cache: a warm run reports exactly what a cold run (``use_cache=False``) reports, whatever changed."""

from __future__ import annotations

import gc
import importlib
import os
import pickle
import subprocess
import sys
import threading
import weakref
from pathlib import Path
from typing import Any

import pytest

from primes.errors import CatalogChanged
from primes.findings import Finding
from primes.records import FileResult, check_record
from primes.source import read_yaml

load_module = importlib.import_module("primes.load")  # ``primes.load`` the attribute is the function


pytestmark = pytest.mark.usefixtures("own_cache_key")


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files validated from scratch (a cache hit skips validation)."""
    seen: list[str] = []
    original = load_module.check_record

    def counting(source: Any, file_id: str) -> Any:
        seen.append(file_id)
        return original(source, file_id)

    monkeypatch.setattr(load_module, "check_record", counting)
    return seen


def warm(root: Path) -> list[Finding]:
    loaded = load_module.load_catalog(root)
    # the records come from the cache too (on first use): they must be what the files hold now
    assert dict(loaded.primes.items()) == records_in_files(root, loaded.files)
    return loaded.findings


def records_in_files(root: Path, files: dict[str, FileResult]) -> dict[str, Any]:
    """Each checked prime's record as its file gives it (not counted by ``validations``)."""
    out = {}
    for prime_id, result in files.items():
        path = root / "primes" / Path(result.path).name
        out[prime_id] = check_record(read_yaml(result.path, path.read_bytes()), path.stem).prime
    return out


def cold(root: Path) -> list[Finding]:
    return load_module.load_catalog(root, use_cache=False).findings


def cache_files(root: Path) -> list[Path]:
    folder = root / load_module.CACHE_DIR
    return sorted([*folder.glob("*.pickle"), *folder.glob("*.log")])


def test_a_second_run_is_served_from_the_cache(tiny_dir: Path, validations: list[str]) -> None:
    first = warm(tiny_dir)
    assert len(validations) == 6
    assert [p.name.split("-")[0] for p in cache_files(tiny_dir)] == ["files", "mentions", "positions", "records"]
    assert (tiny_dir / load_module.CACHE_DIR / ".gitignore").read_text() == "*\n"
    validations.clear()

    assert warm(tiny_dir) == first == cold(tiny_dir) == []
    assert validations == ["lookalike", "part", "piece", "sibling", "twin", "whole"]  # only the cold run


def test_use_cache_false_neither_reads_nor_writes(tiny_dir: Path) -> None:
    cold(tiny_dir)
    assert not (tiny_dir / load_module.CACHE_DIR).exists()


def test_an_edit_is_seen(tiny_dir: Path, validations: list[str]) -> None:
    warm(tiny_dir)
    path = tiny_dir / "primes" / "piece.yaml"
    path.write_text(path.read_text().replace("prime: part", "prime: prat"))
    validations.clear()

    findings = warm(tiny_dir)

    assert validations == ["piece"]
    assert findings == cold(tiny_dir)
    assert {f.code for f in findings} == {"PR401", "PR502"}  # the note still names the part


def test_an_edit_that_changes_a_name_updates_mentions(tiny_dir: Path) -> None:
    warm(tiny_dir)
    path = tiny_dir / "primes" / "lookalike.yaml"
    path.write_text(path.read_text().replace("name: Lookalike", "name: Piece Of Cake"))
    piece = tiny_dir / "primes" / "piece.yaml"
    piece.write_text(piece.read_text().replace("A worked case of the piece.", "A piece of cake, really."))

    findings = warm(tiny_dir)

    assert findings == cold(tiny_dir)
    assert {(f.code, f.prime_id) for f in findings} == {("PR502", "piece")}


def test_a_rename_is_seen(tiny_dir: Path) -> None:
    warm(tiny_dir)
    (tiny_dir / "primes" / "twin.yaml").rename(tiny_dir / "primes" / "double.yaml")

    findings = warm(tiny_dir)

    assert findings == cold(tiny_dir)
    assert {f.code for f in findings} == {"PR301"}


def test_a_rename_back_and_forth(tiny_dir: Path) -> None:
    warm(tiny_dir)
    twin, double = tiny_dir / "primes" / "twin.yaml", tiny_dir / "primes" / "double.yaml"
    twin.rename(double)
    warm(tiny_dir)
    double.rename(twin)
    assert warm(tiny_dir) == cold(tiny_dir) == []


def test_a_deletion_is_seen(tiny_dir: Path) -> None:
    warm(tiny_dir)
    (tiny_dir / "primes" / "whole.yaml").unlink()

    findings = warm(tiny_dir)

    assert findings == cold(tiny_dir)
    assert {f.code for f in findings} == {"PR401"}


def test_a_new_file_is_seen(tiny_dir: Path) -> None:
    warm(tiny_dir)
    (tiny_dir / "primes" / "extra.yaml").write_text("id: extra\nname: [\n")
    findings = warm(tiny_dir)
    assert findings == cold(tiny_dir)
    assert {f.code for f in findings} == {"PR101"}


def test_a_changed_domain_list_is_seen(tiny_dir: Path) -> None:
    warm(tiny_dir)
    path = tiny_dir / "domains.yaml"
    path.write_text(path.read_text().replace("id: economics", "id: economy"))
    findings = warm(tiny_dir)
    assert findings == cold(tiny_dir)
    assert {f.code for f in findings} == {"PR206"}


def test_a_fix_is_seen(tiny_dir: Path) -> None:
    path = tiny_dir / "primes" / "whole.yaml"
    good = path.read_text()
    path.write_text(good.replace("clarity:", "clarty:"))
    assert warm(tiny_dir)
    path.write_text(good)
    assert warm(tiny_dir) == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"",
        lambda raw: raw[: len(raw) // 2],
        lambda raw: os.urandom(len(raw)),
        lambda raw: raw[:40] + bytes([raw[40] ^ 0xFF]) + raw[41:],
    ],
    ids=["empty", "truncated", "random", "one-byte-flipped"],
)
def test_a_corrupted_cache_is_ignored(tiny_dir: Path, damage: Any) -> None:
    path = tiny_dir / "primes" / "piece.yaml"
    path.write_text(path.read_text().replace("prime: part", "prime: prat"))
    expected = warm(tiny_dir)
    for cache in cache_files(tiny_dir):
        cache.write_bytes(damage(cache.read_bytes()))
    assert warm(tiny_dir) == expected == cold(tiny_dir)
    assert warm(tiny_dir) == expected  # and the rewritten cache serves the next run


class _Planted:
    """A pickle that would create a file when unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_a_cache_file_not_written_by_this_user_is_never_unpickled(tiny_dir: Path, tmp_path: Path) -> None:
    warm(tiny_dir)
    marker = tmp_path / "pwned"
    for cache in cache_files(tiny_dir):
        cache.write_bytes(b"\0" * 32 + pickle.dumps({"whole.yaml": ("x", _Planted(marker))}))
    assert warm(tiny_dir) == []
    assert not marker.exists()


def test_a_cache_signed_with_another_key_is_ignored(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tiny_dir / "primes" / "piece.yaml"
    path.write_text(path.read_text().replace("prime: part", "prime: prat"))
    expected = warm(tiny_dir)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tiny_dir.parent / "another-user"))
    load_module._cache_secret.cache_clear()
    assert warm(tiny_dir) == expected


def test_a_catalog_where_the_cache_cannot_be_written_still_checks(tiny_dir: Path) -> None:
    (tiny_dir / load_module.CACHE_DIR).write_text("a file where the cache folder would go")
    path = tiny_dir / "primes" / "piece.yaml"
    path.write_text(path.read_text().replace("prime: part", "prime: prat"))
    assert warm(tiny_dir) == cold(tiny_dir) != []
    assert not list(tiny_dir.rglob("*.tmp"))


def test_no_usable_key_means_no_cache(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tiny_dir.parent / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    load_module._cache_secret.cache_clear()
    assert warm(tiny_dir) == []
    assert not cache_files(tiny_dir)


def test_the_cache_key_follows_the_code_and_the_ontology() -> None:
    key = load_module._cache_key()
    assert len(key) == 16
    assert {"records.py", "source.py", "model.py", "validate.py"} <= set(load_module._CACHED_CODE)
    assert all((Path(load_module.__file__).parent / name).is_file() for name in load_module._CACHED_CODE)


COUNT_VALIDATIONS = """
import importlib, sys
load = importlib.import_module("primes.load")
calls = []
original = load.check_record
load.check_record = lambda source, file_id: calls.append(file_id) or original(source, file_id)
load.load_catalog(sys.argv[1])
print(len(calls))
"""


def test_the_cache_serves_a_new_process(tiny_dir: Path, tmp_path: Path) -> None:
    """Records are pickled by class name: a fresh process must be able to read what another one wrote."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "user-cache")}

    def validated() -> int:
        command = [sys.executable, "-c", COUNT_VALIDATIONS, str(tiny_dir)]
        return int(subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=60).stdout)

    assert validated() == 6
    assert validated() == 0


def test_cache_files_of_another_key_are_removed(tiny_dir: Path) -> None:
    folder = tiny_dir / load_module.CACHE_DIR
    folder.mkdir()
    stale = [
        folder / "records-0123456789abcdef.pickle",
        folder / "files-0123456789abcdef.pickle",
        folder / "mentions-0123456789abcdef.delta.pickle",
        folder / "records-0123456789abcdef.log",
    ]
    for path in stale:
        path.write_bytes(b"from older code")
    warm(tiny_dir)
    assert not any(path.exists() for path in stale)
    assert len(cache_files(tiny_dir)) == 4


# --- the record store: records stay on disk until asked for -------------------------------------------


def record_log(root: Path, store: str = "records") -> Path:
    (log,) = (root / load_module.CACHE_DIR).glob(f"{store}-*.log")
    return log


def test_a_warm_check_reads_no_record_until_one_is_asked_for(tiny_dir: Path, validations: list[str]) -> None:
    warm(tiny_dir)
    validations.clear()
    loaded = load_module.load_catalog(tiny_dir)
    assert not loaded.primes.loaded
    assert len(loaded.primes) == 6 and "whole" in loaded.primes and loaded.primes.loaded is False

    assert loaded.primes["whole"].name == "Whole"
    assert loaded.primes.loaded
    assert validations == []  # read back from the store, not parsed again


def test_an_edit_appends_to_the_record_store(tiny_dir: Path) -> None:
    warm(tiny_dir)
    before = record_log(tiny_dir).read_bytes()
    path = tiny_dir / "primes" / "piece.yaml"
    path.write_text(path.read_text().replace("A worked case of the piece.", "A worked case, edited."))
    warm(tiny_dir)
    after = record_log(tiny_dir).read_bytes()
    assert after.startswith(before) and len(after) > len(before)


@pytest.mark.parametrize(
    "damage",
    [
        lambda log: log.write_bytes(log.read_bytes() + b"\x00" * 70),  # a torn entry at the end
        lambda log: log.write_bytes(log.read_bytes()[:-9]),  # the last entry cut short
        lambda log: log.write_bytes(os.urandom(200) + log.read_bytes()),  # garbage first: nothing is readable
        lambda log: log.unlink(),
    ],
    ids=["torn-tail", "short-entry", "garbage", "deleted"],
)
@pytest.mark.parametrize("store", ["records", "positions"])
def test_a_damaged_store_costs_time_not_results(tiny_dir: Path, damage: Any, store: str) -> None:
    # findings in an unchanged file (the dangling edge in piece.yaml) need its positions from the store
    path = tiny_dir / "primes" / "piece.yaml"
    path.write_text(path.read_text().replace("prime: part", "prime: prat"))
    expected = warm(tiny_dir)
    assert {(f.code, f.line) for f in expected} == {(f.code, f.line) for f in cold(tiny_dir)}
    damage(record_log(tiny_dir, store))
    assert warm(tiny_dir) == expected  # warm() compares every record with what its file holds
    assert warm(tiny_dir) == expected  # and the records parsed again were stored for the next run


def test_a_record_asked_for_after_its_file_changed_is_refused(tiny_dir: Path) -> None:
    warm(tiny_dir)
    record_log(tiny_dir).unlink()  # so the checked version of the file is nowhere but in the findings
    loaded = load_module.load_catalog(tiny_dir)
    path = tiny_dir / "primes" / "piece.yaml"
    path.write_text(path.read_text().replace("A worked case of the piece.", "Changed behind the loader's back."))
    with pytest.raises(CatalogChanged, match=r"piece\.yaml changed after the catalog was checked"):
        loaded.primes["piece"]


def test_an_unchanged_file_is_not_even_read(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A status is trusted once it is older than the run that noted it by more than the timestamp granularity
    # (two seconds); a test cannot age a file's ctime, so it narrows the margin instead.
    monkeypatch.setattr(load_module, "_RACY_NS", 0)
    warm(tiny_dir)
    warm(tiny_dir)  # notes each file's status
    reads: list[str] = []
    original = load_module._read

    def counting(path: Path, findings: list[Finding]) -> bytes | None:
        reads.append(path.name)
        return original(path, findings)

    monkeypatch.setattr(load_module, "_read", counting)
    assert load_module.load_catalog(tiny_dir).findings == []
    assert reads == ["catalog.yaml", "domains.yaml"]  # no prime file


def test_an_edit_that_keeps_size_and_modification_time_is_seen(tiny_dir: Path) -> None:
    path = tiny_dir / "primes" / "piece.yaml"
    stamp = path.stat().st_mtime_ns
    warm(tiny_dir)
    # the same size and mtime: the change time (which no tool can set back) tells, or else reading the file
    path.write_text(path.read_text().replace("prime: part", "prime: prat"))
    os.utime(path, ns=(stamp, stamp))
    assert {f.code for f in warm(tiny_dir)} == {"PR401", "PR502"}


def test_only_a_single_threaded_program_freezes_a_large_load(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """gc.freeze() speeds up a one-shot load, but in a server it would keep old catalogs' cycles forever."""
    monkeypatch.setattr(load_module, "_FREEZE_AT", 1)
    frozen: list[int] = []
    monkeypatch.setattr(load_module.gc, "freeze", lambda: frozen.append(1))
    load_module.load_catalog(tiny_dir)
    assert frozen == [1]

    release = threading.Event()
    server = threading.Thread(target=release.wait)
    server.start()
    try:
        load_module.load_catalog(tiny_dir)
    finally:
        release.set()
        server.join()
    assert frozen == [1]


def test_the_record_store_drops_the_entries_of_old_versions(tiny_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_module, "_COMPACT_ABOVE", 0)  # a tiny catalog's stores are far below the real bar
    path = tiny_dir / "primes" / "piece.yaml"
    text = path.read_text()
    warm(tiny_dir)
    first = record_log(tiny_dir).stat().st_size
    for round_ in range(12):  # each edit appends an entry of piece.yaml; the old ones are dead
        path.write_text(text.replace("A worked case of the piece.", f"A worked case, round {round_}."))
        load_module.load_catalog(tiny_dir)  # a check reads no record: nothing compacts the store
    assert record_log(tiny_dir).stat().st_size > first * 2

    loaded = load_module.load_catalog(tiny_dir)
    assert dict(loaded.primes.items()) == records_in_files(tiny_dir, loaded.files)  # reads, and compacts
    assert record_log(tiny_dir).stat().st_size <= first * 1.1
    assert warm(tiny_dir) == []  # and every record is still there


class _Cycle:
    """An object in a reference cycle: only the cyclic garbage collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_a_second_load_in_one_thread_lets_go_of_what_the_first_froze(
    tiny_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load_module, "_FREEZE_AT", 0)  # freeze after any load, as after a large one
    gc.unfreeze()
    try:
        garbage_to_be = _Cycle()
        ref = weakref.ref(garbage_to_be)
        load_module.load_catalog(tiny_dir, use_cache=False)  # freezes everything alive, the cycle too
        del garbage_to_be
        gc.collect()
        assert ref() is not None, "a frozen object is out of the collector's sight"
        load_module.load_catalog(tiny_dir, use_cache=False)
        assert ref() is None, "the second load kept the first load's garbage frozen"
    finally:
        gc.unfreeze()
