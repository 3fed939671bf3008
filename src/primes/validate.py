"""Stage 2b: the rules that need the whole catalog (identity, edges, cycles, isolation, mentions)."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import networkx as nx

from primes import findings as rules
from primes.errors import closest
from primes.findings import Finding, Severity
from primes.model import Domain, Prime
from primes.ontology import edge_kinds
from primes.records import FileResult

_NOT_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Lower-case words separated by single spaces: how names are matched in text."""
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def check_catalog(
    results: Sequence[FileResult],
    domains: Mapping[str, Domain],
    mentions: Mapping[str, list[tuple[str, str]]],
) -> tuple[dict[str, Prime], list[Finding]]:
    """Cross-file rules over every file's result; returns the valid primes by id and the findings."""
    out: list[Finding] = []
    primes: dict[str, Prime] = {}
    owner: dict[str, FileResult] = {}
    known_ids: set[str] = set()
    names: dict[str, FileResult] = {}
    for result in results:
        if result.claimed_id:
            known_ids.add(result.claimed_id)
        prime = result.prime
        if prime is None:
            continue
        if prime.id in owner:
            first = owner[prime.id]
            out.append(result.finding(rules.DUPLICATE_ID, ("id",), f"id {prime.id!r} is already used by {first.path}"))
            continue
        key = normalize(prime.name)
        if key in names:
            out.append(
                result.finding(
                    rules.DUPLICATE_NAME,
                    ("name",),
                    f"name {prime.name!r} is already used by {names[key].path}",
                )
            )
        else:
            names[key] = result
        owner[prime.id] = result
        primes[prime.id] = prime
    for prime_id, result in owner.items():
        out.extend(_domain_findings(result, primes[prime_id], domains))
    out.extend(_edge_findings(primes, owner, known_ids))
    out.extend(_cycle_findings(primes, owner))
    linked = _linked_pairs(primes)
    out.extend(_isolation_findings(primes, owner, linked))
    out.extend(_mention_findings(primes, owner, linked, mentions))
    return primes, out


def _domain_findings(result: FileResult, prime: Prime, domains: Mapping[str, Domain]) -> Iterable[Finding]:
    def unknown(domain: str, where: tuple[str | int, ...]) -> Finding:
        hint = closest(domain, domains)
        did_you_mean = f"; did you mean {hint[0]!r}?" if hint else ""
        return result.finding(rules.UNKNOWN_DOMAIN, where, f"domain {domain!r} is not in domains.yaml{did_you_mean}")

    for index, use in enumerate(prime.broad_use or ()):
        if use.domain not in domains:
            yield unknown(use.domain, ("broad_use", index, "domain"))
    for index, transfer in enumerate(prime.knowledge_transfer or ()):
        if transfer.from_domain not in domains:
            yield unknown(transfer.from_domain, ("knowledge_transfer", index, "from"))
        if transfer.to_domain not in domains:
            yield unknown(transfer.to_domain, ("knowledge_transfer", index, "to"))


def _edge_findings(
    primes: Mapping[str, Prime], owner: Mapping[str, FileResult], known_ids: set[str]
) -> Iterable[Finding]:
    for kind in edge_kinds():
        declared: dict[tuple[str, str], tuple[str | None, int]] = {}
        for prime_id, prime in primes.items():
            for index, ref in enumerate(prime.edges(kind)):
                if ref.prime == prime_id:
                    continue  # reported with the file
                if ref.prime not in known_ids:
                    hint = closest(ref.prime, primes)
                    did_you_mean = f"; did you mean {hint[0]!r}?" if hint else ""
                    yield owner[prime_id].finding(
                        rules.DANGLING_EDGE,
                        (kind.field, index, "prime"),
                        f"{kind.label} edge to {ref.prime!r}, which is not a prime of the catalog{did_you_mean}",
                    )
                    continue
                if not kind.symmetric:
                    continue
                mirror = declared.get((ref.prime, prime_id))
                if mirror is None:
                    declared[(prime_id, ref.prime)] = (ref.annotation, index)
                    continue
                note, other_index = mirror
                other = owner[ref.prime].path
                if note != ref.annotation:
                    yield owner[prime_id].finding(
                        rules.PARTNER_CONFLICT,
                        (kind.field, index, kind.annotation_field),
                        f"{kind.label} edge with {ref.prime!r} is also declared in {other} "
                        f"({kind.field}[{other_index}]) with a different {kind.annotation_field}; "
                        "the edge holds both ways: keep one declaration",
                    )
                else:
                    yield owner[prime_id].finding(
                        rules.PARTNER_TWICE,
                        (kind.field, index, "prime"),
                        f"{kind.label} edge with {ref.prime!r} is also declared in {other}; "
                        "it holds both ways, so one declaration is enough",
                    )


def _cycle_findings(primes: Mapping[str, Prime], owner: Mapping[str, FileResult]) -> Iterable[Finding]:
    for kind in edge_kinds():
        if not kind.acyclic:
            continue
        graph = nx.DiGraph()
        for prime_id, prime in primes.items():
            for ref in prime.edges(kind):
                if ref.prime in primes and ref.prime != prime_id:
                    graph.add_edge(prime_id, ref.prime)
        for component in nx.strongly_connected_components(graph):
            if len(component) < 2:
                continue
            start = min(component)
            cycle = [u for u, _ in nx.find_cycle(graph.subgraph(component), source=start)]
            first = min(cycle)
            at = cycle.index(first)
            cycle = cycle[at:] + cycle[:at]
            text = " -> ".join([*cycle, cycle[0]])
            prime = primes[first]
            index = next(i for i, ref in enumerate(prime.edges(kind)) if ref.prime == cycle[1 % len(cycle)])
            yield owner[first].finding(
                rules.CYCLE,
                (kind.field, index, "prime"),
                f"{kind.label} edges form a cycle: {text}; remove one of them",
            )


def _linked_pairs(primes: Mapping[str, Prime]) -> dict[str, set[str]]:
    linked: dict[str, set[str]] = defaultdict(set)
    for prime_id, prime in primes.items():
        for kind in edge_kinds():
            for ref in prime.edges(kind):
                if ref.prime in primes:
                    linked[prime_id].add(ref.prime)
                    linked[ref.prime].add(prime_id)
    return linked


def _isolation_findings(
    primes: Mapping[str, Prime], owner: Mapping[str, FileResult], linked: Mapping[str, set[str]]
) -> Iterable[Finding]:
    if len(primes) < 2:
        return
    for prime_id in primes:
        if not linked.get(prime_id):
            yield owner[prime_id].finding(
                rules.ISOLATED,
                ("id",),
                "this prime has no edges at all; link it to a parent, a partner or a contrast",
            )


class NameIndex:
    """Finds the names of primes in free text, as whole words, in one regex pass per text."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.ids = {normalize(name): prime_id for name, prime_id in names.items() if normalize(name)}
        self.digest = hashlib.sha1("\n".join(sorted(f"{k}={v}" for k, v in self.ids.items())).encode()).hexdigest()
        self._pattern = re.compile(r"(?<!\w)(?:" + _trie_regex(sorted(self.ids)) + r")(?!\w)") if self.ids else None

    def mentions(self, prime: Prime) -> list[tuple[str, str]]:
        """(prime id, field path) of every other prime named in this prime's texts, first field only."""
        if self._pattern is None:
            return []
        found: dict[str, str] = {}
        for path, text in prime.texts():
            for match in self._pattern.finditer(normalize(text)):
                target = self.ids[match.group(0)]
                if target != prime.id and target not in found:
                    found[target] = path
        return list(found.items())


def _trie_regex(words: list[str]) -> str:
    """A regex matching exactly these words, as a trie (fast to match against thousands of names)."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:  # type: ignore[type-arg]
        branches = [re.escape(char) + build(node[char]) for char in sorted(k for k in node if k)]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def _mention_findings(
    primes: Mapping[str, Prime],
    owner: Mapping[str, FileResult],
    linked: Mapping[str, set[str]],
    mentions: Mapping[str, list[tuple[str, str]]],
) -> Iterable[Finding]:
    for prime_id, found in mentions.items():
        if prime_id not in owner:
            continue
        for target, path in found:
            if target in primes and target not in linked.get(prime_id, ()):
                yield Finding(
                    rules.UNLINKED_MENTION.code,
                    Severity.WARNING,
                    owner[prime_id].path,
                    *owner[prime_id].position(_parse_field(path)),
                    f"the text names {primes[target].name!r} ({target}) but no edge links the two; "
                    "add an edge or rephrase",
                    path,
                    prime_id,
                )


def _parse_field(path: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return tuple(parts)
