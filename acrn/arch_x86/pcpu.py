"""One physical CPU as the SDM defines it: VMX root/non-root, RFLAGS.IF, activity state, NMI blocking
with its one-deep latch, the INIT latch, and what happens when an event meets the CPU's state.

The engine posts arrivals (``post_nmi``, ``post_init``, ``post_fixed``, ``post_sipi``) and then asks
the CPU to act on them (``root_step`` in VMX root, ``nonroot_step`` in non-root).  The hypervisor
drives VMX transitions (``vmentry``, ``vmexit_instruction``, ``iret``, ``vmxoff``) as its code would
execute the instructions.  Nothing here knows about ACRN.
"""
import cython

from acrn.arch_x86.consts import (
    ACTIVITY_ACTIVE, ACTIVITY_HLT, ACTIVITY_SHUTDOWN, ACTIVITY_WAIT_FOR_SIPI, VMXERR_VMLAUNCH_NONCLEAR_VMCS,
    VMXERR_VMRESUME_NONLAUNCHED_VMCS, VMX_EXIT_CTLS_ACK_IRQ, VMX_EXIT_REASON_ENTRY_FAILURE,
    VMX_EXIT_REASON_ENTRY_FAILURE_INVALID_GUEST_STATE, VMX_EXIT_REASON_EXCEPTION_OR_NMI,
    VMX_EXIT_REASON_EXTERNAL_INTERRUPT, VMX_EXIT_REASON_INIT_SIGNAL, VMX_EXIT_REASON_INTERRUPT_WINDOW,
    VMX_EXIT_REASON_NMI_WINDOW, VMX_EXIT_REASON_STARTUP_IPI, VMX_INTR_MOVSS_BLOCKING, VMX_INTR_NMI_BLOCKING,
    VMX_INTR_STI_BLOCKING, VMX_INT_INFO_ERR_CODE_VALID, VMX_INT_INFO_NMI_UNBLOCK_IRET, VMX_INT_INFO_VALID,
    VMX_INT_TYPE_NMI, VMX_PINBASED_CTLS_IRQ_EXIT, VMX_PINBASED_CTLS_NMI_EXIT, VMX_PINBASED_CTLS_VIRT_NMI,
    VMX_PROCBASED_CTLS_IRQ_WIN, VMX_PROCBASED_CTLS_NMI_WINEXIT)
from acrn.arch_x86.lapic_hw import LapicHw
from acrn.arch_x86.vmx import NMI_EXIT_INT_INFO, Vmcs, check_entry_guest_state, check_vm_controls

# Compiled, these are the C enums of pcpu.pxd (the same values, checked by tests/core/test_constants.py).
if not cython.compiled:
    # What a step of the CPU did (return values of root_step / nonroot_step / vmentry).
    EV_NONE = 0
    EV_VMEXIT = 1  # left non-root; the VMCS exit fields say why
    EV_GUEST_NMI = 2  # an NMI went through the guest IDT, no exit (last_sources says whose)
    EV_GUEST_INTR = 3  # a fixed interrupt went through the guest IDT, no exit (last_vector, last_sources)
    EV_ROOT_NMI = 4  # VMX root: the host IDT's NMI handler (vector 2) starts
    EV_ROOT_INTR = 5  # VMX root: the host IDT's handler for last_vector starts
    EV_ENTRY_VMFAIL = 6  # VMLAUNCH/VMRESUME failed as an instruction (VMfailValid; vmcs.instr_error)
    EV_ENTRY_FAIL_EXIT = 7  # VM-entry failure: exit reason has bit 31 set (SDM 26.7)
    EV_ENTRY_VMFAIL_INVALID = 8  # VMfailInvalid: no current VMCS
    EV_ENTERED = 9  # VM entry succeeded; pcpu.injected holds the event it delivered, if any
EVENTS = {0: "none", 1: "vmexit", 2: "guest-nmi", 3: "guest-intr", 4: "root-nmi", 5: "root-intr",
          6: "entry-vmfail", 7: "entry-fail-exit", 8: "entry-vmfail-invalid", 9: "entered"}

_RFLAGS_IF = 1 << 9
_SHADOW = VMX_INTR_STI_BLOCKING | VMX_INTR_MOVSS_BLOCKING


class PCpu:
    """The architectural state of one logical processor (plain data, one instance per pCPU)."""

    def __init__(self, cpu_id: cython.int, apic_id: cython.int = -1):
        self.id = cpu_id
        self.lapic = LapicHw(cpu_id if apic_id < 0 else apic_id)
        self.vmx_on = True
        self.nonroot = False
        self.host_if = False
        self.activity = ACTIVITY_ACTIVE  # root activity state (HLT idle, wait-for-SIPI after INIT)
        self.nmi_blocked = False  # physical NMI blocking (SDM 6.7.1)
        self.nmi_latched = False  # one NMI held while blocked; more merge into it
        self.nmi_sources = 0
        self.init_latched = False  # INIT held while blocked (VMX root, SDM 23.8)
        self.init_sources = 0
        self.sipi_vector = -1
        self.vmcs = None  # the current VMCS (VMPTRLD)
        self.injected = 0  # the event the last VM entry delivered (entry interruption info), or 0
        self.last_vector = -1
        self.last_sources = 0
        self.sti_blocks_nmi_window = True  # SDM 25.2: implementation-specific; the conservative choice
        # where an NMI handler can learn why an NMI came (read and cleared by software)
        self.perf_global_status = 0  # IA32_PERF_GLOBAL_STATUS overflow bits (SDM 18.2.2)
        self.therm_status = 0  # IA32_THERM_STATUS log bits (SDM 14.7.2)
        self.nmi_sc = 0  # port 0x61 SERR#/IOCHK# bits (external NMI through LINT1)

    # ---- arrivals -------------------------------------------------------------------------------
    def post_nmi(self, sources: cython.int):
        """An NMI reaches the CPU: it is latched; one latched NMI absorbs later ones (SDM 6.7.1)."""
        self.nmi_latched = True
        self.nmi_sources |= sources

    def post_init(self, sources: cython.int):
        """An INIT reaches the CPU: latched until the CPU can take it (SDM 23.8, 25.2)."""
        self.init_latched = True
        self.init_sources |= sources

    def post_fixed(self, vector: cython.int, sources: cython.int):
        """A fixed interrupt reaches the LAPIC: IRR bit set (SDM 10.8.4)."""
        self.lapic.accept_fixed(vector, sources)

    def post_sipi(self, vector: cython.int):
        """A start-up IPI is taken only in wait-for-SIPI; otherwise it is dropped (SDM 25.2, 8.4.3)."""
        waiting = self.activity == ACTIVITY_WAIT_FOR_SIPI
        if self.nonroot and self.vmcs is not None:
            waiting = self.vmcs.guest_activity == ACTIVITY_WAIT_FOR_SIPI
        if waiting:
            self.sipi_vector = vector

    # ---- VMX root ---------------------------------------------------------------------------------
    def root_step(self) -> cython.int:
        """Deliver what is deliverable in VMX root (host IDT).  INIT stays latched (SDM 23.8).  A CPU in
        wait-for-SIPI takes nothing but a SIPI (SDM 8.4)."""
        if self.activity == ACTIVITY_WAIT_FOR_SIPI:
            return EV_NONE
        if self.nmi_latched and not self.nmi_blocked:
            # SDM 6.7.1: NMI ignores IF; delivery blocks further NMIs until the next IRET
            self.nmi_latched = False
            self.last_sources = self.nmi_sources
            self.nmi_sources = 0
            self.nmi_blocked = True
            self.activity = ACTIVITY_ACTIVE  # an NMI wakes HLT
            return EV_ROOT_NMI
        if self.host_if and self.activity != ACTIVITY_WAIT_FOR_SIPI:
            vector: cython.int = self.lapic.ack()
            if vector >= 0:
                self.last_vector = vector
                self.last_sources = self.lapic.irr_source.get(vector, 0)
                self.host_if = False  # interrupt gate clears IF (SDM 6.12.1.3)
                self.activity = ACTIVITY_ACTIVE
                return EV_ROOT_INTR
        return EV_NONE

    def root_has_event(self) -> cython.bint:
        """Would root_step deliver something now (the idle loop's wake-up condition)?"""
        if self.activity == ACTIVITY_WAIT_FOR_SIPI:
            return False
        if self.nmi_latched and not self.nmi_blocked:
            return True
        return self.host_if and self.lapic.highest_deliverable() >= 0

    def iret(self):
        """IRET in VMX root: NMI blocking ends (SDM 6.7.1); a latched NMI is then deliverable."""
        self.nmi_blocked = False

    def hlt(self):
        """HLT in VMX root.  INIT does not wake it (INIT is blocked in root, SDM 23.8)."""
        self.activity = ACTIVITY_HLT

    def vmptrld(self, vmcs):
        self.vmcs = vmcs

    def vmxoff(self) -> cython.bint:
        """VMXOFF: a latched INIT is then processed and the CPU waits for SIPI (SDM 23.8, 8.4)."""
        self.vmx_on = False
        self.vmcs = None
        if self.init_latched:
            self.init_latched = False
            self.init_sources = 0
            self.activity = ACTIVITY_WAIT_FOR_SIPI
            self.nmi_latched = False  # wait-for-SIPI: NMIs blocked; the latch is not kept here
            return True
        return False

    def init_reset(self) -> cython.bint:
        """INIT outside VMX operation: the CPU resets and waits for a SIPI (SDM 8.4.1, 10.4.7.3)."""
        if self.init_latched and not self.vmx_on:
            self.init_latched = False
            self.init_sources = 0
            self.activity = ACTIVITY_WAIT_FOR_SIPI
            self.nmi_latched = False
            self.nmi_blocked = False
            self.host_if = False
            return True
        return False

    def sipi_start(self) -> cython.bint:
        """Leave wait-for-SIPI on a received SIPI (the CPU restarts at vector << 12)."""
        if self.activity == ACTIVITY_WAIT_FOR_SIPI and self.sipi_vector >= 0:
            self.activity = ACTIVITY_ACTIVE
            self.sipi_vector = -1
            self.vmx_on = True
            self.nmi_blocked = False
            self.lapic.irr = 0
            self.lapic.isr = 0
            return True
        return False

    # ---- VMX transitions ----------------------------------------------------------------------------
    def vmentry(self, launch: cython.bint) -> cython.int:
        """VMLAUNCH/VMRESUME with the current VMCS (SDM 26).  Returns EV_ENTERED or a failure code."""
        vmcs: Vmcs = self.vmcs
        if vmcs is None or not self.vmx_on:
            return EV_ENTRY_VMFAIL_INVALID
        if launch and vmcs.launched:
            vmcs.instr_error = VMXERR_VMLAUNCH_NONCLEAR_VMCS
            return EV_ENTRY_VMFAIL
        if not launch and not vmcs.launched:
            vmcs.instr_error = VMXERR_VMRESUME_NONLAUNCHED_VMCS
            return EV_ENTRY_VMFAIL
        err: cython.int = check_vm_controls(vmcs)
        if err:
            vmcs.instr_error = err  # SDM 26.2: VMfailValid, the VM is not entered
            return EV_ENTRY_VMFAIL
        if not check_entry_guest_state(vmcs):
            # SDM 26.3.1.5 / 26.7: entry fails like a VM exit with reason 33 and bit 31 set
            vmcs.exit_reason = VMX_EXIT_REASON_ENTRY_FAILURE_INVALID_GUEST_STATE | VMX_EXIT_REASON_ENTRY_FAILURE
            vmcs.exit_qual = 0
            return EV_ENTRY_FAIL_EXIT
        vmcs.launched = True
        self.nonroot = True
        vnmi: cython.bint = (vmcs.pin_ctls & VMX_PINBASED_CTLS_VIRT_NMI) != 0
        if vnmi:
            self.nmi_blocked = False  # SDM 26.6.1: physical NMIs unblocked in non-root with virtual NMIs
        else:
            self.nmi_blocked = (vmcs.guest_interruptibility & VMX_INTR_NMI_BLOCKING) != 0
        self.injected = 0
        info = vmcs.entry_int_info
        if info & VMX_INT_INFO_VALID:
            # SDM 26.5: the event is delivered through the guest IDT before any guest instruction
            self.injected = info
            vmcs.guest_interruptibility &= ~_SHADOW  # a vectoring entry leaves no STI/MOV-SS blocking
            if vmcs.guest_activity == ACTIVITY_HLT:
                vmcs.guest_activity = ACTIVITY_ACTIVE
            if (info >> 8) & 0x7 == VMX_INT_TYPE_NMI:
                vmcs.guest_rflags &= ~_RFLAGS_IF  # delivered through an interrupt gate (SDM 6.12.1.3)
                if vnmi:
                    vmcs.guest_interruptibility |= VMX_INTR_NMI_BLOCKING  # SDM 26.5.1.1 virtual-NMI blocking
                else:
                    self.nmi_blocked = True
            vmcs.entry_int_info = info & ~VMX_INT_INFO_VALID
        return EV_ENTERED

    def _vmexit(self, reason: cython.int, qual, inst_len: cython.int, int_info):
        """Common part of every VM exit (SDM 27): save guest state, load host state (IF=0)."""
        vmcs: Vmcs = self.vmcs
        self.nonroot = False
        self.host_if = False  # ACRN's host RFLAGS (0x2) has IF=0
        vmcs.exit_reason = reason
        vmcs.exit_qual = qual
        vmcs.exit_int_info = int_info
        vmcs.idt_vectoring_info = 0
        if inst_len >= 0:
            vmcs.exit_inst_len = inst_len  # otherwise undefined (SDM 27.2.4): the old value stays
        if not (vmcs.pin_ctls & VMX_PINBASED_CTLS_VIRT_NMI):
            if self.nmi_blocked:
                vmcs.guest_interruptibility |= VMX_INTR_NMI_BLOCKING
            else:
                vmcs.guest_interruptibility &= ~VMX_INTR_NMI_BLOCKING
        vmcs.entry_int_info &= ~VMX_INT_INFO_VALID  # every VM exit clears the valid bit (SDM 27.2)

    def vmexit_instruction(self, reason: cython.int, inst_len: cython.int, qual=0):
        """A VM exit caused by the guest's current instruction (CPUID, MSR, I/O, HLT, VMCALL, EPT...).
        ``inst_len`` < 0 for fault-like exits that report no length."""
        self._vmexit(reason, qual, inst_len, 0)
        return EV_VMEXIT

    def vmexit_during_delivery(self, reason: cython.int, qual=0):
        """An exit while delivering the event injected at the last entry: IDT-vectoring info holds that
        event, to be re-injected by the VMM (SDM 27.2.3)."""
        injected = self.injected
        self._vmexit(reason, qual, -1, 0)
        self.vmcs.idt_vectoring_info = injected & ~VMX_INT_INFO_NMI_UNBLOCK_IRET
        if injected & VMX_INT_INFO_ERR_CODE_VALID:
            self.vmcs.idt_vectoring_errcode = self.vmcs.entry_exc_errcode  # SDM 27.2.3
        if (injected >> 8) & 0x7 == VMX_INT_TYPE_NMI and (self.vmcs.pin_ctls & VMX_PINBASED_CTLS_VIRT_NMI):
            self.vmcs.guest_interruptibility &= ~VMX_INTR_NMI_BLOCKING  # delivery did not complete
        return EV_VMEXIT

    def nonroot_step(self) -> cython.int:
        """Act on the highest-priority pending event in VMX non-root (SDM 6.9 Table 6-2, 25.2, 26.6).

        Order: INIT (class 3) > SIPI in wait-for-SIPI > NMI-window > NMI > interrupt-window > external
        interrupt.  Returns EV_VMEXIT, EV_GUEST_NMI, EV_GUEST_INTR or EV_NONE.
        """
        vmcs: Vmcs = self.vmcs
        pin: cython.longlong = vmcs.pin_ctls
        proc: cython.longlong = vmcs.proc_ctls
        intr: cython.longlong = vmcs.guest_interruptibility
        act: cython.longlong = vmcs.guest_activity
        sipi_wait: cython.bint = act == ACTIVITY_WAIT_FOR_SIPI
        movss: cython.bint = (intr & VMX_INTR_MOVSS_BLOCKING) != 0
        sti: cython.bint = (intr & VMX_INTR_STI_BLOCKING) != 0
        guest_if: cython.bint = (vmcs.guest_rflags & _RFLAGS_IF) != 0
        # INIT: exit reason 3, not in wait-for-SIPI (SDM 25.2); the exit consumes the latch
        if self.init_latched and not sipi_wait:
            self.init_latched = False
            self.last_sources = self.init_sources
            self.init_sources = 0
            self._vmexit(VMX_EXIT_REASON_INIT_SIGNAL, 0, -1, 0)
            return EV_VMEXIT
        if sipi_wait and self.sipi_vector >= 0:
            vector: cython.int = self.sipi_vector
            self.sipi_vector = -1
            self._vmexit(VMX_EXIT_REASON_STARTUP_IPI, vector, -1, 0)  # SDM 27.2.1: qualification = vector
            return EV_VMEXIT
        # NMI-window: no virtual-NMI blocking, no MOV-SS (STI impl.-specific), never in wait-for-SIPI (SDM 25.2)
        if (proc & VMX_PROCBASED_CTLS_NMI_WINEXIT) and not sipi_wait and not movss \
                and not (intr & VMX_INTR_NMI_BLOCKING) and not (sti and self.sti_blocks_nmi_window):
            self._vmexit(VMX_EXIT_REASON_NMI_WINDOW, 0, -1, 0)
            return EV_VMEXIT
        if self.nmi_latched and not sipi_wait:
            if pin & VMX_PINBASED_CTLS_NMI_EXIT:
                # SDM 24.6.1: with virtual NMIs only MOV-SS holds a physical NMI off in non-root
                if pin & VMX_PINBASED_CTLS_VIRT_NMI:
                    blocked = movss
                else:
                    blocked = self.nmi_blocked or movss
                if not blocked:
                    self.nmi_latched = False
                    self.last_sources = self.nmi_sources
                    self.nmi_sources = 0
                    self._vmexit(VMX_EXIT_REASON_EXCEPTION_OR_NMI, 0, -1, NMI_EXIT_INT_INFO)
                    self.nmi_blocked = True  # SDM 27.1: blocking after an NMI-caused exit
                    return EV_VMEXIT
            elif not self.nmi_blocked and not movss:
                # no NMI exiting: through the guest IDT, blocking until the guest's IRET (SDM 6.7.1)
                self.nmi_latched = False
                self.last_sources = self.nmi_sources
                self.nmi_sources = 0
                self.nmi_blocked = True
                vmcs.guest_rflags &= ~_RFLAGS_IF  # the NMI handler runs with IF=0 (interrupt gate, SDM 6.12.1.3)
                if act == ACTIVITY_HLT:
                    vmcs.guest_activity = ACTIVITY_ACTIVE
                return EV_GUEST_NMI
        # interrupt-window: IF=1 and no STI/MOV-SS blocking; not in shutdown or wait-for-SIPI (SDM 25.2)
        if (proc & VMX_PROCBASED_CTLS_IRQ_WIN) and guest_if and not sti and not movss \
                and act != ACTIVITY_SHUTDOWN and not sipi_wait:
            self._vmexit(VMX_EXIT_REASON_INTERRUPT_WINDOW, 0, -1, 0)
            return EV_VMEXIT
        if not sipi_wait:
            vector2: cython.int = self.lapic.highest_deliverable()
            if vector2 >= 0:
                if pin & VMX_PINBASED_CTLS_IRQ_EXIT:
                    # SDM 25.2: exits whatever the guest's IF; ack-on-exit moves the vector to exit info
                    info = 0
                    self.last_sources = self.lapic.irr_source.get(vector2, 0)
                    if vmcs.exit_ctls & VMX_EXIT_CTLS_ACK_IRQ:
                        self.lapic.ack()
                        info = VMX_INT_INFO_VALID | vector2
                    self._vmexit(VMX_EXIT_REASON_EXTERNAL_INTERRUPT, 0, -1, info)
                    return EV_VMEXIT
                if guest_if and not sti and not movss:
                    # lapic passthrough: through the guest IDT with no exit (hw-semantics 1.5)
                    self.lapic.ack()
                    self.last_vector = vector2
                    self.last_sources = self.lapic.irr_source.get(vector2, 0)
                    if act == ACTIVITY_HLT:
                        vmcs.guest_activity = ACTIVITY_ACTIVE
                    return EV_GUEST_INTR
        return EV_NONE

    # ---- guest instructions that change event state ------------------------------------------------
    def guest_iret(self):
        """The guest executes IRET (SDM 25.3): it ends virtual-NMI blocking with virtual NMIs, NMI
        blocking without NMI exiting, and nothing with NMI exiting but no virtual NMIs.  IRET also
        restores the interrupted RFLAGS; the model's guests were interrupted with IF=1."""
        vmcs: Vmcs = self.vmcs
        vmcs.guest_rflags |= _RFLAGS_IF
        if vmcs.pin_ctls & VMX_PINBASED_CTLS_VIRT_NMI:
            vmcs.guest_interruptibility &= ~VMX_INTR_NMI_BLOCKING
        elif not (vmcs.pin_ctls & VMX_PINBASED_CTLS_NMI_EXIT):
            self.nmi_blocked = False

    def guest_set_if(self, enabled: cython.bint, sti_shadow: cython.bint = False):
        """The guest executes STI (with its one-instruction shadow) or CLI."""
        vmcs: Vmcs = self.vmcs
        if enabled:
            if sti_shadow and not (vmcs.guest_rflags & _RFLAGS_IF):
                vmcs.guest_interruptibility |= VMX_INTR_STI_BLOCKING
            vmcs.guest_rflags |= _RFLAGS_IF
        else:
            vmcs.guest_rflags &= ~_RFLAGS_IF

    def guest_retire_instruction(self):
        """One guest instruction completes: STI and MOV-SS shadows end (SDM 6.8.3)."""
        self.vmcs.guest_interruptibility &= ~_SHADOW

    def guest_eoi(self) -> cython.int:
        """The guest writes EOI to the (passed-through) LAPIC."""
        return self.lapic.eoi()
