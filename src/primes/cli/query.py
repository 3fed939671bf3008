"""Query commands: ``show``, ``neighbors``, ``ancestors``, ``descendants``, ``path``, ``search``, ``domains``,
``stats``. Each prints a Rich rendering, or with ``--json`` the ``to_dict()`` of the library's answer."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from primes.catalog import Catalog
from primes.cli._app import DEFAULT_CATALOG, CatalogOption, JsonOption, app, console, fail, open_catalog, print_json
from primes.errors import QueryError, UnknownPrime
from primes.model import AUDIENCE_LABELS, Prime
from primes.ontology import EdgeKind, Position, edge_kinds
from primes.query import (
    Ancestry,
    Neighborhood,
    Path,
    ancestors,
    by_domain,
    descendants,
    domain_overview,
    hierarchy_kind,
    neighborhood,
    paths,
    stats,
)
from primes.query._common import resolve_kind
from primes.search import SearchHit, search


class DirectionChoice(StrEnum):
    IN = "in"
    OUT = "out"
    BOTH = "both"


def _check_kinds(values: list[str] | None) -> list[str] | None:
    for value in values or ():
        try:
            resolve_kind(value)
        except QueryError as exc:
            raise typer.BadParameter(str(exc)) from None
    return values


IdArgument = Annotated[
    str, typer.Argument(metavar="ID", help="The prime's id, e.g. micro-macro-linkage.", show_default=False)
]
KindOption = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        "-k",
        metavar="KIND",
        help="Follow only this edge kind (repeatable): "
        + ", ".join(k.id for k in edge_kinds())
        + " (or its record field).",
        callback=_check_kinds,
        show_default=False,
    ),
]


@contextmanager
def _answering() -> Iterator[None]:
    """Library errors as exit codes: an unknown id is a problem with the input (1), a bad argument usage (2)."""
    try:
        yield
    except UnknownPrime as exc:
        fail(str(exc), 1)
    except QueryError as exc:
        fail(str(exc), 2)


# -- show -------------------------------------------------------------------------------------------


@app.command()
def show(prime_id: IdArgument, catalog_dir: CatalogOption = DEFAULT_CATALOG, as_json: JsonOption = False) -> None:
    """Print a whole prime, in the reference page's order, relationships derived from the whole catalog."""
    catalog = open_catalog(catalog_dir)
    with _answering():
        prime = catalog[prime_id]
        around = neighborhood(catalog, prime_id)
    if as_json:
        print_json(prime_json(prime, around))
        return
    for line in render_prime(catalog, prime, around, width=min(console.width, MAX_WIDTH)):
        console.print(line, soft_wrap=True)


MAX_WIDTH = 100  # long lines of prose are hard to read, however wide the terminal


def prime_json(prime: Prime, around: Neighborhood) -> dict[str, Any]:
    """The record as its file has it (empty optional fields left out) and what the catalog derives."""
    record = prime.model_dump(mode="json", by_alias=True, exclude_none=True)
    record["derived"] = {
        "foundational": around.foundational,
        "roles": {role: [n.to_dict() for n in entries] for role, entries in around.roles.items()},
    }
    return record


def render_prime(catalog: Catalog, prime: Prime, around: Neighborhood, width: int = 80) -> list[Text]:
    """The prime as the reference page lays it out, one Text per line, wrapped to ``width``: title, core
    idea, explanations, overview, broad use, the three facets, knowledge transfer, example, relationships."""
    domains = {d: catalog.domains[d].label for d in catalog.domains}
    page = _Page(width)
    title = Text(prime.name, style="bold")
    title.append(f"  {prime.id}", style="dim")
    if prime.is_draft:
        title.append("  draft", style="bold yellow")
    page.lines.append(title)
    if prime.aliases:
        page.paragraph("Also known as: " + ", ".join(prime.aliases), indent=0, style="italic")
    if prime.core_idea:
        page.heading("Core Idea")
        page.paragraph(prime.core_idea)
    if prime.explanations:
        page.heading("How would you explain it like I'm…")
        for i, explanation in enumerate(prime.explanations):
            if i:
                page.blank()
            head = Text("  " + explanation.title, style="bold")
            head.append(f"  for {AUDIENCE_LABELS.get(explanation.audience, explanation.audience)}", style="dim")
            page.lines.append(head)
            page.paragraph(explanation.text, indent=4)
    if prime.overview:
        page.blank()
        page.paragraph(prime.overview, indent=0)
    if prime.broad_use:
        page.heading("Broad Use")
        for use in prime.broad_use:
            page.bullet(domains.get(use.domain, use.domain), use.text)
    for heading, text in (
        ("Clarity", prime.clarity),
        ("Manages Complexity", prime.manages_complexity),
        ("Abstract Reasoning", prime.abstract_reasoning),
    ):
        if text:
            page.heading(heading)
            page.paragraph(text)
    if prime.knowledge_transfer:
        page.heading("Knowledge Transfer")
        for item in prime.knowledge_transfer:
            label = (
                f"{domains.get(item.from_domain, item.from_domain)} to {domains.get(item.to_domain, item.to_domain)}"
            )
            page.bullet(label, item.text)
    if prime.example:
        page.heading("Example")
        page.paragraph(prime.example.title, style="bold")
        page.paragraph(prime.example.text)
    page.heading("Relationships to Other Primes")
    _relationships(page, around)
    return page.lines


class _Page:
    """Lines of a terminal page, wrapped by hand so that indents hang and no line ends in padding."""

    def __init__(self, width: int) -> None:
        self.width = max(width, 40)
        self.lines: list[Text] = []

    def blank(self) -> None:
        self.lines.append(Text(""))

    def heading(self, text: str) -> None:
        self.blank()
        self.lines.append(Text(text, style="bold underline"))

    def paragraph(self, text: str, indent: int = 2, hang: int = 0, style: str = "") -> None:
        for line in self._wrap(text, indent, hang):
            self.lines.append(Text(line, style=style))

    def bullet(self, label: str, text: str, indent: int = 2) -> None:
        """``• Label: text`` with the label in bold and the text hanging under it."""
        lines = self._wrap(f"• {label}: {text}", indent, 2)
        first = Text(lines[0])
        first.stylize("bold", indent + 2, min(len(lines[0]), indent + 2 + len(label)))
        self.lines.append(first)
        self.lines.extend(Text(line) for line in lines[1:])

    def _wrap(self, text: str, indent: int, hang: int) -> list[str]:
        return textwrap.wrap(
            text,
            width=self.width,
            initial_indent=" " * indent,
            subsequent_indent=" " * (indent + hang),
            break_on_hyphens=False,
        ) or [" " * indent]


_ARROWS = {Position.ABOVE: "↑", Position.BELOW: "↓", Position.RIGHT: "→", Position.LEFT: "←"}
_WHERE = {
    Position.ABOVE: "above",
    Position.BELOW: "below",
    Position.RIGHT: "to the right",
    Position.LEFT: "to the left",
}


def _role_kinds() -> list[tuple[str, EdgeKind, bool]]:
    """(role, kind, outgoing) in the ontology's order, a symmetric kind's single role once."""
    out = []
    for kind in edge_kinds():
        out.append((kind.outgoing_role, kind, True))
        if not kind.symmetric:
            out.append((kind.incoming_role, kind, False))
    return out


def _relationships(page: _Page, around: Neighborhood) -> None:
    """The one-hop neighbourhood by diagram position, the foundational line, then each role's sentences."""
    placed = []
    for role, kind, outgoing in _role_kinds():
        position = kind.target_position if outgoing else kind.source_position
        placed.append((position, role))
    page.paragraph(
        "One-hop neighborhood: " + ", ".join(f"{_title(r).lower()} {_WHERE[p]}" for p, r in placed) + ".",
        style="dim",
    )
    column = max(len(_title(role)) for _, role in placed) + 2
    for position in (Position.ABOVE, Position.LEFT, Position.RIGHT, Position.BELOW):
        for where, role in placed:
            if where is not position:
                continue
            entries = around.roles.get(role, ())
            names = ", ".join(n.name for n in entries) if entries else "—"
            lines = page._wrap(f"{_ARROWS[position]} {_title(role):<{column}}{names}", 2, column + 2)
            first = Text(lines[0])
            first.stylize("bold", 4, 4 + len(_title(role)))
            page.lines.append(first)
            page.lines.extend(Text(line) for line in lines[1:])
    if around.foundational:
        page.blank()
        page.paragraph("Foundational — no parent edges in the catalog.", style="italic")
    for role, kind, outgoing in _role_kinds():
        entries = around.roles.get(role, ())
        if not entries:
            continue
        page.blank()
        page.paragraph(f"{_title(role)} ({len(entries)}) — {kind.label}", style="bold")
        for entry in entries:
            source, target = (around.name, entry.name) if outgoing else (entry.name, around.name)
            page.paragraph(f"• {source} {kind.forward_phrase} {target}", hang=2)
            if entry.note:
                page.paragraph(entry.note, indent=4, style="dim")


def _title(role: str) -> str:
    return role.replace("_", " ").capitalize()


# -- neighbors --------------------------------------------------------------------------------------


@app.command()
def neighbors(
    prime_id: IdArgument,
    hops: Annotated[int, typer.Option("--hops", "-n", min=1, help="How many edges away to reach.")] = 1,
    kind: KindOption = None,
    direction: Annotated[
        DirectionChoice,
        typer.Option("--direction", "-d", help="out: edges the prime declares; in: edges pointing at it."),
    ] = DirectionChoice.BOTH,
    catalog_dir: CatalogOption = DEFAULT_CATALOG,
    as_json: JsonOption = False,
) -> None:
    """A prime's neighbourhood: its neighbours by role, and with --hops N every prime within N edges."""
    catalog = open_catalog(catalog_dir)
    with _answering():
        around = neighborhood(catalog, prime_id, hops=hops, kinds=kind or None, direction=direction.value)
    if as_json:
        print_json(around.to_dict())
        return
    console.print(neighborhood_tree(around), soft_wrap=False)
    if hops > 1:
        far = Table(title=f"Within {hops} hops", title_justify="left")
        far.add_column("Distance", justify="right")
        far.add_column("Prime")
        for node in around.nodes:
            if node.distance > 0:
                far.add_row(str(node.distance), _prime_cell(node.name, node.id))
        console.print(far, soft_wrap=False)
        console.print(Text(f"{len(around.nodes)} primes, {len(around.edges)} edges between them", style="dim"))


def neighborhood_tree(around: Neighborhood) -> Tree:
    """The one-hop neighbours as a tree: a branch per non-empty role, a leaf per neighbour with its note."""
    tree = Tree(_prime_cell(around.name, around.id, style="bold"))
    kinds = {role: kind for role, kind, _ in _role_kinds()}
    for role, entries in around.roles.items():
        if not entries:
            continue
        label = Text(f"{_title(role)} ({len(entries)})", style="bold")
        label.append(f" — {kinds[role].label}", style="dim")
        branch = tree.add(label)
        for entry in entries:
            leaf = _prime_cell(entry.name, entry.id)
            if entry.note:
                leaf.append("\n" + entry.note, style="dim")
            branch.add(leaf)
    if not around.neighbors:
        tree.add(Text("no neighbours over the selected kinds and direction", style="dim"))
    return tree


def _prime_cell(name: str, prime_id: str, style: str = "") -> Text:
    cell = Text(name, style=style)
    cell.append(f" {prime_id}", style="dim")
    return cell


# -- ancestors / descendants ------------------------------------------------------------------------


@app.command(name="ancestors")
def ancestors_command(
    prime_id: IdArgument, catalog_dir: CatalogOption = DEFAULT_CATALOG, as_json: JsonOption = False
) -> None:
    """Every prime this one is, directly or through others, a decomposition of; as a tree with depths."""
    catalog = open_catalog(catalog_dir)
    with _answering():
        answer = ancestors(catalog, prime_id)
    _print_ancestry(answer, as_json)


@app.command(name="descendants")
def descendants_command(
    prime_id: IdArgument, catalog_dir: CatalogOption = DEFAULT_CATALOG, as_json: JsonOption = False
) -> None:
    """Every prime that is, directly or through others, a decomposition of this one; as a tree."""
    catalog = open_catalog(catalog_dir)
    with _answering():
        answer = descendants(catalog, prime_id)
    _print_ancestry(answer, as_json)


def _print_ancestry(answer: Ancestry, as_json: bool) -> None:
    if as_json:
        print_json(answer.to_dict())
        return
    console.print(ancestry_tree(answer), soft_wrap=False)
    if not answer.relatives:
        kind = hierarchy_kind()
        role = kind.outgoing_role if answer.relation == "ancestors" else kind.incoming_role
        console.print(Text(f"{answer.name} has no {role.replace('_', ' ')}.", style="dim"))
    else:
        console.print(Text(f"{len(answer)} {answer.relation}, depth {answer.depth}", style="dim"))


def ancestry_tree(answer: Ancestry) -> Tree:
    """The answer as a tree from the prime; a prime reached twice (a DAG) is expanded once, then referred to."""
    names = {r.id: r.name for r in answer.relatives}
    names[answer.id] = answer.name
    branches = answer.branches()
    upward = answer.relation == "ancestors"
    expanded: set[str] = {answer.id}
    tree = Tree(_prime_cell(answer.name, answer.id, style="bold"))

    def grow(node: str, branch: Tree) -> None:
        for edge in branches.get(node, ()):
            other = edge.target if upward else edge.source
            label = _prime_cell(names[other], other)
            if other in expanded:
                label.append("  (shown above)", style="italic")
            if edge.note:
                label.append("\n" + edge.note, style="dim")
            if other in expanded:
                branch.add(label)
                continue
            expanded.add(other)
            grow(other, branch.add(label))

    grow(answer.id, tree)
    return tree


# -- path -------------------------------------------------------------------------------------------


@app.command()
def path(
    source: Annotated[str, typer.Argument(metavar="A", help="The id to start from.", show_default=False)],
    target: Annotated[str, typer.Argument(metavar="B", help="The id to reach.", show_default=False)],
    kind: KindOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Print at most this many paths.")] = 20,
    catalog_dir: CatalogOption = DEFAULT_CATALOG,
    as_json: JsonOption = False,
) -> None:
    """Every shortest path between two primes, each step with its edge kind and note."""
    catalog = open_catalog(catalog_dir)
    with _answering():
        found = paths(catalog, source, target, kinds=kind or None, limit=limit)
    if as_json:
        print_json(
            {
                "source": source,
                "target": target,
                "length": len(found[0]) if found else None,
                "paths": [p.to_dict() for p in found],
            }
        )
        return
    if not found:
        console.print(Text(f"No path between {catalog[source].name} and {catalog[target].name}."))
        return
    width = min(console.width, MAX_WIDTH)
    for number, item in enumerate(found, 1):
        for line in render_path(item, number, width):
            console.print(line, soft_wrap=True)


def render_path(item: Path, number: int, width: int = 80) -> list[Text]:
    """A path as numbered sentences, each step's note dimmed under it."""
    page = _Page(width)
    steps = len(item)
    page.paragraph(f"Path {number} ({steps} step{'' if steps == 1 else 's'})", indent=0, style="bold")
    for index, step in enumerate(item.steps, 1):
        page.paragraph(f"{index}. {step.text}", indent=2, hang=3)
        if step.note:
            page.paragraph(step.note, indent=5, style="dim")
    return page.lines


# -- search -----------------------------------------------------------------------------------------


@app.command(name="search")
def search_command(
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="Words to look for (case, accents and small typos are forgiven).")
    ],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many hits.")] = 10,
    catalog_dir: CatalogOption = DEFAULT_CATALOG,
    as_json: JsonOption = False,
) -> None:
    """Ranked full-text search over names, aliases and every text field."""
    catalog = open_catalog(catalog_dir)
    with _answering():
        hits = search(catalog, text, limit=limit)
    if as_json:
        print_json({"query": text, "hits": [hit.to_dict() for hit in hits]})
        return
    if not hits:
        console.print(Text(f"No prime matches {text!r}."))
        return
    table = Table(title=f"Search: {text}", title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("Prime")
    table.add_column("Field", style="dim")
    table.add_column("Snippet")
    for rank, hit in enumerate(hits, 1):
        table.add_row(str(rank), _prime_cell(hit.name, hit.id), hit.field, highlighted(hit))
    console.print(table, soft_wrap=False)


def highlighted(hit: SearchHit) -> Text:
    snippet = Text(hit.snippet)
    for start, end in hit.highlights:
        snippet.stylize("bold yellow", start, end)
    return snippet


# -- domains ----------------------------------------------------------------------------------------


@app.command()
def domains(
    domain: Annotated[
        str | None,
        typer.Argument(
            metavar="[DOMAIN]", help="A domain's id or label; leave out to list them all.", show_default=False
        ),
    ] = None,
    catalog_dir: CatalogOption = DEFAULT_CATALOG,
    as_json: JsonOption = False,
) -> None:
    """The domains with how many primes use them, or the primes used in one domain."""
    catalog = open_catalog(catalog_dir)
    if domain is None:
        overview = domain_overview(catalog)
        if as_json:
            print_json({"domains": [d.to_dict() for d in overview]})
            return
        table = Table(title="Domains", title_justify="left")
        table.add_column("Domain")
        table.add_column("Id", style="dim")
        table.add_column("Primes", justify="right")
        table.add_column("Transfers", justify="right")
        for summary in overview:
            table.add_row(summary.label, summary.id, str(summary.primes), str(summary.transfers))
        console.print(table, soft_wrap=False)
        return
    try:
        answer = by_domain(catalog, domain)
    except QueryError as exc:  # an unknown domain is a problem with the input, like an unknown id
        fail(str(exc), 1)
    if as_json:
        print_json(answer.to_dict())
        return
    console.print(Text(answer.label, style="bold"), Text(answer.id, style="dim"))
    if answer.description:
        console.print(Text(answer.description), soft_wrap=False)
    uses = Table(title=f"Primes used in {answer.label} ({len(answer.uses)})", title_justify="left")
    uses.add_column("Prime")
    uses.add_column("How it shows up")
    for use in answer.uses:
        uses.add_row(_prime_cell(use.name, use.id), use.text)
    console.print(uses, soft_wrap=False)
    if answer.transfers:
        moves = Table(title=f"Knowledge transfers to or from {answer.label}", title_justify="left")
        moves.add_column("Prime")
        moves.add_column("From → to", style="dim")
        moves.add_column("What carries over")
        for item in answer.transfers:
            moves.add_row(_prime_cell(item.name, item.id), f"{item.from_domain} → {item.to_domain}", item.text)
        console.print(moves, soft_wrap=False)


# -- stats ------------------------------------------------------------------------------------------


@app.command(name="stats")
def stats_command(
    top: Annotated[int, typer.Option("--top", min=0, help="How many leaders to list.")] = 5,
    catalog_dir: CatalogOption = DEFAULT_CATALOG,
    as_json: JsonOption = False,
) -> None:
    """Counts by edge kind, the most connected primes, the depth of the hierarchy, the components."""
    catalog = open_catalog(catalog_dir)
    with _answering():
        answer = stats(catalog, top=top)
    if as_json:
        print_json(answer.to_dict())
        return
    summary = Table(title="Catalog", title_justify="left", show_header=False)
    summary.add_column(style="bold")
    summary.add_column(justify="right")
    rows = [
        ("primes", answer.primes),
        ("published", answer.published),
        ("drafts", answer.drafts),
        ("domains", answer.domains),
        *((f"edges: {kind}", count) for kind, count in answer.edges.items()),
        ("foundational (no parent)", answer.roots),
        ("leaves (no child)", answer.leaves),
        ("isolated", answer.isolated),
        ("hierarchy depth", "cycle" if answer.depth is None else answer.depth),
        ("components", answer.components),
        ("largest component", answer.largest_component),
    ]
    for label, value in rows:
        summary.add_row(label, str(value))
    console.print(summary, soft_wrap=False)
    if top == 0:
        return
    leaders = Table(title="Most connected", title_justify="left")
    leaders.add_column("Role", style="bold")
    leaders.add_column("Prime")
    leaders.add_column("Count", justify="right")
    for leader in answer.leaders:
        leaders.add_row("any edge", _prime_cell(leader.name, leader.id), str(leader.degree))
    for role, top_primes in answer.role_leaders.items():
        for leader in top_primes:
            leaders.add_row(_title(role), _prime_cell(leader.name, leader.id), str(leader.degree))
    console.print(leaders, soft_wrap=False)
