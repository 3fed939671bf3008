"""Per-page values made in runs (primes.site.ahead): each made once, handed out in any order, memory bounded."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from primes.site.ahead import RunAhead

KEYS = [f"p{i}" for i in range(23)]


class Maker:
    def __init__(self) -> None:
        self.made: list[str] = []

    def __call__(self, key: str) -> str:
        self.made.append(key)
        return key.upper()


def test_values_come_in_runs_in_the_expected_order() -> None:
    maker = Maker()
    ahead = RunAhead(maker, run=5)
    ahead.expect(KEYS)
    assert ahead.take("p0") == "P0"
    assert maker.made == ["p0", "p1", "p2", "p3", "p4"]
    assert [ahead.take(key) for key in KEYS[1:5]] == ["P1", "P2", "P3", "P4"]
    assert maker.made == KEYS[:5]  # handed out, not made again
    ahead.take("p5")
    assert maker.made == KEYS[:10]


@given(st.permutations(KEYS), st.integers(min_value=1, max_value=30))
def test_any_order_gives_every_value_once(order: list[str], run: int) -> None:
    maker = Maker()
    ahead = RunAhead(maker, run=run)
    ahead.expect(KEYS)
    assert [ahead.take(key) for key in order] == [key.upper() for key in order]
    assert sorted(maker.made) == sorted(KEYS)  # each made exactly once
    assert ahead._made == {}  # nothing held once every value has been taken


def test_at_most_one_run_is_held() -> None:
    ahead = RunAhead(Maker(), run=4)
    ahead.expect(KEYS)
    for key in KEYS:
        ahead.take(key)
        assert len(ahead._made) < 4


def test_stopped_it_makes_only_what_is_asked_for() -> None:
    maker = Maker()
    ahead = RunAhead(maker, run=5)
    ahead.expect(KEYS)
    ahead.take("p0")
    ahead.stop()  # e.g. a live rebuild after the catalog changed: runs made earlier are stale
    assert ahead.take("p1") == "P1"
    assert ahead.take("p1") == "P1"
    assert maker.made == [*KEYS[:5], "p1", "p1"]


def test_a_key_asked_for_again_is_made_again() -> None:
    maker = Maker()
    ahead = RunAhead(maker, run=3)
    ahead.expect(KEYS)
    ahead.take("p0")
    ahead.take("p0")
    assert maker.made == ["p0", "p1", "p2", "p0"]
