"""The numba build of :mod:`acrn.trace.scan`: the same loops, compiled by numba from ``scan.py``'s source.

Imported only when the numba backend is chosen (:mod:`acrn.trace.analysis`), so ``import acrn.trace``
never pays numba's start-up (~0.3 s).  Compiled code is cached on disk (``cache=True``).  The Cython
build of the same source is the ``compiled`` backend; the numpy twins are in :mod:`acrn.trace.reference`;
tests check that all of them fill identical arrays.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
from numba import njit

from acrn.trace import tables as t


def _load_source():
    """``scan.py`` as a plain Python module (in compiled mode ``acrn.trace.scan`` is the C extension,
    which numba cannot read), with every function jitted in place so that they call each other as
    compiled code."""
    spec = importlib.util.spec_from_file_location("acrn.trace._scan_numba", Path(__file__).with_name("scan.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # numba resolves the jitted functions' globals through it
    spec.loader.exec_module(mod)
    for name in ("sched_name_vm", "sched_ctx", "vcpu_ctx", "sat_add", "sched_slot", "vm_exit_chunk",
                 "irq_chunk", "sched_chunk", "sched_finish"):
        setattr(mod, name, njit(cache=True, nogil=True)(getattr(mod, name)))
    return mod


_scan = _load_source()
vm_exit_chunk = _scan.vm_exit_chunk
vm_exit_chunk_nogil = vm_exit_chunk  # jitted with nogil=True
irq_chunk = _scan.irq_chunk
irq_chunk_nogil = irq_chunk  # jitted with nogil=True
sched_chunk = _scan.sched_chunk
sched_chunk_nogil = sched_chunk
sched_finish = _scan.sched_finish


def warm() -> None:
    """Load the compiled kernels (from the on-disk cache, else compile them) without scanning."""
    from acrn.trace.analysis import Loops
    from acrn.trace.results import VmExitStats

    Loops(sys.modules[__name__]).vm_exit_scan_chunk(np.zeros((0, 4), np.int64), t.new_state(), VmExitStats())
