"""Build the compiled core: every module listed in COMPILED is cythonized in pure-Python mode.

The same `.py` files (with their `.pxd` declarations) are what runs when ACRN_MODEL_PURE=1.
"""
from Cython.Build import cythonize
from setuptools import setup

COMPILED = [
    "src/acrn/arch_x86/lapic_hw.py",
    "src/acrn/arch_x86/vmx.py",
    "src/acrn/arch_x86/pcpu.py",
    "src/acrn/engine/sim.py",
]

setup(
    ext_modules=cythonize(
        COMPILED,
        compiler_directives={"language_level": "3", "boundscheck": False, "wraparound": False},
        nthreads=2,
    ),
)
