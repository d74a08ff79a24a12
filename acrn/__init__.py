"""acrn-model: an executable model of ACRN's interrupt and vCPU notification path.

The core (``acrn.arch_x86``, ``acrn.core``, ``acrn.engine``) is Cython in pure-Python mode: the very same
``.py`` sources are compiled at install time and can run interpreted.  Set ``ACRN_MODEL_PURE=1`` before
the first ``import acrn`` to run the interpreted sources (for stepping through a ported patch in a
debugger); :func:`compiled` tells which mode is live.
"""
import os as _os

__version__ = "0.1.0"

PURE_ENV = "ACRN_MODEL_PURE"

if _os.environ.get(PURE_ENV, "") not in ("", "0"):
    from acrn import _pure

    _pure.install()


def compiled() -> bool:
    """True when the hardware model and the engine run as compiled extension modules."""
    from acrn.arch_x86 import pcpu

    return not pcpu.__file__.endswith(".py")
