"""The hypervisor instance: ACRN's global and per-CPU state (``struct per_cpu_region``, the VM array,
``pcpu_active_bitmap``, ``smp_call_mask``), plus the handles the C code reaches implicitly: the engine
(for "the current pCPU" and for time) and the observer (invariants, traces, plugin hooks).
"""
import cython

from acrn.arch_x86.consts import NOTIFY_VCPU_VECTOR
from acrn.core.defs import (
    SCHED_NOTIFY_INIT, SCHED_NOTIFY_NMI)
from acrn.core.design import NOTIFICATION_NMI_CHOICES, NOTIFICATION_NMI_KICK_FLAG
from acrn.core import lapic  # the module (its functions looked up when called): lapic imports this one
from acrn.core.schedule import SchedControl


class PerCpu:
    """struct per_cpu_region (the fields the notification path uses)."""

    def __init__(self, pcpu_id, lapic_id, scheduler):
        self.pcpu_id = pcpu_id
        self.lapic_id = lapic_id
        self.sched_ctl = SchedControl(pcpu_id, scheduler)
        self.idle = None  # the idle thread_object
        self.pcpu_flag = 0  # NEED_OFFLINE / NEED_SHUTDOWN_VM
        self.smp_call_info = None  # (func, data)
        self.shutdown_vm_id = -1
        self.vmcs_run = None  # the VMCS loaded on this pCPU (load_vmcs)
        self.ever_run_vcpu = None
        self.lapic_pt = False  # this pCPU runs a lapic-pt vCPU (the model's lapic_pt_enabled_pcpu_bitmap)
        self.nmi_kick_pending = False  # nmi-vnmi (beyond ACRN): set by a sender before its kick NMI

    def test_and_clear_flag(self, flag):
        """bitmap_test_and_clear_lock on per_cpu(pcpu_flag): was ``flag`` set?  It is clear afterwards."""
        if self.pcpu_flag & flag:
            self.pcpu_flag &= ~flag
            return True
        return False


class Hypervisor:
    def __init__(self, design, sim, obs, n_pcpus, scheduler_cls):
        self.design = design
        # the design's choices that hot paths test, as C values (a Design is frozen: copied once)
        self.kick_mode = design.kick_mode
        self.sleep_mode = design.sleep_mode
        self.notification_nmi = NOTIFICATION_NMI_CHOICES.index(design.notification_nmi)
        self.nmi_injection_checked = design.nmi_injection == "checked"
        self.handle_nmi_poll = design.handle_nmi == "poll"
        self.sim = sim
        self.obs = obs
        self.hw = sim.hw  # the pCPUs (arch_x86.pcpu.PCpu), indexed by pcpu_id
        self.scheduler = scheduler_cls(self)
        self.per_cpu = [PerCpu(i, self.hw[i].lapic.apic_id, self.scheduler) for i in range(n_pcpus)]
        self.vms = []
        self._vm_names = {}  # name -> VM, filled by vm_by_name
        self.pt_devices = []  # passthrough devices with MSIs (acrn.core.ptirq.PtDevice)
        self.pcpu_active_bitmap = 0
        self.smp_call_mask = 0
        self.dispatch_table = None  # vmexit.build_dispatch_table, set by the run
        self.io_requests = []  # I/O requests to the device model (io_req.IoRequest)

    def get_pcpu_id(self):
        """get_pcpu_id(): the pCPU whose code is running now."""
        return self.sim.cur_cpu

    def get_running_vcpu(self, pcpu_id):
        """get_running_vcpu: the vCPU whose thread is current on ``pcpu_id``, or None."""
        obj = self.per_cpu[pcpu_id].sched_ctl.curr_obj
        return getattr(obj, "data", None) if obj is not None and obj is not self.per_cpu[pcpu_id].idle else None

    def notify_pcpu(self, pcpu_id, mode):
        """The one switch from a notify/delivery mode to the LAPIC call (make_reschedule_request,
        kick_thread): IPI 0xF0, NMI or INIT."""
        if mode == SCHED_NOTIFY_NMI:
            if self.notification_nmi == NOTIFICATION_NMI_KICK_FLAG:
                cython.cast(PerCpu, self.per_cpu[pcpu_id]).nmi_kick_pending = True  # say why, before the NMI
            lapic.send_single_nmi(self, pcpu_id)
        elif mode == SCHED_NOTIFY_INIT:
            lapic.send_single_init(self, pcpu_id)
        else:
            lapic.send_single_ipi(self, pcpu_id, NOTIFY_VCPU_VECTOR)
        self.obs.kick_sent(self.get_pcpu_id(), pcpu_id, mode)

    def vm_by_name(self, name):
        """The VM named ``name`` (a dict lookup once found: the guests look their targets up on every
        hypercall they make, and a host may have many VMs)."""
        vm = self._vm_names.get(name)
        if vm is not None:
            return vm
        for vm in self.vms:
            if vm.name == name:
                self._vm_names[name] = vm
                return vm
        raise KeyError(name)

    def is_pcpu_active(self, pcpu_id):
        return (self.pcpu_active_bitmap >> pcpu_id) & 1 == 1
