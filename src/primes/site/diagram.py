"""Inline SVG diagrams, drawn at build time: a prime's one-hop neighbourhood and the whole catalog by level.

The one-hop diagram puts the prime in the centre and each neighbour where its edge kind says
(``target_position`` / ``source_position``): parents above, partners right, children below, contrasts left.
Rows and columns are joined by a trunk, a bus and one drop per neighbour, so that no line crosses a box or a
label however many neighbours there are. Names are wrapped by an upper estimate of their width and cut
with an ellipsis after three lines, the full name kept as a tooltip, so text never overflows its box.

Colours come from CSS (the site's stylesheet maps them to the theme's light and dark palettes); the
presentation attributes are a fallback that follows the text colour.

A build draws a diagram per prime, and a prime appears in the diagram of each of its neighbours: :class:`OneHop`
works out once per build what a neighbour's box shows in a role (its wrapped, escaped name and tag, its height)
and what a role's edges share, so that a diagram only places its boxes and writes their coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from primes.catalog import Catalog
from primes.ontology import EdgeKind, Position
from primes.site.links import RoleGroup, hierarchy_edges
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


class _Role:
    """What every box and edge of one kind and direction shares (a prime's parents, children, ...)."""

    __slots__ = ("classes", "dash", "edge_open", "phrase", "summary", "tag_lines")

    def __init__(self, kind: EdgeKind, outgoing: bool) -> None:
        position = kind.target_position if outgoing else kind.source_position
        phrase = kind.forward_phrase if outgoing else kind.inverse_phrase
        role = kind.outgoing_role if outgoing else kind.incoming_role
        # Contrasts (drawn left) are told apart by their dashes even without the stylesheet.
        self.dash = ' stroke-dasharray="5 4"' if position is Position.LEFT else ""
        self.classes = f"primes-node primes-kind-{kind.id} primes-pos-{position.value}"
        self.edge_open = (
            f'<g class="primes-edge primes-kind-{kind.id} primes-pos-{position.value}"><title>{xml(kind.label)}: '
        )
        self.phrase = f" {xml(phrase)} "  # between the two names, in an edge's tooltip and in the list
        self.summary = xml(f"{role.replace('_', ' ')} {WHERE[position]}")  # "children below", in the summary
        lines, _ = wrap(phrase, NODE_W - 2 * PAD, TAG_SIZE, max_lines=2)
        self.tag_lines = tuple(
            f'" text-anchor="middle" font-size="{TAG_SIZE:g}" fill="currentColor">{xml(line)}</text>' for line in lines
        )


class _Shape:
    """A neighbour's box but for where it goes: the same in the diagram of every prime it is a neighbour of
    (in one role), so worked out once."""

    __slots__ = ("h", "name_lines", "prime_id", "role", "title")

    def __init__(self, prime_id: str, name: str, role: _Role) -> None:
        lines, _ = wrap(name, NODE_W - 2 * PAD, NAME_SIZE, max_lines=MAX_NAME_LINES)
        self.prime_id = prime_id
        self.role = role
        self.title = xml(name)
        self.name_lines = tuple(
            f'" text-anchor="middle" font-size="{NAME_SIZE:g}" fill="currentColor">{xml(line)}</text>' for line in lines
        )
        self.h = 2 * PAD + len(role.tag_lines) * TAG_LINE + TAG_GAP + len(lines) * NAME_LINE


# Every neighbour's box is NODE_W wide: the width of a run of k boxes side by side, and the step from one to the next.
_SPAN = tuple(sum([NODE_W] * k) + H_GAP * max(0, k - 1) for k in range(MAX_PER_ROW + 1))
_STEP = NODE_W + H_GAP
_NODE_W = f"{NODE_W:.1f}"
_EACH_BOX = xml(". Each box is a link to that prime's page.")


def _rows(shapes: list[_Shape]) -> list[list[_Shape]]:
    """Neighbours above or below the centre, in rows of at most MAX_PER_ROW (with several rows the trunk runs
    down the middle, so each row is split in two halves around it)."""
    return [shapes[i : i + MAX_PER_ROW] for i in range(0, len(shapes), MAX_PER_ROW)]


def _extents(rows: list[list[_Shape]]) -> tuple[float, float]:
    """How far the rows reach left and right of the centre line."""
    left_ext = right_ext = 0.0
    split = len(rows) > 1
    for row in rows:
        if split:
            left = math.ceil(len(row) / 2)
            left_ext = max(left_ext, TRUNK_GAP / 2 + _SPAN[left])
            right_ext = max(right_ext, TRUNK_GAP / 2 + _SPAN[len(row) - left])
        else:
            half = _SPAN[len(row)] / 2
            left_ext, right_ext = max(left_ext, half), max(right_ext, half)
    return left_ext, right_ext


def _height(row_heights: list[float]) -> float:
    return sum(row_heights) + ROW_GAP * len(row_heights) if row_heights else 0.0


def _stack_height(shapes: list[_Shape]) -> float:
    return sum(s.h for s in shapes) + STACK_GAP * max(0, len(shapes) - 1)


class _Drawing:
    """One diagram's SVG as it is written: its edges, then its boxes (a neighbour's edge and box come together)."""

    __slots__ = ("boxes", "center_title", "edges", "hrefs")

    def __init__(self, center_title: str, hrefs: Mapping[str, str]) -> None:
        self.center_title = center_title
        self.hrefs = hrefs
        self.edges: list[str] = []
        self.boxes: list[str] = []

    def rows(
        self,
        rows: list[list[_Shape]],
        heights: list[float],
        cx: float,
        start: float,
        downward: bool,
        edge_start: str,
    ) -> None:
        """Place and draw the rows from ``start`` (the centre band's edge), each joined to the centre (whose
        side the edges leave from is ``edge_start``, "M<x> <y>") by a bus line and one drop per box."""
        split = len(rows) > 1
        edge = start
        for row, row_h in zip(rows, heights, strict=True):
            bus = f"{edge + ROW_GAP / 2 if downward else edge - ROW_GAP / 2:.1f}"
            top = edge + ROW_GAP if downward else edge - ROW_GAP - row_h
            end = f"{top:.1f}" if downward else f"{top + row_h:.1f}"
            runs: list[tuple[list[_Shape], float]]  # boxes side by side, from x
            if split:
                left = math.ceil(len(row) / 2)
                runs = [(row[:left], cx - TRUNK_GAP / 2 - _SPAN[left]), (row[left:], cx + TRUNK_GAP / 2)]
            else:
                runs = [(row, cx - _SPAN[len(row)] / 2)]
            for run, x in runs:
                for shape in run:
                    center_x = f"{x + NODE_W / 2:.1f}"
                    self._edge(shape, f"{edge_start}V{bus}H{center_x}V{end}")
                    self._box(shape, x, top, row_h, center_x)
                    x += _STEP
            edge = top + row_h if downward else top

    def side(self, shapes: list[_Shape], x: float, y: float, edge_start: str, end_x: str) -> None:
        """Place and draw a stack of boxes at ``x`` from ``y`` down, each joined to the centre by a bus line."""
        for shape in shapes:
            self._edge(shape, f"{edge_start}V{y + shape.h / 2:.1f}H{end_x}")
            self._box(shape, x, y, shape.h, f"{x + NODE_W / 2:.1f}")
            y += shape.h + STACK_GAP

    def _edge(self, shape: _Shape, d: str) -> None:
        role = shape.role
        self.edges.append(
            f"{role.edge_open}{self.center_title}{role.phrase}{shape.title}</title>"
            f'<path d="{d}" fill="none" stroke="currentColor"{role.dash}/></g>'
        )

    def _box(self, shape: _Shape, x: float, y: float, h: float, center_x: str) -> None:
        role = shape.role
        out = self.boxes
        out.append(
            f'<g class="{role.classes}"><a href="{self.hrefs[shape.prime_id]}" aria-label="{shape.title}">'
            f"<title>{shape.title}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{_NODE_W}" height="{h:.1f}" rx="5" '
            f'fill="none" stroke="currentColor"{role.dash}/>'
        )
        y += PAD
        for line in role.tag_lines:
            y += TAG_LINE
            out.append(f'<text class="primes-tag" x="{center_x}" y="{y - 3:.1f}{line}')
        if role.tag_lines:
            y += TAG_GAP
        for line in shape.name_lines:
            y += NAME_LINE
            out.append(f'<text class="primes-name" x="{center_x}" y="{y - 4:.1f}{line}')
        out.append("</a></g>")


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


class OneHop:
    """Draws the one-hop diagrams of the primes of one catalog (``names``: prime id -> name).

    Made once per build: what a role's boxes and edges share and what a neighbour's box shows are worked out
    once, not once per diagram they appear in; a diagram then only places its boxes and writes them out.
    """

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names
        self._roles: dict[tuple[str, bool], _Role] = {}
        self._shapes: dict[tuple[str, bool], dict[str, _Shape]] = {}  # role -> neighbour -> its box's shape

    def diagram(self, prime_id: str, name: str, groups: Sequence[RoleGroup], url_for: UrlFor) -> Diagram:
        """The one-hop diagram of a prime: every edge of ``groups`` drawn to a linked, labelled neighbour box."""
        center_w = max(CENTER_MIN_W, min(CENTER_MAX_W, text_width(name, CENTER_SIZE, bold=True) + 2 * PAD))
        center_lines, _ = wrap(name, center_w - 2 * PAD, CENTER_SIZE, max_lines=CENTER_MAX_LINES, bold=True)
        center_h = 2 * PAD + 4 + len(center_lines) * CENTER_LINE
        above: list[_Shape] = []
        below: list[_Shape] = []
        left: list[_Shape] = []
        right: list[_Shape] = []
        where = {Position.ABOVE: above, Position.BELOW: below, Position.LEFT: left, Position.RIGHT: right}
        hrefs: dict[str, str] = {}
        summary = []
        for group in groups:
            if not group.links:
                continue
            key = (group.kind.id, group.outgoing)
            shapes = self._shapes.get(key)
            if shapes is None:
                self._roles[key] = _Role(group.kind, group.outgoing)
                shapes = self._shapes[key] = {}
            role = self._roles[key]
            summary.append(f"{len(group.links)} {role.summary}")
            placed = where[group.position]
            for link in group.links:
                other = link.other
                shape = shapes.get(other)
                if shape is None:
                    shape = shapes[other] = _Shape(other, self.names[other], role)
                placed.append(shape)
                if other not in hrefs:
                    hrefs[other] = xml(url_for(other))
        above_rows, below_rows = _rows(above), _rows(below)
        above_heights = [max(s.h for s in row) for row in above_rows]
        below_heights = [max(s.h for s in row) for row in below_rows]

        above_left, above_right = _extents(above_rows)
        below_left, below_right = _extents(below_rows)
        left_ext = max(center_w / 2, above_left, below_left, center_w / 2 + SIDE_GAP + NODE_W if left else 0.0)
        right_ext = max(center_w / 2, above_right, below_right, center_w / 2 + SIDE_GAP + NODE_W if right else 0.0)
        cx = MARGIN + left_ext
        width = left_ext + right_ext + 2 * MARGIN
        band_h = max(center_h, _stack_height(left), _stack_height(right))
        band_top = MARGIN + _height(above_heights)
        cy = band_top + band_h / 2
        center_x, center_y = cx - center_w / 2, cy - center_h / 2
        height = band_top + band_h + _height(below_heights) + MARGIN

        center_title = xml(name)
        drawing = _Drawing(center_title, hrefs)
        cx_text = f"{cx:.1f}"
        drawing.rows(above_rows, above_heights, cx, band_top, False, f"M{cx_text} {center_y:.1f}")
        drawing.rows(below_rows, below_heights, cx, band_top + band_h, True, f"M{cx_text} {center_y + center_h:.1f}")
        for side, sign in ((left, -1), (right, 1)):
            if side:
                start_x = cx + sign * center_w / 2
                bus_x = cx + sign * (center_w / 2 + SIDE_GAP / 2)
                x = cx + sign * (center_w / 2 + SIDE_GAP) - (NODE_W if sign < 0 else 0)
                end_x = f"{x + NODE_W if sign < 0 else x:.1f}"
                edge_start = f"M{start_x:.1f} {cy:.1f}H{bus_x:.1f}"
                drawing.side(side, x, cy - _stack_height(side) / 2, edge_start, end_x)

        # The summary, escaped piece by piece (its pieces but the name are the same in every diagram).
        if summary:
            described = f"{center_title} in the centre; {', '.join(summary)}{_EACH_BOX}"
        else:
            described = f"{center_title} has no edges to other primes."
        svg = "".join(
            [
                '<svg xmlns="http://www.w3.org/2000/svg" class="primes-svg primes-one-hop" '
                f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
                f'aria-labelledby="primes-diagram-title-{prime_id}" aria-describedby="primes-diagram-desc-{prime_id}">'
                f'<title id="primes-diagram-title-{prime_id}">One-hop neighbourhood of {center_title}</title>'
                f'<desc id="primes-diagram-desc-{prime_id}">{described}</desc>'
                '<g class="primes-edges">',
                *drawing.edges,
                "</g>",
                _center_box(center_x, center_y, center_w, center_h, center_title, center_lines),
                *drawing.boxes,
                "</svg>",
            ]
        )
        return Diagram(svg, self._edge_list(center_title, groups, hrefs), width, height)

    def _edge_list(self, center_title: str, groups: Sequence[RoleGroup], hrefs: Mapping[str, str]) -> str:
        items = []
        for group in groups:
            if group.links:
                key = (group.kind.id, group.outgoing)
                start = f'<li>{center_title}{self._roles[key].phrase}<a href="'
                shapes = self._shapes[key]
                for link in group.links:
                    items.append(f'{start}{hrefs[link.other]}">{shapes[link.other].title}</a></li>')
        if not items:
            return ""
        return f'<ul class="primes-edge-list">{"".join(items)}</ul>'


def one_hop(
    prime_id: str,
    name: str,
    groups: Sequence[RoleGroup],
    names: Mapping[str, str],
    url_for: UrlFor,
) -> Diagram:
    """The one-hop diagram of a prime: every edge of ``groups`` drawn to a linked, labelled neighbour box.
    (For the diagrams of many primes, make one :class:`OneHop` and ask it for each.)"""
    return OneHop(names).diagram(prime_id, name, groups, url_for)


def _center_box(x: float, y: float, w: float, h: float, title: str, lines: Sequence[str]) -> str:
    out = [
        f'<g class="primes-node primes-center"><title>{title}</title>'
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="8" fill="none" stroke="currentColor"/>'
    ]
    center_x = f"{x + w / 2:.1f}"
    y += PAD
    y += 2
    for line in lines:
        y += CENTER_LINE
        out.append(
            f'<text class="primes-name" x="{center_x}" y="{y - 4:.1f}" text-anchor="middle" '
            f'font-size="{CENTER_SIZE:g}" font-weight="bold" fill="currentColor">{xml(line)}</text>'
        )
    out.append("</g>")
    return "".join(out)


WHERE: Mapping[Position, str] = {
    Position.ABOVE: "above",
    Position.BELOW: "below",
    Position.LEFT: "to the left",
    Position.RIGHT: "to the right",
}


# --- The whole catalog, by hierarchy level ------------------------------------------------------------------

GRAPH_NODE_W = 150.0
GRAPH_NAME_SIZE = 12.0
GRAPH_NAME_LINE = 15.0
GRAPH_ROW_GAP = 26.0
GRAPH_LEVEL_GAP = 64.0
GRAPH_LABEL_H = 22.0


@dataclass(slots=True)
class _Node:
    """A box of the catalog graph: a prime's wrapped name, then its size and place."""

    prime_id: str
    name: str
    name_lines: Sequence[str]
    w: float
    h: float = 0.0
    x: float = 0.0
    y: float = 0.0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


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
                lines, _ = wrap(name, inner, GRAPH_NAME_SIZE, max_lines=MAX_NAME_LINES)
                row.append(_Node(prime_id, name, lines, GRAPH_NODE_W))
            row_h = 2 * PAD + max(len(n.name_lines) for n in row) * GRAPH_NAME_LINE
            x = MARGIN + (columns - len(row)) * (GRAPH_NODE_W + H_GAP) / 2
            for node in row:
                node.x, node.y, node.h = x, y, row_h
                x += GRAPH_NODE_W + H_GAP
                nodes[node.prime_id] = node
            y += row_h + GRAPH_ROW_GAP
        y += GRAPH_LEVEL_GAP - GRAPH_ROW_GAP
    height = y - GRAPH_LEVEL_GAP + GRAPH_ROW_GAP + MARGIN

    # Each box's centre x, as written, and the points where edges leave its top and reach its bottom.
    centers = {prime_id: f"{node.cx:.1f}" for prime_id, node in nodes.items()}
    bottoms = {prime_id: f"{centers[prime_id]} {node.y + node.h:.1f}" for prime_id, node in nodes.items()}
    edges = []
    for child, its_parents in parents.items():
        if its_parents:
            top = f"M{centers[child]} {nodes[child].y:.1f}L"
            edges.extend([top + bottoms[parent] for parent in its_parents])
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
                f'<text class="primes-name" x="{centers[node.prime_id]}" y="{ty - 4:.1f}" text-anchor="middle" '
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
