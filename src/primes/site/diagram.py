"""Inline SVG diagrams, drawn at build time: a prime's one-hop neighbourhood and the whole catalog by level.

The one-hop diagram puts the prime in the centre and each neighbour where its edge kind says
(``target_position`` / ``source_position``): parents above, partners right, children below, contrasts left.
Rows and columns are joined by a trunk, a bus and one drop per neighbour, so that no line crosses a box or a
label however many neighbours there are. Names are wrapped by an upper estimate of their width and cut
with an ellipsis after three lines, the full name kept as a tooltip, so text never overflows its box.

Colours come from CSS (the site's stylesheet maps them to the theme's light and dark palettes); the
presentation attributes are a fallback that follows the text colour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from primes.catalog import Catalog
from primes.ontology import Position
from primes.site.links import Link, RoleGroup, hierarchy_edges
from primes.site.text import text_width, wrap, xml

UrlFor = Callable[[str], str]

NODE_W = 176.0
PAD = 8.0
NAME_SIZE = 13.0
NAME_LINE = 16.0
TAG_SIZE = 10.0
TAG_LINE = 13.0
TAG_GAP = 3.0
CENTER_SIZE = 15.0
CENTER_LINE = 19.0
CENTER_MIN_W = 176.0
CENTER_MAX_W = 260.0
MAX_NAME_LINES = 3
CENTER_MAX_LINES = 4
H_GAP = 16.0
ROW_GAP = 44.0
SIDE_GAP = 64.0
STACK_GAP = 12.0
TRUNK_GAP = 32.0
MARGIN = 8.0
MAX_PER_ROW = 4


@dataclass(slots=True)
class _Node:
    """A box in a diagram: wrapped name (and tag), its size, then its place."""

    prime_id: str
    name: str
    name_lines: Sequence[str]
    tag_lines: Sequence[str]
    truncated: bool
    w: float
    h: float
    link: Link | None = None
    x: float = 0.0
    y: float = 0.0
    classes: list[str] = field(default_factory=list)

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def _neighbour_node(link: Link, name: str, width: float = NODE_W) -> _Node:
    inner = width - 2 * PAD
    name_lines, cut = wrap(name, inner, NAME_SIZE, max_lines=MAX_NAME_LINES)
    tag_lines, _ = wrap(link.phrase, inner, TAG_SIZE, max_lines=2)
    h = 2 * PAD + len(tag_lines) * TAG_LINE + TAG_GAP + len(name_lines) * NAME_LINE
    classes = ["primes-node", f"primes-kind-{link.kind.id}", f"primes-pos-{link.position.value}"]
    return _Node(link.other, name, name_lines, tag_lines, cut, width, h, link, classes=classes)


def _center_node(prime_id: str, name: str) -> _Node:
    natural = max(CENTER_MIN_W, min(CENTER_MAX_W, _one_line_width(name) + 2 * PAD))
    lines, cut = wrap(name, natural - 2 * PAD, CENTER_SIZE, max_lines=CENTER_MAX_LINES, bold=True)
    h = 2 * PAD + 4 + len(lines) * CENTER_LINE
    return _Node(prime_id, name, lines, (), cut, natural, h, classes=["primes-node", "primes-center"])


def _one_line_width(name: str) -> float:
    return text_width(name, CENTER_SIZE, bold=True)


@dataclass(slots=True)
class _Rows:
    """Neighbours above or below the centre, in rows of at most MAX_PER_ROW."""

    rows: list[list[_Node]]

    @property
    def split(self) -> bool:
        # With several rows the trunk runs down the middle, so each row leaves a gap for it.
        return len(self.rows) > 1

    def halves(self, row: list[_Node]) -> tuple[list[_Node], list[_Node]]:
        left = math.ceil(len(row) / 2)
        return row[:left], row[left:]

    def extents(self) -> tuple[float, float]:
        """How far the rows reach left and right of the centre line."""
        left_ext = right_ext = 0.0
        for row in self.rows:
            if self.split:
                left, right = self.halves(row)
                left_ext = max(left_ext, TRUNK_GAP / 2 + _span(left))
                right_ext = max(right_ext, TRUNK_GAP / 2 + _span(right))
            else:
                half = _span(row) / 2
                left_ext, right_ext = max(left_ext, half), max(right_ext, half)
        return left_ext, right_ext

    def height(self) -> float:
        if not self.rows:
            return 0.0
        return sum(max(n.h for n in row) for row in self.rows) + ROW_GAP * len(self.rows)

    def place(self, cx: float, start: float, downward: bool) -> list[float]:
        """Place the rows from ``start`` (the centre band's edge); returns each row's bus line y."""
        buses: list[float] = []
        edge = start
        for row in self.rows:
            row_h = max(n.h for n in row)
            bus = edge + ROW_GAP / 2 if downward else edge - ROW_GAP / 2
            top = edge + ROW_GAP if downward else edge - ROW_GAP - row_h
            buses.append(bus)
            if self.split:
                left, right = self.halves(row)
                _place_run(left, cx - TRUNK_GAP / 2 - _span(left))
                _place_run(right, cx + TRUNK_GAP / 2)
            else:
                _place_run(row, cx - _span(row) / 2)
            for node in row:
                node.h = row_h
                node.y = top
            edge = top + row_h if downward else top
        return buses


def _chunks(nodes: list[_Node], size: int) -> list[list[_Node]]:
    return [nodes[i : i + size] for i in range(0, len(nodes), size)]


def _span(nodes: Sequence[_Node]) -> float:
    return sum(n.w for n in nodes) + H_GAP * max(0, len(nodes) - 1)


def _place_run(nodes: Sequence[_Node], x: float) -> None:
    for node in nodes:
        node.x = x
        x += node.w + H_GAP


def _stack_height(nodes: Sequence[_Node]) -> float:
    return sum(n.h for n in nodes) + STACK_GAP * max(0, len(nodes) - 1)


@dataclass(frozen=True, slots=True)
class Diagram:
    """A rendered diagram: the SVG element and the HTML text list of the same edges."""

    svg: str
    edge_list: str
    width: float
    height: float

    def figure(self, caption: str) -> str:
        return (
            f'<figure class="primes-diagram">{self.svg}<figcaption>{xml(caption)}{self.edge_list}</figcaption></figure>'
        )


def one_hop(
    prime_id: str,
    name: str,
    groups: Sequence[RoleGroup],
    names: Mapping[str, str],
    url_for: UrlFor,
) -> Diagram:
    """The one-hop diagram of a prime: every edge of ``groups`` drawn to a linked, labelled neighbour box."""
    center = _center_node(prime_id, name)
    by_position: dict[Position, list[_Node]] = {p: [] for p in Position}
    for group in groups:
        for link in group.links:
            by_position[link.position].append(_neighbour_node(link, names[link.other]))
    above = _Rows(
        [
            by_position[Position.ABOVE][i : i + MAX_PER_ROW]
            for i in range(0, len(by_position[Position.ABOVE]), MAX_PER_ROW)
        ]
    )
    below = _Rows(
        [
            by_position[Position.BELOW][i : i + MAX_PER_ROW]
            for i in range(0, len(by_position[Position.BELOW]), MAX_PER_ROW)
        ]
    )
    left, right = by_position[Position.LEFT], by_position[Position.RIGHT]

    above_left, above_right = above.extents()
    below_left, below_right = below.extents()
    left_ext = max(center.w / 2, above_left, below_left, center.w / 2 + SIDE_GAP + NODE_W if left else 0.0)
    right_ext = max(center.w / 2, above_right, below_right, center.w / 2 + SIDE_GAP + NODE_W if right else 0.0)
    cx = MARGIN + left_ext
    width = left_ext + right_ext + 2 * MARGIN

    band_h = max(center.h, _stack_height(left), _stack_height(right))
    band_top = MARGIN + above.height()
    cy = band_top + band_h / 2
    center.x, center.y = cx - center.w / 2, cy - center.h / 2
    above_buses = above.place(cx, band_top, downward=False)
    below_buses = below.place(cx, band_top + band_h, downward=True)
    for side, sign in ((left, -1), (right, 1)):
        y = cy - _stack_height(side) / 2
        for node in side:
            node.x = cx + sign * (center.w / 2 + SIDE_GAP) - (node.w if sign < 0 else 0)
            node.y = y
            y += node.h + STACK_GAP
    height = band_top + band_h + below.height() + MARGIN

    paths: list[str] = []
    for rows, buses, start_y in ((above, above_buses, center.y), (below, below_buses, center.y + center.h)):
        for row, bus in zip(rows.rows, buses, strict=True):
            for node in row:
                end_y = node.y + node.h if bus < center.y else node.y
                d = f"M{cx:.1f} {start_y:.1f}V{bus:.1f}H{node.cx:.1f}V{end_y:.1f}"
                paths.append(_edge(name, node, d))
    for side, sign in ((left, -1), (right, 1)):
        start_x = cx + sign * center.w / 2
        bus_x = cx + sign * (center.w / 2 + SIDE_GAP / 2)
        for node in side:
            end_x = node.x + node.w if sign < 0 else node.x
            d = f"M{start_x:.1f} {cy:.1f}H{bus_x:.1f}V{node.cy:.1f}H{end_x:.1f}"
            paths.append(_edge(name, node, d))

    nodes = [center, *by_position[Position.ABOVE], *by_position[Position.BELOW], *left, *right]
    summary = _summary(name, groups)
    title_id, desc_id = f"primes-diagram-title-{prime_id}", f"primes-diagram-desc-{prime_id}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="primes-svg primes-one-hop" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'aria-labelledby="{title_id}" aria-describedby="{desc_id}">',
        f'<title id="{title_id}">One-hop neighbourhood of {xml(name)}</title>',
        f'<desc id="{desc_id}">{xml(summary)}</desc>',
        '<g class="primes-edges">',
        *paths,
        "</g>",
        *(_box(node, url_for if node is not center else None) for node in nodes),
        "</svg>",
    ]
    return Diagram("".join(parts), _edge_list(name, groups, names, url_for), width, height)


def _edge(center_name: str, node: _Node, d: str) -> str:
    assert node.link is not None
    kind = node.link.kind
    label = f"{center_name} {node.link.phrase} {node.name}"
    return (
        f'<g class="primes-edge primes-kind-{kind.id} primes-pos-{node.link.position.value}">'
        f"<title>{xml(kind.label)}: {xml(label)}</title>"
        f'<path d="{d}" fill="none" stroke="currentColor"{_dash(node)}/></g>'
    )


def _dash(node: _Node) -> str:
    # Contrasts (drawn left) are told apart by their dashes even without the stylesheet.
    if node.link is not None and node.link.position is Position.LEFT:
        return ' stroke-dasharray="5 4"'
    return ""


def _box(node: _Node, url_for: UrlFor | None) -> str:
    classes = " ".join(node.classes)
    center = url_for is None
    out = [f'<g class="{classes}">']
    if not center:
        assert url_for is not None
        out.append(f'<a href="{xml(url_for(node.prime_id))}" aria-label="{xml(node.name)}">')
    out.append(f"<title>{xml(node.name)}</title>")
    rx = 8 if center else 5
    out.append(
        f'<rect x="{node.x:.1f}" y="{node.y:.1f}" width="{node.w:.1f}" height="{node.h:.1f}" rx="{rx}" '
        f'fill="none" stroke="currentColor"{_dash(node)}/>'
    )
    y = node.y + PAD
    for line in node.tag_lines:
        y += TAG_LINE
        out.append(
            f'<text class="primes-tag" x="{node.cx:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
            f'font-size="{TAG_SIZE:g}" fill="currentColor">{xml(line)}</text>'
        )
    if node.tag_lines:
        y += TAG_GAP
    size, line_h = (CENTER_SIZE, CENTER_LINE) if center else (NAME_SIZE, NAME_LINE)
    if center:
        y += 2
    weight = ' font-weight="bold"' if center else ""
    for line in node.name_lines:
        y += line_h
        out.append(
            f'<text class="primes-name" x="{node.cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
            f'font-size="{size:g}"{weight} fill="currentColor">{xml(line)}</text>'
        )
    out.append("</a></g>" if not center else "</g>")
    return "".join(out)


def _summary(name: str, groups: Sequence[RoleGroup]) -> str:
    parts = [f"{len(g.links)} {g.role.replace('_', ' ')} {_where(g.position)}" for g in groups if g.links]
    if not parts:
        return f"{name} has no edges to other primes."
    return f"{name} in the centre; " + ", ".join(parts) + ". Each box is a link to that prime's page."


def _where(position: Position) -> str:
    return {
        Position.ABOVE: "above",
        Position.BELOW: "below",
        Position.LEFT: "to the left",
        Position.RIGHT: "to the right",
    }[position]


def _edge_list(name: str, groups: Sequence[RoleGroup], names: Mapping[str, str], url_for: UrlFor) -> str:
    items = [
        f'<li>{xml(name)} {xml(link.phrase)} <a href="{xml(url_for(link.other))}">{xml(names[link.other])}</a></li>'
        for group in groups
        for link in group.links
    ]
    if not items:
        return ""
    return f'<ul class="primes-edge-list">{"".join(items)}</ul>'


# --- The whole catalog, by hierarchy level ------------------------------------------------------------------

GRAPH_NODE_W = 150.0
GRAPH_NAME_SIZE = 12.0
GRAPH_NAME_LINE = 15.0
GRAPH_ROW_GAP = 26.0
GRAPH_LEVEL_GAP = 64.0
GRAPH_LABEL_H = 22.0


def catalog_graph(catalog: Catalog, level_of: Mapping[str, int], url_for: UrlFor) -> Diagram:
    """Every prime as a linked box, one band per hierarchy level (foundational at the top), with the
    hierarchy edges drawn from each child up to its parents."""
    columns = 4 if len(catalog) <= 300 else 8  # four fit the theme's content column; big catalogs scroll
    by_level: dict[int, list[str]] = {}
    for prime_id, level in level_of.items():
        by_level.setdefault(level, []).append(prime_id)
    parents: dict[str, list[str]] = {p: [] for p in catalog.ids}
    for child, parent in hierarchy_edges(catalog).edges:
        parents[child].append(parent)

    inner = GRAPH_NODE_W - 2 * PAD
    nodes: dict[str, _Node] = {}
    width = MARGIN * 2 + columns * GRAPH_NODE_W + (columns - 1) * H_GAP
    y = MARGIN
    labels: list[str] = []
    for level in sorted(by_level):
        members = _ordered_level(by_level[level], parents, nodes, catalog)
        count = len(members)
        label = f"Level {level}" + (" · foundational" if level == 0 else "") + f" ({count})"
        labels.append(
            f'<text class="primes-level" x="{MARGIN:.1f}" y="{y + 15:.1f}" font-size="13" font-weight="bold" '
            f'fill="currentColor">{xml(label)}</text>'
        )
        y += GRAPH_LABEL_H
        for start in range(0, count, columns):
            row = []
            for prime_id in members[start : start + columns]:
                name = catalog.primes[prime_id].name
                lines, cut = wrap(name, inner, GRAPH_NAME_SIZE, max_lines=MAX_NAME_LINES)
                row.append(_Node(prime_id, name, lines, (), cut, GRAPH_NODE_W, 0.0, classes=["primes-node"]))
            row_h = 2 * PAD + max(len(n.name_lines) for n in row) * GRAPH_NAME_LINE
            x = MARGIN + (columns - len(row)) * (GRAPH_NODE_W + H_GAP) / 2
            for node in row:
                node.x, node.y, node.h = x, y, row_h
                x += GRAPH_NODE_W + H_GAP
                nodes[node.prime_id] = node
            y += row_h + GRAPH_ROW_GAP
        y += GRAPH_LEVEL_GAP - GRAPH_ROW_GAP
    height = y - GRAPH_LEVEL_GAP + GRAPH_ROW_GAP + MARGIN

    edges = []
    for child, its_parents in parents.items():
        c = nodes[child]
        for parent in its_parents:
            p = nodes[parent]
            edges.append(f"M{c.cx:.1f} {c.y:.1f}L{p.cx:.1f} {p.y + p.h:.1f}")
    edge_count = len(edges)
    title = f"All {len(catalog)} primes of the catalog by hierarchy level"
    desc = (
        f"{len(by_level)} levels, foundational primes at the top; {edge_count} lines join each prime to its "
        "parents above. Each box is a link to that prime's page."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="primes-svg primes-catalog-graph" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        'aria-labelledby="primes-graph-title" aria-describedby="primes-graph-desc">',
        f'<title id="primes-graph-title">{xml(title)}</title>',
        f'<desc id="primes-graph-desc">{xml(desc)}</desc>',
        # One path for all edges: thousands of separate elements would slow the browser for no gain.
        f'<path class="primes-graph-edges" d="{"".join(edges)}" fill="none" stroke="currentColor" '
        'stroke-opacity="0.35"/>'
        if edges
        else "",
        *labels,
    ]
    for node in nodes.values():
        parts.append(
            f'<g class="primes-node"><a href="{xml(url_for(node.prime_id))}" aria-label="{xml(node.name)}">'
            f"<title>{xml(node.name)}</title>"
            f'<rect x="{node.x:.1f}" y="{node.y:.1f}" width="{node.w:.1f}" height="{node.h:.1f}" rx="5" '
            'fill="none" stroke="currentColor"/>'
        )
        ty = node.y + PAD + (node.h - 2 * PAD - len(node.name_lines) * GRAPH_NAME_LINE) / 2  # centred in the row
        for line in node.name_lines:
            ty += GRAPH_NAME_LINE
            parts.append(
                f'<text class="primes-name" x="{node.cx:.1f}" y="{ty - 4:.1f}" text-anchor="middle" '
                f'font-size="{GRAPH_NAME_SIZE:g}" fill="currentColor">{xml(line)}</text>'
            )
        parts.append("</a></g>")
    parts.append("</svg>")
    return Diagram("".join(parts), "", width, height)


def _ordered_level(
    members: list[str], parents: Mapping[str, list[str]], placed: Mapping[str, _Node], catalog: Catalog
) -> list[str]:
    """A level's primes ordered by where their parents sit (fewer crossing lines), then by name."""

    def key(prime_id: str) -> tuple[float, str]:
        xs = [placed[p].cx for p in parents[prime_id] if p in placed]
        return (sum(xs) / len(xs) if xs else -1.0, catalog.primes[prime_id].name.casefold())

    return sorted(members, key=key)
