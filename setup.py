"""Build the compiled core: every module listed in COMPILED is cythonized in pure-Python mode.

The same `.py` files (with their `.pxd` declarations) are what runs when ACRN_MODEL_PURE=1.
"""
from Cython.Build import cythonize
from setuptools import setup

COMPILED = [
    "acrn/arch_x86/lapic_hw.py",
    "acrn/arch_x86/vmx.py",
    "acrn/arch_x86/pcpu.py",
    "acrn/engine/sim.py",
    "acrn/engine/chooser.py",
    "acrn/guest/guest.py",
    "acrn/host/observe.py",
    "acrn/host/machine.py",
    "acrn/host/hookcall.py",
    "acrn/explore.py",
    "acrn/core/schedule.py",
    "acrn/core/sched_noop.py",
    "acrn/core/virq.py",
    "acrn/core/vmexit.py",
    "acrn/core/vcpu.py",
    "acrn/core/hv_main.py",
    "acrn/core/irq.py",
    "acrn/core/notify.py",
    "acrn/core/lapic.py",
    "acrn/core/hv.py",
    "acrn/core/hypercall.py",
    "acrn/core/ept.py",
    "acrn/core/vmcs.py",
    "acrn/core/io_req.py",
    "acrn/core/pm.py",
    "acrn/core/vm.py",
    "acrn/core/ptirq.py",
    "acrn/core/cpu.py",
    "acrn/core/sched_iorr.py",
    "acrn/core/sched_bvt.py",
    "acrn/engine/cost.py",
    "acrn/guest/nmi_sources.py",
    "acrn/trace/scan.py",
    "acrn/trace/rows.py",
]

setup(
    ext_modules=cythonize(
        COMPILED,
        compiler_directives={"language_level": "3", "boundscheck": False, "wraparound": False},
        nthreads=2,
    ),
)
