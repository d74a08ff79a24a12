"""The acrn-model command: exit codes, JSON, one-line errors."""
import json

from click.testing import CliRunner

from acrn.cli import main


def _run(*args):
    return CliRunner().invoke(main, list(args))


def test_run_json_passes_with_exit_0():
    res = _run("run", "ept-flush", "--design", "nmi", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["design"] == "nmi" and data["verdicts"]["request-latency"]["verdict"] == "PASS"
    assert data["request_latency_us"]["n"] > 0


def test_run_violation_exits_1_and_names_it():
    res = _run("run", "kick-race", "--design", "nmi-nowindow")
    assert res.exit_code == 1
    assert "request-latency" in res.output and "FAIL" in res.output and "EPT_FLUSH" in res.output


def test_unknown_design_is_a_one_line_error():
    res = _run("run", "ept-flush", "--design", "nope")
    assert res.exit_code == 2
    lines = [l for l in res.output.splitlines() if l.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("acrn-model: error: --design: unknown design 'nope' (known: ipi, nmi-naive, ")
    assert "nmi-vnmi" in lines[0]


def test_bad_scenario_file_is_a_one_line_error(tmp_path):
    bad = tmp_path / "s.toml"
    bad.write_text('name = "x"\npcpus = 2\n[[vm]]\nname = "a"\npcpus = [5]\n')
    res = _run("run", str(bad), "--design", "nmi")
    assert res.exit_code == 2
    assert res.output.strip() == "acrn-model: error: %s: vm[0].pcpus: pCPU 5 does not exist (the host has 2)" % bad


def test_demo_subset_prints_the_table():
    res = _run("demo", "-s", "ept-flush", "-d", "ipi", "-d", "nmi")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    section = lines.index(next(l for l in lines if l.strip() == "ept-flush"))
    rows = [l.split() for l in lines[section + 1:section + 3]]
    assert [r[0] for r in rows] == ["ipi", "nmi"] and "FAIL" in rows[0] and "FAIL" not in rows[1]


def test_designs_scenarios_plugins_list():
    assert "nmi-nowindow" in _run("designs").output
    assert "kick-race" in _run("scenarios").output
    out = _run("plugins").output
    assert "acrn.plugins.designs" in out and "acrn_register_designs" in out
