"""Catalog-wide answers: the primes of a domain, the domains with their counts, and graph statistics."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import networkx as nx

from primes.catalog import Catalog
from primes.errors import QueryError, closest
from primes.ontology import edge_kinds
from primes.query._common import hierarchy_kind, predecessors, successors


@dataclass(frozen=True, slots=True)
class DomainUse:
    """A prime's ``broad_use`` entry for a domain."""

    id: str
    name: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "text": self.text}


@dataclass(frozen=True, slots=True)
class DomainTransfer:
    """A prime's ``knowledge_transfer`` entry that starts or ends in a domain."""

    id: str
    name: str
    from_domain: str
    to_domain: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "from": self.from_domain, "to": self.to_domain, "text": self.text}


@dataclass(frozen=True, slots=True)
class DomainPrimes:
    """The answer of :func:`by_domain`: the primes used in a domain and the transfers touching it."""

    id: str
    label: str
    description: str
    uses: tuple[DomainUse, ...]
    transfers: tuple[DomainTransfer, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """The primes of the domain: those used in it, then those that only transfer to or from it."""
        return tuple(dict.fromkeys([u.id for u in self.uses] + [t.id for t in self.transfers]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "description": self.description,
            "uses": [u.to_dict() for u in self.uses],
            "transfers": [t.to_dict() for t in self.transfers],
        }


@dataclass(frozen=True, slots=True)
class DomainSummary:
    """One line of :func:`domain_overview`: a domain and how many primes use it or transfer through it."""

    id: str
    label: str
    description: str
    primes: int
    transfers: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "description": self.description,
            "primes": self.primes,
            "transfers": self.transfers,
        }


@dataclass(frozen=True, slots=True)
class Leader:
    id: str
    name: str
    degree: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "degree": self.degree}


@dataclass(frozen=True, slots=True)
class Stats:
    """The answer of :func:`stats`. Edges are counted as declared (a symmetric pair once)."""

    primes: int
    published: int
    drafts: int
    domains: int
    edges: Mapping[str, int]  # edge kind id -> count
    roots: int  # foundational primes: no parent
    leaves: int  # no child
    isolated: int  # no edge of any kind
    depth: int | None  # edges on the longest chain of the hierarchy; None if it has a cycle
    components: int  # weakly connected components over every kind
    largest_component: int
    leaders: tuple[Leader, ...]  # most edges of any kind
    role_leaders: Mapping[str, tuple[Leader, ...]]  # most neighbours in each role

    def to_dict(self) -> dict[str, Any]:
        return {
            "primes": self.primes,
            "published": self.published,
            "drafts": self.drafts,
            "domains": self.domains,
            "edges": dict(self.edges),
            "roots": self.roots,
            "leaves": self.leaves,
            "isolated": self.isolated,
            "depth": self.depth,
            "components": self.components,
            "largest_component": self.largest_component,
            "leaders": [leader.to_dict() for leader in self.leaders],
            "role_leaders": {role: [x.to_dict() for x in top] for role, top in self.role_leaders.items()},
        }


def by_domain(catalog: Catalog, domain: str) -> DomainPrimes:
    """The primes used in a domain (by id, ``economics``, or label, ``Economics``), ordered by name."""
    index = _domain_index(catalog)
    domain_id = _resolve_domain(catalog, index, domain)
    uses, transfers = index.get(domain_id, ((), ()))
    known = catalog.domains.get(domain_id)
    return DomainPrimes(
        id=domain_id,
        label=known.label if known else domain_id,
        description=known.description if known else "",
        uses=uses,
        transfers=transfers,
    )


def domain_overview(catalog: Catalog) -> tuple[DomainSummary, ...]:
    """Every domain of ``domains.yaml`` (and any other a record names), with counts, ordered by label."""
    index = _domain_index(catalog)
    out = []
    for domain_id in dict.fromkeys([*catalog.domains, *index]):
        uses, transfers = index.get(domain_id, ((), ()))
        known = catalog.domains.get(domain_id)
        out.append(
            DomainSummary(
                id=domain_id,
                label=known.label if known else domain_id,
                description=known.description if known else "",
                primes=len({u.id for u in uses}),
                transfers=len(transfers),
            )
        )
    return tuple(sorted(out, key=lambda d: (d.label.casefold(), d.id)))


def stats(catalog: Catalog, top: int = 5) -> Stats:
    """Counts by edge kind, the most connected primes, the depth of the hierarchy and the components."""
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise QueryError(f"top must be a whole number of at least 0, not {top!r}")
    graphs = catalog.kind_graphs
    primes = catalog.primes
    degree = dict.fromkeys(primes, 0)
    edges: dict[str, int] = {}
    role_counts: dict[str, dict[str, int]] = {}
    for kind in edge_kinds():
        graph = graphs[kind.id]
        if kind.symmetric:
            edges[kind.id] = graph.number_of_edges() // 2
            counts = dict(graph.out_degree())
            _add(role_counts.setdefault(kind.outgoing_role, {}), counts)
            _add(degree, counts)
            continue
        edges[kind.id] = graph.number_of_edges()
        out_counts, in_counts = dict(graph.out_degree()), dict(graph.in_degree())
        _add(role_counts.setdefault(kind.outgoing_role, {}), out_counts)
        _add(role_counts.setdefault(kind.incoming_role, {}), in_counts)
        _add(degree, out_counts)
        _add(degree, in_counts)
    hierarchy = graphs[hierarchy_kind().id]
    try:
        depth: int | None = nx.dag_longest_path_length(hierarchy) if len(hierarchy) else 0
    except nx.NetworkXUnfeasible:
        depth = None
    sizes = [len(c) for c in nx.weakly_connected_components(catalog.graph)]
    drafts = sum(1 for p in primes.values() if p.is_draft)
    return Stats(
        primes=len(primes),
        published=len(primes) - drafts,
        drafts=drafts,
        domains=len(catalog.domains),
        edges=MappingProxyType(edges),
        roots=sum(1 for node in primes if not successors(hierarchy)[node]),
        leaves=sum(1 for node in primes if not predecessors(hierarchy)[node]),
        isolated=sum(1 for count in degree.values() if count == 0),
        depth=depth,
        components=len(sizes),
        largest_component=max(sizes, default=0),
        leaders=_leaders(catalog, degree, top),
        role_leaders=MappingProxyType({role: _leaders(catalog, c, top) for role, c in role_counts.items()}),
    )


def _add(total: dict[str, int], counts: Mapping[str, int]) -> None:
    for node, count in counts.items():
        total[node] = total.get(node, 0) + count


def _leaders(catalog: Catalog, counts: Mapping[str, int], top: int) -> tuple[Leader, ...]:
    primes = catalog.primes
    ranked = sorted((n for n, c in counts.items() if c > 0), key=lambda n: (-counts[n], primes[n].name.casefold()))
    return tuple(Leader(n, primes[n].name, counts[n]) for n in ranked[:top])


_Index = dict[str, tuple[tuple[DomainUse, ...], tuple[DomainTransfer, ...]]]
def _domain_index(catalog: Catalog) -> _Index:
    """Domain id -> its uses and transfers, built once per catalog."""
    return catalog.derived("domain-index", lambda: _build_domain_index(catalog))


def _build_domain_index(catalog: Catalog) -> _Index:
    uses: dict[str, list[DomainUse]] = {}
    transfers: dict[str, list[DomainTransfer]] = {}
    for prime in sorted(catalog, key=lambda p: (p.name.casefold(), p.id)):
        for use in prime.broad_use or ():
            uses.setdefault(use.domain, []).append(DomainUse(prime.id, prime.name, use.text))
        for item in prime.knowledge_transfer or ():
            entry = DomainTransfer(prime.id, prime.name, item.from_domain, item.to_domain, item.text)
            for domain_id in dict.fromkeys((item.from_domain, item.to_domain)):
                transfers.setdefault(domain_id, []).append(entry)
    return {
        domain_id: (tuple(uses.get(domain_id, ())), tuple(transfers.get(domain_id, ())))
        for domain_id in dict.fromkeys([*uses, *transfers])
    }


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _resolve_domain(catalog: Catalog, index: _Index, domain: str) -> str:
    if domain in catalog.domains or domain in index:
        return domain
    wanted = _fold(domain)
    for domain_id, known in catalog.domains.items():
        if _fold(known.label) == wanted or _fold(domain_id) == wanted:
            return domain_id
    candidates = list(dict.fromkeys([*catalog.domains, *index]))
    hint = closest(domain, candidates) or closest(wanted, [_fold(d.label) for d in catalog.domains.values()])
    suggestion = f"; did you mean {', '.join(repr(h) for h in hint)}?" if hint else ""
    raise QueryError(f"no domain {domain!r} in the catalog{suggestion}")
