# cython: boundscheck=False, wraparound=False, initializedcheck=False
"""The timeline's JSON rows, written byte by byte into one buffer: one source, compiled by Cython at
install time (types in ``rows.pxd``) and interpreted under ``ACRN_MODEL_PURE=1``, byte for byte alike.

:mod:`acrn.trace.timeline` decides what goes on the timeline with numpy; these loops only format it, so
that a 2-million-event timeline costs no Python object per event.  A row is ``,\\n{...}`` with no padding.
Names come from a table: the names' JSON texts (quoted, escaped) one after the other in ``names``, name
``k`` being ``names[name_off[k]:name_off[k + 1]]``.
"""
_ZERO = 48
_DOT = 46
_MINUS = 45
_A_LESS_10 = 87  # ord("a") - 10


def put_text(out, pos, text, start, stop):
    """``out[pos:] = text[start:stop]``; the position after it."""
    for k in range(start, stop):
        out[pos] = text[k]
        pos += 1
    return pos


def put_decimal(out, pos, v):
    """``"%d" % v``; the position after it."""
    if v < 0:
        out[pos] = _MINUS
        pos += 1
        v = -v
    n = 1
    x = v // 10
    while x > 0:
        n += 1
        x //= 10
    k = pos + n
    while True:
        k -= 1
        out[k] = _ZERO + v % 10
        v //= 10
        if k == pos:
            break
    return pos + n


def put_micros(out, pos, ns):
    """Integer nanoseconds as microseconds with three decimals (``"%d.%03d"``); the position after it."""
    if ns < 0:
        out[pos] = _MINUS
        pos += 1
        ns = -ns
    pos = put_decimal(out, pos, ns // 1000)
    frac = ns % 1000
    out[pos] = _DOT
    out[pos + 1] = _ZERO + frac // 100
    out[pos + 2] = _ZERO + (frac // 10) % 10
    out[pos + 3] = _ZERO + frac % 10
    return pos + 4


def put_hex(out, pos, v):
    """The 64 bits of ``v`` as ``"%x"`` (lowercase, no leading zeros); the position after it."""
    top = 15
    while top > 0 and ((v >> (4 * top)) & 15) == 0:
        top -= 1
    for k in range(top, -1, -1):
        d = (v >> (4 * k)) & 15
        out[pos] = _ZERO + d if d < 10 else _A_LESS_10 + d
        pos += 1
    return pos


def put_span(out, pos, start, end, dur, name, names, name_off, k):
    """``<start>,"dur":<end - start>,"name":<name k>`` (times in nanoseconds, written in microseconds);
    ``dur`` and ``name`` are the texts ``,"dur":`` and ``,"name":``.  The position after it."""
    pos = put_micros(out, pos, start)
    pos = put_text(out, pos, dur, 0, len(dur))
    pos = put_micros(out, pos, end - start)
    pos = put_text(out, pos, name, 0, len(name))
    return put_text(out, pos, names, name_off[k], name_off[k + 1])


def slice_rows(out, head, start_ns, end_ns, name_idx, names, name_off, is_exit, reason, rip, exit_mid, guest_tail,
               rip_mid, exit_tail):
    """The pCPU track's slices, in the given order: ``head`` (``,\\n{"ph":"X","pid":..,"tid":..,"ts":``),
    the start, ``,"dur":``, the duration, ``,"name":`` and the name; then for a VM exit ``exit_mid``, the
    reason, ``rip_mid``, the RIP in hex and ``exit_tail``, for a guest slice ``guest_tail``.  Returns the
    bytes written into ``out`` (sized by the caller: :func:`row_bound` per row)."""
    dur = _DUR
    name = _NAME
    pos = 0
    for i in range(len(start_ns)):
        pos = put_text(out, pos, head, 0, len(head))
        pos = put_span(out, pos, start_ns[i], end_ns[i], dur, name, names, name_off, name_idx[i])
        if is_exit[i]:
            pos = put_text(out, pos, exit_mid, 0, len(exit_mid))
            pos = put_decimal(out, pos, reason[i])
            pos = put_text(out, pos, rip_mid, 0, len(rip_mid))
            pos = put_hex(out, pos, rip[i])
            pos = put_text(out, pos, exit_tail, 0, len(exit_tail))
        else:
            pos = put_text(out, pos, guest_tail, 0, len(guest_tail))
    return pos


def vcpu_rows(out, start_ns, end_ns, pid, tid, name_idx, names, name_off, tail):
    """The vCPU tracks' slices: ``,\\n{"ph":"X","pid":<pid>,"tid":<tid>,"ts":<start>,"dur":<dur>,"name":<name>``
    and ``tail``; returns the bytes written into ``out``."""
    vhead = _VHEAD
    tid_text = _TID
    ts = _TS
    dur = _DUR
    name = _NAME
    pos = 0
    for i in range(len(start_ns)):
        pos = put_text(out, pos, vhead, 0, len(vhead))
        pos = put_decimal(out, pos, pid[i])
        pos = put_text(out, pos, tid_text, 0, len(tid_text))
        pos = put_decimal(out, pos, tid[i])
        pos = put_text(out, pos, ts, 0, len(ts))
        pos = put_span(out, pos, start_ns[i], end_ns[i], dur, name, names, name_off, name_idx[i])
        pos = put_text(out, pos, tail, 0, len(tail))
    return pos


_DUR = b',"dur":'
_NAME = b',"name":'
_VHEAD = b',\n{"ph":"X","pid":'
_TID = b',"tid":'
_TS = b',"ts":'
#: The most bytes a row's numbers take: two times (a sign, 19 digits, the dot and 3 decimals), three
#: decimals (pid, tid or reason: a sign and 19 digits) and a RIP (16 hex digits).
NUMBERS_MAX = 2 * 24 + 3 * 20 + 16


def row_bound(n_rows, longest_name, *texts):
    """Bytes enough for ``n_rows`` rows whose constant parts are ``texts`` and whose names are at most
    ``longest_name`` bytes."""
    fixed = sum(len(x) for x in (_DUR, _NAME, _VHEAD, _TID, _TS) + texts)
    return n_rows * (fixed + longest_name + NUMBERS_MAX)
