"""Stage 1: load + check a catalog folder, against the floor of parsing the same files with PyYAML's C loader.

    python benchmarks/bench_load.py [--sizes 1000,10000] [--repeats 5]

Measured at each size, ours and the baseline alternating run by run:
- cold: ``primes.check(folder)`` with no cache (it parses, validates, applies every rule, writes the cache)
  against ``yaml.load(bytes, Loader=CSafeLoader)`` over the same files, and nothing else; target at most
  1.3x at 10,000 primes. The floor with the garbage collector paused is shown too (ours pauses it).
- warm: the same check after editing one prime file, with the cache of the previous run; target at most
  10% of the cold time. The findings of the warm run are compared with a run that ignores the cache. A
  check reads no record; the time the records take on first use (a query, an export, the site) is shown.
- the command line end to end (``primes check``, interpreter start-up included), cold and warm.
- peak resident memory of a fresh process that checks the catalog cold, and of one that only parses it.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

import _harness as h
import primes

loader = importlib.import_module("primes.load")  # the module (``primes.load`` is also a function)

COLD_TARGET_AT = 10_000  # the size the targets are set for (other sizes are measured, not judged)


def catalog_files(root: Path) -> list[Path]:
    return [root / "catalog.yaml", root / "domains.yaml", *sorted((root / "primes").glob("*.yaml"))]


def floor(root: Path) -> list[object]:
    """What any reader of these files pays at least: list them, read them, parse them with the C loader."""
    return [yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader) for path in catalog_files(root)]


def floor_gc_paused(root: Path) -> list[object]:
    with h.gc_paused():
        return floor(root)


def drop_cache(root: Path) -> None:
    shutil.rmtree(root / loader.CACHE_DIR, ignore_errors=True)


def cold(root: Path) -> primes.Catalog:
    drop_cache(root)
    return primes.check(root)


class OneEdit:
    """Edits one prime file per run (a different one each time) and puts it back afterwards."""

    def __init__(self, root: Path) -> None:
        self.files = sorted((root / "primes").glob("*.yaml"))
        self.count = 0
        self.current: tuple[Path, bytes] | None = None

    def apply(self) -> Path:
        path = self.files[(self.count * 7919) % len(self.files)]
        self.count += 1
        original = path.read_bytes()
        edited = original.replace(b"core_idea: >-\n  ", b"core_idea: >-\n  Edited for a benchmark. ", 1)
        if edited == original:
            raise RuntimeError(f"{path}: no core_idea block to edit")
        self.current = (path, original)
        path.write_bytes(edited)
        return path

    def restore(self) -> None:
        if self.current is not None:
            path, original = self.current
            path.write_bytes(original)
            self.current = None


PARTS = ("cold", "warm", "cli", "memory")


def measure_size(n: int, args: argparse.Namespace, measures: list[h.Measure], checks: dict[str, object]) -> None:
    root = h.catalog_dir(n, args.seed, args.results)
    repeats: int = args.repeats
    only = set(args.only.split(","))
    files = len(catalog_files(root))
    primes.check(root, use_cache=False)  # warm the page cache and the imports before the first sample
    ours: list[float] = []
    if "cold" in only:
        ours = measure_cold(n, root, repeats, files, measures)
    if "warm" in only:
        measure_warm(n, root, repeats, ours, measures, checks)
    if "cli" in only:
        measure_cli(n, root, repeats, measures)
    if "memory" in only:
        measure_memory(n, root, measures)
    drop_cache(root)


def measure_cold(n: int, root: Path, repeats: int, files: int, measures: list[h.Measure]) -> list[float]:
    ours, base = h.alternate(repeats, lambda: h.clock(lambda: cold(root)), lambda: h.clock(lambda: floor(root)))
    target = "ratio <= 1.3" if n == COLD_TARGET_AT else ""
    measures.append(
        h.Measure(
            n,
            "load+check cold",
            ours,
            base,
            "C loader",
            target=target,
            note=f"{files:,} files; cold = no cache (the run writes it)",
        )
    )
    _, paused = h.alternate(repeats, lambda: 0.0, lambda: h.clock(lambda: floor_gc_paused(root)))
    measures.append(h.Measure(n, "load+check cold", ours, paused, "C loader, gc paused"))
    no_cache, _ = h.alternate(repeats, lambda: h.clock(lambda: primes.check(root, use_cache=False)))
    measures.append(h.Measure(n, "load+check, cache off", no_cache, base, "C loader"))
    return ours


def measure_warm(
    n: int, root: Path, repeats: int, ours: list[float], measures: list[h.Measure], checks: dict[str, object]
) -> None:
    primes.check(root)  # fill the cache
    edit = OneEdit(root)
    warm: list[float] = []
    for run in range(repeats):
        edit.apply()
        warm.append(h.clock(lambda: primes.check(root)))
        if run == repeats - 1:
            cached = primes.check(root)
            fresh = primes.check(root, use_cache=False)
            checks[f"{n}: warm findings equal a run without the cache"] = (
                cached.findings == fresh.findings and cached.ids == fresh.ids
            )
        edit.restore()
        primes.check(root)  # the cache now holds the restored file: the next run again sees one edit
    warm_target = "ratio <= 0.10" if n == COLD_TARGET_AT else ""
    measures.append(h.Measure(n, "re-check after 1 edit", warm, ours, "cold", target=warm_target))
    unchanged, _ = h.alternate(repeats, lambda: h.clock(lambda: primes.check(root)))
    measures.append(h.Measure(n, "re-check, nothing changed", unchanged, ours, "cold"))
    # what a warm check leaves for later: the records, read from the cache the first time one is asked for
    records = [h.clock(lambda: list(primes.check(root))) - h.clock(lambda: primes.check(root)) for _ in range(repeats)]
    measures.append(h.Measure(n, "then reading every record", records, ours, "cold", note="on first use"))


def measure_cli(n: int, root: Path, repeats: int, measures: list[h.Measure]) -> None:
    cli = [sys.executable, "-c", "import sys; from primes.cli import main; sys.exit(main())", "check", str(root)]

    def run_cli(clear: bool) -> float:
        if clear:
            drop_cache(root)
        start = time.perf_counter()
        subprocess.run(cli, capture_output=True, check=False)
        return time.perf_counter() - start

    cli_cold, cli_warm = h.alternate(max(1, repeats // 2), lambda: run_cli(True), lambda: run_cli(False))
    measures.append(h.Measure(n, "`primes check` command, cold", cli_cold, note="interpreter start-up included"))
    measures.append(h.Measure(n, "`primes check` command, warm", cli_warm, cli_cold, "cold"))


def measure_memory(n: int, root: Path, measures: list[h.Measure]) -> None:
    peak, worker = h.peak_memory(f"import primes\nprimes.check({str(root)!r}, use_cache=False)")
    peak_floor = h.peak_memory_mb(
        "import pathlib, yaml\n"
        f"root = pathlib.Path({str(root)!r})\n"
        "files = [root / 'catalog.yaml', root / 'domains.yaml', *sorted((root / 'primes').glob('*.yaml'))]\n"
        "kept = [yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader) for path in files]\n"
    )
    measures.append(h.Measure(n, "peak memory, check cold", [peak], [peak_floor], "parse only, data kept", unit="MB"))
    if worker:  # the workers of a parallel load run at the same time: count them too
        measures.append(
            h.Measure(n, "peak memory, largest worker", [worker], unit="MB", note="a worker per core, alongside")
        )


def main() -> int:
    args = h.arguments(
        __doc__.split("\n\n")[0],
        default_sizes=(1_000, 10_000),
        extra=[(("--only",), {"default": ",".join(PARTS), "help": f"comma-separated subset of {','.join(PARTS)}"})],
    )
    unknown = set(args.only.split(",")) - set(PARTS)
    if unknown:
        print(f"error: unknown part {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}", file=sys.stderr)
        return 2
    measures: list[h.Measure] = []
    checks: dict[str, object] = {}
    for n in args.sizes:
        measure_size(n, args, measures, checks)
    return h.finish(h.stage_name("bench_load", args.only, PARTS), measures, args.results, checks)


if __name__ == "__main__":
    sys.exit(main())
