"""``primes build``: check the catalog, build the site into a temporary folder, swap it in on success.

The build is mkdocs' own (``mkdocs.commands.build.build``) with our plugin handed the catalog that was just
checked, so ``primes build`` and ``mkdocs build -f site/mkdocs.yml`` make the same site. A failed build
(catalog errors, a broken link under ``--strict``, an exception) leaves the previous site untouched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException

from primes.catalog import Catalog, load
from primes.errors import PrimesError
from primes.site.plugin import PrimesPlugin

DEFAULT_CONFIG = Path("site/mkdocs.yml")
Progress = Callable[[int, int], None]


class BuildError(PrimesError):
    """The site could not be built; the message says why (and the previous site is still in place)."""


@dataclass(slots=True)
class BuildResult:
    out_dir: Path
    pages: int
    files: int
    seconds: float
    warnings: list[str] = field(default_factory=list)


def load_site_config(config_file: Path | str = DEFAULT_CONFIG, *, strict: bool = False) -> MkDocsConfig:
    """The mkdocs configuration, or a BuildError naming the file and the problem."""
    path = Path(config_file)
    if not path.is_file():
        raise BuildError(f"no site configuration at {str(path)!r} (use --config FILE)")
    try:
        with _mkdocs_logs() as logs:
            config = load_config(str(path), strict=strict)
    except MkDocsException as exc:
        raise BuildError(f"{path}: {exc}{_log_lines(logs)}") from None
    return config


def primes_plugin(config: MkDocsConfig) -> PrimesPlugin:
    """The configuration's instance of our plugin; an error if the configuration does not use it."""
    for plugin in config.plugins.values():
        if isinstance(plugin, PrimesPlugin):
            return plugin
    raise BuildError(f"{config.config_file_path}: the site configuration does not enable the 'primes' plugin")


def build_site(
    catalog: Catalog | Path | str,
    *,
    config_file: Path | str = DEFAULT_CONFIG,
    out_dir: Path | str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
    live_script: str | None = None,
) -> BuildResult:
    """Build the site for ``catalog`` (a checked Catalog, or a folder to load and check).

    ``strict`` refuses a catalog with warnings and fails the build on any mkdocs warning (a broken link, a
    missing page). Raises :class:`~primes.errors.CatalogError` for a catalog with errors and
    :class:`BuildError` for a failed build; in both cases ``out_dir`` is as it was.
    """
    start = time.perf_counter()
    if not isinstance(catalog, Catalog):
        catalog = load(catalog, strict=strict)
    config = load_site_config(config_file, strict=strict)
    out = Path(out_dir).resolve() if out_dir is not None else Path(config.site_dir)
    plugin, warnings = build_into(catalog, config, out, progress=progress, live_script=live_script)
    files = plugin.files
    pages = len(files.documentation_pages()) if files is not None else 0
    return BuildResult(out, pages, len(files) if files is not None else 0, time.perf_counter() - start, warnings)


def build_into(
    catalog: Catalog,
    config: MkDocsConfig,
    out: Path,
    *,
    progress: Progress | None = None,
    live_script: str | None = None,
) -> tuple[PrimesPlugin, list[str]]:
    """Build with ``config`` into a temporary folder beside ``out`` and swap it in; returns the plugin (which
    keeps the built files, for the live rebuild) and the warnings mkdocs logged."""
    _check_replaceable(out)
    plugin = primes_plugin(config)
    plugin.preloaded = catalog
    plugin.progress = progress
    plugin.live_script = live_script
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    config.site_dir = str(staging)
    try:
        with _mkdocs_logs() as logs:
            try:
                mkdocs_build(config)
            except (MkDocsException, PrimesError, OSError) as exc:
                raise BuildError(f"the site build failed: {exc}{_log_lines(logs)}") from None
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    config.site_dir = str(out)
    if plugin.files is not None:
        for file in plugin.files:
            # The files were built for the staging folder; point them at the folder they now live in, so that
            # a later partial rebuild (primes serve) writes to the right place.
            file.dest_dir = str(out)
            file.__dict__.pop("abs_dest_path", None)
    return plugin, [record.getMessage() for record in logs if record.levelno >= logging.WARNING]


def swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` with two renames; the old site is removed only once the new one is in."""
    old: Path | None = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.replace(out, old)
    try:
        os.replace(staging, out)
    except OSError:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _check_replaceable(out: Path) -> None:
    """Refuse to replace a folder that is not a built site (``--out ~`` must not delete a home folder)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise BuildError(f"{out} exists and is not a folder; choose another --out")
    entries = {p.name for p in out.iterdir()}
    if entries and not entries & {"index.html", "sitemap.xml", "404.html"}:
        raise BuildError(f"{out} is not empty and does not look like a built site; refusing to replace it")


@contextlib.contextmanager
def _mkdocs_logs() -> Iterator[list[logging.LogRecord]]:
    """Collect what mkdocs logs at INFO and above instead of letting it print (the CLI reports it)."""
    records: list[logging.LogRecord] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("mkdocs")
    handler = _Collect(level=logging.WARNING)
    previous_level, previous_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
        logger.propagate = previous_propagate


def _log_lines(records: list[logging.LogRecord]) -> str:
    lines = [f"  {r.levelname.lower()}: {r.getMessage()}" for r in records if r.levelno >= logging.WARNING]
    return ("\n" + "\n".join(lines)) if lines else ""
