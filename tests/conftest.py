"""Shared fixtures: the tiny fixture catalog (ids below) and copies of it to damage."""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Iterator
from pathlib import Path

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
