"""Hypothesis catalogs for the tests that hold a property over any valid catalog, written as YAML folders.

``catalogs(texts, ...)`` draws a catalog (meta, domains, records) that checks without errors: drafts with
sections left out, edges of every kind of the ontology, notes of drafts not written yet. With ``round_trip``
it keeps to what RDF gives back unchanged (aliases are a set there, and a symmetric edge is one triple): no
repeated alias, each symmetric edge declared on one side. Without it, an alias may repeat and a symmetric
edge may be declared on both sides (with one note, as the checker asks).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from primes.model import AUDIENCES
from primes.ontology import edge_kinds
from primes.rdf import yamlio

SLUG = st.from_regex(r"[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,3}){0,2}", fullmatch=True)


def _explanations(texts: st.SearchStrategy[str], *, every_audience: bool) -> st.SearchStrategy[list[dict[str, str]]]:
    """Each audience explained once, in any order (a published prime); or some of them (a draft may)."""
    one = {a: st.fixed_dictionaries({"audience": st.just(a), "title": texts, "text": texts}) for a in AUDIENCES}
    chosen = st.permutations(AUDIENCES) if every_audience else st.lists(st.sampled_from(AUDIENCES), unique=True)
    return chosen.flatmap(lambda audiences: st.tuples(*(one[a] for a in audiences))).map(list)


@st.composite
def catalogs(
    draw: st.DrawFn,
    texts: st.SearchStrategy[str],
    *,
    languages: Sequence[str],
    bases: Sequence[str],
    round_trip: bool,
) -> dict[str, Any]:
    domain_ids = draw(st.lists(SLUG, min_size=1, max_size=3, unique=True))
    domains = [{"id": d, "label": draw(texts), "description": draw(texts)} for d in domain_ids]
    ids = draw(st.lists(SLUG, min_size=1, max_size=5, unique=True))
    every_audience = _explanations(texts, every_audience=True)
    some_audiences = _explanations(texts, every_audience=False)
    use = st.fixed_dictionaries({"domain": st.sampled_from(domain_ids), "text": texts})
    transfer = st.fixed_dictionaries(
        {"from": st.sampled_from(domain_ids), "to": st.sampled_from(domain_ids), "text": texts}
    )
    records: list[dict[str, Any]] = []
    for index, prime_id in enumerate(ids):
        draft = draw(st.booleans())
        record: dict[str, Any] = {"id": prime_id, "name": f"{draw(texts)} {index}"}
        aliases = draw(st.lists(texts, max_size=3, unique=round_trip))
        if aliases:
            repeat = not round_trip and draw(st.booleans())
            record["aliases"] = aliases + aliases[:1] if repeat else aliases
        if draft:
            record["status"] = "draft"
        sections: dict[str, st.SearchStrategy[Any]] = {
            "core_idea": texts,
            "explanations": some_audiences if draft else every_audience,
            "overview": texts,
            "broad_use": st.lists(use, min_size=0 if draft else 1, max_size=4),
            "clarity": texts,
            "manages_complexity": texts,
            "abstract_reasoning": texts,
            "knowledge_transfer": st.lists(transfer, min_size=0 if draft else 1, max_size=3),
            "example": st.fixed_dictionaries({"title": texts, "text": texts}),
        }
        for name, value in sections.items():
            if not draft or draw(st.booleans()):
                record[name] = draw(value)
        records.append(record)
    for kind in edge_kinds():
        for index, record in enumerate(records):
            if kind.acyclic:
                candidates = ids[:index]  # only towards earlier primes: no cycle
            elif kind.symmetric and round_trip:
                candidates = ids[index + 1 :]  # each pair declared once
            else:
                candidates = [i for i in ids if i != record["id"]]
            if not candidates:
                continue
            targets = draw(st.lists(st.sampled_from(candidates), max_size=3, unique=True))
            edges = []
            for target in targets:
                edge: dict[str, Any] = {"prime": target}
                if kind.annotation_required and record.get("status") == "draft":
                    edge[kind.annotation_field] = draw(st.none() | texts)  # a draft's note may be unwritten
                elif kind.annotation_required or draw(st.booleans()):
                    edge[kind.annotation_field] = draw(texts)
                edges.append(edge)
            if edges:
                record[kind.field] = edges
        if kind.symmetric and not round_trip:
            _one_note_per_pair(draw, texts, records, kind.field, kind.annotation_field, kind.annotation_required)
    meta = {
        "title": draw(texts),
        "description": draw(texts),
        "base_iri": draw(st.sampled_from(bases)),
        "license": draw(texts),
        "version": draw(st.text(string.digits + ".", min_size=1, max_size=5)),
        "language": draw(st.sampled_from(languages)),
    }
    return {"meta": meta, "domains": domains, "records": records}


def _one_note_per_pair(
    draw: st.DrawFn,
    texts: st.SearchStrategy[str],
    records: list[dict[str, Any]],
    field: str,
    note: str,
    required: bool,
) -> None:
    """A symmetric edge declared on both sides carries one note, or the checker refuses it."""
    by_id = {record["id"]: record for record in records}
    for record in records:
        for edge in record.get(field, []):
            for back in by_id[edge["prime"]].get(field, []):
                if back["prime"] != record["id"]:
                    continue
                notes = [e[note] for e in (edge, back) if e.get(note) is not None]
                if notes or required:
                    edge[note] = back[note] = notes[0] if notes else draw(texts)
                else:
                    edge.pop(note, None)
                    back.pop(note, None)


def write_catalog(folder: Path, data: dict[str, Any]) -> None:
    """A drawn catalog as a catalog folder."""
    (folder / "primes").mkdir(parents=True)
    (folder / "catalog.yaml").write_text(yamlio.dump(data["meta"]), encoding="utf-8")
    (folder / "domains.yaml").write_text(yamlio.dump(data["domains"]), encoding="utf-8")
    for record in data["records"]:
        (folder / "primes" / f"{record['id']}.yaml").write_text(yamlio.dump(record), encoding="utf-8")
