"""Synthetic captures shaped like real ones, for tests, benchmarks and demos (seeded, vectorised).

Each pCPU runs one vCPU (a VCPU_RUN record first) and loops: TRACE_VM_EXIT (reason, RIP), the handler's
TRACE_VMEXIT_* event when ACRN has one for the reason, now and then a model event (a kick to the next
pCPU, a request made and handled), TRACE_VM_ENTER, guest time.  The last exit may be cut off.
"""
from __future__ import annotations

import numpy as np

from acrn.arch_x86 import consts as c
from acrn.trace import events as ev
from acrn.trace import format as fmt

#: (basic exit reason, weight)
REASON_MIX = (
    (c.VMX_EXIT_REASON_EXTERNAL_INTERRUPT, 30), (c.VMX_EXIT_REASON_IO_INSTRUCTION, 15),
    (c.VMX_EXIT_REASON_EPT_VIOLATION, 15), (c.VMX_EXIT_REASON_HLT, 10), (c.VMX_EXIT_REASON_WRMSR, 10),
    (c.VMX_EXIT_REASON_CPUID, 5), (c.VMX_EXIT_REASON_APIC_ACCESS, 5), (c.VMX_EXIT_REASON_VMCALL, 3),
    (c.VMX_EXIT_REASON_EXCEPTION_OR_NMI, 3), (c.VMX_EXIT_REASON_INTERRUPT_WINDOW, 2),
    (c.VMX_EXIT_REASON_PAUSE, 1), (c.VMX_EXIT_REASON_NMI_WINDOW, 1),
)
HOST_VECTORS = np.array([c.TIMER_VECTOR, c.NOTIFY_VCPU_VECTOR, c.POSTED_INTR_VECTOR, 0x22], np.int64)


def synth_cpu(n_records: int, cpu: int, n_cpus: int, seed: int = 0, extra_rate: float = 0.02,
              start_tsc: int = 1_000_000) -> np.ndarray:
    """``n_records`` records (RECORD_DTYPE) of pCPU ``cpu``."""
    rng = np.random.default_rng([seed, cpu])
    reasons_tab = np.array([r for r, _ in REASON_MIX], np.int64)
    weights = np.array([wt for _, wt in REASON_MIX], np.float64)
    has_handler_tab = np.array([r in ev.EXIT_REASON_HANDLER for r in reasons_tab])
    handler_tab = np.array([ev.EXIT_REASON_HANDLER.get(int(r), 0) for r in reasons_tab], np.int64)

    groups = n_records // 2 + 8  # every group has at least 2 records
    pick = rng.choice(len(reasons_tab), groups, p=weights / weights.sum())
    reason = reasons_tab[pick]
    has_h = has_handler_tab[pick]
    extra = np.where(rng.random(groups) < extra_rate, rng.integers(1, 3, groups), 0)  # 1 kick, 2 request
    size = 2 + has_h + np.where(extra == 2, 2, np.minimum(extra, 1))
    off = np.concatenate([[1], 1 + np.cumsum(size)[:-1]])  # record 0 is VCPU_RUN
    total = int(off[-1] + size[-1])
    exit_len = rng.integers(800, 6000, groups)
    guest_len = rng.integers(2000, 60000, groups)
    t_exit = start_tsc + 100 + np.concatenate([[0], np.cumsum(exit_len + guest_len)[:-1]])

    tsc = np.zeros(total, np.int64)
    eid = np.zeros(total, np.int64)
    e = np.zeros(total, np.int64)
    f = np.zeros(total, np.int64)
    vm, vcpu = cpu % 2, cpu // 2
    tsc[0], eid[0], e[0] = start_tsc, ev.VCPU_RUN, ev.pack_4i(vm, vcpu)[0]
    # VM exit, handler event, extras, VM entry
    tsc[off], eid[off], e[off] = t_exit, ev.TRACE_VM_EXIT, reason
    f[off] = 0xFFFFFFFF81000000 - (1 << 64) + rng.integers(0, 1 << 20, groups)
    hp = off[has_h] + 1
    tsc[hp], eid[hp] = t_exit[has_h] + 200, handler_tab[pick][has_h]
    ext = has_h & (reason == c.VMX_EXIT_REASON_EXTERNAL_INTERRUPT)
    e[off[ext] + 1] = HOST_VECTORS[rng.integers(0, len(HOST_VECTORS), int(ext.sum()))]
    xp = off + 1 + has_h
    kick = extra == 1
    tsc[xp[kick]], eid[xp[kick]] = t_exit[kick] + 400, ev.KICK_SENT
    mode = rng.integers(0, 3, int(kick.sum()))
    e[xp[kick]] = ((cpu + 1) % n_cpus) | (mode << 32)
    f[xp[kick]] = np.where(mode == ev.KICK_IPI, c.NOTIFY_VCPU_VECTOR, 0)
    req = extra == 2
    bit = rng.integers(0, 8, int(req.sum()))
    tsc[xp[req]], eid[xp[req]] = t_exit[req] + 400, ev.REQUEST_MADE
    tsc[xp[req] + 1], eid[xp[req] + 1] = t_exit[req] + 500, ev.REQUEST_HANDLED
    for p in (xp[req], xp[req] + 1):
        e[p], f[p] = ev.pack_4i(vm, vcpu)[0], bit
    ep = off + size - 1
    tsc[ep], eid[ep] = t_exit + exit_len, ev.TRACE_VM_ENTER

    nd = np.zeros(total, np.int64)
    for u in np.unique(eid):
        nd[eid == u] = ev.BY_ID[int(u)].n_data
    out = np.empty(n_records, fmt.RECORD_DTYPE)
    n = min(n_records, total)
    out["tsc"][:n] = tsc[:n]
    out["id"][:n] = (eid[:n] | (nd[:n] << fmt.N_DATA_SHIFT) | (cpu << fmt.CPU_SHIFT)).astype(np.uint64)
    out["e"][:n] = e[:n].astype(np.uint64)
    out["f"][:n] = f[:n].astype(np.uint64)
    return out[:n]


def synth_capture(n_records: int, n_cpus: int = 4, seed: int = 0, extra_rate: float = 0.02) -> list:
    """Per-pCPU record arrays, ``n_records`` in all."""
    per = [n_records // n_cpus + (1 if i < n_records % n_cpus else 0) for i in range(n_cpus)]
    return [synth_cpu(k, cpu, n_cpus, seed, extra_rate) for cpu, k in enumerate(per)]
