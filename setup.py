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
    "src/acrn/engine/chooser.py",
    "src/acrn/engine/guest.py",
    "src/acrn/engine/observe.py",
    "src/acrn/core/schedule.py",
    "src/acrn/core/sched_noop.py",
    "src/acrn/core/virq.py",
    "src/acrn/core/vmexit.py",
    "src/acrn/core/vcpu.py",
    "src/acrn/core/hv_main.py",
    "src/acrn/core/irq.py",
    "src/acrn/core/notify.py",
    "src/acrn/core/lapic.py",
    "src/acrn/core/hv.py",
]

setup(
    ext_modules=cythonize(
        COMPILED,
        compiler_directives={"language_level": "3", "boundscheck": False, "wraparound": False},
        nthreads=2,
    ),
)
