"""The parallel loader: workers check shares of the files; the outcome is exactly that of one process."""

from __future__ import annotations

import importlib
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from primes import parse_pool
from test_rules import CASES, broken_catalog

load_module = importlib.import_module("primes.load")


pytestmark = pytest.mark.usefixtures("own_cache_key")


@pytest.fixture
def bundled_dir(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(ROOT / "catalog", target, ignore=shutil.ignore_patterns(".primes-cache"))
    return target


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Forces two workers whatever the number of files; records how many each load forked."""
    monkeypatch.setenv(parse_pool.WORKERS_ENV, "2")
    started: list[int] = []
    original = parse_pool.Pool.__init__

    def counting(self: parse_pool.Pool, jobs: Any, workers: int, *args: Any) -> None:
        started.append(workers)
        original(self, jobs, workers, *args)

    monkeypatch.setattr(parse_pool.Pool, "__init__", counting)
    return started


def outcome(root: Path, *, use_cache: bool) -> tuple[list[Any], dict[str, Any]]:
    loaded = load_module.load_catalog(root, use_cache=use_cache)
    return loaded.findings, dict(loaded.primes.items())


def sequential(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], dict[str, Any]]:
    with monkeypatch.context() as patch:
        patch.setenv(parse_pool.WORKERS_ENV, "1")
        return outcome(root, use_cache=False)


@pytest.mark.parametrize("case", CASES)
def test_workers_report_what_one_process_reports(
    tmp_path: Path, case: str, pools: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = broken_catalog(tmp_path, case)
    expected = sequential(root, monkeypatch)
    assert outcome(root, use_cache=False) == expected
    assert outcome(root, use_cache=True) == expected  # fills the cache from the workers' results
    assert outcome(root, use_cache=True) == expected  # and reads it back
    assert pools == [2, 2]  # the third load found everything in the cache
    assert expected[0], f"the {case} fixture reports something"


def test_the_bundled_catalog_through_workers(
    bundled_dir: Path, pools: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = sequential(bundled_dir, monkeypatch)
    assert outcome(bundled_dir, use_cache=False) == expected
    assert pools == [2]
    assert len(expected[1]) == len(list((bundled_dir / "primes").glob("*.yaml")))


@pytest.mark.parametrize("failure", ["exit", "garbage", "exception"])
def test_a_failing_worker_costs_time_not_findings(
    tiny_dir: Path, failure: str, pools: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    piece = tiny_dir / "primes" / "piece.yaml"
    piece.write_text(piece.read_text().replace("prime: part", "prime: prat"))
    expected = sequential(tiny_dir, monkeypatch)
    original = parse_pool._serve

    def failing(link: Any, share: Any, check_file: Any, dumps: Any) -> None:
        if share[0].at != 0:  # the second worker fails, the first does its work
            return original(link, share, check_file, dumps)
        if failure == "exit":
            os._exit(3)
        if failure == "garbage":
            link.send_bytes(b"not a pickle")
            return None
        raise RuntimeError("a worker bug")

    monkeypatch.setattr(parse_pool, "_serve", failing)
    assert outcome(tiny_dir, use_cache=False) == expected
    assert {f.code for f in expected[0]} == {"PR401", "PR502"}


def test_small_batches_and_threaded_programs_stay_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(parse_pool.WORKERS_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert parse_pool.worker_count(parse_pool.PARALLEL_AT - 1) == 1
    assert parse_pool.worker_count(10_000) == 4
    assert parse_pool.worker_count(parse_pool.PARALLEL_AT) == 4
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert parse_pool.worker_count(10_000) == 1

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:  # forking while another thread may hold a lock could leave a worker stuck on it
        assert parse_pool.worker_count(10_000) == 1
    finally:
        release.set()
        thread.join()


@pytest.mark.parametrize(("setting", "workers"), [("1", 1), ("3", 3), ("lots", 1), ("0", 1)])
def test_the_number_of_workers_can_be_set(monkeypatch: pytest.MonkeyPatch, setting: str, workers: int) -> None:
    monkeypatch.setenv(parse_pool.WORKERS_ENV, setting)
    assert parse_pool.worker_count(10) == workers


def test_a_worker_that_dies_midway_has_the_rest_of_its_share_checked_here(
    tiny_dir: Path, pools: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = sequential(tiny_dir, monkeypatch)
    monkeypatch.setattr(parse_pool, "BATCH", 1)  # a batch a file: the first worker delivers one, then dies
    parent = os.getpid()
    original = load_module._check_file

    def dying(folder: Path, name: str, shown: str) -> Any:
        if os.getpid() != parent and name == "piece.yaml":
            os._exit(3)
        return original(folder, name, shown)

    monkeypatch.setattr(load_module, "_check_file", dying)
    assert outcome(tiny_dir, use_cache=False) == expected
    assert pools == [2]
