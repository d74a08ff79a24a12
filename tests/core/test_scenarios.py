"""Scenario files: every built-in one loads; bad ones fail with the file and the field named."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acrn.errors import ScenarioError
from acrn.scenarios import builtin_names, load_scenario, parse_scenario

from scenario_data import scenario_dict


def test_builtins_load():
    names = builtin_names()
    assert {"ept-flush", "kick-race", "rtvm-s5", "smp-call", "mixed"} <= set(names)
    for name in names:
        assert load_scenario(name).name == name


def _vm(i, **over):
    d = scenario_dict()
    d["vm"][i].update(over)
    return d


BAD = [
    ({"bogus": 1}, "bogus", "unknown field"),
    ({"pcpus": 0}, "pcpus", ">= 1"),
    ({"pcpus": 65}, "pcpus", "at most 64"),
    ({"scheduler": "cfs"}, "scheduler", "noop"),
    ({"duration_us": "long"}, "duration_us", "number"),
    ({"bounds": {"latency": 3}}, "bounds.latency", "unknown field"),
    ({"cost": {"vmexit": [9, 3]}}, "cost.vmexit", "above"),
    ({"cost": {"teleport": 3}}, "cost.teleport", "unknown step"),
    ({"vm": []}, "vm", "at least one"),
    (_vm(1, pcpus=[2, 9]), "vm[1].pcpus", "does not exist"),
    (_vm(1, pcpus=[1, 3]), "vm.pcpus", "dedicated"),
    (_vm(1, work=[{"kind": "teleport", "every_us": 3}]), "vm[1].work[0].kind", "allowed"),
    (_vm(1, work=[{"kind": "ept_update", "every_us": 3, "args": ["sos"]}]), "vm[1].work[0].kind", "service VM"),
    (_vm(1, work=[{"kind": "cpuid"}]), "vm[1].work[0].every_us", "missing"),
    (_vm(0, work=[{"kind": "ept_update", "every_us": 3, "args": ["nobody"]}]), "vm[0].work[0].args", "target VM"),
    (_vm(0, lapic_pt=True), "vm[0].lapic_pt", "service VM"),
]


@pytest.mark.parametrize("data,field,words", BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_bad_scenarios_name_file_and_field(data, field, words):
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data, "bad.toml")
    message = str(info.value)
    assert message.startswith("bad.toml: %s: " % field), message
    assert words in message
    assert "\n" not in message


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(ScenarioError, match="not a built-in scenario"):
        load_scenario(str(tmp_path / "nope"))
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [unclosed\n")
    with pytest.raises(ScenarioError, match="bad.toml: toml:"):
        load_scenario(str(bad))


values = st.recursive(st.none() | st.booleans() | st.integers(-5, 70) | st.floats(allow_nan=False) | st.text(max_size=5),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                      max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["name", "pcpus", "vm", "scheduler", "bounds", "cost", "duration_us", "seed",
                                        "x"]), values, max_size=6))
def test_parser_never_crashes(data):
    """Arbitrary input either parses or raises ScenarioError: never another exception."""
    try:
        parse_scenario(data, "fuzz.toml")
    except ScenarioError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.lists(st.fixed_dictionaries({"kind": st.sampled_from(["cpuid", "io", "s5", "ipi", "smp_call", "zz"])},
                                      optional={"every_us": values, "at_us": values, "args": values,
                                                "vcpus": values, "count": values}), max_size=3))
def test_work_parser_never_crashes(work):
    try:
        parse_scenario(_vm(1, work=work), "fuzz.toml")
    except ScenarioError:
        pass
