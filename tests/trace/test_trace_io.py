"""TraceWriter / write_capture / the reader."""
import os

import numpy as np
import pytest

from acrn.trace import events as ev
from acrn.trace import format as fmt
from acrn.trace import reader, writer
from acrn.trace.writer import TraceWriter


def _listing(folder):
    return sorted(os.listdir(folder))


def test_writer_writes_acrntrace_layout(tmp_path):
    out = tmp_path / "acrntrace" / "20240101-120000"
    with TraceWriter(out, n_cpus=2, tsc_khz=2_100_000) as w:
        w.emit(1000, 1, ev.TRACE_VM_EXIT, 30, 0xFFFFFFFF81000000)
        w.emit(1100, 1, ev.TRACE_VM_ENTER)
        w.emit(1200, 0, ev.KICK_SENT, *ev.pack_4i(1, ev.KICK_NMI, 0))
    assert _listing(out) == ["0", "1"]
    assert _listing(out.parent) == ["20240101-120000"]  # no temporary folder left
    assert os.path.getsize(out / "1") == 3 * 32
    cap = reader.read_capture(out)
    assert cap.cpus == [0, 1] and cap.warnings == []
    r1 = cap.files[1].records
    # first record: MODEL_TSC_FREQ stamped with the pCPU's first TSC
    assert r1["tsc"].tolist() == [1000, 1000, 1100]
    assert (r1["id"] & fmt.ID_MASK).tolist() == [ev.MODEL_TSC_FREQ, ev.TRACE_VM_EXIT, ev.TRACE_VM_ENTER]
    assert r1["e"].tolist() == [2_100_000, 30, 0] and int(r1["f"][1]) == 0xFFFFFFFF81000000
    assert ((r1["id"] >> fmt.CPU_SHIFT) == 1).all()
    assert ((r1["id"] >> fmt.N_DATA_SHIFT) & 0xFF).tolist() == [2, 2, 2]
    r0 = cap.files[0].records
    assert int(r0["id"][1]) >> fmt.N_DATA_SHIFT & 0xFF == ev.PAYLOAD_4I
    assert ev.unpack_4i(int(r0["e"][1]), int(r0["f"][1])) == (1, ev.KICK_NMI, 0, 0)


def test_writer_flushes_in_chunks_and_keeps_order(tmp_path):
    out = tmp_path / "cap"
    n = writer.FLUSH_RECORDS * 2 + 5
    with TraceWriter(out, n_cpus=1, tsc_khz=1000) as w:
        for i in range(n):
            w.emit(10 + i, 0, ev.TRACE_CUSTOM, i, 2 * i)
    rec = reader.read_capture(out).files[0].records
    assert len(rec) == n + 1
    assert rec["tsc"][1:].tolist() == list(range(10, 10 + n))
    assert rec["f"][1:].tolist() == [2 * i for i in range(n)]


def test_writer_cpu_without_records_still_states_the_frequency(tmp_path):
    out = tmp_path / "cap"
    TraceWriter(out, n_cpus=2, tsc_khz=1234).close()
    cap = reader.read_capture(out)
    for tf in cap.files:
        assert tf.records.tolist() == [(0, fmt.pack_id(ev.MODEL_TSC_FREQ, 2, tf.cpu), 1234, 0)]


def test_writer_leaves_nothing_on_error(tmp_path):
    out = tmp_path / "acrntrace" / "cap"
    with pytest.raises(RuntimeError):
        with TraceWriter(out, n_cpus=2, tsc_khz=1000) as w:
            w.emit(1, 0, ev.TRACE_VM_EXIT, 1, 0)
            raise RuntimeError("engine failed")
    assert _listing(out.parent) == []


def test_writer_rejects_bad_values_without_leaving_files(tmp_path):
    out = tmp_path / "cap"
    w = TraceWriter(out, n_cpus=2, tsc_khz=1000)
    with pytest.raises(ValueError, match="cpu 2 out of range"):
        w.emit(1, 2, ev.TRACE_VM_EXIT)
    with pytest.raises(ValueError, match="cpu -1 out of range"):
        w.emit(1, -1, ev.TRACE_VM_EXIT)
    with pytest.raises(ValueError, match="does not fit in 48 bits"):
        w.emit(1, 0, 1 << 48)
    w.emit(-5, 0, ev.TRACE_VM_EXIT)  # not a u64: found when the chunk is written
    with pytest.raises(ValueError, match="tsc=-5"):
        w.close()
    assert _listing(tmp_path) == []


def test_writer_refuses_to_overwrite_unless_asked(tmp_path):
    out = tmp_path / "cap"
    TraceWriter(out, n_cpus=1, tsc_khz=1000).close()
    with pytest.raises(FileExistsError):
        TraceWriter(out, n_cpus=1, tsc_khz=1000)
    w = TraceWriter(out, n_cpus=3, tsc_khz=2000, overwrite=True)
    w.emit(5, 2, ev.TRACE_VM_ENTER)
    w.close()
    assert _listing(out) == ["0", "1", "2"]
    assert _listing(tmp_path) == ["cap"]


def test_writer_dropped_without_close_removes_its_temp_folder(tmp_path):
    import gc

    w = TraceWriter(tmp_path / "cap", n_cpus=1, tsc_khz=1000)
    w.emit(1, 0, ev.TRACE_VM_EXIT)
    del w
    gc.collect()
    assert _listing(tmp_path) == []


def test_write_capture_tuples_and_arrays(tmp_path):
    raw = np.array([(5, 0xDEAD, 1, 2)], fmt.RECORD_DTYPE)  # verbatim, cpu bits and all
    out = writer.write_capture(tmp_path / "cap", [[(10, ev.TRACE_VM_EXIT, 12, 0)], raw], tsc_khz=None)
    cap = reader.read_capture(out)
    assert cap.files[0].records.tolist() == [(10, fmt.pack_id(ev.TRACE_VM_EXIT, 2, 0), 12, 0)]
    assert cap.files[1].records.tolist() == [(5, 0xDEAD, 1, 2)]


def test_reader_trailing_partial_record_is_skipped_with_a_warning(tmp_path):
    out = writer.write_capture(tmp_path / "cap", [[(10, ev.TRACE_VM_EXIT, 12, 0)]], tsc_khz=None)
    with open(out / "0", "ab") as f:
        f.write(b"\x01\x02\x03\x04\x05")
    cap = reader.read_capture(out)
    assert cap.files[0].n_records == 1 and cap.files[0].skipped_bytes == 5
    assert cap.warnings == ["%s: skipped a trailing partial record (5 of 32 bytes)" % (out / "0")]


def test_reader_empty_file_and_single_file(tmp_path):
    (tmp_path / "3").write_bytes(b"")
    cap = reader.read_capture(tmp_path / "3")
    assert cap.cpus == [3] and cap.files[0].n_records == 0 and cap.files[0].records.dtype == fmt.RECORD_DTYPE
    # a file not named by its pCPU takes the cpu field of its first record
    rec = np.array([(1, fmt.pack_id(0x10, 2, 5), 0, 0)], fmt.RECORD_DTYPE)
    rec.tofile(tmp_path / "trace.bin")
    assert reader.read_capture(tmp_path / "trace.bin").cpus == [5]


def test_reader_finds_the_capture_in_an_acrntrace_root(tmp_path):
    writer.write_capture(tmp_path / "acrntrace" / "20240101-000000", [[]], tsc_khz=1000)
    cap = reader.read_capture(tmp_path / "acrntrace")
    assert cap.path == tmp_path / "acrntrace" / "20240101-000000"
    writer.write_capture(tmp_path / "acrntrace" / "20240102-000000", [[]], tsc_khz=1000)
    with pytest.raises(reader.CaptureError, match="holds 2 captures .*20240101-000000, 20240102-000000"):
        reader.read_capture(tmp_path / "acrntrace")


def test_reader_errors_name_the_path(tmp_path):
    with pytest.raises(reader.CaptureError, match="no-such: no such file or folder"):
        reader.read_capture(tmp_path / "no-such")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "README").write_text("hello")
    with pytest.raises(reader.CaptureError, match="notes: not an acrntrace capture"):
        reader.read_capture(tmp_path / "notes")


def test_reader_ignores_and_reports_other_files(tmp_path):
    out = writer.write_capture(tmp_path / "cap", [[], []], tsc_khz=1000)
    (out / "notes.txt").write_text("x")
    cap = reader.read_capture(out)
    assert cap.cpus == [0, 1]
    assert cap.warnings == ["%s: ignored 1 entries that are not pCPU files (notes.txt)" % out]


def test_reader_maps_files_read_only(tmp_path):
    out = writer.write_capture(tmp_path / "cap", [[(1, ev.TRACE_VM_EXIT, 0, 0)] * 4], tsc_khz=None)
    rec = reader.read_capture(out).files[0].records
    assert not rec.flags.writeable
