"""Shared fixtures: the tiny fixture catalog (ids below) and copies of it to damage."""

from __future__ import annotations

import importlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import primes
from primes.site.live import LiveSite

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "catalog"
TINY = Path(__file__).parent / "fixtures" / "tiny"
SITE_CONFIG = ROOT / "site" / "mkdocs.yml"

# The tiny catalog: whole <- part <- piece (decomposition); sibling -> whole (decomposition);
# part <-> twin and twin <-> sibling (mutual partners); part -x whole and lookalike -x whole (contrasts).
# part is both a child and a contrast of whole.
WHOLE, PART, PIECE, TWIN, LOOKALIKE, SIBLING = "whole", "part", "piece", "twin", "lookalike", "sibling"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_sparql(url: str, process: subprocess.Popen[bytes], seconds: float, log: Path | None = None) -> None:
    """Wait until the SPARQL endpoint a process serves answers ``ASK {}``; fail with its output if it exits."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            if log is not None:
                output = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            else:
                output = process.stdout.read().decode(errors="replace")[-2000:] if process.stdout else ""
            raise RuntimeError(f"the server exited ({process.returncode}): {output}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server at {url} did not answer within {seconds:.0f} s")
        time.sleep(0.2)


@pytest.fixture
def own_cache_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test signs its catalog caches with a key of its own, kept under its tmp folder (not the user's home)."""
    load_module = importlib.import_module("primes.load")  # ``primes.load`` the attribute is the function
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    load_module._cache_secret.cache_clear()
    yield
    load_module._cache_secret.cache_clear()


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """A writable copy of the tiny catalog."""
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target, ignore=shutil.ignore_patterns(".primes-cache"))
    return target


@pytest.fixture(scope="session")
def tiny() -> primes.Catalog:
    """The tiny catalog, loaded once (read-only)."""
    return primes.load(TINY, use_cache=False)


@pytest.fixture(scope="session")
def bundled() -> primes.Catalog:
    return primes.load(BUNDLED, use_cache=False)


@pytest.fixture
def live(tiny_dir: Path, tmp_path: Path) -> Iterator[LiveSite]:
    """A live site over a writable tiny catalog, built once and stopped afterwards."""
    site = LiveSite(tiny_dir, tmp_path / "site", config_file=SITE_CONFIG)
    site.build()
    try:
        yield site
    finally:
        site.stop()
