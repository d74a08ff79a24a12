"""Which implementation runs the analyses (numpy-free, so the CLI can decide before importing numpy).

``"compiled"``: the Cython build of :mod:`acrn.trace.scan`, a C extension built at install time: C speed
with no start-up cost.  ``"numba"``: the numba build of the same loops (:mod:`acrn.trace.kernels`), as
fast once loaded, but loading numba takes ~0.3 s.  ``"numpy"``: :mod:`acrn.trace.reference`, whole-array
operations, no compilation at all.  ``"auto"``: compiled when the extension is installed and this is not
an interpreted run (``ACRN_MODEL_PURE=1``); else numba when it is already loaded or the capture is big
enough to repay its start-up; numpy otherwise.  All give identical results.
"""
from __future__ import annotations

import importlib.util
import sys

BACKENDS = ("auto", "compiled", "numpy", "numba")
#: Without the compiled scans, "auto" uses numba from this many records on (numpy needs ~0.3 s for
#: about 2-3 million records).
NUMBA_MIN_RECORDS = 2_000_000


def compiled_scan_available() -> bool:
    """True when ``import acrn.trace.scan`` loads the C extension (not the ``.py`` source)."""
    spec = importlib.util.find_spec("acrn.trace.scan")
    return spec is not None and spec.origin is not None and not spec.origin.endswith(".py")


def resolve_backend(backend: str, n_records: int) -> str:
    if backend not in BACKENDS:
        raise ValueError("backend must be one of %s, not %r" % (", ".join(BACKENDS), backend))
    if backend != "auto":
        return backend
    if compiled_scan_available():
        return "compiled"
    if "numba" in sys.modules or n_records >= NUMBA_MIN_RECORDS:
        return "numba"
    return "numpy"
