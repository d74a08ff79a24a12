import cython

from acrn.arch_x86.pcpu cimport PCpu
from acrn.arch_x86.vmx cimport Vmcs
from acrn.core.vcpu cimport AcrnVcpu
from acrn.engine.sim cimport PcpuCtx, Sim
from acrn.guest.guest cimport Guest
from acrn.host.hookcall cimport HookCalls
from acrn.host.observe cimport Observer

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long IDT_NMI, SRC_HV_OTHER, TIMER_VECTOR, VMX_EXIT_REASON_BASIC_MASK, VMX_EXIT_REASON_EXCEPTION_OR_NMI, \
    VMX_EXIT_REASON_EXTERNAL_INTERRUPT, VMX_EXIT_REASON_INIT_SIGNAL, VMX_EXIT_REASON_INTERRUPT_WINDOW, \
    VMX_EXIT_REASON_NMI_WINDOW, VMX_EXIT_REASON_WRMSR, VMX_INT_TYPE_EXT_INT, VMX_INT_TYPE_NMI, EV_ENTERED, \
    EV_GUEST_INTR, EV_GUEST_NMI, EV_NONE, EV_VMEXIT, S_VMENTRY, S_VMEXIT, ARR_FIXED, K_GUEST, K_TICK, ST_GUEST, \
    ST_HALTED, ST_RUN, GK_IRET, GK_LVT, GK_NONE


cdef class Machine(Sim):
    cdef public HookCalls hook_calls

    @cython.locals(hw=PCpu, result=cython.int, cost=cython.longlong, injected=cython.longlong, int_type=cython.int,
                   vcpu=AcrnVcpu, vmcs=Vmcs, guest=Guest, obs=Observer)
    cdef _vmentry(self, PcpuCtx ctx)
    @cython.locals(due=cython.longlong, vcpu=AcrnVcpu)
    cdef _schedule_guest(self, PcpuCtx ctx)
    @cython.locals(hw=PCpu, ev=cython.int, when=cython.longlong, vcpu=AcrnVcpu, obs=Observer)
    cdef _settle(self, PcpuCtx ctx)
    @cython.locals(hw=PCpu, reason=cython.longlong, at=cython.longlong, nmi_exit=cython.bint, vcpu=AcrnVcpu, vmcs=Vmcs,
                   obs=Observer)
    cdef _exited(self, PcpuCtx ctx)
    @cython.locals(hw=PCpu, vcpu=AcrnVcpu, guest=Guest, code=cython.int)
    cdef _guest_event(self, PcpuCtx ctx)
    cdef _tick(self, PcpuCtx ctx, long long period)

    cpdef trace_vmentry(self, int cpu, vcpu)
    cpdef trace_vmexit(self, int cpu, vcpu, reason, at)
    cpdef trace_request(self, vcpu, bit, made)
    cpdef trace_kick(self, src, dst, mode)
    cpdef trace_sched(self, cpu, prev, thread)
    cpdef trace_guest_interrupt(self, vcpu, vector, sources, is_nmi)
    cpdef trace_nmi_window(self, cpu)
    cpdef trace_nmi_exit(self, cpu, sources)
