"""Every core module imports on its own in a fresh process, in the mode of this pass: compiled, cimports
import other modules at a module's start, so an import cycle that works from one entry point can fail
from another (a plugin that imports ``acrn.core.vmexit`` first once failed)."""
import os
import pkgutil
import subprocess
import sys

import pytest

import acrn.core

MODULES = sorted(m.name for m in pkgutil.iter_modules(acrn.core.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_core_module_imports_first(name):
    out = subprocess.run([sys.executable, "-c", "import acrn.core.%s" % name], capture_output=True, text=True,
                         env=dict(os.environ), timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
