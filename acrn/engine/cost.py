"""The cost model: cycles for every hardware transition and hypervisor step, as ranges [lo, hi].

Every step a pCPU executes (and every interrupt delivery) has an id here.  A range lets the chooser
draw the latency (seeded RNG in a run; representative values in the explorer).  Defaults are
approximate figures from published measurements, named per row; a scenario's ``[cost]`` table or
``CostModel(overrides)`` replaces any of them.  One source of truth: core code yields these ids.
"""
from acrn.errors import AcrnModelError

# (id, name, lo, hi, where the figure comes from)
STEPS = (
    (0, "vmexit", 450, 600, "VMX exit transition; round trip VMCALL ~1.0-1.3k cycles on Skylake (kvm-unit-tests vmexit.c)"),
    (1, "vmentry", 400, 550, "VMX entry transition; other half of the kvm-unit-tests vmcall round trip"),
    (2, "vcpu_loop", 20, 40, "loop top of vcpu_thread: flag tests, CLI (a few instructions)"),
    (3, "acrn_handle_pending_request", 80, 250, "bit tests + VMCS writes; a VMWRITE ~20-50 cycles (Intel opt. manual)"),
    (4, "vmexit_handler", 150, 300, "VMREADs of exit info + table dispatch + a trivial handler (CPUID ~200 cycles)"),
    (5, "exception_vmexit_handler", 100, 200, "VMREAD exit-int-info, queue or drop"),
    (6, "msr_vmexit_handler", 150, 350, "RDMSR/WRMSR emulation"),
    (7, "io_vmexit_handler", 300, 700, "port I/O decode and emulation in the hypervisor"),
    (8, "ept_violation_vmexit_handler", 1500, 4000, "MMIO: instruction decode + emulation"),
    (9, "hypercall", 400, 900, "VMCALL handler: copy parameters from guest memory"),
    (10, "handle_nmi", 250, 450, "NMI delivery through the host IDT + handler + IRET (~200 cycles each way)"),
    (11, "dispatch_interrupt", 200, 400, "host IRQ entry, handler, EOI, IRET"),
    (12, "schedule", 300, 600, "pick_next + context switch + VMPTRLD"),
    (13, "spin", 140, 140, "one PAUSE iteration: 140 cycles on Skylake (Intel optimization manual 2.5.4)"),
    (14, "ipi_delivery", 500, 1500, "x2APIC ICR write to target IRR across cores: ~0.25-0.7 us"),
    (15, "nmi_delivery", 500, 1500, "same interconnect path as a fixed IPI"),
    (16, "init_delivery", 500, 1500, "same interconnect path as a fixed IPI"),
    (17, "icr_write", 40, 80, "WRMSR to x2APIC ICR (serializing MSR write)"),
    (18, "vcpu_make_request", 30, 60, "atomic bit set + scheduler lock + kick decision"),
    (19, "cpu_dead", 20000, 60000, "WBINVD cache flush + VMXOFF before parking the pCPU"),
    (20, "cpu_startup", 40000, 80000, "INIT-SIPI-SIPI and the AP's early init back to idle (~20-40 us)"),
    (21, "guest_nmi_handler", 1000, 3000, "a guest OS NMI handler up to its IRET"),
    (22, "idle", 140, 140, "one idle-loop iteration (PAUSE)"),
    (23, "smp_call_func", 500, 1500, "the called function, e.g. a vCPU register dump"),
    (24, "ept_modify_mr", 800, 2000, "EPT page-table walk and update"),
    (25, "dm_io_request", 20000, 60000, "service VM: the device model sees and handles an I/O request (~10-30 us)"),
    (26, "pause_vcpu", 60, 120, "vCPU state change + sleep_thread"),
    (27, "vm_reset_vcpu", 500, 1000, "reset_vcpu/offline_vcpu bookkeeping"),
    (28, "guest_irq_handler", 300, 800, "a guest OS interrupt handler (IDT entry to EOI+IRET)"),
    (29, "init_vmcs", 3000, 6000, "initialise a VMCS (dozens of VMWRITEs)"),
    (30, "run_vcpu", 300, 1200, "run_vcpu before VMRESUME: VMWRITEs of dirty registers, IBRS/RSB mitigation, GPR restore"),
)

STEP_NAMES = tuple(row[1] for row in STEPS)
STEP_IDS = {row[1]: row[0] for row in STEPS}
N_STEPS = len(STEPS)
assert all(row[0] == i for i, row in enumerate(STEPS)), "step ids must be their row numbers"

S_VMEXIT = 0
S_VMENTRY = 1
S_VCPU_LOOP = 2
S_HANDLE_PENDING_REQ = 3
S_VMEXIT_HANDLER = 4
S_EXCEPTION_HANDLER = 5
S_MSR_HANDLER = 6
S_IO_HANDLER = 7
S_EPT_HANDLER = 8
S_HYPERCALL = 9
S_HANDLE_NMI = 10
S_DISPATCH_INTERRUPT = 11
S_SCHEDULE = 12
S_SPIN = 13
S_IPI_DELIVERY = 14
S_NMI_DELIVERY = 15
S_INIT_DELIVERY = 16
S_ICR_WRITE = 17
S_MAKE_REQUEST = 18
S_CPU_DEAD = 19
S_CPU_STARTUP = 20
S_GUEST_NMI_HANDLER = 21
S_IDLE = 22
S_SMP_CALL_FUNC = 23
S_EPT_MODIFY = 24
S_DM_IO = 25
S_PAUSE_VCPU = 26
S_RESET_VCPU = 27
S_GUEST_IRQ_HANDLER = 28
S_INIT_VMCS = 29
S_RUN_VCPU = 30


class CostModel:
    """Per-step cycle ranges; ``overrides`` maps a step name to a number or a [lo, hi] pair."""

    def __init__(self, overrides=None, tsc_mhz=2100.0):
        self.lo = [row[2] for row in STEPS]
        self.hi = [row[3] for row in STEPS]
        self.tsc_mhz = float(tsc_mhz)
        for name, value in (overrides or {}).items():
            self.set(name, value)

    def set(self, name, value):
        if name not in STEP_IDS:
            raise AcrnModelError("cost: unknown step %r (known: %s)" % (name, ", ".join(STEP_NAMES)))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            lo = hi = int(value)
        elif isinstance(value, (list, tuple)) and len(value) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            lo, hi = int(value[0]), int(value[1])
        else:
            raise AcrnModelError("cost.%s: expected a number of cycles or [lo, hi], got %r" % (name, value))
        if lo < 0 or hi < lo:
            raise AcrnModelError("cost.%s: need 0 <= lo <= hi, got [%d, %d]" % (name, lo, hi))
        step = STEP_IDS[name]
        self.lo[step], self.hi[step] = lo, hi

    def us(self, cycles):
        return cycles / self.tsc_mhz

    def cycles(self, us):
        return int(round(us * self.tsc_mhz))

    def table(self):
        return [(row[1], self.lo[row[0]], self.hi[row[0]], row[4]) for row in STEPS]
