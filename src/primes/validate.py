"""Stage 2b: the rules that need the whole catalog (identity, edges, cycles, isolation, mentions)."""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath

import networkx as nx

from primes import findings as rules
from primes.errors import closest
from primes.findings import Finding, Severity
from primes.model import Domain, Prime
from primes.ontology import edge_kinds
from primes.records import FileResult, RecordSummary
from primes.words import words_of


def check_catalog(
    results: Sequence[FileResult],
    domains: Mapping[str, Domain],
    mentions: Mapping[str, list[tuple[str, str]]],
) -> tuple[dict[str, FileResult], list[Finding]]:
    """Cross-file rules over every file's result; returns the file of each valid prime by id, and the findings.

    The rules read each file's :class:`RecordSummary` only, never the record itself.
    """
    out: list[Finding] = []
    owner: dict[str, FileResult] = {}
    known_ids: set[str] = set()
    names: dict[str, FileResult] = {}
    partial_owner: dict[str, FileResult] = {}
    # A file named after its id owns that id: the other files that claim it are the ones reported.
    for result in sorted(results, key=lambda r: not r.valid or _file_stem(r.path) != _summary(r).id):
        if result.claimed_id:
            known_ids.add(result.claimed_id)
        summary = result.summary
        if summary is None or not summary.valid:
            # The file's own errors are reported; edges to it are not also dangling (its name is the best
            # guess at its id when its content cannot say).
            known_ids.add(PurePath(result.path).stem)
            if summary is not None:
                partial_owner.setdefault(summary.id, result)
            continue
        if summary.id in owner:
            first = owner[summary.id]
            out.append(
                result.finding(rules.DUPLICATE_ID, ("id",), f"id {summary.id!r} is already used by {first.path}")
            )
            continue
        key = summary.name_key
        if key in names:
            out.append(
                result.finding(
                    rules.DUPLICATE_NAME,
                    ("name",),
                    f"name {summary.name!r} is already used by {names[key].path}",
                )
            )
        else:
            names[key] = result
        owner[summary.id] = result
    valid = {prime_id: _summary(result) for prime_id, result in owner.items()}
    # Records that failed validation still have their domains and edges checked (without their invalid fields).
    checked_owner = {**{k: v for k, v in partial_owner.items() if k not in owner}, **owner}
    checked = {prime_id: _summary(result) for prime_id, result in checked_owner.items()}
    for prime_id, result in checked_owner.items():
        out.extend(_domain_findings(result, checked[prime_id], domains))
    out.extend(_edge_findings(checked, checked_owner, known_ids))
    out.extend(_cycle_findings(valid, owner))
    linked = _linked_pairs(checked)
    out.extend(_isolation_findings(valid, owner, linked))
    out.extend(_mention_findings(valid, owner, linked, mentions))
    return owner, out


def _summary(result: FileResult) -> RecordSummary:
    assert result.summary is not None  # only asked of results that have a record or a partial one
    return result.summary


def _domain_findings(result: FileResult, summary: RecordSummary, domains: Mapping[str, Domain]) -> Iterable[Finding]:
    for domain, where in summary.domains:
        if domain not in domains:
            hint = closest(domain, domains)
            did_you_mean = f"; did you mean {hint[0]!r}?" if hint else ""
            yield result.finding(rules.UNKNOWN_DOMAIN, where, f"domain {domain!r} is not in domains.yaml{did_you_mean}")


def _edge_findings(
    primes: Mapping[str, RecordSummary], owner: Mapping[str, FileResult], known_ids: set[str]
) -> Iterable[Finding]:
    for kind in edge_kinds():
        declared: dict[tuple[str, str], tuple[bytes | None, int]] = {}
        for prime_id, summary in primes.items():
            for index, (target, annotation) in enumerate(summary.targets(kind)):
                if target == prime_id:
                    continue  # reported with the file
                if target not in known_ids:
                    hint = closest(target, primes)
                    did_you_mean = f"; did you mean {hint[0]!r}?" if hint else ""
                    yield owner[prime_id].finding(
                        rules.DANGLING_EDGE,
                        (kind.field, index, "prime"),
                        f"{kind.label} edge to {target!r}, which is not a prime of the catalog{did_you_mean}",
                    )
                    continue
                if not kind.symmetric:
                    continue
                mirror = declared.get((target, prime_id))
                if mirror is None:
                    declared[(prime_id, target)] = (annotation, index)
                    continue
                note, other_index = mirror
                other = owner[target].path
                if note != annotation:
                    yield owner[prime_id].finding(
                        rules.PARTNER_CONFLICT,
                        (kind.field, index, kind.annotation_field),
                        f"{kind.label} edge with {target!r} is also declared in {other} "
                        f"({kind.field}[{other_index}]) with a different {kind.annotation_field}; "
                        "the edge holds both ways: keep one declaration",
                    )
                else:
                    yield owner[prime_id].finding(
                        rules.PARTNER_TWICE,
                        (kind.field, index, "prime"),
                        f"{kind.label} edge with {target!r} is also declared in {other}; "
                        "it holds both ways, so one declaration is enough",
                    )


def _file_stem(path: str) -> str:
    """``PurePath(path).stem``, without building a path object for each of thousands of files."""
    name = os.path.basename(path)
    return name[:-5] if name.endswith(".yaml") and len(name) > 5 else PurePath(path).stem


def _acyclic(targets: Mapping[str, list[str]]) -> bool:
    """Whether these edges (source -> its targets) form no cycle: Kahn's algorithm, much cheaper than
    building a networkx graph when, as almost always, there is none to report."""
    indegree: dict[str, int] = dict.fromkeys(targets, 0)
    for ends in targets.values():
        for end in ends:
            indegree[end] = indegree.get(end, 0) + 1
    ready = [node for node, count in indegree.items() if count == 0]
    removed = 0
    while ready:
        node = ready.pop()
        removed += 1
        for end in targets.get(node, ()):
            indegree[end] -= 1
            if indegree[end] == 0:
                ready.append(end)
    return removed == len(indegree)


def _cycle_findings(primes: Mapping[str, RecordSummary], owner: Mapping[str, FileResult]) -> Iterable[Finding]:
    for kind in edge_kinds():
        if not kind.acyclic:
            continue
        targets = {
            prime_id: [target for target, _ in summary.targets(kind) if target in primes and target != prime_id]
            for prime_id, summary in primes.items()
        }
        if _acyclic(targets):
            continue
        graph = nx.DiGraph()
        for prime_id, ends in targets.items():
            for target in ends:
                graph.add_edge(prime_id, target)
        for component in nx.strongly_connected_components(graph):
            if len(component) < 2:
                continue
            start = min(component)
            cycle = [u for u, _ in nx.find_cycle(graph.subgraph(component), source=start)]
            first = min(cycle)
            at = cycle.index(first)
            cycle = cycle[at:] + cycle[:at]
            text = " -> ".join([*cycle, cycle[0]])
            after = cycle[1 % len(cycle)]
            index = next(i for i, (target, _) in enumerate(primes[first].targets(kind)) if target == after)
            yield owner[first].finding(
                rules.CYCLE,
                (kind.field, index, "prime"),
                f"{kind.label} edges form a cycle: {text}; remove one of them",
            )


def _linked_pairs(primes: Mapping[str, RecordSummary]) -> dict[str, set[str]]:
    """Who is linked to whom by any declared edge (a dangling edge or a self edge still links its source:
    it is reported as such, not also as isolated)."""
    linked: dict[str, set[str]] = defaultdict(set)
    for prime_id, summary in primes.items():
        for refs in summary.edges.values():
            for target, _ in refs:
                linked[prime_id].add(target)
                linked[target].add(prime_id)
    return linked


def _isolation_findings(
    primes: Mapping[str, RecordSummary], owner: Mapping[str, FileResult], linked: Mapping[str, set[str]]
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
    """Finds the names of primes in free text, as whole words.

    A text is split into normalized words; one set test skips the texts that hold no first word of any
    name (almost all of them), and the rest are scanned word by word for the longest name starting at
    each word, left to right, as a regex alternation of all the names would match, at a fraction of the
    cost of running one over thousands of names.
    """

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        """``names``: (name as :func:`~primes.words.normalize` gives it, prime id) of every prime."""
        self.ids: dict[str, str] = {}
        for key, prime_id in names:
            # a name two primes share (reported as a duplicate) stands for the first, which owns it
            if key:
                self.ids.setdefault(key, prime_id)
        self.digest = hashlib.sha1("\n".join(sorted(f"{k}={v}" for k, v in self.ids.items())).encode()).hexdigest()
        by_first: dict[str, list[tuple[list[str], str]]] = defaultdict(list)
        for key, prime_id in self.ids.items():
            words = key.split(" ")
            by_first[words[0]].append((words, prime_id))
        for options in by_first.values():
            options.sort(key=lambda option: -len(option[0]))  # the longest name that matches wins
        self._by_first = dict(by_first)
        self._first = frozenset(by_first)

    def mentions(self, prime: Prime) -> list[tuple[str, str]]:
        """(prime id, field path) of every other prime named in this prime's texts, first field only."""
        found: dict[str, str] = {}
        for path, text in prime.texts():
            words = words_of(text)
            if self._first.isdisjoint(words):
                continue
            for target in self._scan(words):
                if target != prime.id and target not in found:
                    found[target] = path
        return list(found.items())

    def _scan(self, words: list[str]) -> Iterable[str]:
        """The names in these words, left to right, the longest at each start, matches never overlapping."""
        starts: list[int] = []
        for first in self._first.intersection(words):
            at = words.index(first)
            while True:
                starts.append(at)
                try:
                    at = words.index(first, at + 1)
                except ValueError:
                    break
        resume = 0
        for at in sorted(starts):
            if at < resume:
                continue  # inside the previous match
            for name, target in self._by_first[words[at]]:
                end = at + len(name)
                if words[at:end] == name:
                    yield target
                    resume = end
                    break


def _mention_findings(
    primes: Mapping[str, RecordSummary],
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
