import cython

from acrn.arch_x86.lapic_hw cimport LapicHw
from acrn.arch_x86.pcpu cimport PCpu
from acrn.arch_x86.vmx cimport Vmcs
from acrn.core.hv cimport Hypervisor, PerCpu
from acrn.core.schedule cimport SchedControl, ThreadObject
from acrn.core.vcpu cimport AcrnVcpu, AcrnVcpuArch
from acrn.engine.chooser cimport Chooser
from acrn.engine.sim cimport EventPtr, PcpuCtx, Sim
from acrn.guest.guest cimport Guest, GuestWork
from acrn.host.observe cimport Observer

# the constants this module imports, as C globals (their values: the modules they come from)
cdef long long K_CALL
# the state hash's arithmetic
cdef unsigned long long _M64, _MIX, _FMIX1, _FMIX2
cdef long long _LIMB
cdef dict _NAMES


cdef class ExploreChooser(Chooser):
    cdef public dict forced
    cdef public object hasher
    cdef public list points
    cdef public list kinds
    cdef public list hashes
    cdef public object hash_after
    cdef public Sim sim

    cpdef attach(self, sim)
    @cython.locals(inside=list, out=list, v=cython.longlong)
    cpdef list alternatives(self, long long lo, long long hi)
    @cython.locals(alts=list, mid=cython.longlong, default=cython.longlong, value=cython.longlong,
                   pos=cython.Py_ssize_t)
    cpdef long long latency(self, long long lo, long long hi, int what=*) except? -1
    cpdef str latency_kind(self, long long lo, long long hi, int what)
    @cython.locals(alts=list, value=cython.longlong, pos=cython.Py_ssize_t)
    cpdef long long pick(self, long long n, int what=*) except? -1
    cdef object _hash(self, Py_ssize_t pos)


cdef unsigned long long _mix(unsigned long long h, long long w) noexcept
cdef unsigned long long _fmix(unsigned long long h) noexcept
cdef unsigned long long _mix_int(unsigned long long h, object x) except? 0
@cython.locals(w=object)
cdef unsigned long long _mix_name(unsigned long long h, object x) except? 0
cdef object _thread_name(object t)
@cython.locals(h=cython.ulonglong)
cdef unsigned long long _event_word(long long dt, long long kind, long long cpu, long long a, long long b,
                                    long long c) noexcept
@cython.locals(now=cython.longlong, acc=cython.ulonglong, h=cython.ulonglong, n=cython.Py_ssize_t,
               i=cython.Py_ssize_t, ev=EventPtr, ctx=PcpuCtx, hw=PCpu, lapic=LapicHw, vmcs=Vmcs,
               hv=Hypervisor, pc=PerCpu, sched=SchedControl, v=AcrnVcpu, arch=AcrnVcpuArch, g=Guest,
               item=GuestWork, obs=Observer)
cpdef unsigned long long state_hash(Sim sim) except? 0
