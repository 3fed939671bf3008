"""``FileTransaction``: several files change together or not at all, whatever step fails."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from primes.authoring._files import AuthoringError
from primes.authoring.transaction import FileTransaction


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.yaml").write_text(f"old {name}\n")
    return tmp_path


def change(folder: Path) -> FileTransaction:
    """Replace a, create d, delete b, replace c: one of each step."""
    transaction = FileTransaction()
    transaction.write(folder / "a.yaml", "new a\n")
    transaction.create(folder / "d.yaml", "new d\n")
    transaction.delete(folder / "b.yaml")
    transaction.write(folder / "c.yaml", "new c\n")
    return transaction


def test_a_commit_applies_every_step_and_leaves_no_temporary_file(folder: Path) -> None:
    with change(folder) as transaction:
        assert snapshot(folder).keys() > {"a.yaml", "b.yaml", "c.yaml"}  # staged files sit beside their targets
        transaction.commit()
    assert snapshot(folder) == AFTER


def test_leaving_without_commit_changes_nothing(folder: Path) -> None:
    before = snapshot(folder)
    with pytest.raises(RuntimeError), change(folder):
        raise RuntimeError("changed my mind")
    assert snapshot(folder) == before


def test_file_modes_are_kept(folder: Path) -> None:
    os.chmod(folder / "a.yaml", 0o600)
    with change(folder) as transaction:
        transaction.commit()
    assert (folder / "a.yaml").stat().st_mode & 0o777 == 0o600
    assert (folder / "d.yaml").stat().st_mode & 0o777 == 0o644


Failure = Callable[[], BaseException]


def fail_once(monkeypatch: pytest.MonkeyPatch, fail_at: int, error: Failure) -> None:
    """Make the ``fail_at``-th file operation from now on (a rename, link or delete) fail, once."""
    count = {"n": 0}

    def wrap(real: Callable[..., Any]) -> Callable[..., Any]:
        def operation(*args: Any, **kwargs: Any) -> Any:
            count["n"] += 1
            if count["n"] == fail_at:
                raise error()
            return real(*args, **kwargs)

        return operation

    for name in ("replace", "link", "unlink"):
        monkeypatch.setattr(os, name, wrap(getattr(os, name)))


def count_operations(folder: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    transaction = change(folder)
    counted = {"n": 0}
    for name in ("replace", "link", "unlink"):
        real = getattr(os, name)

        def operation(*args: Any, _real: Callable[..., Any] = real, **kwargs: Any) -> Any:
            counted["n"] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(os, name, operation)
    transaction.commit()
    monkeypatch.undo()
    return counted["n"]


@pytest.mark.parametrize(
    "error",
    [lambda: OSError(5, "Input/output error"), lambda: KeyboardInterrupt()],
    ids=["io-error", "interrupt"],
)
def test_a_failure_at_any_step_changes_every_file_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Failure
) -> None:
    probe = tmp_path / "probe"
    probe.mkdir()
    for name in ("a", "b", "c"):
        (probe / f"{name}.yaml").write_text(f"old {name}\n")
    steps = count_operations(probe, monkeypatch)
    assert steps >= 6
    for fail_at in range(1, steps + 1):
        folder = tmp_path / f"run{fail_at}"
        folder.mkdir()
        for name in ("a", "b", "c"):
            (folder / f"{name}.yaml").write_text(f"old {name}\n")
        before = snapshot(folder)
        transaction = change(folder)
        with monkeypatch.context() as patch:
            fail_once(patch, fail_at, error)
            with contextlib.suppress(AuthoringError, KeyboardInterrupt):
                transaction.commit()
        after = snapshot(folder)
        targets = {k: v for k, v in after.items() if not k.startswith(".")}
        assert targets in (before, AFTER), f"failing operation {fail_at} of {steps} left a half-changed folder"
        if targets == before:
            assert after == before, f"failing operation {fail_at} of {steps} left a file behind"


AFTER = {"a.yaml": b"new a\n", "c.yaml": b"new c\n", "d.yaml": b"new d\n"}


def test_create_refuses_an_existing_file(folder: Path) -> None:
    with pytest.raises(AuthoringError, match="already exists"):
        FileTransaction().create(folder / "a.yaml", "x")


def test_a_file_that_appears_before_the_commit_is_not_overwritten(folder: Path) -> None:
    before = snapshot(folder)
    transaction = change(folder)
    (folder / "d.yaml").write_text("someone else's\n")
    with pytest.raises(AuthoringError, match="already exists"):
        transaction.commit()
    assert snapshot(folder) == {**before, "d.yaml": b"someone else's\n"}


def test_one_file_cannot_change_twice(folder: Path) -> None:
    with FileTransaction() as transaction:
        transaction.write(folder / "a.yaml", "one")
        with pytest.raises(AuthoringError, match="twice"):
            transaction.write(folder / "a.yaml", "two")
    assert snapshot(folder)["a.yaml"] == b"old a\n"
    assert len(list(folder.iterdir())) == 3


def test_a_transaction_commits_once(folder: Path) -> None:
    transaction = FileTransaction()
    transaction.write(folder / "a.yaml", "x")
    transaction.commit()
    with pytest.raises(AuthoringError):
        transaction.commit()
    with pytest.raises(AuthoringError):
        transaction.write(folder / "b.yaml", "y")


def test_deleting_a_missing_file_or_writing_into_a_missing_folder_is_refused(folder: Path) -> None:
    with pytest.raises(AuthoringError, match="no such file"):
        FileTransaction().delete(folder / "missing.yaml")
    with pytest.raises(AuthoringError, match="no such folder"):
        FileTransaction().write(folder / "sub" / "x.yaml", "x")
