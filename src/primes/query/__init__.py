"""Stage 3 queries: what a reader asks of a loaded catalog, answered from its graph.

Every function takes the catalog first (networkx style) and returns a frozen dataclass with ``to_dict()``
for JSON. Edge kinds and roles come from the ontology. An unknown prime id raises
:class:`~primes.errors.UnknownPrime` (its message suggests the closest ids); a bad argument (an unknown
edge kind, role, direction or domain) raises :class:`~primes.errors.QueryError` naming the value.

>>> import primes
>>> catalog = primes.load("catalog")
>>> [n.name for n in primes.children(catalog, "micro-macro-linkage")]
['Aggregation', 'Downward Causation', 'Emergence']
"""

from primes.query._ancestry import Ancestry, Relative, ancestors, descendants, leaves, roots
from primes.query._common import Direction, Edge, hierarchy_kind
from primes.query._neighborhood import Neighbor, Neighborhood, Node, children, neighborhood, parents, related
from primes.query._paths import Path, Step, paths
from primes.query._summary import (
    DomainPrimes,
    DomainSummary,
    DomainTransfer,
    DomainUse,
    Leader,
    Stats,
    by_domain,
    domain_overview,
    stats,
)

__all__ = [
    "Ancestry",
    "Direction",
    "DomainPrimes",
    "DomainSummary",
    "DomainTransfer",
    "DomainUse",
    "Edge",
    "Leader",
    "Neighbor",
    "Neighborhood",
    "Node",
    "Path",
    "Relative",
    "Stats",
    "Step",
    "ancestors",
    "by_domain",
    "children",
    "descendants",
    "domain_overview",
    "hierarchy_kind",
    "leaves",
    "neighborhood",
    "parents",
    "paths",
    "related",
    "roots",
    "stats",
]
