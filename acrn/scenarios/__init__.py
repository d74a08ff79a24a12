"""Scenario files (TOML): the host shape, the VMs and their workloads, duration, seed, bounds, costs.

``load_scenario(path_or_name)`` validates everything and raises ``ScenarioError`` naming the file and
the field, with what is allowed.  Built-in scenarios live beside this file.

Every number must fit what the compiled core holds (times and cycles are C ``long long``), so the loader
bounds them, the same in both modes (the README's "Scenario files" lists the limits):
``MAX_DURATION_US`` for ``duration_us`` and every time in microseconds (the invariants judge in bounded
memory, but a run keeps its choice log for replay and its digest, about 29 bytes per VM exit),
``MAX_TSC_MHZ``, ``MAX_COST_CYCLES`` for a
step's cost (``[cost]``, ``--cost``), ``MAX_SEED``, ``MAX_COUNT``.
"""
import os
import reprlib
import tomllib
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from acrn.arch_x86.consts import APIC_DM_FIXED
from acrn.arch_x86.lapic_hw import icr_encode
from acrn.engine.cost import STEP_IDS
from acrn.guest.guest import GUEST_KINDS, INTERNAL_KINDS, SERVICE_ONLY
from acrn.errors import InvalidEncoding, ScenarioError

HERE = os.path.dirname(os.path.abspath(__file__))

DEFAULT_BOUNDS = {"request_latency_us": 10.0, "shutdown_us": 1000.0, "smp_call_us": 50.0, "guest_nmi_us": 1000.0}
TOP_KEYS = {"name", "description", "duration_us", "seed", "tsc_mhz", "pcpus", "scheduler", "bounds", "cost", "vm",
            "expect"}
VM_KEYS = {"name", "pcpus", "lapic_pt", "service", "work", "weights", "nmi"}
WORK_KEYS = {"kind", "every_us", "at_us", "args", "count", "vcpus"}
NMI_KEYS = {"source", "every_us", "args", "vcpus"}

MAX_DURATION_US = 10_000_000  # 10 s simulated: mixed makes 1.1 M exits, 4.7 s compiled, 76 MB peak (its choice log ~31 MB)
MAX_TSC_MHZ = 10_000  # 10 GHz; with MAX_DURATION_US a run's end is 1e11 cycles, far below 2**63
MAX_COST_CYCLES = 10 ** 12  # one step: any sum of them over a run stays far below 2**63
MAX_SEED = 2 ** 64 - 1
MAX_COUNT = 2 ** 62
MAX_FILE_BYTES = 1 << 20  # a scenario file is a few kB; refuse anything above 1 MiB unread
MAX_NAME_LEN = 64  # scenario and VM names: shown in tables, diagrams and on one line
# the built-in activities' args: (name, lo, hi) per position, every one optional
ARG_RULES = {
    "io": (("port", 0, 0xFFFF), ("value", 0, 0xFFFFFFFF)),
    "rdmsr": (("MSR index", 0, 0xFFFFFFFF),),
    "wrmsr": (("MSR index", 0, 0xFFFFFFFF), ("value", 0, 2 ** 64 - 1)),
    "ept": (("guest-physical address", 0, 2 ** 52 - 1),),
    "vmcall": (("hypercall number", 0, 2 ** 64 - 1), ("argument", 0, 2 ** 64 - 1)),
    "cpuid": (), "hlt": (), "pause": (),
}
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 40
_REPR.maxlevel = 3


def show(value):
    """``value`` for a one-line message: short, whatever its size or depth."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return "an integer of %d bits" % value.bit_length()
    return _REPR.repr(value)


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


def _number(path, fld, value, minimum=None, integer=False, maximum=MAX_DURATION_US):
    """A number (an integer if ``integer``) in [minimum, maximum]; ``maximum`` defaults to the limit of
    a time in microseconds."""
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok:
        raise ScenarioError(path, fld, "expected %s, got %s" % ("an integer" if integer else "a number", show(value)))
    if value != value or value in (float("inf"), float("-inf")):
        raise ScenarioError(path, fld, "must be a finite number, got %r" % (value,))
    if minimum is not None and value < minimum:
        raise ScenarioError(path, fld, "must be >= %s, got %s" % (minimum, show(value)))
    if maximum is not None and value > maximum:
        raise ScenarioError(path, fld, "must be <= %s, got %s" % (maximum, show(value)))
    return value


def _name(path, fld, value):
    """A scenario or VM name: a non-empty printable string of at most MAX_NAME_LEN characters, without the
    brackets the terminal tables would take for markup."""
    if not isinstance(value, str) or not value or len(value) > MAX_NAME_LEN or not value.isprintable() \
            or "[" in value or "]" in value:
        raise ScenarioError(path, fld, "expected a printable name of 1 to %d characters without [ or ], got %s"
                            % (MAX_NAME_LEN, show(value)))
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
        raise ScenarioError(path, fld, "%s is not %s (allowed: %s)" % (show(value), what, ", ".join(sorted(allowed))))


def _int_args(path, fld, args, rules):
    """A built-in activity's ``args``: at most one integer per rule, each in the rule's range."""
    if len(args) > len(rules):
        raise ScenarioError(path, fld, "expected at most %d argument(s) (%s), got %d"
                            % (len(rules), ", ".join(r[0] for r in rules) or "none", len(args)))
    for value, (what, lo, hi) in zip(args, rules):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ScenarioError(path, fld, "the %s must be an integer in [%d, %#x], got %s" % (what, lo, hi, show(value)))


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
        raise ScenarioError(path, where + show(extra[0]).strip("'\""), "unknown field (allowed: %s)"
                            % ", ".join(sorted(allowed)))


def load_scenario(name_or_path, registry=None):
    """A Scenario from a built-in name (``acrn-model scenarios``) or a TOML file's path, checked against
    ``registry`` (default: the built-ins and installed plugins).  A bad file raises ScenarioError (an
    AcrnModelError) naming the file and the field."""
    path = resolve(name_or_path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(path, "file", exc.strerror or str(exc)) from None
    return parse_scenario_bytes(raw, path, registry)


def parse_scenario_bytes(raw, path="<scenario>", registry=None):
    """A scenario file's bytes -> Scenario: UTF-8 TOML (TOML 1.0 requires UTF-8), at most MAX_FILE_BYTES."""
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(path, "file", "larger than %d bytes: not a scenario file" % MAX_FILE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(path, "file", "not UTF-8 text (byte %#04x at offset %d)" % (raw[exc.start], exc.start)) \
            from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, "toml", str(exc)) from None
    except RecursionError:
        raise ScenarioError(path, "toml", "arrays or tables nested too deeply to parse") from None
    except ValueError as exc:  # an integer literal above Python's int-string limit (4300 digits)
        raise ScenarioError(path, "toml", str(exc).split(";")[0]) from None
    return parse_scenario(data, path, registry)


def parse_scenario(data, path="<scenario>", registry=None):
    """A Scenario from ``data``, a dict shaped like a scenario TOML file (README, "Scenario files");
    ``path`` names it in errors.  Every field is checked: a bad one raises ScenarioError naming it."""
    _unknown(path, "", data, TOP_KEYS)
    name = _name(path, "name", data.get("name", os.path.splitext(os.path.basename(path))[0]))
    if not isinstance(data.get("description", ""), str):
        raise ScenarioError(path, "description", "expected a string")
    duration = _number(path, "duration_us", data.get("duration_us", 1000.0), minimum=1)
    seed = _number(path, "seed", data.get("seed", 1), minimum=0, integer=True, maximum=MAX_SEED)
    tsc_mhz = _number(path, "tsc_mhz", data.get("tsc_mhz", 2100.0), minimum=1, maximum=MAX_TSC_MHZ)
    n_pcpus = _number(path, "pcpus", data.get("pcpus", 4), minimum=1, integer=True, maximum=None)
    if n_pcpus > 64:
        raise ScenarioError(path, "pcpus", "at most 64 pCPUs (ACRN's bitmaps are 64-bit), got %s" % show(n_pcpus))
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
            lo = _number(path, "cost." + key, value[0], minimum=0, maximum=MAX_COST_CYCLES)
            hi = _number(path, "cost." + key, value[1], minimum=0, maximum=MAX_COST_CYCLES)
            if hi < lo:
                raise ScenarioError(path, "cost." + key, "lo %r is above hi %r" % (lo, hi))
        else:
            _number(path, "cost." + key, value, minimum=0, maximum=MAX_COST_CYCLES)
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
        vm_name = _name(path, where + "name", raw.get("name"))
        if any(v.name == vm_name for v in vms):
            raise ScenarioError(path, where + "name", "duplicate VM name %s" % show(vm_name))
        pcpus = raw.get("pcpus")
        if not isinstance(pcpus, list) or not pcpus:
            raise ScenarioError(path, where + "pcpus", "expected a non-empty list of pCPU ids (one per vCPU)")
        for p in pcpus:
            _number(path, where + "pcpus", p, minimum=0, integer=True, maximum=None)
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
                                    or not all(type(w) is int and 0 < w <= MAX_COUNT for w in weights)):
            raise ScenarioError(path, where + "weights", "expected one positive integer weight (at most %d) per vCPU"
                                % MAX_COUNT)
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
            if kind in ARG_RULES:
                _int_args(path, wwhere + "args", args, ARG_RULES[kind])
                if kind == "vmcall":
                    args = list(args) + [0] * (2 - len(args))  # the handler reads two registers
            spec.args = tuple(args)
            if "count" in w:
                spec.count = _number(path, wwhere + "count", w["count"], minimum=1, integer=True, maximum=MAX_COUNT)
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
                        raise ScenarioError(path, "vm[%d].work[%d].args" % (i, j), "%s has no vCPU %s"
                                            % (target.name, show(w.args[1])))
            if w.kind == "ipi":
                fld = "vm[%d].work[%d].args" % (i, j)
                if not 2 <= len(w.args) <= 3 or not all(type(a) is int for a in w.args):
                    raise ScenarioError(path, fld, "expected [dest vCPU, vector(, delivery mode)]")
                if not 0 <= w.args[0] < len(vm.pcpus):
                    raise ScenarioError(path, fld, "destination vCPU %s does not exist" % show(w.args[0]))
                mode = w.args[2] if len(w.args) > 2 else APIC_DM_FIXED
                try:
                    icr_encode(w.args[1] if mode == APIC_DM_FIXED else 0, mode, w.args[0])
                except InvalidEncoding as exc:
                    raise ScenarioError(path, fld, str(exc)) from None
    if any(w.kind == "s5" for v in vms for w in v.work) and not any(v.service for v in vms):
        raise ScenarioError(path, "vm", "an RTVM's S5 needs a service VM to run the device model")
    expect = data.get("expect", {})
    if not isinstance(expect, dict):
        raise ScenarioError(path, "expect", "expected a table")
    return Scenario(name=name, path=path, description=str(data.get("description", "")), duration_us=float(duration),
                    seed=seed, tsc_mhz=float(tsc_mhz), pcpus=n_pcpus, scheduler=scheduler, bounds=bounds, cost=cost,
                    vms=vms, expect=expect)
