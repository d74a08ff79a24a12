"""What a run produces: each invariant's verdict with its first violation, latency statistics, counts,
and the list of choices that reproduces the run."""
import hashlib
import json
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np

PASS = "PASS"
FAIL = "FAIL"
NOT_EXERCISED = "-"


@dataclass
class Violation:
    time: int  # cycles
    pcpu: int
    message: str
    vcpu: Optional[str] = None  # the vCPU's name, when the violation is about one (timeline vCPU tracks)


@dataclass
class Verdict:
    name: str
    verdict: str
    count: int = 0
    first: Optional[Violation] = None


def percentile(sorted_values, q):
    """Nearest-rank percentile of an already sorted sequence (q in [0, 100])."""
    if len(sorted_values) == 0:
        return None
    rank = max(1, -(-len(sorted_values) * q // 100))
    return int(sorted_values[int(rank) - 1])


@dataclass
class LatencyStats:
    n: int
    p50_us: Optional[float]
    p99_us: Optional[float]
    max_us: Optional[float]

    @classmethod
    def of(cls, cycles, tsc_mhz):
        """From the latencies in cycles (any sequence of integers; an int64 numpy array is sorted in place
        of a list of Python ints)."""
        values = np.sort(np.asarray(cycles, dtype=np.int64))
        to_us = (lambda c: None if c is None else round(c / tsc_mhz, 3))
        return cls(len(values), to_us(percentile(values, 50)), to_us(percentile(values, 99)),
                   to_us(int(values[-1]) if len(values) else None))


@dataclass
class RunResult:
    """The outcome of one run (``Run.execute()``, ``run_scenario``): the ``verdicts`` of every invariant
    (PASS, FAIL or ``-`` when the scenario does not exercise it, with the count and first violation), the
    request and kick latency statistics in microseconds, ``counts`` (steps, VM exits by basic reason, kicks,
    requests...), and the ``choices`` the run made (it replays from them)."""

    scenario: str
    design: str
    seed: int
    compiled: bool
    tsc_mhz: float
    duration_cycles: int
    verdicts: List[Verdict]
    request_latency: LatencyStats
    kick_latency: LatencyStats
    counts: dict
    choices: Sequence[int] = field(repr=False, default_factory=list)  # an array.array from the chooser
    logs: List = field(repr=False, default_factory=list)

    def verdict(self, name):
        """The Verdict of invariant ``name`` (KeyError if the run did not judge it)."""
        for v in self.verdicts:
            if v.name == name:
                return v
        raise KeyError(name)

    def ok(self):
        """True when no invariant failed (every verdict is PASS or -)."""
        return all(v.verdict != FAIL for v in self.verdicts)

    def to_dict(self, with_choices=False):
        """The result as JSON-ready data (``run --json`` adds ``exit_reasons``: acrn.report.run_json)."""
        out = {
            "scenario": self.scenario, "design": self.design, "seed": self.seed, "compiled": self.compiled,
            "tsc_mhz": self.tsc_mhz, "duration_cycles": self.duration_cycles,
            "verdicts": {v.name: {"verdict": v.verdict, "count": v.count,
                                  "first": None if v.first is None else {
                                      "time_cycles": v.first.time, "time_us": round(v.first.time / self.tsc_mhz, 3),
                                      "pcpu": v.first.pcpu, "message": v.first.message}}
                         for v in self.verdicts},
            "request_latency_us": self.request_latency.__dict__,
            "kick_to_exit_us": self.kick_latency.__dict__,
            "counts": self.counts,
        }
        if with_choices:
            out["choices"] = list(self.choices)
        return out

    def digest(self):
        """A fingerprint of everything the run decided (mode-independent)."""
        body = self.to_dict(with_choices=True)
        body.pop("compiled")
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
