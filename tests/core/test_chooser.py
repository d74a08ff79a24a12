"""The chooser: its C generator (MT19937) draws what CPython's random.Random draws, the choice log is a
compact array that widens when a value needs 64 bits, it can be switched off, and replay answers from it."""
import random

import pytest
from hypothesis import given, settings, strategies as st

from acrn.engine.chooser import Chooser
from acrn.errors import AcrnModelError

ranges = st.tuples(st.integers(0, 1 << 40), st.integers(0, 1 << 40)).map(sorted)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(-(1 << 80), 1 << 80), bounds=st.lists(ranges, min_size=1, max_size=700))
def test_draws_are_those_of_cpython_mt19937(seed, bounds):
    """Over 624 draws crosses a regeneration of the state; lo == hi draws nothing."""
    chooser = Chooser(seed)
    rng = random.Random(seed)
    want = []
    for lo, hi in bounds:
        want.append(lo if lo == hi else lo + int(rng.random() * (hi - lo + 1)))
    got = [chooser.latency(lo, hi) for lo, hi in bounds]
    assert got == want
    drawn = [v for v, (lo, hi) in zip(want, bounds) if lo != hi]
    assert list(chooser.log) == drawn
    assert chooser.n == len(drawn)
    assert chooser.log.typecode == ("q" if any(v > (1 << 31) - 1 for v in drawn) else "i")


def test_log_widens_to_int64_and_keeps_earlier_choices():
    chooser = Chooser(3)
    small = [chooser.latency(0, 1000) for _ in range(5000)]  # beyond the first capacity
    big = chooser.latency(1 << 33, 1 << 34)
    assert chooser.log.typecode == "q"
    assert list(chooser.log) == small + [big]


def test_log_off_records_nothing_but_draws_the_same():
    on, off = Chooser(11), Chooser(11, keep_log=False)
    a = [on.pick(7) for _ in range(100)]
    b = [off.pick(7) for _ in range(100)]
    assert a == b and off.n == 100 and len(off.log) == 0 and len(on.log) == 100


def test_replay_answers_from_the_log_and_detects_divergence():
    first = Chooser(5)
    values = [first.latency(100, 200) for _ in range(50)]
    again = Chooser(999, replay=first.log)
    assert [again.latency(100, 200) for _ in range(50)] == values
    with pytest.raises(AcrnModelError, match="choice 0 is .* outside"):
        Chooser(0, replay=[5]).latency(10, 20)


@pytest.mark.parametrize("seed", [1.5, "7", None, True])
def test_non_integer_seed_is_refused(seed):
    with pytest.raises(AcrnModelError, match="seed must be an integer"):
        Chooser(seed)
