"""Write a deterministic synthetic catalog of N primes in the real format, for benchmarks.

    python benchmarks/generate.py N OUTDIR [--seed S] [--reference catalog] [--force]

The output has ``catalog.yaml``, ``domains.yaml`` and ``primes/<id>.yaml``. Every text field is as long,
on average, as the same field of the reference catalog (measured when the script runs); every prime has
all sections and three explanations; the decomposition edges form a DAG of several levels in which some
primes have two parents; partners (declared on one side only) and contrasts link random pairs.

Names are invented words (``Tholvar Quenset``) that no filler text contains, and a prime's texts name
only primes it is linked to (its edges' notes name their targets), so ``primes check --strict`` passes.
The same N and seed give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
LINE_WIDTH = 100

# Plain English filler; the invented names below are checked against it so no text names a prime by accident.
VOCABULARY = """
a about above across action after again against agent agents almost along also although always among amount
an analysis and another answer any applies approach are area around arrangement as at average balance be
because become before behaviour being below benefit between both boundary but by can capacity case cases
cause causes central certain change changes choice claim clear close collective combine common compare
complete condition conditions consequence consider constraint context control cost could course create
current cycle data decide decision degree delay depend describe design detail different direction
distance distribution does each early effect effects either element energy enough environment equal
error even event every evidence example expect explain explanation extent fact factor faster feature field
final find first flow follow for force form frame from function further general give given goal group
grow growth has have held help hidden high history hold how idea identify if in increase independent
individual influence information input instead interaction into is it its itself keep kind known large
later layer least less level like limit linear link local long loop low made main make many matter may
mean measure mechanism might model more most move much must natural near need network new next no node
noise not notice number observe of often on once one only open or order other outcome output over part
particular pattern people period place plan point population possible power practice predict present
pressure process produce property question rate rather reach reason record reduce relation remain
repeat require resource response result return rule same scale second see sense set shape share shift
short should show signal similar simple single size slow small so some source space specific stable stage
start state step still strong structure study such suggest support system take than that the their them
then theory there these they thing this those through time to together toward trade turn type under
understand unit until up use used useful value variable variation very view was way weak well what when
where whether which while whole why wide will with within without work world would yet
""".split()  # noqa: SIM905  (a word list reads better as text)
_VOCAB = frozenset(VOCABULARY)

_ONSETS = ("b", "br", "d", "dr", "f", "g", "gr", "k", "kl", "l", "m", "n", "p", "pl", "qu", "r", "s", "st",
           "t", "th", "tr", "v", "z", "sh", "vr")  # fmt: skip
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ei", "ou", "ae")
_CODAS = ("", "", "n", "r", "l", "s", "m", "x", "th", "nd")
_AUDIENCES = ("child", "teen", "adult")
_DOMAIN_SUFFIXES = ("studies", "science", "engineering", "theory", "economics", "dynamics")


@dataclass(frozen=True, slots=True)
class Lengths:
    """Mean length in characters of each text field, and mean counts of list fields, of a real catalog."""

    text: dict[str, float]
    count: dict[str, float]


def measure_reference(folder: Path) -> Lengths:
    """The per-field averages of the reference catalog's prime files."""
    lengths: dict[str, list[int]] = defaultdict(list)
    counts: dict[str, list[int]] = defaultdict(list)
    files = sorted((folder / "primes").glob("*.yaml"))
    if not files:
        raise SystemExit(f"error: no prime files in {folder / 'primes'} to measure text lengths from")
    for path in files:
        record = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        for key in ("aliases", "broad_use", "knowledge_transfer", "decomposes", "partners", "not_to_be_confused_with"):
            counts[key].append(len(record.get(key) or ()))
        for key, value in record.items():
            if isinstance(value, str) and key not in ("id", "name", "status"):
                lengths[key].append(len(value))
            elif isinstance(value, dict):
                for sub, text in value.items():
                    lengths[f"{key}.{sub}"].append(len(text))
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, str):
                        lengths[f"{key}[]"].append(len(item))
                        continue
                    for sub, text in item.items():
                        if sub not in ("prime", "domain", "audience", "from", "to"):
                            lengths[f"{key}.{sub}"].append(len(text))
    return Lengths(
        {key: statistics.fmean(v) for key, v in sorted(lengths.items())},
        {key: statistics.fmean(v) for key, v in sorted(counts.items())},
    )


class Words:
    """Invented words, none of them English filler, handed out without repeats."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def word(self) -> str:
        while True:
            syllables = self._rng.choice((2, 2, 3))
            word = "".join(
                self._rng.choice(_ONSETS) + self._rng.choice(_VOWELS) + self._rng.choice(_CODAS)
                for _ in range(syllables)
            )
            if word not in _VOCAB and word not in self._used and len(word) <= 14:
                self._used.add(word)
                return word


class Filler:
    """Random text of a requested length, from a fixed pool of sentences packed into lines."""

    def __init__(self, rng: random.Random, pool_size: int = 4000) -> None:
        self._rng = rng
        self.sentences = [self._sentence() for _ in range(pool_size)]

    def _sentence(self) -> str:
        rng = self._rng
        while True:
            words = rng.choices(VOCABULARY, k=rng.randint(7, 15))
            if rng.random() < 0.4:
                at = rng.randint(2, len(words) - 3)
                words[at] += ","
            text = " ".join(words)
            if len(text) <= 90:
                return text[0].upper() + text[1:] + "."

    def text(self, mean: float, lead: str = "") -> str:
        """About ``mean`` characters (uniform within +-25%), whole sentences; ``lead`` opens the text."""
        target = mean * self._rng.uniform(0.75, 1.25)
        parts = [lead] if lead else []
        size = len(lead)
        while True:
            sentence = self._rng.choice(self.sentences)
            if parts and size + len(sentence) / 2 > target:
                return " ".join(parts)
            parts.append(sentence)
            size += len(sentence) + 1

    def title(self, mean: float) -> str:
        target = mean * self._rng.uniform(0.75, 1.25)
        words: list[str] = []
        while not words or sum(len(w) + 1 for w in words) < target:
            words.append(self._rng.choice(VOCABULARY).capitalize())
        return " ".join(words)


def folded(text: str, indent: int) -> str:
    """``>-`` block lines: the words packed greedily into lines of at most LINE_WIDTH characters."""
    pad = " " * indent
    width = LINE_WIDTH - indent
    lines: list[str] = []
    start, end = 0, len(text)
    while end - start > width:
        cut = text.rfind(" ", start, start + width + 1)
        if cut <= start:  # one word longer than a line: break after it
            cut = text.find(" ", start + width)
            if cut < 0:
                break
        lines.append(text[start:cut])
        start = cut + 1
    lines.append(text[start:])
    return "".join(f"{pad}{line}\n" for line in lines)


@dataclass(slots=True)
class Node:
    id: str
    name: str
    aliases: list[str]
    parents: list[int] = field(default_factory=list)
    partners: list[int] = field(default_factory=list)
    contrasts: list[int] = field(default_factory=list)


def _count(rng: random.Random, mean: float) -> int:
    """A count with the given mean: floor or ceiling at the right odds."""
    low = math.floor(mean)
    return low + (1 if rng.random() < mean - low else 0)


def build_nodes(n: int, rng: random.Random, words: Words, lengths: Lengths) -> list[Node]:
    nodes: list[Node] = []
    names: set[str] = set()
    while len(nodes) < n:
        first, second = words.word(), words.word()
        name = f"{first.capitalize()} {second.capitalize()}"
        if name in names:
            continue
        names.add(name)
        alias_count = _count(rng, lengths.count["aliases"])
        aliases = [f"{words.word().capitalize()} {second.capitalize()}" for _ in range(alias_count)]
        nodes.append(Node(f"{first}-{second}", name, aliases))
    # Decomposition: prime i's parents come from an earlier band of indices, so the edges form a DAG whose
    # depth grows with log N (about 1/20 of the primes are roots), and about one prime in eight has two.
    roots = max(1, n // 20)
    for i in range(roots, n):
        low, high = (i - roots) // 4, (i - roots) // 2 + 1
        parent = rng.randrange(low, min(high, i))
        nodes[i].parents.append(parent)
        if rng.random() < 0.12 and i > 1:
            other = rng.randrange(0, i)
            if other != parent:
                nodes[i].parents.append(other)
    # Partners, declared on one side only (declaring both is a warning), and contrasts.
    pairs: set[tuple[int, int]] = set()
    partner_rate = lengths.count["partners"]
    contrast_rate = lengths.count["not_to_be_confused_with"]
    for i in range(n if n > 1 else 0):
        for _ in range(_count(rng, partner_rate)):
            j = rng.randrange(n)
            key = (min(i, j), max(i, j))
            if j != i and key not in pairs:
                pairs.add(key)
                nodes[i].partners.append(j)
        for _ in range(_count(rng, contrast_rate)):
            j = rng.randrange(n)
            if j != i and j not in nodes[i].contrasts and i not in nodes[j].contrasts:
                nodes[i].contrasts.append(j)
    linked = [bool(node.parents or node.partners or node.contrasts) for node in nodes]
    for node in nodes:
        for j in node.parents + node.partners + node.contrasts:
            linked[j] = True
    for i, node in enumerate(nodes):
        if not linked[i] and n > 1:  # a root nobody chose as a parent: give it a contrast
            j = (i + 1) % n
            node.contrasts.append(j)
            linked[j] = True
    return nodes


def domain_list(n: int, words: Words, filler: Filler, rng: random.Random) -> list[tuple[str, str, str]]:
    count = max(12, round(2 * math.sqrt(n)))
    out = []
    for _ in range(count):
        word = words.word()
        suffix = rng.choice(_DOMAIN_SUFFIXES)
        out.append((f"{word}-{suffix}", f"{word.capitalize()} {suffix}", filler.text(90)))
    return out


def prime_yaml(
    node: Node,
    nodes: list[Node],
    domains: list[str],
    rng: random.Random,
    filler: Filler,
    lengths: Lengths,
) -> str:
    t = lengths.text
    out = [f"id: {node.id}\n", f"name: {node.name}\n"]
    if node.aliases:
        out.append(f"aliases: [{', '.join(node.aliases)}]\n")
    out.append("core_idea: >-\n" + folded(filler.text(t["core_idea"]), 2))
    out.append("explanations:\n")
    for audience in _AUDIENCES:
        out.append(f"  - audience: {audience}\n    title: {filler.title(t['explanations.title'])}\n    text: >-\n")
        out.append(folded(filler.text(t["explanations.text"]), 6))
    out.append("overview: >-\n" + folded(filler.text(t["overview"]), 2))
    out.append("broad_use:\n")
    uses = rng.sample(domains, min(len(domains), _count(rng, lengths.count["broad_use"])))
    for domain in uses:
        out.append(f"  - domain: {domain}\n    text: >-\n" + folded(filler.text(t["broad_use.text"]), 6))
    for key in ("clarity", "manages_complexity", "abstract_reasoning"):
        out.append(f"{key}: >-\n" + folded(filler.text(t[key]), 2))
    out.append("knowledge_transfer:\n")
    for _ in range(max(1, _count(rng, lengths.count["knowledge_transfer"]))):
        source, target = rng.sample(domains, 2)
        out.append(f"  - from: {source}\n    to: {target}\n    text: >-\n")
        out.append(folded(filler.text(t["knowledge_transfer.text"]), 6))
    out.append(f"example:\n  title: {filler.title(t['example.title'])}\n  text: >-\n")
    out.append(folded(filler.text(t["example.text"]), 4))
    for key, annotation, targets in (
        ("decomposes", "note", node.parents),
        ("partners", "note", node.partners),
        ("not_to_be_confused_with", "reason", node.contrasts),
    ):
        if not targets:
            continue
        out.append(f"{key}:\n")
        for j in targets:
            other = nodes[j]
            lead = f"{other.name} is named here on purpose."  # a mention of a linked prime, as real notes have
            text = filler.text(t[f"{key}.{annotation}"], lead=lead)
            out.append(f"  - prime: {other.id}\n    {annotation}: >-\n" + folded(text, 6))
    return "".join(out)


def generator_stamp(reference: Path = REPO / "catalog") -> str:
    """Changes when the generator's code or the reference lengths change: names a reusable catalog."""
    lengths = measure_reference(reference)
    digest = hashlib.sha1(Path(__file__).read_bytes())
    digest.update(repr((lengths.text, lengths.count)).encode())
    return digest.hexdigest()[:8]


def generate(n: int, out: Path, *, seed: int = 1, reference: Path = REPO / "catalog") -> dict[str, int]:
    """Write the catalog into ``out`` (which must not exist yet); return counts of what was written."""
    lengths = measure_reference(reference)
    rng = random.Random(seed)
    words = Words(random.Random(seed + 1))
    filler = Filler(random.Random(seed + 2))
    nodes = build_nodes(n, rng, words, lengths)
    domains = domain_list(n, words, filler, rng)
    domain_ids = [d[0] for d in domains]
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        (staging / "primes").mkdir()
        (staging / "catalog.yaml").write_text(
            f"title: Synthetic catalog of {n} primes\n"
            f"description: A generated catalog for benchmarks (seed {seed}); its texts are filler.\n"
            "base_iri: https://example.org/primes-bench/\n"
            "license: CC0-1.0\n"
            "version: 0.0.0\n"
            "language: en\n"
        )
        (staging / "domains.yaml").write_text(
            "".join(f"- id: {i}\n  label: {label}\n  description: {text}\n" for i, label, text in domains)
        )
        size = 0
        for node in nodes:
            text = prime_yaml(node, nodes, domain_ids, rng, filler, lengths)
            size += len(text)
            (staging / "primes" / f"{node.id}.yaml").write_text(text)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {
        "primes": n,
        "domains": len(domains),
        "decomposes": sum(len(x.parents) for x in nodes),
        "partners": sum(len(x.partners) for x in nodes),
        "contrasts": sum(len(x.contrasts) for x in nodes),
        "bytes": size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of primes")
    parser.add_argument("outdir", type=Path, help="the catalog folder to write (must not exist, or use --force)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reference", type=Path, default=REPO / "catalog", help="catalog whose text lengths to copy")
    parser.add_argument("--force", action="store_true", help="replace OUTDIR if it exists")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    if args.outdir.exists():
        if not args.force:
            parser.error(f"{args.outdir} exists; pass --force to replace it")
        shutil.rmtree(args.outdir)
    start = time.perf_counter()
    counts = generate(args.n, args.outdir, seed=args.seed, reference=args.reference)
    elapsed = time.perf_counter() - start
    summary = ", ".join(f"{v:,} {k}" for k, v in counts.items())
    print(f"{args.outdir}: {summary} in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
