"""Which implementation runs the analyses (numpy-free, so the CLI can decide before importing numpy).

``"numba"``: :mod:`acrn.trace.kernels`, the fastest once loaded, but loading numba (import plus the cached
kernels) takes ~0.3 s.  ``"numpy"``: :mod:`acrn.trace.reference`, no JIT start-up, ~10x slower per record.
``"auto"``: numba when it is already loaded in this process or the capture is big enough to repay its
start-up, numpy otherwise.  Both give identical results.
"""
from __future__ import annotations

import sys

BACKENDS = ("auto", "numpy", "numba")
#: "auto" uses numba from this many records on (numpy needs ~0.3 s for about 2-3 million records).
NUMBA_MIN_RECORDS = 2_000_000


def resolve_backend(backend: str, n_records: int) -> str:
    if backend not in BACKENDS:
        raise ValueError("backend must be one of %s, not %r" % (", ".join(BACKENDS), backend))
    if backend != "auto":
        return backend
    if "numba" in sys.modules or n_records >= NUMBA_MIN_RECORDS:
        return "numba"
    return "numpy"
