"""``primes new``, ``primes fmt``, ``primes rename`` and ``primes diff``: the authoring commands."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape

from primes.authoring.diff import DEFAULT_CATALOG_PATH, changelog, diff_specs
from primes.authoring.fmt import Status, format_paths
from primes.authoring.new import edge_option, new_prime
from primes.authoring.rename import rename_prime
from primes.cli._app import (
    DEFAULT_CATALOG,
    CatalogOption,
    JsonOption,
    app,
    console,
    err_console,
    fail,
    print_findings,
    print_json,
)
from primes.errors import PrimesError
from primes.findings import has_errors
from primes.load import display_path
from primes.ontology import edge_kinds


def _refuse(exc: PrimesError) -> NoReturn:
    fail(escape(str(exc)))


# ---------------------------------------------------------------------------------------------------------
# primes new: one option per edge kind, named after the kind's outgoing role (--parent, --partner, --contrast)


def _new(name: str, catalog: Path, prime_id: str | None, **edges: list[str] | None) -> None:
    by_kind = {kind.id: edges.get(_param(kind.id)) or [] for kind in edge_kinds()}
    try:
        made = new_prime(catalog, name, prime_id=prime_id, edges=by_kind)
    except PrimesError as exc:
        _refuse(exc)
    console.print(f"created {escape(display_path(made.path))} (draft)")
    print_findings(made.findings, summary=False)
    left = sum(1 for f in made.findings if not f.is_error)
    err_console.print(f"{left} thing(s) left to write; `primes check` lists them until the prime is done")


def _param(kind_id: str) -> str:
    return "edge_" + kind_id.replace("-", "_")


def _new_command() -> Callable[..., None]:
    """``_new`` with a signature Typer can read: the fixed parameters, then one option per edge kind."""

    def new(**kwargs: Any) -> None:
        _new(kwargs.pop("name"), kwargs.pop("catalog"), kwargs.pop("prime_id"), **kwargs)

    parameters = [
        inspect.Parameter(
            "name",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[str, typer.Argument(help='The name of the new prime, e.g. "Feedback Loop".')],
        ),
        inspect.Parameter(
            "prime_id",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                str | None, typer.Option("--id", help="The id (and file name); made from the name by default.")
            ],
        ),
    ]
    for kind in edge_kinds():
        parameters.append(
            inspect.Parameter(
                _param(kind.id),
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[
                    list[str] | None,
                    typer.Option(
                        edge_option(kind),
                        metavar="ID",
                        help=f"A prime this one {kind.forward_phrase} ({kind.label} edge); repeat for more.",
                    ),
                ],
            )
        )
    parameters.append(
        inspect.Parameter("catalog", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT_CATALOG, annotation=CatalogOption)
    )
    new.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    new.__annotations__ = {}
    new.__doc__ = (
        "Write a draft prime: every section present and marked as not written yet, so that `primes check` "
        "lists what is left to write. Refuses a name or id that is taken."
    )
    return new


app.command("new")(_new_command())


# ---------------------------------------------------------------------------------------------------------
# primes fmt


@app.command("fmt")
def fmt(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Catalog folders or files (default: the catalog folder).", show_default=False),
    ] = None,
    check: Annotated[bool, typer.Option("--check", help="Change nothing; exit 1 if a file would change.")] = False,
    catalog: CatalogOption = DEFAULT_CATALOG,
) -> None:
    """Rewrite catalog files in canonical form (field order, sorted edges, folded text), keeping comments.

    Each file is replaced atomically; a file with errors is reported and left untouched.
    """
    try:
        results = format_paths(paths or [catalog], check=check)
    except PrimesError as exc:
        _refuse(exc)
    changed = [r for r in results if r.status is Status.CHANGED]
    broken = [r for r in results if r.status is Status.ERROR]
    for result in broken:
        print_findings(result.findings, summary=False)
        why = result.problem or "it has errors"
        err_console.print(f"{escape(result.shown)}: left untouched: {escape(why)}")
    for result in changed:
        console.print(f"{'would reformat' if check else 'reformatted'} {escape(result.shown)}")
    unchanged = len(results) - len(changed) - len(broken)
    err_console.print(
        f"{len(changed)} file(s) {'would be reformatted' if check else 'reformatted'}, "
        f"{unchanged} already formatted, {len(broken)} left untouched (errors)"
    )
    if broken or (check and changed):
        raise typer.Exit(1)


# ---------------------------------------------------------------------------------------------------------
# primes rename


@app.command("rename")
def rename(
    old: Annotated[str, typer.Argument(help="The id of the prime to rename.")],
    new: Annotated[str, typer.Argument(help="Its new id (the file is renamed to match).")],
    name: Annotated[str | None, typer.Option("--name", help="A new name as well.")] = None,
    catalog: CatalogOption = DEFAULT_CATALOG,
) -> None:
    """Rename a prime and rewrite every edge that points at it, as one all-or-nothing change; then check."""
    try:
        done = rename_prime(catalog, old, new, new_name=name)
    except PrimesError as exc:
        _refuse(exc)
    what = f"{done.old_id} -> {done.new_id}" if done.new_id != done.old_id else done.old_id
    if done.new_name != done.old_name:
        what += f" ({done.old_name} -> {done.new_name})"
    moved = f"{display_path(done.old_path)} -> {display_path(done.new_path)}"
    console.print(f"renamed {escape(what)}: {escape(moved)}")
    console.print(f"rewrote {done.edges} edge(s) in {len(done.rewritten)} other file(s)")
    for path in done.rewritten:
        console.print(f"  {escape(display_path(path))}")
    print_findings(done.findings)
    if has_errors(done.findings):
        fail("the catalog has errors after the rename (primes check lists them)")


# ---------------------------------------------------------------------------------------------------------
# primes diff


@app.command("diff")
def diff(
    old: Annotated[str, typer.Argument(help="The old side: a catalog folder or a git revision (v1, HEAD~3).")],
    new: Annotated[str, typer.Argument(help="The new side: a catalog folder or a git revision.")] = ".",
    path: Annotated[
        str, typer.Option("--path", help="Where the catalog is inside the repository, for git revisions.")
    ] = DEFAULT_CATALOG_PATH,
    as_json: JsonOption = False,
) -> None:
    """What changed between two catalogs: primes added, removed, renamed; edges; fields. Markdown or JSON.

    A side that is a folder is read as it is; any other side is a git revision of the repository around
    the working folder: `primes diff v1 v2`, or `primes diff v1 .` to compare v1 with the working tree.
    """
    try:
        result = diff_specs(old, new, path)
    except PrimesError as exc:
        _refuse(exc)
    if as_json:
        print_json(result.as_dict())
    else:
        console.print(changelog(result), markup=False, end="")
