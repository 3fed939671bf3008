"""Checking many prime files on every core: forked workers, for the cold load of a large catalog.

Parsing and validating a file depends on its bytes alone, so a large batch is split among worker processes,
one per core. Each worker reads, parses and checks its share and sends back, in batches, what the rest of the
load needs: each file's result without its record (the summary the cross-file rules read, findings), and
the record and the field positions packed and signed as entries of their stores, which the parent writes
unchanged and unpickles only when they are asked for. A worker keeps its records until the parent has every
name, then scans their texts for mentions of those names: the other costly per-file step, which cannot
start before all names are known.

Workers are forked (the parent's modules and ontology are already loaded), so the pool is used only where a
fork is safe: on Linux, with no other thread running. Anything a worker fails to deliver (it crashed, was
killed, sent garbage) is checked again in the parent: a pool can cost time, never a finding.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, cast

from primes.records import FileResult
from primes.validate import NameIndex

PARALLEL_AT = 400  # files to check: below this, forking costs more than it saves
BATCH = 250  # files a worker checks between two sends
_DONE = "done"  # what a worker sends after its last batch
WORKERS_ENV = "PRIMES_WORKERS"  # set to 1 to never fork (or to a number of workers)


@dataclass(frozen=True, slots=True)
class Job:
    """One file to check: where its result goes, its name in the primes folder, how findings show its path."""

    at: int
    name: str
    shown: str


# (job's place, the file's result without its record and positions, those two packed for their stores)
Checked = tuple[int, FileResult, tuple[bytes, bytes] | None]
CheckFile = Callable[[str, str], FileResult]  # (file name, shown path) -> result, record included
Pack = Callable[[Any], bytes]  # the loader's pickling: a FileResult leaves its record out
PackRecord = Callable[[FileResult], tuple[bytes, bytes]]  # a result's record and positions, for their stores


def worker_count(jobs: int) -> int:
    """How many workers to fork for this many files (1: check them in this process)."""
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured:  # as many as asked for, whatever the number of files
        try:
            wanted = min(max(1, int(configured)), jobs)
        except ValueError:
            wanted = 1
    elif jobs < PARALLEL_AT:
        return 1
    else:
        wanted = min(os.cpu_count() or 1, jobs // (PARALLEL_AT // 4))
    if wanted < 2 or not sys.platform.startswith("linux") or threading.active_count() > 1:
        return 1
    return min(wanted, 16)


class Pool:
    """Workers that each check a share of the jobs, then scan their records for mentions on request."""

    def __init__(
        self, jobs: Sequence[Job], workers: int, check_file: CheckFile, pack: Pack, pack_record: PackRecord
    ) -> None:
        context = multiprocessing.get_context("fork")
        self._shares = [list(jobs[index::workers]) for index in range(workers)]
        self._links: list[Connection | None] = []
        for share in self._shares:
            parent_end, child_end = context.Pipe()
            process = context.Process(target=_work, args=(child_end, share, check_file, pack, pack_record), daemon=True)
            process.start()
            child_end.close()
            self._links.append(parent_end)

    def results(self, check_file: CheckFile) -> Iterable[Checked]:
        """Every job's result, batch by batch as the workers send them; what a worker that failed did not
        deliver is checked here."""
        waiting = {position: {job.at: job for job in share} for position, share in enumerate(self._shares)}
        links = {link: position for position, link in enumerate(self._links) if link is not None}
        while links:
            for ready in wait(list(links)):
                link = cast(Connection, ready)
                position = links[link]
                batch = self._receive(position)
                if isinstance(batch, list):
                    for checked in batch:
                        del waiting[position][checked[0]]
                        yield checked
                    continue
                del links[link]  # done, or failed: anything not delivered is checked below
                if batch != _DONE or waiting[position]:
                    self._drop(position)
        for undelivered in waiting.values():
            for job in undelivered.values():
                yield job.at, check_file(job.name, job.shown), None

    def scan_mentions(self, index: NameIndex) -> None:
        """Ask every worker to scan its records for the names in ``index``; :meth:`mentions` collects."""
        names = pickle.dumps(list(index.ids.items()), protocol=pickle.HIGHEST_PROTOCOL)
        for link in self._links:
            if link is not None:
                with contextlib.suppress(OSError):  # a dead worker: its records are scanned by the loader
                    link.send_bytes(names)

    def mentions(self) -> dict[int, list[tuple[str, str]]]:
        """Each checked record's mentions, by job place (what a worker failed to scan is missing: the loader
        scans it). Ends the workers."""
        found: dict[int, list[tuple[str, str]]] = {}
        for position in range(len(self._links)):
            delivered = self._receive(position)
            if isinstance(delivered, dict):
                found.update(delivered)
        self.close()
        return found

    def close(self) -> None:
        """End the workers: each exits once its link is closed (multiprocessing reaps them)."""
        for position in range(len(self._links)):
            self._drop(position)

    def _receive(self, position: int) -> Any:
        link = self._links[position]
        if link is None:
            return None
        try:
            return pickle.loads(link.recv_bytes())
        except Exception:  # the worker died or sent something unreadable: its work is redone here
            self._drop(position)
            return None

    def _drop(self, position: int) -> None:
        link = self._links[position]
        if link is not None:
            link.close()
            self._links[position] = None


def _work(link: Connection, share: list[Job], check_file: CheckFile, pack: Pack, pack_record: PackRecord) -> None:
    """A worker's life: check its files, send the results, then answer one request for mentions."""
    try:
        _serve(link, share, check_file, pack, pack_record)
    except Exception:  # whatever went wrong, the parent redoes this share: no traceback on the terminal
        pass
    except KeyboardInterrupt:  # Ctrl+C reaches the whole process group: the parent reports it
        pass


def _serve(link: Connection, share: list[Job], check_file: CheckFile, pack: Pack, pack_record: PackRecord) -> None:
    records = {}
    for start in range(0, len(share), BATCH):
        # in batches: the parent takes in one while the next is checked, and no process ever holds a whole
        # share's packed results at once (at 100,000 primes that is gigabytes)
        checked: list[Checked] = []
        for job in share[start : start + BATCH]:
            result = check_file(job.name, job.shown)
            record = pack_record(result) if result.digest else None
            if result.prime is not None:
                records[job.at] = result.prime
            checked.append((job.at, result, record))
        link.send_bytes(pack(checked))
    link.send_bytes(pickle.dumps(_DONE))
    try:
        names = pickle.loads(link.recv_bytes())
    except EOFError:
        return
    index = NameIndex(names)
    link.send_bytes(pickle.dumps({at: index.mentions(prime) for at, prime in records.items()}, protocol=-1))
