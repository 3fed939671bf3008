"""Changing several files as one: every file is staged first, then all are applied, or none.

Staging writes each new content to a temporary file beside its target (so that applying it is a rename on
the same file system) and flushes it to disk; nothing the catalog can see has changed yet. Applying keeps a
hard link (or a copy) of every file it replaces or deletes, then renames the staged files over their targets.
If any step fails, or the process is interrupted (``KeyboardInterrupt`` included), the steps already taken are
undone in reverse, from those backups, and the catalog is as it was.

Temporary files and backups start with a dot and end in ``.tmp`` / ``.bak``, which the catalog loader ignores.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import TracebackType

from primes.authoring._files import AuthoringError


class _Op(Enum):
    WRITE = "write"  # create or replace
    CREATE = "create"  # create; refuse if the file exists
    DELETE = "delete"


@dataclass(slots=True)
class _Step:
    op: _Op
    target: Path
    staged: Path | None = None  # the temporary file holding the new content
    backup: Path | None = None  # the old content, kept until the transaction is over
    applied: bool = False


class FileTransaction:
    """Stage writes, creations and deletions, then :meth:`commit` them all or none.

    Use it as a context manager: leaving the block without committing discards what was staged::

        with FileTransaction() as change:
            change.write(path, text)
            change.delete(old)
            change.commit()
    """

    def __init__(self) -> None:
        self._steps: list[_Step] = []
        self._done = False

    def __enter__(self) -> FileTransaction:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self._done:
            self._discard()

    @property
    def targets(self) -> list[Path]:
        return [step.target for step in self._steps]

    def write(self, path: Path, text: str) -> None:
        """Create ``path`` or replace its content."""
        self._add(_Step(_Op.WRITE, path, _stage(path, text)))

    def create(self, path: Path, text: str) -> None:
        """Create ``path``; the commit fails (and changes nothing) if it exists by then."""
        if path.exists():
            raise AuthoringError(f"{path} already exists")
        self._add(_Step(_Op.CREATE, path, _stage(path, text)))

    def delete(self, path: Path) -> None:
        if not path.is_file():
            raise AuthoringError(f"{path}: no such file to delete")
        self._add(_Step(_Op.DELETE, path))

    def _add(self, step: _Step) -> None:
        if self._done:
            raise AuthoringError("this change was already committed or discarded")
        key = step.target.resolve()
        if any(s.target.resolve() == key for s in self._steps):
            if step.staged is not None:
                _unlink(step.staged)
            raise AuthoringError(f"{step.target} is changed twice in one change")
        self._steps.append(step)

    def commit(self) -> None:
        """Apply every staged step, or, if any fails, none (the error says what failed)."""
        if self._done:
            raise AuthoringError("this change was already committed or discarded")
        self._done = True
        try:
            for step in self._steps:
                if step.op is _Op.CREATE and step.target.exists():
                    raise AuthoringError(f"{step.target} already exists")
                if step.op is not _Op.CREATE and step.target.exists():
                    step.backup = _backup(step.target)
            for step in self._steps:
                _apply(step)
            _sync_folders(self._steps)
        except BaseException as exc:
            stuck = self._roll_back()
            self._clean(keep_backups=bool(stuck))
            if stuck:
                message = f"the change failed ({_reason(exc)}) and could not be fully undone: {'; '.join(stuck)}"
                raise AuthoringError(message) from exc
            if isinstance(exc, AuthoringError | OSError):
                raise AuthoringError(f"the change failed and nothing was changed: {_reason(exc)}") from exc
            raise
        self._clean(keep_backups=False)

    def _roll_back(self) -> list[str]:
        """Undo the applied steps, last first; what could not be undone, to do by hand."""
        stuck: list[str] = []
        for step in reversed(self._steps):
            if not step.applied:
                continue
            try:
                if step.backup is not None:
                    os.replace(step.backup, step.target)
                    step.backup = None
                else:
                    _unlink(step.target)  # a file the change created
            except OSError:
                if step.backup is not None:
                    stuck.append(f"{step.target} (its old content is in {step.backup})")
                else:
                    stuck.append(f"{step.target} (new: delete it)")
        return stuck

    def _discard(self) -> None:
        self._done = True
        self._clean(keep_backups=False)

    def _clean(self, *, keep_backups: bool) -> None:
        """Remove staged files and backups (one left behind is a hidden file the loader ignores)."""
        for step in self._steps:
            for leftover in (step.staged, None if keep_backups else step.backup):
                if leftover is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(leftover)


def _stage(path: Path, text: str) -> Path:
    """Write ``text`` to a new temporary file beside ``path`` and flush it to disk."""
    if not path.parent.is_dir():
        raise AuthoringError(f"{path.parent}: no such folder")
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    staged = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
        os.chmod(staged, mode)
    except BaseException:
        _unlink(staged)
        raise
    return staged


def _backup(path: Path) -> Path:
    """A second name for the file's current content, which survives the file being replaced."""
    while True:
        backup = path.with_name(f".{path.name}.{secrets.token_hex(6)}.bak")
        try:
            os.link(path, backup)
            return backup
        except FileExistsError:
            continue
        except OSError:
            break
    try:  # a file system without hard links: a copy will do
        shutil.copy2(path, backup)
    except BaseException:
        _unlink(backup)
        raise
    return backup


def _apply(step: _Step) -> None:
    """Take one step; ``applied`` is set the moment the target has changed, so that a failure right after
    is still undone."""
    if step.op is _Op.DELETE:
        os.unlink(step.target)
        step.applied = True
        return
    staged = step.staged
    assert staged is not None
    if step.op is _Op.CREATE:
        try:
            os.link(staged, step.target)  # fails if the target exists: nothing is ever overwritten
        except FileExistsError:
            raise AuthoringError(f"{step.target} already exists") from None
        except OSError:  # a file system without hard links
            if step.target.exists():
                raise AuthoringError(f"{step.target} already exists") from None
            os.replace(staged, step.target)
        step.applied = True
        with contextlib.suppress(OSError):
            os.unlink(staged)
    else:
        os.replace(staged, step.target)
        step.applied = True
    step.staged = None


def _sync_folders(steps: list[_Step]) -> None:
    """Flush the renames themselves to disk (best effort: not every system can sync a folder)."""
    for folder in {step.target.parent for step in steps}:
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename or ''}: {exc.strerror}".lstrip(": ")
    return str(exc) or type(exc).__name__
