"""Latency matching (vectorised) against the plain loops in acrn.trace.reference; percentiles by hand."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from acrn.trace import analysis, reference

times = st.lists(st.integers(0, 400), max_size=25)


@settings(max_examples=200, deadline=None)
@given(exits=st.dictionaries(st.integers(0, 3), times, max_size=4),
       enters=st.dictionaries(st.integers(0, 3), times, max_size=4),
       kicks=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 4)), max_size=20))
def test_match_kicks_equals_loop(exits, enters, kicks):
    cpus = set(exits) | set(enters)
    xs = {c: np.sort(np.array(exits.get(c, []), np.int64)) for c in cpus}
    es = {c: np.sort(np.array(enters.get(c, []), np.int64)) for c in cpus}
    tsc = np.array([k[0] for k in kicks], np.int64)
    target = np.array([k[1] for k in kicks], np.int64)
    cat, lat = analysis.match_kicks(tsc, target, xs, es)
    loop = reference.kick_latencies_loop(kicks, {c: list(v) for c, v in xs.items()},
                                         {c: list(v) for c, v in es.items()})
    for (t, tgt), c, latency, (where, expect) in zip(kicks, cat, lat, loop):
        if tgt not in cpus:
            assert c == 3  # untraced
        elif where == "root":
            assert c == 2
        elif expect is None:
            assert c == 1
        else:
            assert c == 0 and latency == expect


@settings(max_examples=200, deadline=None)
@given(made=st.lists(st.tuples(st.integers(0, 300), st.integers(0, 3)), max_size=20),
       handled=st.lists(st.tuples(st.integers(0, 300), st.integers(0, 3)), max_size=20))
def test_match_requests_equals_loop(made, handled):
    lat = analysis.match_requests(np.array([m[0] for m in made], np.int64), np.array([m[1] for m in made], np.int64),
                                  np.array([h[0] for h in handled], np.int64),
                                  np.array([h[1] for h in handled], np.int64))
    expect = reference.request_latencies_loop(made, handled)
    assert [None if x < 0 else int(x) for x in lat] == expect


def test_summarize_nearest_rank():
    s = analysis.summarize(np.array([5, 1, 4, 2, 3]))
    # ranks: p50 ceil(2.5)=3rd -> 3; p90 ceil(4.5)=5th -> 5; p99, p99.9 -> 5th
    assert s == {"count": 5, "min": 1, "p50": 3, "p90": 5, "p99": 5, "p99.9": 5, "max": 5, "mean": 3.0}
    s = analysis.summarize(np.arange(1, 1001))
    assert (s["p50"], s["p90"], s["p99"], s["p99.9"]) == (500, 900, 990, 999)
    assert analysis.summarize(np.zeros(0, np.int64)) == {"count": 0}


def test_log2_histogram():
    assert analysis.log2_histogram(np.array([0, 1, 2, 3, 4, 250, 256])) == [(0, 2), (2, 2), (4, 1), (128, 1),
                                                                             (256, 1)]
    assert analysis.log2_histogram(np.zeros(0, np.int64)) == []
