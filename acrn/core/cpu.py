"""pCPU life cycle, as in ACRN's ``hypervisor/arch/x86/cpu.c``: offline, dead, start-up."""
from acrn.arch_x86 import consts as C
from acrn.core import defs as D
from acrn.core.lapic import send_single_ipi, send_startup_ipi
from acrn.engine.cost import S_CPU_DEAD, S_CPU_STARTUP, S_SPIN
from acrn.engine.ops import OP_HALT, OP_WAIT_UNTIL

TRAMPOLINE_START = 0x9F000  # where APs start (SIPI vector 0x9F)
CPU_UP_TIMEOUT_MS = 100


def make_pcpu_offline(hv, pcpu_id):
    """make_pcpu_offline: set NEED_OFFLINE and, for a remote pCPU, send IPI 0xF0 (it works because
    the target idles in root with IRQs on; in non-root a lapic-pt guest would get the vector)."""
    hv.per_cpu[pcpu_id].pcpu_flag |= D.NEED_OFFLINE
    if hv.get_pcpu_id() != pcpu_id:
        send_single_ipi(hv, pcpu_id, C.NOTIFY_VCPU_VECTOR, C.SRC_HV_OTHER)


def need_offline(hv, pcpu_id):
    """need_offline: test and clear NEED_OFFLINE."""
    return hv.per_cpu[pcpu_id].test_and_clear_flag(D.NEED_OFFLINE)


def cpu_dead(hv):
    """cpu_dead: VMXOFF, flush caches, clear this pCPU from pcpu_active_bitmap, halt forever.
    VMXOFF comes first: an INIT latched in root is processed right there (SDM 23.8), the CPU goes to
    wait-for-SIPI and the bitmap is never cleared."""
    pcpu_id = hv.get_pcpu_id()
    if not hv.is_pcpu_active(pcpu_id):
        return
    hw = hv.hw[pcpu_id]
    if hw.vmxoff():
        hv.obs.log(None, "pCPU%d: latched INIT taken at VMXOFF in cpu_dead: wait-for-SIPI" % pcpu_id)
        yield OP_HALT  # the CPU is in wait-for-SIPI: nothing below runs
        return
    yield S_CPU_DEAD
    hv.pcpu_active_bitmap &= ~(1 << pcpu_id)
    hv.obs.pcpu_offline(pcpu_id)
    hw.host_if = False
    hw.hlt()
    yield OP_HALT


def wait_pcpus_offline(hv, mask):
    """wait_pcpus_offline: spin until no pCPU of ``mask`` is active, or CPU_DOWN_TIMEOUT expires."""
    deadline = hv.sim.now + hv.sim.cost.cycles(D.CPU_DOWN_TIMEOUT_MS * 1000.0)
    yield (OP_WAIT_UNTIL, lambda: hv.pcpu_active_bitmap & mask == 0, S_SPIN, deadline)
    if hv.pcpu_active_bitmap & mask:
        hv.obs.log(None, "wait_pcpus_offline: timed out with mask 0x%x still active" % (hv.pcpu_active_bitmap & mask))
        return False
    return True


def start_pcpus(hv, mask):
    """start_pcpus: INIT-SIPI each pCPU of ``mask`` and wait (CPU_UP_TIMEOUT) until it is active."""
    ok = True
    for pcpu_id in range(len(hv.per_cpu)):
        if not (mask >> pcpu_id) & 1:
            continue
        send_startup_ipi(hv, pcpu_id, TRAMPOLINE_START)
        deadline = hv.sim.now + hv.sim.cost.cycles(CPU_UP_TIMEOUT_MS * 1000.0)
        yield (OP_WAIT_UNTIL, lambda p=pcpu_id: hv.is_pcpu_active(p), S_SPIN, deadline)
        if not hv.is_pcpu_active(pcpu_id):
            hv.obs.fault(pcpu_id, "start_pcpus: pCPU%d failed to come up" % pcpu_id)
            ok = False
    return ok


def init_pcpu_post(hv, pcpu_id):
    """The AP's start-up path after a SIPI: re-initialise, mark active, then run the idle thread."""
    from acrn.core.hv_main import start_idle_thread

    yield S_CPU_STARTUP
    hv.hw[pcpu_id].vmx_on = True
    hv.pcpu_active_bitmap |= 1 << pcpu_id
    hv.per_cpu[pcpu_id].pcpu_flag = 0
    hv.per_cpu[pcpu_id].lapic_pt = False
    hv.obs.pcpu_online(pcpu_id)
    yield from start_idle_thread(hv, pcpu_id)
