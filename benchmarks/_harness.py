"""What every benchmark script shares: synthetic catalogs, timing, medians, ratios, a table and a JSON file.

A script measures ours and a baseline in the same process, alternating them run by run (so that load from
other processes on the machine falls on both alike), keeps every sample, and reports the median of each
and their ratio against a target. Absolute figures move between runs on a shared machine; the ratios are
the figures to trust.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from primes.load import gc_paused as gc_paused  # the baselines pause the collector the way the loader does

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"

sys.path.insert(0, str(BENCH_DIR))
import generate  # noqa: E402  (the generator sits next to this file)


@dataclass(slots=True)
class Measure:
    """One measured quantity at one size: ours, optionally a baseline, and the target it is held to."""

    size: int
    name: str
    ours: list[float]
    baseline: list[float] = field(default_factory=list)
    baseline_name: str = ""
    unit: str = "s"
    target: str = ""  # e.g. "ratio <= 1.3", "ours <= 50 us", "" for information only
    note: str = ""

    @property
    def ours_median(self) -> float:
        return statistics.median(self.ours)

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline) if self.baseline else None

    @property
    def ratio(self) -> float | None:
        base = self.baseline_median
        return self.ours_median / base if base else None

    @property
    def passed(self) -> bool | None:
        """Whether the target holds (None: no target, or the target is not checked at this size)."""
        if not self.target:
            return None
        subject, op, bound = self.target.split(maxsplit=2)
        value = self.ratio if subject == "ratio" else self.ours_median
        if subject == "speedup":
            value = 1 / self.ratio if self.ratio else None
        if value is None:
            return None
        limit = parse_quantity(bound, self.unit)
        return value <= limit if op == "<=" else value >= limit

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            ours_median=self.ours_median,
            baseline_median=self.baseline_median,
            ratio=self.ratio,
            passed=self.passed,
        )
        return data


_SCALE = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "MB": 1.0, "GB": 1024.0, "x": 1.0, "": 1.0}


def parse_quantity(text: str, unit: str) -> float:
    """``"50 us"`` in seconds, ``"2 GB"`` in MB, ``"1.3"`` as is: a bound in the measure's own unit."""
    number, _, suffix = text.partition(" ")
    value = float(number) * _SCALE[suffix.strip()]
    return value / _SCALE[unit] if suffix.strip() else value


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        if value < 1e-3:
            return f"{value * 1e6:,.1f} µs"
        if value < 1:
            return f"{value * 1e3:,.1f} ms"
        return f"{value:,.2f} s"
    return f"{value:,.1f} {unit}"


# --- catalogs ---------------------------------------------------------------------------------------


def catalog_dir(n: int, seed: int, results: Path) -> Path:
    """A generated catalog of n primes, written once and reused (the generator is deterministic)."""
    stamp = generate.generator_stamp()
    target = results / "catalogs" / f"n{n}-seed{seed}-{stamp}"
    if not target.is_dir():
        start = time.perf_counter()
        generate.generate(n, target, seed=seed)
        print(f"generated {n:,} primes into {target} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return target


# --- timing -------------------------------------------------------------------------------------------


def cpu_time() -> float:
    """CPU seconds of this process and of the child processes it has waited for (the loader's workers)."""
    spent = os.times()
    return spent.user + spent.system + spent.children_user + spent.children_system


# Wall-clock time by default; ``--clock cpu`` measures CPU time instead, which moves far less when other
# processes share the machine (it leaves out waiting for the disk), the work of worker processes included.
TIMER: Callable[[], float] = time.perf_counter


def clock(fn: Callable[[], object]) -> float:
    """Seconds one call takes (the result is dropped after the clock stops)."""
    gc.collect()
    _reap_children()  # workers of an earlier call must not count in this one
    start = TIMER()
    result = fn()
    if TIMER is cpu_time:  # a worker's CPU time counts once it has been waited for
        _reap_children()
    elapsed = TIMER() - start
    del result
    return elapsed


def _reap_children() -> None:
    for child in multiprocessing.active_children():
        child.join()


def per_call(fn: Callable[[], object], *, min_time: float = 0.05, max_calls: int = 100_000) -> float:
    """Mean seconds per call of a fast function, over enough calls to fill ``min_time``."""
    calls = 1
    while True:
        start = TIMER()
        for _ in range(calls):
            fn()
        elapsed = TIMER() - start
        if elapsed >= min_time or calls >= max_calls:
            return elapsed / calls
        calls = min(max_calls, calls * max(2, int(min_time / max(elapsed, 1e-9))))


def alternate(
    repeats: int, ours: Callable[[], float], baseline: Callable[[], float] | None = None
) -> tuple[list[float], list[float]]:
    """Run ours and the baseline by turns ``repeats`` times; each callable returns one sample."""
    mine: list[float] = []
    theirs: list[float] = []
    for index in range(repeats):
        order = (0, 1) if index % 2 == 0 else (1, 0)  # neither side always runs first
        for side in order:
            if side == 0:
                mine.append(ours())
            elif baseline is not None:
                theirs.append(baseline())
    return mine, theirs


_PEAK_PROBE = """
import resource, sys
def _peak_kb():
    try:  # the high-water mark of this process's own memory (ru_maxrss would include the parent's at fork)
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stdout.write("\\nPEAK_KB=%d\\n" % _peak_kb())
# the largest child's high-water mark (the loader's workers), shared pages inherited at fork included; a
# child counts once it has been waited for
import multiprocessing
for _child in multiprocessing.active_children():
    _child.join()
sys.stdout.write("CHILD_PEAK_KB=%d\\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_memory_mb(code: str, *, cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    """Peak resident memory (MB) of a fresh interpreter running ``code``."""
    return peak_memory(code, cwd=cwd, env=env)[0]


def peak_memory(code: str, *, cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Peak resident memory (MB) of a fresh interpreter running ``code``, and of the largest process it forked
    (0 when none)."""
    done = subprocess.run(
        [sys.executable, "-c", code + "\n" + _PEAK_PROBE],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"memory probe failed ({done.returncode}):\n{done.stderr[-2000:]}")
    lines = done.stdout.splitlines()[::-1]
    own = next(x for x in lines if x.startswith("PEAK_KB="))
    child = next(x for x in lines if x.startswith("CHILD_PEAK_KB="))
    return int(own.split("=")[1]) / 1024, int(child.split("=")[1]) / 1024


# --- command line, table, JSON -----------------------------------------------------------------------


def arguments(
    description: str,
    default_sizes: Sequence[int],
    default_repeats: int = 5,
    extra: Sequence[tuple[tuple[str, ...], dict[str, Any]]] = (),
) -> argparse.Namespace:
    """The options every script takes (sizes, repeats, seed, results folder, clock), plus ``extra`` ones."""
    parser = argparse.ArgumentParser(description=description)
    for flags, options in extra:
        parser.add_argument(*flags, **options)
    parser.add_argument(
        "--sizes",
        type=lambda text: [int(x) for x in text.split(",")],
        default=list(default_sizes),
        help=f"comma-separated numbers of primes (default {','.join(map(str, default_sizes))})",
    )
    parser.add_argument("--repeats", type=int, default=default_repeats, help="runs per measurement (median)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="folder for the JSON report and generated catalogs"
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall-clock time (default) or CPU time, worker processes included (steadier on a busy machine)",
    )
    args = parser.parse_args()
    global TIMER
    TIMER = time.perf_counter if args.clock == "wall" else cpu_time
    if args.repeats < 1 or any(n < 2 for n in args.sizes):
        parser.error("--repeats must be at least 1 and every size at least 2")
    return args


def table(measures: Sequence[Measure]) -> str:
    header = ("N", "measure", "ours", "baseline", "ratio", "target", "")
    rows = [header]
    for m in measures:
        ratio = f"{m.ratio:.3g}×" if m.ratio is not None else "-"
        verdict = {True: "ok", False: "MISSED", None: ""}[m.passed]
        base = fmt(m.baseline_median, m.unit) + (f" ({m.baseline_name})" if m.baseline_name else "")
        rows.append((f"{m.size:,}", m.name, fmt(m.ours_median, m.unit), base, ratio, m.target, verdict))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {m.size:,} {m.name}: {m.note}" for m in measures if m.note]
    return "\n".join(lines + (["notes:", *notes] if notes else []))


def environment() -> dict[str, Any]:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "commit": commit,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "argv": sys.argv,
        "clock": "cpu" if TIMER is cpu_time else "wall",
    }


def stage_name(stage: str, only: str, parts: Sequence[str]) -> str:
    """``bench_rdf`` for a full run, ``bench_rdf-export`` for a run of some parts (kept apart in results)."""
    chosen = [part for part in parts if part in only.split(",")]
    return stage if len(chosen) == len(parts) else f"{stage}-{'-'.join(chosen)}"


def finish(stage: str, measures: Sequence[Measure], results: Path, checks: dict[str, object]) -> int:
    """Report the measures and the script's checks; the exit code: 1 when a check failed."""
    report(stage, measures, results, {"checks": checks})
    for name, ok in checks.items():
        print(f"check: {name}: {'yes' if ok else 'NO'}")
    return 0 if all(checks.values()) else 1


def report(stage: str, measures: Sequence[Measure], results: Path, extra: dict[str, Any] | None = None) -> Path:
    """Print the table and write ``<results>/<stage>.json``; return its path."""
    print(table(measures))
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{stage}.json"
    payload = {
        "stage": stage,
        "environment": environment(),
        "measures": [m.as_dict() for m in measures],
        **(extra or {}),
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)
    print(f"wrote {path}", file=sys.stderr)
    return path
