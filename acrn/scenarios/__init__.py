"""Scenario files (TOML): the host shape, the VMs and their workloads, duration, seed, bounds, costs.

``load_scenario(path_or_name)`` validates everything and raises ``ScenarioError`` naming the file and
the field, with what is allowed.  Built-in scenarios live beside this file.
"""
import os
import tomllib
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from acrn.engine.cost import STEP_IDS
from acrn.guest.guest import GUEST_KINDS, INTERNAL_KINDS, SERVICE_ONLY
from acrn.errors import ScenarioError

HERE = os.path.dirname(os.path.abspath(__file__))

DEFAULT_BOUNDS = {"request_latency_us": 10.0, "shutdown_us": 1000.0, "smp_call_us": 50.0, "guest_nmi_us": 1000.0}
TOP_KEYS = {"name", "description", "duration_us", "seed", "tsc_mhz", "pcpus", "scheduler", "bounds", "cost", "vm",
            "expect"}
VM_KEYS = {"name", "pcpus", "lapic_pt", "service", "work", "weights", "nmi"}
WORK_KEYS = {"kind", "every_us", "at_us", "args", "count", "vcpus"}
NMI_KEYS = {"source", "every_us", "args", "vcpus"}


@dataclass
class WorkSpec:
    kind: str
    lo_us: float = 0.0
    hi_us: float = 0.0
    at_us: float = -1.0
    args: Tuple = ()
    count: int = -1
    vcpus: Optional[List[int]] = None


@dataclass
class NmiSpec:
    source: str
    lo_us: float
    hi_us: float
    args: Tuple = ()
    vcpus: Optional[List[int]] = None


@dataclass
class VmSpec:
    name: str
    pcpus: List[int]
    lapic_pt: bool = False
    service: bool = False
    work: List[WorkSpec] = field(default_factory=list)
    weights: Optional[List[int]] = None
    nmi: List[NmiSpec] = field(default_factory=list)


@dataclass
class Scenario:
    name: str
    path: str
    description: str
    duration_us: float
    seed: int
    tsc_mhz: float
    pcpus: int
    scheduler: str
    bounds: dict
    cost: dict
    vms: List[VmSpec]
    expect: dict = field(default_factory=dict)


# the order that tells the story: the series' problems first, then the NMI sources that ended it
STORY_ORDER = ("ept-flush", "kick-race", "rtvm-s5", "smp-call", "debug-dump", "mixed", "pmu-nmi", "guest-nmi-ipi",
               "msi-nmi")


def builtin_names():
    """Built-in scenario names, in story order (any others after, sorted)."""
    present = sorted(f[:-5] for f in os.listdir(HERE) if f.endswith(".toml"))
    return [n for n in STORY_ORDER if n in present] + [n for n in present if n not in STORY_ORDER]


def resolve(name_or_path):
    """A path to a scenario file, or the name of a built-in one."""
    if os.path.exists(name_or_path):
        return name_or_path
    candidate = os.path.join(HERE, name_or_path + ".toml")
    if os.path.exists(candidate):
        return candidate
    raise ScenarioError(name_or_path, "scenario", "no such file, and not a built-in scenario (built-in: %s)"
                        % ", ".join(builtin_names()))


def _number(path, fld, value, minimum=None, integer=False):
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok:
        raise ScenarioError(path, fld, "expected %s, got %r" % ("an integer" if integer else "a number", value))
    if value != value or value in (float("inf"), float("-inf")):
        raise ScenarioError(path, fld, "must be a finite number, got %r" % (value,))
    if minimum is not None and value < minimum:
        raise ScenarioError(path, fld, "must be >= %s, got %r" % (minimum, value))
    return value


def _interval(path, fld, value):
    """``every_us``: a number or [lo, hi] (microseconds, > 0) -> (lo, hi)."""
    if isinstance(value, list):
        if len(value) != 2:
            raise ScenarioError(path, fld, "expected a number or [lo, hi]")
        lo = float(_number(path, fld, value[0], minimum=0.001))
        hi = float(_number(path, fld, value[1], minimum=0.001))
        if hi < lo:
            raise ScenarioError(path, fld, "lo is above hi")
        return lo, hi
    lo = float(_number(path, fld, value, minimum=0.001))
    return lo, lo


def _vcpu_list(path, fld, value, n_vcpus):
    """A list of vCPU indices of a VM with ``n_vcpus`` vCPUs."""
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < n_vcpus
                                              for v in value):
        raise ScenarioError(path, fld, "expected a list of vCPU indices below %d" % n_vcpus)
    return value


def _one_of(path, fld, value, allowed, what):
    """``value`` must name one of ``allowed`` (a scheduler, a guest activity, an NMI source...)."""
    if not isinstance(value, str) or value not in allowed:
        raise ScenarioError(path, fld, "%r is not %s (allowed: %s)" % (value, what, ", ".join(sorted(allowed))))


def _tables(path, where, raw, key, allowed):
    """The ``[[vm.<key>]]`` tables of one VM, each checked to be a table with known fields:
    yields (field prefix for messages, table)."""
    items = raw.get(key, [])
    if not isinstance(items, list):
        raise ScenarioError(path, where + key, "expected a list of [[vm.%s]] tables" % key)
    for j, item in enumerate(items):
        item_where = "%s%s[%d]." % (where, key, j)
        if not isinstance(item, dict):
            raise ScenarioError(path, item_where[:-1], "expected a table")
        _unknown(path, item_where, item, allowed)
        yield item_where, item


def _unknown(path, where, data, allowed):
    extra = sorted(set(data) - allowed)
    if extra:
        raise ScenarioError(path, where + extra[0], "unknown field (allowed: %s)" % ", ".join(sorted(allowed)))


def load_scenario(name_or_path, registry=None):
    """A Scenario from a built-in name (``acrn-model scenarios``) or a TOML file's path, checked against
    ``registry`` (default: the built-ins and installed plugins).  A bad file raises ScenarioError (an
    AcrnModelError) naming the file and the field."""
    path = resolve(name_or_path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, "toml", str(exc)) from None
    except OSError as exc:
        raise ScenarioError(path, "file", exc.strerror or str(exc)) from None
    return parse_scenario(data, path, registry)


def parse_scenario(data, path="<scenario>", registry=None):
    """A Scenario from ``data``, a dict shaped like a scenario TOML file (README, "Scenario files");
    ``path`` names it in errors.  Every field is checked: a bad one raises ScenarioError naming it."""
    _unknown(path, "", data, TOP_KEYS)
    name = data.get("name", os.path.splitext(os.path.basename(path))[0])
    if not isinstance(name, str) or not name:
        raise ScenarioError(path, "name", "expected a non-empty string")
    if not isinstance(data.get("description", ""), str):
        raise ScenarioError(path, "description", "expected a string")
    duration = _number(path, "duration_us", data.get("duration_us", 1000.0), minimum=1)
    seed = _number(path, "seed", data.get("seed", 1), minimum=0, integer=True)
    tsc_mhz = _number(path, "tsc_mhz", data.get("tsc_mhz", 2100.0), minimum=1)
    n_pcpus = _number(path, "pcpus", data.get("pcpus", 4), minimum=1, integer=True)
    if n_pcpus > 64:
        raise ScenarioError(path, "pcpus", "at most 64 pCPUs (ACRN's bitmaps are 64-bit), got %d" % n_pcpus)
    schedulers = registry.schedulers if registry is not None else {"noop": None, "iorr": None, "bvt": None}
    scheduler = data.get("scheduler", "noop")
    _one_of(path, "scheduler", scheduler, schedulers, "a scheduler")
    bounds = dict(DEFAULT_BOUNDS)
    raw_bounds = data.get("bounds", {})
    if not isinstance(raw_bounds, dict):
        raise ScenarioError(path, "bounds", "expected a table")
    _unknown(path, "bounds.", raw_bounds, set(DEFAULT_BOUNDS))
    for key, value in raw_bounds.items():
        bounds[key] = float(_number(path, "bounds." + key, value, minimum=0))
    cost = data.get("cost", {})
    if not isinstance(cost, dict):
        raise ScenarioError(path, "cost", "expected a table of step = cycles or [lo, hi]")
    for key, value in cost.items():
        if key not in STEP_IDS:
            raise ScenarioError(path, "cost." + key, "unknown step (known: %s)" % ", ".join(STEP_IDS))
        if isinstance(value, list):
            if len(value) != 2:
                raise ScenarioError(path, "cost." + key, "expected [lo, hi]")
            lo = _number(path, "cost." + key, value[0], minimum=0)
            hi = _number(path, "cost." + key, value[1], minimum=0)
            if hi < lo:
                raise ScenarioError(path, "cost." + key, "lo %r is above hi %r" % (lo, hi))
        else:
            _number(path, "cost." + key, value, minimum=0)
    raw_vms = data.get("vm")
    if not isinstance(raw_vms, list) or not raw_vms:
        raise ScenarioError(path, "vm", "expected at least one [[vm]] table")
    vms = []
    owner = {}
    kinds = {k: v for k, v in (registry.guest_kinds if registry is not None else GUEST_KINDS).items()
             if k not in INTERNAL_KINDS}
    if registry is not None:
        sources = registry.nmi_sources
    else:
        from acrn.guest.nmi_sources import BUILTIN_SOURCES as sources
    for i, raw in enumerate(raw_vms):
        where = "vm[%d]." % i
        if not isinstance(raw, dict):
            raise ScenarioError(path, "vm[%d]" % i, "expected a table")
        _unknown(path, where, raw, VM_KEYS)
        vm_name = raw.get("name")
        if not isinstance(vm_name, str) or not vm_name:
            raise ScenarioError(path, where + "name", "expected a non-empty string")
        if any(v.name == vm_name for v in vms):
            raise ScenarioError(path, where + "name", "duplicate VM name %r" % vm_name)
        pcpus = raw.get("pcpus")
        if not isinstance(pcpus, list) or not pcpus:
            raise ScenarioError(path, where + "pcpus", "expected a non-empty list of pCPU ids (one per vCPU)")
        for p in pcpus:
            _number(path, where + "pcpus", p, minimum=0, integer=True)
            if p >= n_pcpus:
                raise ScenarioError(path, where + "pcpus", "pCPU %d does not exist (the host has %d)" % (p, n_pcpus))
        if len(set(pcpus)) != len(pcpus):
            raise ScenarioError(path, where + "pcpus", "two vCPUs of one VM on the same pCPU")
        lapic_pt = raw.get("lapic_pt", False)
        service = raw.get("service", False)
        for key, value in (("lapic_pt", lapic_pt), ("service", service)):
            if not isinstance(value, bool):
                raise ScenarioError(path, where + key, "expected true or false")
        if lapic_pt and service:
            raise ScenarioError(path, where + "lapic_pt", "the service VM cannot have its LAPIC passed through")
        weights = raw.get("weights")
        if weights is not None and (not isinstance(weights, list) or len(weights) != len(pcpus)
                                    or not all(isinstance(w, int) and w > 0 for w in weights)):
            raise ScenarioError(path, where + "weights", "expected one positive integer weight per vCPU")
        for p in pcpus:
            owner.setdefault(p, []).append((vm_name, lapic_pt))
        work = []
        for wwhere, w in _tables(path, where, raw, "work", WORK_KEYS):
            kind = w.get("kind")
            _one_of(path, wwhere + "kind", kind, kinds, "a guest activity")
            if kind in SERVICE_ONLY and not service:
                raise ScenarioError(path, wwhere + "kind", "%r is a hypercall: only the service VM makes it" % kind)
            if kind == "s5" and not lapic_pt:
                raise ScenarioError(path, wwhere + "kind", "'s5' models an RTVM powering off: needs lapic_pt = true")
            spec = WorkSpec(kind=kind)
            if "every_us" in w and "at_us" in w:
                raise ScenarioError(path, wwhere + "at_us", "give either every_us or at_us, not both")
            if "at_us" in w:
                spec.at_us = float(_number(path, wwhere + "at_us", w["at_us"], minimum=0))
            elif "every_us" in w:
                spec.lo_us, spec.hi_us = _interval(path, wwhere + "every_us", w["every_us"])
            else:
                raise ScenarioError(path, wwhere + "every_us", "missing: give every_us = [lo, hi] or at_us")
            args = w.get("args", [])
            if not isinstance(args, list):
                raise ScenarioError(path, wwhere + "args", "expected a list")
            spec.args = tuple(args)
            if "count" in w:
                spec.count = _number(path, wwhere + "count", w["count"], minimum=1, integer=True)
            if "vcpus" in w:
                spec.vcpus = _vcpu_list(path, wwhere + "vcpus", w["vcpus"], len(pcpus))
            work.append(spec)
        nmis = []
        for nwhere, n in _tables(path, where, raw, "nmi", NMI_KEYS):
            source = n.get("source")
            _one_of(path, nwhere + "source", source, sources, "an NMI source")
            if not lapic_pt:
                raise ScenarioError(path, nwhere + "source", "guest NMI sources are modelled for lapic-pt VMs")
            if "every_us" not in n:
                raise ScenarioError(path, nwhere + "every_us", "missing: give every_us = [lo, hi]")
            lo, hi = _interval(path, nwhere + "every_us", n["every_us"])
            args = _vcpu_list(path, nwhere + "args", n.get("args", []), len(pcpus))
            vcpus = None if n.get("vcpus") is None else _vcpu_list(path, nwhere + "vcpus", n["vcpus"], len(pcpus))
            nmis.append(NmiSpec(source, lo, hi, tuple(args), vcpus))
        vms.append(VmSpec(vm_name, list(pcpus), lapic_pt, service, work, weights, nmis))
    for p, users in sorted(owner.items()):
        if len(users) > 1 and any(pt for _, pt in users):
            raise ScenarioError(path, "vm.pcpus", "pCPU %d is shared by %s, but lapic-pt VMs need dedicated pCPUs"
                                % (p, ", ".join(u for u, _ in users)))
        if len(users) > 1 and scheduler == "noop":
            raise ScenarioError(path, "scheduler", "pCPU %d is shared by %s: sched_noop runs one thread per pCPU "
                                "(use iorr or bvt)" % (p, ", ".join(u for u, _ in users)))
    if sum(1 for v in vms if v.service) > 1:
        raise ScenarioError(path, "vm.service", "at most one service VM")
    names = {v.name for v in vms}
    for i, vm in enumerate(vms):
        for j, w in enumerate(vm.work):
            if w.kind in ("ept_update", "smp_call"):
                n_args = (1, 2) if w.kind == "smp_call" else (1,)
                if len(w.args) not in n_args or not isinstance(w.args[0], str) or w.args[0] not in names:
                    raise ScenarioError(path, "vm[%d].work[%d].args" % (i, j), "expected [\"<target VM name>\"%s] "
                                        "(VMs: %s)" % (", vCPU id" if w.kind == "smp_call" else "",
                                                       ", ".join(sorted(names))))
                if len(w.args) == 2:
                    target = next(v for v in vms if v.name == w.args[0])
                    if not isinstance(w.args[1], int) or not 0 <= w.args[1] < len(target.pcpus):
                        raise ScenarioError(path, "vm[%d].work[%d].args" % (i, j), "%s has no vCPU %r"
                                            % (target.name, w.args[1]))
            if w.kind == "ipi":
                if len(w.args) < 2 or not all(isinstance(a, int) for a in w.args):
                    raise ScenarioError(path, "vm[%d].work[%d].args" % (i, j), "expected [dest vCPU, vector(, mode)]")
                if not 0 <= w.args[0] < len(vm.pcpus):
                    raise ScenarioError(path, "vm[%d].work[%d].args" % (i, j), "destination vCPU %d does not exist" % w.args[0])
    if any(w.kind == "s5" for v in vms for w in v.work) and not any(v.service for v in vms):
        raise ScenarioError(path, "vm", "an RTVM's S5 needs a service VM to run the device model")
    expect = data.get("expect", {})
    if not isinstance(expect, dict):
        raise ScenarioError(path, "expect", "expected a table")
    return Scenario(name=name, path=path, description=str(data.get("description", "")), duration_us=float(duration),
                    seed=seed, tsc_mhz=float(tsc_mhz), pcpus=n_pcpus, scheduler=scheduler, bounds=bounds, cost=cost,
                    vms=vms, expect=expect)
