"""The files of a catalog folder, what kind of record each holds, and the error authoring commands raise."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

from primes.errors import PrimesError
from primes.load import DOMAINS_FILE, META_FILE, PRIMES_DIR, _prime_files

YAML_SUFFIXES = (".yaml", ".yml")


class AuthoringError(PrimesError):
    """An authoring command refused its input or could not complete; nothing was left half-written."""


class FileKind(StrEnum):
    PRIME = "prime"
    META = "catalog metadata"
    DOMAINS = "domain list"


def file_kind(path: Path) -> FileKind:
    """What a catalog file holds, from where it sits: ``primes/*.yaml``, ``catalog.yaml`` or ``domains.yaml``."""
    if path.parent.name == PRIMES_DIR:
        return FileKind.PRIME
    if path.name == META_FILE:
        return FileKind.META
    if path.name == DOMAINS_FILE:
        return FileKind.DOMAINS
    return FileKind.PRIME


def prime_files(root: Path) -> list[Path]:
    """The prime files of a catalog folder, in name order: exactly those the loader reads."""
    return _prime_files(root)


def is_catalog_dir(path: Path) -> bool:
    return path.is_dir() and ((path / PRIMES_DIR).is_dir() or (path / META_FILE).is_file())


def catalog_files(root: Path) -> list[Path]:
    """Every YAML file of a catalog folder: its metadata, its domains, then its primes."""
    found = [root / name for name in (META_FILE, DOMAINS_FILE) if (root / name).is_file()]
    return found + prime_files(root)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Catalog folders, ``primes/`` folders and single files, as the list of YAML files they stand for.

    A path that is none of these is an :class:`AuthoringError` naming it (all of them at once).
    """
    out: list[Path] = []
    bad: list[str] = []
    for path in paths:
        if path.is_file():
            if path.suffix in YAML_SUFFIXES:
                out.append(path)
            else:
                bad.append(f"{path}: not a YAML file")
        elif is_catalog_dir(path):
            out.extend(catalog_files(path))
        elif path.is_dir() and path.name == PRIMES_DIR:
            out.extend(prime_files(path.parent))
        elif path.is_dir():
            bad.append(f"{path}: not a catalog folder (no {PRIMES_DIR}/ and no {META_FILE} in it)")
        else:
            bad.append(f"{path}: no such file or folder")
    if bad:
        raise AuthoringError("\n".join(bad))
    seen: set[Path] = set()
    unique = []
    for path in out:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique
