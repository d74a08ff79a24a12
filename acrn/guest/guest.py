"""The software inside a VM, as the hypervisor sees it: when the guest next causes a VM exit (and
which), what it does with interrupts it receives, and the service VM's device model.

Activity is timed in simulated time: an item due while its vCPU is out of non-root happens right after
the next VM entry.  Every interval is drawn through the chooser, so runs stay reproducible.
"""
import cython

from acrn.arch_x86.consts import (
    APIC_BASE_ENABLE, APIC_BASE_X2APIC, APIC_DM_FIXED, APIC_DM_NMI, HYPERVISOR_CALLBACK_VHM_VECTOR,
    LVT_REGISTERS, MSR_IA32_APIC_BASE, MSR_IA32_EXT_APIC_EOI, MSR_IA32_EXT_APIC_ICR, SRC_GUEST_IPI,
    VMX_EXIT_REASON_CPUID, VMX_EXIT_REASON_EPT_VIOLATION, VMX_EXIT_REASON_HLT,
    VMX_EXIT_REASON_IO_INSTRUCTION, VMX_EXIT_REASON_PAUSE, VMX_EXIT_REASON_RDMSR, VMX_EXIT_REASON_VMCALL,
    VMX_EXIT_REASON_WRMSR)
from acrn.arch_x86.lapic_hw import icr_encode
from acrn.core.defs import (
    HC_DESTROY_VM, HC_NOTIFY_REQUEST_FINISH, HC_PAUSE_VM, HC_SMP_CALL, HC_VM_SET_MEMORY_REGIONS)
from acrn.core.pm import PM1A_CNT_ADDR, PM1A_S5_VALUE
from acrn.engine.ops import KIND_IRET  # internal: the guest's NMI handler returns
from acrn.engine.cost import S_DM_IO, S_GUEST_IRQ_HANDLER, S_GUEST_NMI_HANDLER

# kind -> (exit reason, instruction length or -1 for fault-like); see Guest.exit_for
GUEST_KINDS = {
    "cpuid": (VMX_EXIT_REASON_CPUID, 2),
    "rdmsr": (VMX_EXIT_REASON_RDMSR, 2),
    "wrmsr": (VMX_EXIT_REASON_WRMSR, 2),
    "io": (VMX_EXIT_REASON_IO_INSTRUCTION, 1),
    "ept": (VMX_EXIT_REASON_EPT_VIOLATION, -1),
    "hlt": (VMX_EXIT_REASON_HLT, 1),
    "pause": (VMX_EXIT_REASON_PAUSE, 2),
    "ept_update": (VMX_EXIT_REASON_VMCALL, 3),
    "smp_call": (VMX_EXIT_REASON_VMCALL, 3),
    "s5": (VMX_EXIT_REASON_IO_INSTRUCTION, 1),
    "ipi": (VMX_EXIT_REASON_WRMSR, 2),
    "vmcall": (VMX_EXIT_REASON_VMCALL, 3),
    "x2apic": (VMX_EXIT_REASON_WRMSR, 2),
    "lvt": (VMX_EXIT_REASON_WRMSR, 2),
    "eoi": (VMX_EXIT_REASON_WRMSR, 2),
}
SERVICE_ONLY = frozenset(("ept_update", "smp_call", "vmcall"))
INTERNAL_KINDS = frozenset(("x2apic", "lvt", "eoi"))  # added by the model itself, not written in scenarios
MMIO_INSTRUCTION_LENGTH = 3

# The guest's own constants: the code of each activity kind, which says what registers Guest.exit_for loads
# (the scenario names kinds; GuestWork.code is the name's code, given once).  Compiled, they are the C enums
# of guest.pxd (the same values, checked by tests/core/test_constants.py); interpreted, these:
if not cython.compiled:
    GK_NONE = 0  # pop_due: nothing due
    GK_IRET = 1
    GK_OTHER = 2  # a plugin's kind: its args are the registers (exit_args)
    GK_IO = 3
    GK_S5 = 4
    GK_MSR = 5
    GK_IPI = 6
    GK_LVT = 7
    GK_EOI = 8
    GK_X2APIC = 9
    GK_EPT = 10
    GK_EPT_UPDATE = 11
    GK_SMP_CALL = 12
    GK_VMCALL = 13
KIND_CODES = {KIND_IRET: GK_IRET, "io": GK_IO, "s5": GK_S5, "rdmsr": GK_MSR, "wrmsr": GK_MSR, "ipi": GK_IPI,
              "lvt": GK_LVT, "eoi": GK_EOI, "x2apic": GK_X2APIC, "ept": GK_EPT, "ept_update": GK_EPT_UPDATE,
              "smp_call": GK_SMP_CALL, "vmcall": GK_VMCALL}


class GuestWork:
    """One activity: ``kind`` every [lo, hi] cycles (or once at ``at``), with kind-specific args."""

    def __init__(self, kind, lo=0, hi=0, at=-1, args=(), count=-1):
        self.kind = kind
        self.code = KIND_CODES.get(kind, GK_OTHER)
        self.lo = lo
        self.hi = hi
        self.at = at
        self.args = tuple(args)
        self.count = count  # -1: unlimited
        self.next_due = -1


class Guest:
    """The guest of one vCPU.  The activity due (``pop_due``) is left in ``due_kind``/``due_args``; the
    registers its VM exit hands the handler (``exit_for``) in ``exit_arg0``/``exit_arg1`` (an MSR, I/O or MMIO
    exit's integers) or ``exit_ref`` (a hypercall's (number, argument), a plugin kind's args)."""

    def __init__(self, vcpu, items, kinds=None):
        self.vcpu = vcpu
        self.items = list(items)
        self.queue = []  # one-shot actions added while running: [due, kind, args, kind code]
        self.iret_due = -1
        self.due_kind = None
        self.due_args = ()
        self.due_code = GK_NONE
        self.exit_code = GK_NONE
        self.exit_reason = -1
        self.exit_inst_len = 0
        self.exit_arg0 = 0
        self.exit_arg1 = 0
        self.exit_ref = None
        self.check_rip = -1  # RIP the next VM entry must resume at (async exits), or -1
        self.dm_seen = set()
        self.kinds = dict(GUEST_KINDS if kinds is None else kinds)  # kind -> (exit reason, instruction length)

    @property
    def exit_args(self):
        """The registers of the last exit as a tuple (what a plugin's exit handler reads)."""
        if self.exit_ref is not None:
            return self.exit_ref
        return (self.exit_arg0, self.exit_arg1)

    def start(self, sim):
        for item in self.items:
            if item.at >= 0:
                item.next_due = item.at
            else:
                item.next_due = sim.chooser.latency(item.lo, item.hi, 0)

    def next_due(self):
        due = self.iret_due
        for item in self.items:
            if item.next_due >= 0 and (due < 0 or item.next_due < due):
                due = item.next_due
        for entry in self.queue:
            if due < 0 or entry[0] < due:
                due = entry[0]
        return due

    def add(self, due, kind, args):
        """Queue the one-shot activity ``kind`` at ``due``."""
        self.queue.append([due, kind, args, KIND_CODES.get(kind, GK_OTHER)])

    def pop_due(self, sim, now):
        """The activity due at ``now`` (earliest first, then by position): its kind code (GK_NONE: none), its
        kind, args and code left in ``due_kind``, ``due_args``, ``due_code``."""
        if 0 <= self.iret_due <= now:
            self.iret_due = -1
            self.due_kind, self.due_args, self.due_code = KIND_IRET, (), GK_IRET
            return GK_IRET
        best = None
        for item in self.items:
            if 0 <= item.next_due <= now and (best is None or item.next_due < best.next_due):
                best = item
        qbest = None
        for entry in self.queue:
            if entry[0] <= now and (qbest is None or entry[0] < qbest[0]):
                qbest = entry
        if qbest is not None and (best is None or qbest[0] <= best.next_due):
            self.queue.remove(qbest)
            self.due_kind, self.due_args, self.due_code = qbest[1], qbest[2], qbest[3]
            return self.due_code
        if best is None:
            self.due_code = GK_NONE
            return GK_NONE
        if best.count > 0:
            best.count -= 1
        if best.at >= 0 or best.count == 0:
            best.next_due = -1
        else:
            best.next_due = now + sim.chooser.latency(best.lo, best.hi, 0)
        self.due_kind, self.due_args, self.due_code = best.kind, best.args, best.code
        return best.code

    def exit_for(self):
        """The VM exit of the activity ``pop_due`` left: its reason and instruction length (``exit_reason``,
        ``exit_inst_len``; -1: fault-like) and the guest registers the handler will read."""
        kind = self.due_kind
        args = self.due_args
        code = self.due_code
        self.exit_reason, self.exit_inst_len = self.kinds[kind]
        self.exit_code = code
        self.exit_ref = None
        self.exit_arg0 = 0
        self.exit_arg1 = 0
        n = len(args)
        if code == GK_MSR:
            self.exit_arg0 = args[0] if n else 0x10
            if n > 1:
                self.exit_arg1 = args[1]
        elif code == GK_IO:
            self.exit_arg0 = args[0] if n else 0x80
            if n > 1:
                self.exit_arg1 = args[1]
        elif code == GK_EPT_UPDATE:
            self.exit_ref = (HC_VM_SET_MEMORY_REGIONS, self.vcpu.vm.hv.vm_by_name(args[0]).vm_id)
        elif code == GK_VMCALL:
            self.exit_ref = tuple(args)
        elif code == GK_EOI:
            self.exit_arg0 = MSR_IA32_EXT_APIC_EOI
        elif code == GK_S5:
            self.exit_arg0 = PM1A_CNT_ADDR
            self.exit_arg1 = PM1A_S5_VALUE
        elif code == GK_IPI:
            dest_vcpu, vector = args[0], args[1]
            mode = args[2] if n > 2 else APIC_DM_FIXED
            self.exit_arg0 = MSR_IA32_EXT_APIC_ICR
            self.exit_arg1 = icr_encode(vector if mode == APIC_DM_FIXED else 0, mode, dest_vcpu)
            if mode == APIC_DM_NMI:
                vm = self.vcpu.vm
                vm.hv.obs.guest_nmi_raised(vm.vcpus[dest_vcpu], SRC_GUEST_IPI)
        elif code == GK_LVT:
            self.exit_arg0 = LVT_REGISTERS[args[0]][1]
            self.exit_arg1 = args[1]
        elif code == GK_X2APIC:
            self.exit_arg0 = MSR_IA32_APIC_BASE
            self.exit_arg1 = 0xFEE00000 | APIC_BASE_ENABLE | APIC_BASE_X2APIC
        elif code == GK_EPT:
            self.exit_arg0 = args[0] if n else 0xFED00000
            self.exit_arg1 = MMIO_INSTRUCTION_LENGTH
        elif code == GK_SMP_CALL:
            target = self.vcpu.vm.hv.vm_by_name(args[0])
            vcpus = target.vcpus if n < 2 else [target.vcpus[args[1]]]
            mask = 0
            for v in vcpus:
                mask |= 1 << v.pcpu_id
            self.exit_ref = (HC_SMP_CALL, (mask, ", ".join([v.name for v in vcpus])))
        else:  # cpuid, hlt, pause, a plugin's kind: its args as they are
            self.exit_ref = tuple(args)

    def on_nmi(self, sim, now):
        """An NMI reached the guest (through its IDT or injected): its handler runs, then IRET."""
        self.iret_due = now + sim.latency(S_GUEST_NMI_HANDLER)

    def on_interrupt(self, sim, now, vector):
        """A maskable interrupt reached the guest.  The service VM's upcall runs the device model.  A
        virtual interrupt (not lapic-pt) ends with the guest's EOI to its vLAPIC, a trapped x2APIC MSR write."""
        if vector == HYPERVISOR_CALLBACK_VHM_VECTOR and self.vcpu.vm.is_service:
            self.run_device_model(sim, now)
        if not self.vcpu.vm.lapic_pt:
            self.add(now + sim.latency(S_GUEST_IRQ_HANDLER), "eoi", ())

    def run_device_model(self, sim, now):
        """acrn-dm: answer every new I/O request.  An RTVM's S5 write becomes pause + destroy of that VM;
        anything else is completed (HC_NOTIFY_REQUEST_FINISH)."""
        hv = self.vcpu.hv
        due = now + sim.latency(S_DM_IO)
        for io_req in hv.io_requests:
            if id(io_req) in self.dm_seen:
                continue
            self.dm_seen.add(id(io_req))
            req = io_req.req
            if req[0] == "pio" and req[1] == PM1A_CNT_ADDR and req[2] == PM1A_S5_VALUE:
                vm_id = io_req.vcpu.vm.vm_id
                self.add(due, "vmcall", (HC_PAUSE_VM, vm_id))
                self.add(due + 1, "vmcall", (HC_DESTROY_VM, vm_id))
            else:
                self.add(due, "vmcall", (HC_NOTIFY_REQUEST_FINISH, io_req))
