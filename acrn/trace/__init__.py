"""acrntrace captures: read and write ACRN's trace format, analyse it (acrnalyze's reports and more),
export timelines and plots.

Modules: :mod:`~acrn.trace.format` (record layout), :mod:`~acrn.trace.events` (every event id),
:mod:`~acrn.trace.writer` (:class:`TraceWriter`), :mod:`~acrn.trace.reader`, :mod:`~acrn.trace.analysis`
with its numba kernels (:mod:`~acrn.trace.kernels`) and numpy references (:mod:`~acrn.trace.reference`),
:mod:`~acrn.trace.reports`, :mod:`~acrn.trace.timeline`, :mod:`~acrn.trace.plots`.
The ``analyze`` and ``timeline`` commands are in :mod:`acrn.cli.trace`.

Importing this package loads nothing heavy: the names below are resolved on first use.
"""

_LAZY = {
    "TraceWriter": "acrn.trace.writer",
    "write_capture": "acrn.trace.writer",
    "read_capture": "acrn.trace.reader",
    "read_file": "acrn.trace.reader",
    "Capture": "acrn.trace.reader",
    "CaptureError": "acrn.trace.reader",
    "RECORD_DTYPE": "acrn.trace.format",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError("module 'acrn.trace' has no attribute %r" % name)
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
