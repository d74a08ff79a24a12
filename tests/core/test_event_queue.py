"""The engine's event queue (a heap of C structs when compiled, heapq when interpreted): events run in
(time, push order), whatever order they were pushed in, and the queue reports what it holds."""
from hypothesis import given, settings, strategies as st

from acrn.engine.chooser import Chooser
from acrn.engine.cost import CostModel
from acrn.engine.sim import K_CALL, Sim


def _sim():
    return Sim(CostModel(), Chooser(0), 1)


@settings(max_examples=50, deadline=None)
@given(times=st.lists(st.integers(0, 50), min_size=1, max_size=600))
def test_events_run_in_time_then_push_order(times):
    sim = _sim()
    ran = []
    for i, t in enumerate(times):
        sim.call_at(t, lambda i=i: ran.append((sim.now, i)))
    assert sim.pending() == len(times)
    assert sorted(ev[0] for ev in sim.queued()) == sorted(times)
    sim.run(max(times))
    assert ran == sorted((t, i) for i, t in enumerate(times))
    assert sim.pending() == 0


def test_events_pushed_while_running_and_events_beyond_the_horizon():
    sim = _sim()
    ran = []

    def first():
        ran.append("first")
        sim.call_at(sim.now, lambda: ran.append("same time, pushed later"))
        sim.call_at(sim.now + 100, lambda: ran.append("late"))

    sim.call_at(10, first)
    sim.call_at(10, lambda: ran.append("second"))
    sim.run(50)
    assert ran == ["first", "second", "same time, pushed later"]
    assert sim.now == 50 and sim.pending() == 1
    (ev,) = sim.queued()
    assert ev[0] == 110 and ev[2] == K_CALL and callable(ev[4])
    sim.run(200)
    assert ran[-1] == "late"
