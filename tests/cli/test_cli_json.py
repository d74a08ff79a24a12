"""Every command's --json output validates against the JSON Schema shipped in acrn/schemas."""
import copy
import glob
import json
import os

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from acrn import schemas
from acrn.cli import main
from acrn.schemas import SchemaError, validate


def _json_of(args, codes=(0,)):
    out = CliRunner().invoke(main, args)
    assert out.exit_code in codes, (args, out.output)
    return json.loads(out.stdout)


def _walk(node):
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key in ("properties", "$defs"):
                for sub in value.values():
                    yield from _walk(sub)
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                yield from _walk(value)


@pytest.mark.parametrize("name", schemas.COMMANDS + ("common",))
def test_schemas_use_only_the_keywords_the_validator_implements(name):
    spec = schemas._load(name + ".json")
    assert spec["$schema"].endswith("2020-12/schema")
    for node in _walk(spec):
        assert set(node) - {"required"} <= schemas.KEYWORDS | {"required"}, set(node) - schemas.KEYWORDS


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    out = tmp_path_factory.mktemp("cap")
    CliRunner().invoke(main, ["run", "smp-call", "--design", "nmi", "--trace", str(out)])
    return glob.glob(os.path.join(str(out), "*"))[0]


@pytest.mark.parametrize("command, args, codes", [
    ("run", ["run", "smp-call", "--design", "nmi"], (0,)),
    ("run", ["run", "rtvm-s5", "--design", "nmi-window"], (1,)),
    ("replay", ["replay", "kick-race", "--design", "nmi-nowindow", "--choices", "x1:153=350"], (0, 1)),
    ("explore", ["explore", "smp-call", "--design", "nmi", "--horizon-us", "20"], (0,)),
    ("explore", ["explore", "kick-race", "--design", "nmi-nowindow", "--max-runs", "200"], (1,)),
    ("explore", ["explore", "kick-race", "--design", "nmi", "--max-runs", "3"], (3,)),
    ("demo", ["demo", "-s", "smp-call", "-d", "nmi", "-d", "init"], (0,)),
    ("designs", ["designs"], (0,)),
    ("scenarios", ["scenarios"], (0,)),
    ("plugins", ["plugins"], (0,)),
    ("microbench", ["microbench", "--rounds", "20", "--path", "cpuid"], (0,)),
])
def test_json_output_validates(command, args, codes):
    data = _json_of(args + ["--json"], codes)
    validate(data, schemas.schema(command))


@pytest.mark.parametrize("report", ["vm_exit", "irq", "cpu_usage", "latency"])
def test_analyze_json_validates(capture, report):
    validate(_json_of(["analyze", capture, "--report", report, "--json"]), schemas.schema("analyze"))


def test_exit_reasons_by_name_and_number():
    data = _json_of(["run", "kick-race", "--design", "nmi", "--json"])
    by_number = {str(r["reason"]): r["count"] for r in data["exit_reasons"]}
    assert by_number == data["counts"]["exits_by_reason"]
    names = {r["name"]: r["reason"] for r in data["exit_reasons"]}
    assert names["WRMSR"] == 32 and names["EXCEPTION_OR_NMI"] == 0


def test_designs_json_lists_every_design_with_its_fields():
    data = _json_of(["designs", "--json"])
    from acrn.plugin import default_registry

    assert [d["name"] for d in data] == list(default_registry().designs)
    assert all("kick_mode" in d["fields"] and "guest_nmi" in d["fields"] for d in data)


def test_schemas_ship_in_the_package():
    import acrn.schemas as pkg

    folder = os.path.dirname(pkg.__file__)
    assert sorted(f[:-5] for f in os.listdir(folder) if f.endswith(".json")) == sorted(schemas.COMMANDS + ("common",))


EXPLORE = None


def _explore_doc():
    global EXPLORE
    if EXPLORE is None:
        EXPLORE = _json_of(["explore", "kick-race", "--design", "nmi-nowindow", "--max-runs", "200", "--json"], (1,))
    return EXPLORE


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_the_validator_catches_a_dropped_field_or_a_wrong_type(data):
    spec = schemas.schema("explore")
    doc = copy.deepcopy(_explore_doc())
    validate(doc, spec)
    key = data.draw(st.sampled_from(spec["required"]))
    broken = copy.deepcopy(doc)
    if data.draw(st.booleans()):
        del broken[key]
    else:
        broken[key] = [] if not isinstance(broken[key], list) else "not a list"
    with pytest.raises(SchemaError, match=key):
        validate(broken, spec)


def test_unknown_command_schema_is_refused():
    with pytest.raises(KeyError):
        schemas.schema("nonsense")
