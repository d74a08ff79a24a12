"""The command line: options checked where they are parsed, one exit-status table for every command, an
internal error told apart from a finding, SIGTERM cleaning up like SIGINT."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from acrn.cli import main
from acrn.cli.common import EXIT_INPUT, EXIT_INTERNAL, EXIT_SIGNAL_BASE
from acrn.scenarios import MAX_SEED, resolve

from fuzz.fuzz_cli import argv_of, cli as fuzz_cli


def _cli(*args):
    res = CliRunner().invoke(main, list(args), prog_name="acrn-model")
    return res, [line for line in res.stderr.splitlines() if line.strip()]


def _one_error(res, lines, status=EXIT_INPUT):
    assert res.exit_code == status, res.output
    assert len(lines) == 1 and lines[0].startswith("acrn-model: error: "), res.output
    assert res.stdout == ""
    return lines[0][len("acrn-model: error: "):]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400"])
def test_explore_horizon_nan_or_inf_is_refused_where_parsed(value):
    message = _one_error(*_cli("explore", "kick-race", "--design", "nmi", "--horizon-us", value))
    assert message.startswith("Invalid value for '--horizon-us': %r is not a finite number" % value)


@pytest.mark.parametrize("command", [["run"], ["explore"]])
def test_a_negative_seed_is_refused_not_folded_onto_its_absolute_value(command):
    message = _one_error(*_cli(*command, "kick-race", "--design", "nmi", "--seed", "-7"))
    assert message.startswith("Invalid value for '--seed': -7 is not in the range 0<=x<=%d" % MAX_SEED)


def test_run_trace_under_a_regular_file_is_one_line_and_writes_nothing(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    message = _one_error(*_cli("run", "ept-flush", "--design", "nmi", "--trace", str(afile / "sub")))
    assert message == "--trace %s: %s is not a folder" % (afile / "sub", afile)
    assert afile.read_text() == "keep me" and sorted(os.listdir(tmp_path)) == ["afile"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_run_trace_into_a_read_only_folder_is_one_line(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        message = _one_error(*_cli("run", "ept-flush", "--design", "nmi", "--trace", str(ro / "caps")))
    finally:
        ro.chmod(0o700)
    assert message == "--trace %s: folder %s is not writable" % (ro / "caps", ro)


def test_run_trace_where_no_folder_can_be_made_is_one_line():
    # /proc refuses new folders even to root
    message = _one_error(*_cli("run", "ept-flush", "--design", "nmi", "--trace", "/proc/acrn-model-test/caps"))
    assert message.startswith("--trace /proc/acrn-model-test/caps: ")


def _broken_execute(self):
    raise RuntimeError("a bug of the model")


def test_an_internal_error_is_one_line_with_status_4(monkeypatch):
    monkeypatch.setattr("acrn.host.run.Run.execute", _broken_execute)
    message = _one_error(*_cli("run", "ept-flush", "--design", "nmi"), status=EXIT_INTERNAL)
    assert message == "internal error: RuntimeError: a bug of the model; rerun with --debug for the traceback"


def test_debug_prints_the_traceback_of_an_internal_error(monkeypatch):
    monkeypatch.setattr("acrn.host.run.Run.execute", _broken_execute)
    res, lines = _cli("--debug", "run", "ept-flush", "--design", "nmi")
    assert res.exit_code == EXIT_INTERNAL
    assert "Traceback (most recent call last)" in res.stderr and "_broken_execute" in res.stderr
    assert lines[-1].startswith("acrn-model: error: internal error: RuntimeError: a bug of the model")


def test_a_finding_still_exits_1_and_bad_input_2():
    assert _cli("run", "kick-race", "--design", "nmi-nowindow")[0].exit_code == 1
    assert _cli("run", "kick-race", "--design", "nope")[0].exit_code == 2


def test_sigterm_removes_the_capture_being_written_like_sigint(tmp_path):
    scenario = tmp_path / "long.toml"
    text = open(resolve("mixed"), encoding="utf-8").read()
    scenario.write_text("\n".join("duration_us = 5000000" if l.startswith("duration_us") else l
                                  for l in text.splitlines()) + "\n")
    captures = tmp_path / "captures"
    proc = subprocess.Popen([sys.executable, "-m", "acrn.cli", "run", str(scenario), "--design", "nmi", "--trace",
                             str(captures)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (captures.exists() and os.listdir(captures)) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert os.listdir(captures), "the run never started its capture"
    time.sleep(0.3)  # well inside the run (it simulates 5 s)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_SIGNAL_BASE + signal.SIGTERM, (out, err)
    assert err.strip() == "acrn-model: error: interrupted by SIGTERM" and out == ""
    assert os.listdir(captures) == []


# ---- property: any argument vector gets a status of the table, one error line, valid JSON ----------------
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(min_size=2, max_size=14))
def test_random_argument_vectors_get_a_status_of_the_table(data):
    fuzz_cli(data)


def test_the_argument_generator_reaches_runs_and_json():
    args = argv_of(bytes([0, 0, 0, 7]))
    assert args[:3] == ["run", args[1], "--design"] and "--json" in args
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0 and json.loads(res.stdout)["design"] == "nmi"


@pytest.mark.parametrize("choices, message", [
    ("x1:3=99999999999999999999999", "'x1:3=99999999999999999999999': positions and values must be 64-bit integers"),
    ("x1:3=" + "9" * 5000, "'x1:3=%s...' is not a choice string x1:POSITION=VALUE,..." % ("9" * 52)),
    ("x1:-3=5", "'x1:-3=5' is not a choice string x1:POSITION=VALUE,..."),
])
def test_replay_choices_beyond_64_bits_are_refused_where_parsed(choices, message):
    got = _one_error(*_cli("replay", "kick-race", "--design", "nmi", "--choices", choices))
    assert got.startswith("Invalid value for '--choices': " + message), got


def test_an_exploration_stopped_by_a_cap_is_incomplete_not_ok():
    res, _ = _cli("explore", "kick-race", "--design", "nmi", "--max-runs", "3")
    assert res.exit_code == 3, res.output
    assert _cli("explore", "kick-race", "--design", "nmi", "--max-runs", "3", "--json")[0].exit_code == 3


def test_a_trace_path_with_a_nul_byte_is_refused_where_parsed():
    message = _one_error(*_cli("run", "ept-flush", "--design", "nmi", "--trace", "caps\0x"))
    assert message.startswith("Invalid value for '--trace': the path contains a NUL byte")


def test_a_command_s_own_error_is_bad_input_not_a_finding(tmp_path):
    # analyze raises click's ClickException (status 1 in click): through acrn-model it is bad input
    message = _one_error(*_cli("analyze", str(tmp_path / "nope")))
    assert message == "%s: no such file or folder" % (tmp_path / "nope")
