"""Scenario files the loader must refuse with one line naming the file, the field and the limit, in both
modes (compiled and interpreted), rather than a traceback or a run that cannot finish."""
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from acrn.cli import main
from acrn.errors import ScenarioError
from acrn.host.run import Run
from acrn.scenarios import (MAX_COST_CYCLES, MAX_DURATION_US, MAX_SEED, MAX_TSC_MHZ, builtin_names,
                            load_scenario, parse_scenario_bytes, resolve)

from fuzz.fuzz_scenario import mutate_fields

BASE = ('pcpus = 4\n[[vm]]\nname = "sos"\nservice = true\npcpus = [0]\n'
        '[[vm]]\nname = "rtvm"\nlapic_pt = true\npcpus = [2, 3]\n')


def _cli(*args):
    res = CliRunner().invoke(main, list(args))
    return res, [line for line in res.stderr.splitlines() if line.strip()]


def _refused(tmp_path, raw):
    path = tmp_path / "s.toml"
    path.write_bytes(raw)
    res, lines = _cli("run", str(path), "--design", "nmi")
    assert res.exit_code == 2, res.output
    assert len(lines) == 1 and lines[0].startswith("acrn-model: error: %s: " % path), res.output
    assert res.stdout == ""
    return lines[0][len("acrn-model: error: %s: " % path):]


def test_non_utf8_bytes_name_the_file_and_the_offset(tmp_path):
    assert _refused(tmp_path, b'name = "caf\xe9"\n' + BASE.encode()) == "file: not UTF-8 text (byte 0xe9 at offset 11)"


def test_nesting_a_thousand_deep_is_refused(tmp_path):
    message = _refused(tmp_path, ("x = " + "[" * 1000 + "]" * 1000 + "\n").encode())
    assert message == "toml: arrays or tables nested too deeply to parse"


def test_an_integer_literal_of_5000_digits_is_refused(tmp_path):
    message = _refused(tmp_path, ("seed = " + "7" * 5000 + "\n" + BASE).encode())
    assert message.startswith("toml: Exceeds the limit (4300 digits) for integer string conversion")


def test_a_hex_literal_of_20000_bits_is_named_by_its_size(tmp_path):
    message = _refused(tmp_path, ("seed = 0x" + "f" * 5000 + "\n" + BASE).encode())
    assert message == "seed: must be <= %d, got an integer of 20000 bits" % MAX_SEED


@pytest.mark.parametrize("line, field, limit", [
    ("duration_us = 1e300", "duration_us", MAX_DURATION_US),
    ("duration_us = 1e12", "duration_us", MAX_DURATION_US),
    ("tsc_mhz = 1e300", "tsc_mhz", MAX_TSC_MHZ),
    ("seed = %d" % (MAX_SEED + 1), "seed", MAX_SEED),
    ("[cost]\nnmi_delivery = %d" % 2 ** 63, "cost.nmi_delivery", MAX_COST_CYCLES),
    ("[cost]\nnmi_delivery = [0, 1e300]", "cost.nmi_delivery", MAX_COST_CYCLES),
    ("[bounds]\nrequest_latency_us = 1e300", "bounds.request_latency_us", MAX_DURATION_US),
])
def test_numbers_the_compiled_core_cannot_hold_are_refused(tmp_path, line, field, limit):
    top, _, table = line.partition("\n")
    text = (BASE + top + "\n" + table + "\n") if top.startswith("[") else (top + "\n" + BASE)
    message = _refused(tmp_path, text.encode())
    assert message.startswith("%s: must be <= %s, got " % (field, limit)), message


def test_a_one_shot_at_1e300_us_is_refused(tmp_path):
    text = BASE + '  [[vm.work]]\n  kind = "cpuid"\n  at_us = 1e300\n'
    assert _refused(tmp_path, text.encode()) == "vm[1].work[0].at_us: must be <= %d, got 1e+300" % MAX_DURATION_US


@pytest.mark.parametrize("args, message", [
    ("{ msr = 1 }", "expected a list"),
    ("[[0x6E0], 0]", "the MSR index must be an integer in [0, 0xffffffff], got [1760]"),
    ("[0x6E0, 'x']", "the value must be an integer in [0, 0xffffffffffffffff], got 'x'"),
    ("[0x6E0, -1]", "the value must be an integer in [0, 0xffffffffffffffff], got -1"),
    ("[1, 2, 3]", "expected at most 2 argument(s) (MSR index, value), got 3"),
])
def test_wrmsr_args_of_the_wrong_type_are_refused(tmp_path, args, message):
    text = BASE + '  [[vm.work]]\n  kind = "wrmsr"\n  every_us = 5\n  args = %s\n' % args
    assert _refused(tmp_path, text.encode()) == "vm[1].work[0].args: " + message


def test_an_ipi_with_a_reserved_delivery_mode_is_refused_by_the_loader(tmp_path):
    text = BASE + '  [[vm.work]]\n  kind = "ipi"\n  every_us = 5\n  args = [1, 0x40, 3]\n'
    assert _refused(tmp_path, text.encode()).startswith("vm[1].work[0].args: ICR delivery mode 3 is reserved")


# ---- property: whatever the bytes, a Scenario or one ScenarioError line ---------------------------------
SEEDS = [open(resolve(n), "rb").read() for n in builtin_names()]
def _check(raw):
    try:
        sc = parse_scenario_bytes(raw, "p.toml")
    except ScenarioError as exc:
        message = str(exc)
        assert message.startswith("p.toml: ") and "\n" not in message and len(message) < 600, message
        return None
    assert sc.duration_us <= MAX_DURATION_US and sc.tsc_mhz <= MAX_TSC_MHZ and 0 <= sc.seed <= MAX_SEED
    Run(sc, "nmi", horizon_us=5).execute()  # what the loader accepts, the core (compiled too) can run
    return sc


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(min_size=1, max_size=12))
def test_a_scenario_with_fields_set_to_edge_values_loads_or_is_one_line(data):
    _check(mutate_fields(data))  # the fuzz target's generator: a built-in scenario, a few fields changed


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 4000), st.binary(max_size=6)), max_size=4))
def test_mutated_builtin_scenario_bytes_load_or_are_one_line(seed, cuts):
    data = bytearray(seed)
    for pos, blob in cuts:
        pos %= len(data) + 1
        data[pos:pos + len(blob)] = blob
    _check(bytes(data))


def test_every_builtin_scenario_still_loads():
    for name in builtin_names():
        assert load_scenario(name).name == name


@pytest.mark.parametrize("text, field", [
    ('name = "[/x]"\n' + BASE, "name"),
    (BASE.replace('name = "rtvm"', 'name = "[bold]rtvm"'), "vm[1].name"),
    ('name = "a\\nb"\n' + BASE, "name"),
    ('name = "%s"\n' % ("n" * 65) + BASE, "name"),
])
def test_names_the_tables_would_take_for_markup_or_break_lines_are_refused(tmp_path, text, field):
    message = _refused(tmp_path, text.encode())
    assert message.startswith("%s: expected a printable name of 1 to 64 characters without [ or ], got " % field)
