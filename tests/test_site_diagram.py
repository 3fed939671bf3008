"""The one-hop and whole-catalog SVGs: every edge drawn and labelled, nothing overlapping or cut."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import primes
from conftest import PART, TWIN, WHOLE
from primes.ontology import Position, edge_kinds
from primes.site.diagram import OneHop, catalog_graph, one_hop
from primes.site.links import Link, Neighbours, RoleGroup, levels, relations
from primes.site.text import text_width

GOLDEN = Path(__file__).parent / "golden" / "site"
SVG = "{http://www.w3.org/2000/svg}"
UPDATE = os.environ.get("PRIMES_UPDATE_GOLDEN") == "1"


def url_for(prime_id: str) -> str:
    return f"../{prime_id}/"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    href: str | None
    texts: list[tuple[float, float, float, str]]  # x, y, font size, text
    center: bool

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )

    def crossed_by(self, x1: float, y1: float, x2: float, y2: float) -> bool:
        """Whether an axis-aligned segment passes through the inside of the box (touching its edge is fine)."""
        inset = 0.5
        left, right, top, bottom = self.x + inset, self.x + self.w - inset, self.y + inset, self.y + self.h - inset
        if x1 == x2:
            return left < x1 < right and min(y1, y2) < bottom and max(y1, y2) > top
        return top < y1 < bottom and min(x1, x2) < right and max(x1, x2) > left


def parse(svg: str) -> tuple[ET.Element, list[Box], list[list[tuple[float, float, float, float]]]]:
    root = ET.fromstring(svg)
    boxes = []
    for group in root.iter(f"{SVG}g"):
        if "primes-node" not in group.get("class", ""):
            continue
        anchor = group.find(f"{SVG}a")
        holder = anchor if anchor is not None else group
        rect = holder.find(f"{SVG}rect")
        assert rect is not None
        texts = [
            (float(t.get("x", 0)), float(t.get("y", 0)), float(t.get("font-size", 0)), t.text or "")
            for t in holder.findall(f"{SVG}text")
        ]
        boxes.append(
            Box(
                float(rect.get("x", 0)),
                float(rect.get("y", 0)),
                float(rect.get("width", 0)),
                float(rect.get("height", 0)),
                anchor.get("href") if anchor is not None else None,
                texts,
                "primes-center" in group.get("class", ""),
            )
        )
    edges = [p for p in root.iter(f"{SVG}path") if "primes-graph-edges" not in p.get("class", "")]
    paths = [_segments(p.get("d", "")) for p in edges]
    return root, boxes, paths


def _segments(d: str) -> list[tuple[float, float, float, float]]:
    """The segments of a path made of M, H and V commands."""
    out = []
    x = y = 0.0
    for command, args in re.findall(r"([MHVL])([^MHVL]*)", d):
        numbers = [float(n) for n in args.split()]
        if command == "M":
            x, y = numbers
            continue
        nx_, ny = (numbers[0], y) if command == "H" else (x, numbers[0]) if command == "V" else numbers
        out.append((x, y, nx_, ny))
        x, y = nx_, ny
    return out


def check_geometry(svg: str) -> list[Box]:
    root, boxes, paths = parse(svg)
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    for box in boxes:
        assert box.x >= 0 and box.y >= 0 and box.x + box.w <= width + 0.1 and box.y + box.h <= height + 0.1
        for x, y, size, text in box.texts:
            half = text_width(text, size, bold=box.center) / 2
            assert box.x <= x - half and x + half <= box.x + box.w, f"text {text!r} overflows its box"
            assert box.y + size * 0.8 <= y <= box.y + box.h, f"text {text!r} outside its box vertically"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), f"boxes overlap: {a} / {b}"
    assert len(paths) == len(boxes) - 1, "one edge per neighbour"
    for segments, target in zip(paths, [b for b in boxes if not b.center], strict=True):
        end_x, end_y = segments[-1][2], segments[-1][3]
        on_target_edge = (
            target.x - 0.1 <= end_x <= target.x + target.w + 0.1
            and target.y - 0.1 <= end_y <= target.y + target.h + 0.1
        )
        assert on_target_edge, "each edge ends on its neighbour's box"
        for segment in segments:
            for box in boxes:
                if box is not target and not box.center:
                    assert not box.crossed_by(*segment), f"an edge crosses {box}"
    return boxes


def synthetic_groups(counts: dict[tuple[str, bool], int], name_of: dict[str, str]) -> list[RoleGroup]:
    groups = []
    for kind in edge_kinds():
        for outgoing in (True,) if kind.symmetric else (True, False):
            n = counts.get((kind.id, outgoing), 0)
            links = []
            for i in range(n):
                other = f"{kind.id}-{int(outgoing)}-{i}"
                name_of.setdefault(other, f"Neighbour {i}")
                links.append(Link(kind, outgoing, other, "a note"))
            groups.append(RoleGroup(kind, outgoing, tuple(links)))
    return groups


def test_whole_diagram_matches_golden(tiny: primes.Catalog) -> None:
    rel = relations(tiny, WHOLE)
    names = {p.id: p.name for p in tiny}
    svg = one_hop(WHOLE, tiny[WHOLE].name, rel.groups, names, url_for).svg
    golden = GOLDEN / "whole.svg"
    if UPDATE:
        golden.write_text(svg + "\n", encoding="utf-8")
    assert svg + "\n" == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("prime_id", [WHOLE, PART, TWIN])
def test_tiny_diagrams_place_each_neighbour_where_its_kind_says(tiny: primes.Catalog, prime_id: str) -> None:
    rel = relations(tiny, prime_id)
    names = {p.id: p.name for p in tiny}
    diagram = one_hop(prime_id, tiny[prime_id].name, rel.groups, names, url_for)
    boxes = check_geometry(diagram.svg)
    center = next(b for b in boxes if b.center)
    placed = [b for b in boxes if not b.center]
    links = [link for g in rel.groups for link in g.links]
    assert len(placed) == len(links)
    for box, link in zip(placed, _drawing_order(links), strict=True):
        assert box.href == url_for(link.other)
        where = {
            Position.ABOVE: box.y + box.h <= center.y,
            Position.BELOW: box.y >= center.y + center.h,
            Position.LEFT: box.x + box.w <= center.x,
            Position.RIGHT: box.x >= center.x + center.w,
        }
        assert where[link.position], f"{link.other} is not {link.position.value} the centre"
        assert any(text == link.phrase or link.phrase.startswith(text) for _, _, _, text in box.texts)
    for link in links:
        assert f'href="{url_for(link.other)}"' in diagram.edge_list


def _drawing_order(links: list[Link]) -> list[Link]:
    order = [Position.ABOVE, Position.BELOW, Position.LEFT, Position.RIGHT]
    return sorted(links, key=lambda link: order.index(link.position))


def test_twenty_five_children_and_a_sixty_character_name() -> None:
    names: dict[str, str] = {}
    groups = synthetic_groups({("decomposition", False): 25, ("decomposition", True): 2}, names)
    sixty = "Cross Scale Interaction Between Fast And Slow Adaptive Cycles"
    long_name = sixty + " Everywhere"
    assert len(sixty) == 61
    names["decomposition-0-3"] = long_name
    diagram = one_hop("centre", long_name, groups, names, url_for)
    boxes = check_geometry(diagram.svg)
    assert len(boxes) == 28
    root = ET.fromstring(diagram.svg)
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert titles.count(long_name) == 2  # the centre and the child keep the full name as a tooltip
    child = next(b for b in boxes if b.href == url_for("decomposition-0-3"))
    assert child.texts[-1][3].endswith("…")  # abbreviated in the box, full in the tooltip
    centre = next(b for b in boxes if b.center)
    assert " ".join(t for *_, t in centre.texts) == long_name  # the centre has room for all of it
    boxes = check_geometry(one_hop("centre", sixty, groups, {**names, "decomposition-0-3": sixty}, url_for).svg)
    child = next(b for b in boxes if b.href == url_for("decomposition-0-3"))
    assert " ".join(t for *_, t in child.texts[1:]) == sixty  # a 60-character name fits a neighbour's box


@settings(max_examples=60, deadline=None)
@given(
    counts=st.fixed_dictionaries(
        {
            ("decomposition", True): st.integers(0, 9),
            ("decomposition", False): st.integers(0, 30),
            ("mutual-partner", True): st.integers(0, 8),
            ("not-to-be-confused-with", True): st.integers(0, 8),
            ("not-to-be-confused-with", False): st.integers(0, 6),
        }
    ),
    center_name=st.text(alphabet="abcdefghij KLMNOPQRSTU-WXYZ", min_size=1, max_size=80).filter(str.strip),
    neighbour_name=st.text(alphabet="abcdefghij KLMNOPQRSTU-WXYZ", min_size=1, max_size=80).filter(str.strip),
)
def test_no_overlap_whatever_the_neighbourhood(
    counts: dict[tuple[str, bool], int], center_name: str, neighbour_name: str
) -> None:
    names: dict[str, str] = {}
    groups = synthetic_groups(counts, names)
    for other in list(names)[::3]:
        names[other] = neighbour_name
    check_geometry(one_hop("centre", center_name, groups, names, url_for).svg)


def test_diagram_is_accessible_and_follows_the_theme(tiny: primes.Catalog) -> None:
    rel = relations(tiny, PART)
    names = {p.id: p.name for p in tiny}
    svg = one_hop(PART, tiny[PART].name, rel.groups, names, url_for).svg
    root = ET.fromstring(svg)
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert "Part" in (title.text or "")
    # No fixed colours: strokes and fills follow the text colour (and the site's CSS variables).
    for element in root.iter():
        for attribute in ("fill", "stroke"):
            assert element.get(attribute) in (None, "none", "currentColor")
    for anchor in root.iter(f"{SVG}a"):
        assert anchor.get("aria-label")


def test_catalog_graph_links_every_prime_and_puts_parents_above(bundled: primes.Catalog) -> None:
    level_of = levels(bundled)
    diagram = catalog_graph(bundled, level_of, url_for)
    _, boxes, _ = parse(diagram.svg)
    assert sorted(b.href for b in boxes) == sorted(url_for(p) for p in bundled.ids)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    top = {b.href: b.y for b in boxes}
    for child, parent in bundled.kind_graphs["decomposition"].edges:
        assert top[url_for(parent)] < top[url_for(child)], f"{parent} is not above {child}"
    assert min(level_of.values()) == 0
    foundational = {p for p, level in level_of.items() if level == 0}
    assert foundational == set(primes.query.roots(bundled))


@pytest.mark.parametrize("catalog_name", ["tiny", "bundled"])
def test_the_sites_neighbours_are_the_query_apis(catalog_name: str, request: pytest.FixtureRequest) -> None:
    # The site reads the graphs itself (Neighbours), for less than a neighbourhood answer: the same edges,
    # in the same order, with the same notes.
    catalog: primes.Catalog = request.getfixturevalue(catalog_name)
    neighbours = Neighbours(catalog)
    for prime in catalog:
        answer = primes.query.neighborhood(catalog, prime.id)
        rel = neighbours(prime.id)
        assert rel == relations(catalog, prime.id)
        assert rel.foundational == answer.foundational
        for group in rel.groups:
            role = group.kind.outgoing_role if group.outgoing else group.kind.incoming_role
            expected = [(n.id, n.note) for n in answer.roles.get(role, ()) if n.kind == group.kind.id]
            assert [(link.other, link.note) for link in group.links] == expected, (prime.id, role)
            assert all(link.kind == group.kind and link.outgoing == group.outgoing for link in group.links)


def test_one_drawer_for_many_diagrams_draws_each_as_alone(bundled: primes.Catalog) -> None:
    # OneHop keeps what a neighbour's box shows between diagrams: reusing it, in any order, changes nothing.
    names = {p.id: p.name for p in bundled}
    drawer = OneHop(names)
    for prime in reversed(list(bundled)):
        groups = relations(bundled, prime.id).groups
        shared = drawer.diagram(prime.id, prime.name, groups, url_for)
        alone = one_hop(prime.id, prime.name, groups, names, url_for)
        assert shared == alone, prime.id


def test_an_unknown_prime_has_no_relations(tiny: primes.Catalog) -> None:
    with pytest.raises(primes.errors.UnknownPrime):
        relations(tiny, "no-such-prime")
