"""Captures of the same second into one folder (a shell loop of ``run --trace DIR``): every run keeps its
capture, as ``<stamp>``, ``<stamp>-2``, ``<stamp>-3``..., the name chosen by the rename itself, and every
one of them is a capture to the reader, ``analyze`` and the plots."""
import json
import os
import threading

import pytest
from click.testing import CliRunner

from acrn.cli import main
from acrn.trace import events as ev
from acrn.trace import format as fmt
from acrn.trace import reader, writer
from acrn.trace.plots import capture_label
from acrn.trace.writer import TraceWriter

STAMP = "20261201-234149"


def _writer(dest, cpu_mark):
    w = TraceWriter(dest, n_cpus=1, tsc_khz=2_100_000, unique=True)
    w.emit(1000 + cpu_mark, 0, ev.TRACE_VM_EXIT, 30, cpu_mark)
    return w


def test_capture_names_are_the_stamp_then_dash_n():
    assert fmt.is_capture_name(STAMP) and fmt.is_capture_name(STAMP + "-2") and fmt.is_capture_name(STAMP + "-117")
    for name in ("2026120-234149", STAMP + "-", STAMP + "-x", "." + STAMP + ".12.ab.tmp", STAMP + "-2-3"):
        assert not fmt.is_capture_name(name)
    assert capture_label("out/nmi/%s-3" % STAMP) == "nmi"


def test_four_runs_of_one_second_into_one_folder_give_four_analyzable_captures(tmp_path, monkeypatch):
    monkeypatch.setattr(fmt, "capture_stamp", lambda when: STAMP)  # all four "in the same second"
    out = tmp_path / "out"
    paths = []
    for _ in range(4):
        res = CliRunner().invoke(main, ["run", "ept-flush", "--design", "nmi", "--trace", str(out), "--json"],
                                 prog_name="acrn-model")
        assert res.exit_code == 0, res.output
        paths.append(json.loads(res.stdout)["trace"])
    names = [STAMP, STAMP + "-2", STAMP + "-3", STAMP + "-4"]
    assert [os.path.basename(p) for p in paths] == names
    assert sorted(os.listdir(out)) == names  # no temporary folder left
    for name in names:
        res = CliRunner().invoke(main, ["analyze", str(out / name), "--report", "vm_exit", "--json"],
                                 prog_name="acrn-model")
        assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["analyze", str(out)], prog_name="acrn-model")
    assert res.exit_code == 2 and "holds 4 captures" in res.stderr and "overwrite" not in res.stderr


@pytest.mark.parametrize("renameat2", [True, False], ids=["renameat2", "mkdir-then-rename"])
def test_two_writers_racing_for_one_stamp_both_succeed_with_different_names(tmp_path, monkeypatch, renameat2):
    if not renameat2:
        monkeypatch.setattr(writer, "_renameat2", lambda: None)
    dest = tmp_path / STAMP
    writers = [_writer(dest, i) for i in range(2)]
    start = threading.Barrier(len(writers))
    got, errors = [], []

    def close(w):
        start.wait()
        try:
            got.append(w.close())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=close, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(p.name for p in got) == [STAMP, STAMP + "-2"]
    assert sorted(os.listdir(tmp_path)) == [STAMP, STAMP + "-2"]
    marks = sorted(int(reader.read_capture(p).files[0].records["f"][1]) for p in got)
    assert marks == [0, 1]  # each writer's own records, neither replaced by the other


@pytest.mark.parametrize("renameat2", [True, False], ids=["renameat2", "mkdir-then-rename"])
def test_the_rename_never_replaces_a_folder_even_an_empty_one(tmp_path, monkeypatch, renameat2):
    if not renameat2:
        monkeypatch.setattr(writer, "_renameat2", lambda: None)
    (tmp_path / STAMP).mkdir()  # e.g. reserved by another writer a moment ago
    (tmp_path / (STAMP + "-2")).mkdir()
    (tmp_path / (STAMP + "-2") / "0").write_bytes(b"")
    path = _writer(tmp_path / STAMP, 0).close()
    assert path == tmp_path / (STAMP + "-3")
    assert os.listdir(tmp_path / STAMP) == [] and os.listdir(tmp_path / (STAMP + "-2")) == ["0"]


def test_a_writer_without_unique_refuses_an_existing_folder_without_naming_python_parameters(tmp_path):
    TraceWriter(tmp_path / STAMP, n_cpus=1, tsc_khz=1000).close()
    with pytest.raises(FileExistsError) as err:
        TraceWriter(tmp_path / STAMP, n_cpus=1, tsc_khz=1000)
    assert "overwrite" not in str(err.value)
    with pytest.raises(ValueError):
        TraceWriter(tmp_path / "x", n_cpus=1, tsc_khz=1000, overwrite=True, unique=True)
