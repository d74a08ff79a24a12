"""Fuzz targets of the scenario loader, then a short run of what it accepts.

- ``scenario``: arbitrary bytes as a scenario file (libFuzzer mutates the built-in scenarios);
- ``scenario-fields``: a built-in scenario with a few of its fields (or new ones) set to edge values
  picked by the input bytes, written back as TOML: it reaches the validation of every field and, when
  the loader accepts, the model itself.

A ``ScenarioError`` (one line naming the file and the field) is the right answer to bad input; any other
exception is a failure.  What the loader accepts is built and run for its first microseconds, in the
mode the runner chose, so numbers the compiled core could not hold would fail here.
"""
import copy
import glob
import json
import math
import os
import tomllib

from acrn.errors import AcrnModelError
from acrn.host.run import Run
from acrn.scenarios import HERE as SCENARIO_DIR, parse_scenario_bytes

RUN_HORIZON_US = 5.0  # enough to build the host and take its first exits
SEEDS = tuple(open(p, "rb").read() for p in sorted(glob.glob(os.path.join(SCENARIO_DIR, "*.toml"))))
SEED_DATA = tuple(tomllib.loads(s.decode()) for s in SEEDS)

# tokens libFuzzer splices into the raw bytes (the ``scenario`` target): TOML syntax, every field, edge numbers
DICTIONARY = tuple(t.encode() for t in (
    "[[vm]]", "[[vm.work]]", "[[vm.nmi]]", "[bounds]", "[cost]", " = ", "\n", "[", "]", ",", "{", "}", "\"",
    "true", "false", "nan", "inf", "-inf", "1e300", "1e-320", "0x", "18446744073709551616", "9223372036854775808",
    "duration_us", "seed", "tsc_mhz", "pcpus", "scheduler", "name", "service", "lapic_pt", "weights", "kind",
    "every_us", "at_us", "args", "count", "vcpus", "source", "request_latency_us", "nmi_delivery", "\"wrmsr\"",
    "\"ipi\"", "\"smp_call\"", "\"s5\"", "\"ept_update\"", "\"pmu\"", "\"msi\"", "\"bvt\"", "\"iorr\""))
EDGE_VALUES = (
    0, 1, -1, 2, 3, 7, 64, 65, 255, 256, 0xFFFF, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 52, 2 ** 62, 2 ** 63 - 1, 2 ** 63,
    2 ** 64 - 1, 2 ** 64, 10 ** 7, 10 ** 7 + 1, 10 ** 12, 10 ** 12 + 1, 10 ** 300,
    0.0, 0.001, 0.0005, 1e-320, 2.5, 1e7, 1e7 + 1, 1e12, 1e300, math.nan, math.inf, -math.inf,
    True, False, "", "x", "nmi", "noop", "bvt", "sos", "rtvm", "uos", "cpuid", "wrmsr", "ipi", "smp_call", "s5",
    "ept_update", "vmcall", "pmu", "msi", "[/x]", "a\nb", "n" * 70,
    [], [0], [0, 1], [1, 2, 3], [[1]], [0.5], ["rtvm"], ["rtvm", 5], ["rtvm", 1], [0x6E0, 0], [1, 0x40, 4], {}, {"a": 1},
)
TOP_FIELDS = ("duration_us", "seed", "tsc_mhz", "pcpus", "scheduler", "name", "bounds", "cost", "vm", "zz")
TABLE_FIELDS = {"bounds": ("request_latency_us", "shutdown_us", "zz"), "cost": ("nmi_delivery", "vmx_exit", "zz")}
VM_FIELDS = ("name", "pcpus", "lapic_pt", "service", "weights", "work", "nmi", "zz")
WORK_FIELDS = ("kind", "every_us", "at_us", "args", "count", "vcpus", "zz")
NMI_FIELDS = ("source", "every_us", "args", "vcpus", "zz")


def toml_value(value):
    """``value`` as an inline TOML value (tables inline, strings JSON-escaped, which TOML reads alike)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value.bit_length() < 4000 else hex(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[%s]" % ", ".join(toml_value(v) for v in value)
    return "{%s}" % ", ".join("%s = %s" % (json.dumps(k), toml_value(v)) for k, v in value.items())


def toml_document(data):
    return "".join("%s = %s\n" % (json.dumps(k), toml_value(v)) for k, v in data.items())


def mutate_fields(data):
    """A built-in scenario (byte 0) with fields set to edge values: each further pair of bytes picks
    where (top level, a [bounds]/[cost] key, a VM's field, a work or NMI table's field) and the value."""
    base = SEED_DATA[data[0] % len(SEED_DATA)] if data else SEED_DATA[0]
    doc = copy.deepcopy(base)
    for i in range(1, len(data) - 1, 2):
        where, pick = data[i], data[i + 1]
        value = copy.deepcopy(EDGE_VALUES[pick % len(EDGE_VALUES)])  # never shared: later picks write into it
        target, fields = doc, TOP_FIELDS
        vms = doc.get("vm") if isinstance(doc.get("vm"), list) else []
        kind = where % 5
        if kind == 1 and isinstance(doc.get(TOP_FIELDS[6 + where // 5 % 2]), dict):
            table = TOP_FIELDS[6 + where // 5 % 2]
            target, fields = doc[table], TABLE_FIELDS[table]
        elif kind >= 2 and vms and isinstance(vms[where // 5 % len(vms)], dict):
            vm = vms[where // 5 % len(vms)]
            target, fields = vm, VM_FIELDS
            sub = {3: "work", 4: "nmi"}.get(kind)
            if sub and isinstance(vm.get(sub), list) and vm[sub] and isinstance(vm[sub][0], dict):
                target, fields = vm[sub][where // 25 % len(vm[sub])], WORK_FIELDS if sub == "work" else NMI_FIELDS
        target[fields[(where // 7) % len(fields)]] = value
    return toml_document(doc).encode("utf-8", "surrogatepass")


def scenario(data):
    try:
        sc = parse_scenario_bytes(data, "fuzz.toml")
    except AcrnModelError:
        return False
    Run(sc, "nmi", horizon_us=RUN_HORIZON_US).execute()
    return True


def scenario_fields(data):
    return scenario(mutate_fields(data))


TARGETS = {"scenario": scenario, "scenario-fields": scenario_fields}
