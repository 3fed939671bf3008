"""``.pre-commit-hooks.yaml``: the hooks another repository runs, and the editor setup the docs describe."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT
from primes.authoring.new import SCHEMA_LINE

HOOKS = ROOT / ".pre-commit-hooks.yaml"
EDITOR_DOC = ROOT / "docs" / "editor-setup.md"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def hooks() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(HOOKS.read_text())
    return {hook["id"]: hook for hook in data}


def run_hook(hook: dict[str, Any], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a hook's entry as pre-commit does (pass_filenames is false: no file names are added)."""
    command = shlex.split(hook["entry"]) + list(hook.get("args", []))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PRIMES_CATALOG", None)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_the_two_hooks_are_declared(hooks: dict[str, dict[str, Any]]) -> None:
    assert set(hooks) == {"primes-check", "primes-fmt"}
    assert hooks["primes-check"]["entry"] == "primes check"
    assert hooks["primes-fmt"]["entry"] == "primes fmt --check"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["name"]


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("catalog/primes/feedback-loop.yaml", True),
        ("catalog/catalog.yaml", True),
        ("catalog/domains.yaml", True),
        ("data/catalog/primes/x.yml", True),
        ("src/primes/catalog.py", False),
        ("README.md", False),
        ("catalog/schema.json", False),
    ],
)
def test_the_hooks_run_when_catalog_yaml_changes(hooks: dict[str, dict[str, Any]], path: str, matches: bool) -> None:
    for hook in hooks.values():
        assert bool(re.search(hook["files"], path)) is matches


def test_the_hooks_pass_on_a_clean_catalog_and_fail_on_a_broken_one(
    hooks: dict[str, dict[str, Any]], tiny_dir: Path
) -> None:
    repo = tiny_dir.parent
    tiny_dir.rename(repo / "catalog")
    catalog = repo / "catalog"
    fmt = run_hook(hooks["primes-fmt"], repo)
    assert fmt.returncode == 1 and "would reformat catalog/primes/whole.yaml" in fmt.stdout
    subprocess.run([str(BIN / "primes"), "fmt", "catalog"], cwd=repo, check=True, capture_output=True)
    assert run_hook(hooks["primes-fmt"], repo).returncode == 0
    assert run_hook(hooks["primes-check"], repo).returncode == 0
    (catalog / "primes" / "whole.yaml").write_text("id: whole\n")
    check = run_hook(hooks["primes-check"], repo)
    assert check.returncode == 1 and "PR201" in check.stdout
    assert run_hook(hooks["primes-fmt"], repo).returncode == 1


def test_the_editor_setup_names_the_schema_line_new_files_carry() -> None:
    text = EDITOR_DOC.read_text()
    assert SCHEMA_LINE in text
    assert "redhat.vscode-yaml" in text
    assert '"yaml.schemas"' in text
