"""The timeline's row formatter (acrn.trace.rows, compiled in this mode or interpreted) writes what
Python's own formatting writes."""
import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from acrn.trace import rows

I64 = st.integers(-(1 << 63) + 1, (1 << 63) - 1)


@settings(max_examples=400, deadline=None)
@given(v=st.one_of(I64, st.integers(0, 10 ** 6), st.sampled_from([0, 1, 9, 10, 999, 1000, (1 << 63) - 1])))
def test_numbers_are_written_as_python_formats_them(v):
    ns = abs(v)
    one = np.array([v], np.int64)
    names, off = b'"n"', np.array([0, 3], np.int64)
    out = bytearray(rows.row_bound(1, 3, b"}"))
    n = rows.vcpu_rows(memoryview(out), np.array([ns], np.int64), np.array([ns], np.int64), one, one,
                       np.zeros(1, np.int64), names, off, b"}")
    assert out[:n].decode() == ',\n{"ph":"X","pid":%d,"tid":%d,"ts":%d.%03d,"dur":0.000,"name":"n"}' % (
        (v, v) + divmod(ns, 1000))
    head, parts = b",", (b"[", b"", b",", b"]")
    out = bytearray(rows.row_bound(1, 3, head, *parts))
    n = rows.slice_rows(memoryview(out), head, np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64),
                        names, off, np.ones(1, np.uint8), one, one, *parts)
    assert out[:n].decode() == ',0.000,"dur":0.000,"name":"n"[%d,%x]' % (v, v & ((1 << 64) - 1))


@settings(max_examples=100, deadline=None)
@given(data=st.lists(st.tuples(st.integers(0, 1 << 50), st.integers(0, 1 << 40), st.booleans(),
                               st.integers(0, 65535), I64, st.integers(0, 2)), max_size=20))
def test_slice_rows_are_json_with_the_given_fields(data):
    names = [json.dumps(x).encode() for x in ("VMEXIT_HLT", 'quote " and \\ slash', "vm0:vcpu1")]
    off = np.cumsum([0] + [len(x) for x in names]).astype(np.int64)
    col = [np.array([d[k] for d in data], np.int64) for k in range(6)]
    start, dur, is_exit, reason, rip, idx = col
    head = b',\n{"ph":"X","pid":1,"tid":3,"ts":'
    parts = (b',"cat":"vmexit","args":{"reason":', b',"cat":"guest"}', b',"rip":"0x', b'"}}')
    out = bytearray(rows.row_bound(len(data), max(map(len, names)), head, *parts))
    n = rows.slice_rows(memoryview(out), head, start, start + dur, idx, b"".join(names), off,
                        is_exit.astype(np.uint8), reason, rip, *parts)
    got = json.loads("[0%s]" % out[:n].decode())[1:]
    assert len(got) == len(data)
    for row, (s, d, x, r, ip, k) in zip(got, data):
        assert row["ts"] == float("%d.%03d" % divmod(s, 1000)) and row["dur"] == float("%d.%03d" % divmod(d, 1000))
        assert row["name"] == json.loads(names[k])
        assert row["cat"] == ("vmexit" if x else "guest")
        if x:
            assert row["args"] == {"reason": r, "rip": "0x%x" % (ip & ((1 << 64) - 1))}
