"""What the analyses produce, independent of the backend (compiled or numba loops, numpy references).

The arrays are int64 ``array.array`` (:func:`acrn.trace.tables.zeros`): this module needs no numpy.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from acrn.trace import tables as t


def same_values(a, b) -> bool:
    """Whether two int64 arrays (array.array or numpy) hold the same values."""
    return len(a) == len(b) and bytes(memoryview(a)) == bytes(memoryview(b))


@dataclass
class VmExitStats:
    """vm_exit accumulators of one pCPU (or summed over several).

    Exact attribution: ``exits[r]`` counts VM_EXIT records with basic reason ``r``; ``completed[r]`` and
    ``exit_cycles[r]`` the ones closed by a VM_ENTER and their summed VM_EXIT->VM_ENTER cycles.
    acrnalyze attribution (vmexit_analyze.py): ``compat_events[s]``/``compat_cycles[s]`` per slot ``s`` of
    :data:`acrn.trace.tables.COMPAT_IDS`.  Contexts (vCPUs): ``ctx_*`` indexed by context number.
    ``begin``/``end``: TSC of the first VM_EXIT and of the last VM_ENTER after it (-1 if none).
    """

    n_records: int = 0
    begin: int = -1
    end: int = -1
    exits: object = field(default_factory=lambda: t.zeros(t.REASON_SLOTS))
    completed: object = field(default_factory=lambda: t.zeros(t.REASON_SLOTS))
    exit_cycles: object = field(default_factory=lambda: t.zeros(t.REASON_SLOTS))
    compat_events: object = field(default_factory=lambda: t.zeros(t.N_COMPAT))
    compat_cycles: object = field(default_factory=lambda: t.zeros(t.N_COMPAT))
    ctx_exits: object = field(default_factory=lambda: t.zeros(t.N_CTX))
    ctx_exit_cycles: object = field(default_factory=lambda: t.zeros(t.N_CTX))
    ctx_guest_cycles: object = field(default_factory=lambda: t.zeros(t.N_CTX))
    counters: object = field(default_factory=t.new_counters)
    open_at_end: int = 0  # the file ends inside an exit (VM_EXIT with no VM_ENTER after it)

    ARRAYS = ("exits", "completed", "exit_cycles", "compat_events", "compat_cycles", "ctx_exits",
              "ctx_exit_cycles", "ctx_guest_cycles", "counters")

    @property
    def run_cycles(self) -> int:
        """acrnalyze's rt_cycle: TSC_END - TSC_BEGIN (0 when there is no such window)."""
        return self.end - self.begin if self.begin >= 0 and self.end >= 0 else 0

    @property
    def total_exits(self) -> int:
        return sum(self.exits)

    def counter(self, index: int) -> int:
        return int(self.counters[index])

    def finish(self, state) -> "VmExitStats":
        self.begin = int(state[t.S_BEGIN])
        self.end = int(state[t.S_END])
        self.open_at_end = int(state[t.S_LAST_KIND] == t.KIND_EXIT)
        return self

    def equals(self, other: "VmExitStats") -> bool:
        return (self.n_records == other.n_records and self.begin == other.begin and self.end == other.end
                and self.open_at_end == other.open_at_end
                and all(same_values(getattr(self, a), getattr(other, a)) for a in self.ARRAYS))

    def diff(self, other: "VmExitStats") -> list:
        """Names of the fields that differ (for test messages)."""
        out = [a for a in ("n_records", "begin", "end", "open_at_end") if getattr(self, a) != getattr(other, a)]
        return out + [a for a in self.ARRAYS if not same_values(getattr(self, a), getattr(other, a))]


@dataclass
class SchedStats:
    """cpu_usage of one pCPU: ``slot_time[vm]`` cycles per VM 0-99, idle (SCHED_IDLE), unparsable
    (SCHED_UNKNOWN); ``sc`` the SC_* counters."""

    slot_time: object
    sc: object

    def equals(self, other: "SchedStats") -> bool:
        return same_values(self.slot_time, other.slot_time) and same_values(self.sc, other.sc)


@dataclass
class IrqStats:
    n_records: int
    begin: int  # TSC of the first record (compat: the first non-zero TSC, as irq_analyze.py)
    end: int  # TSC of the last record
    vectors: object  # int64 array, in first-seen order
    counts: object
    nonmonotonic: int = 0  # records whose TSC is below the previous record's

    @property
    def run_cycles(self) -> int:
        return self.end - self.begin
