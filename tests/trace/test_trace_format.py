"""The record layout and the event table."""
import numpy as np

from acrn.arch_x86 import consts as c
from acrn.trace import events as ev
from acrn.trace import format as fmt


def test_record_layout_is_acrns_trace_entry():
    assert fmt.RECORD_DTYPE.itemsize == 32
    assert fmt.RECORD_DTYPE.names == ("tsc", "id", "e", "f")
    assert [fmt.RECORD_DTYPE.fields[n][1] for n in fmt.RECORD_DTYPE.names] == [0, 8, 16, 24]
    assert all(fmt.RECORD_DTYPE.fields[n][0] == np.dtype("<u8") for n in fmt.RECORD_DTYPE.names)
    word = fmt.pack_id(0x10, 2, 3)
    assert word == 0x10 | (2 << 48) | (3 << 56)
    raw = np.array([(7, word, 30, 0xFFFFFFFF81000000)], fmt.RECORD_DTYPE).tobytes()
    # little-endian u64s: tsc, then id(48)/n_data(8)/cpu(8), then the payload
    assert raw[:8] == (7).to_bytes(8, "little")
    assert raw[8:14] == (0x10).to_bytes(6, "little") and raw[14] == 2 and raw[15] == 3
    assert raw[16:24] == (30).to_bytes(8, "little")


def test_pack_id_rejects_out_of_range():
    import pytest

    with pytest.raises(ValueError):
        fmt.pack_id(1 << 48, 2, 0)
    with pytest.raises(ValueError):
        fmt.pack_id(0x10, 2, 256)


def test_words_view_is_int64_columns():
    rec = np.array([(1, 2, 3, 4), (5, 6, 7, 8)], fmt.RECORD_DTYPE)
    w = fmt.words(rec)
    assert w.shape == (2, 4) and w.dtype == np.int64
    assert w.tolist() == [[1, 2, 3, 4], [5, 6, 7, 8]]


def test_capture_naming_follows_acrntrace():
    import datetime

    when = datetime.datetime(2021, 10, 27, 10, 16, 5)
    assert fmt.capture_stamp(when) == "20211027-101605"
    assert str(fmt.default_capture_dir("acrntrace", when)) == "acrntrace/20211027-101605"
    assert fmt.is_cpu_file_name("0") and fmt.is_cpu_file_name("12") and not fmt.is_cpu_file_name("cpu0")


def test_acrn_ids_as_trace_h_defines_them():
    assert (ev.TRACE_VM_EXIT, ev.TRACE_VM_ENTER, ev.TRACE_SCHED_NEXT) == (0x10, 0x11, 0x20)
    assert (ev.TRACE_TIMER_ACTION_ADDED, ev.TRACE_TIMER_ACTION_PCKUP) == (1, 2)
    assert ev.TRACE_VMEXIT_UNHANDLED == 0x20000
    # ACRN's index is not always the SDM reason
    assert ev.TRACE_VMEXIT_INTERRUPT_WINDOW == 0x10002
    assert ev.BY_ID[0x10002].exit_reason == c.VMX_EXIT_REASON_INTERRUPT_WINDOW == 7
    assert ev.BY_ID[0x10004].exit_reason == c.VMX_EXIT_REASON_CPUID == 10
    assert ev.BY_ID[0x10039].exit_reason == c.VMX_EXIT_REASON_APIC_ACCESS == 44
    assert ev.BY_ID[0x1003A].exit_reason == c.VMX_EXIT_REASON_VIRTUALIZED_EOI == 45
    assert ev.BY_ID[0x1001E].exit_reason == c.VMX_EXIT_REASON_IO_INSTRUCTION == 30
    assert ev.EXIT_REASON_HANDLER[7] == 0x10002


def test_every_handler_reason_is_an_sdm_reason():
    for event_id, reason in ev.HANDLER_EXIT_REASON.items():
        assert reason in c.EXIT_REASONS, hex(event_id)


def test_acrnalyze_row_order_and_labels():
    labels = [ev.report_label(i) for i in ev.ACRNALYZE_VMEXIT_IDS]
    assert labels == [
        "VMEXIT_EXCEPTION_OR_NMI", "VMEXIT_EXTERNAL_INTERRUPT", "VMEXIT_INTERRUPT_WINDOW", "VMEXIT_CPUID",
        "VMEXIT_RDTSC", "VMEXIT_VMCALL", "VMEXIT_CR_ACCESS", "VMEXIT_IO_INSTRUCTION", "VMEXIT_RDMSR",
        "VMEXIT_WRMSR", "VMEXIT_EPT_VIOLATION", "VMEXIT_EPT_MISCONFIGURATION", "VMEXIT_RDTSCP",
        "VMEXIT_APICV_WRITE", "VMEXIT_APICV_ACCESS", "VMEXIT_APICV_VIRT_EOI", "VMEXIT_UNHANDLED"]
    assert ev.exit_reason_label(44) == "VMEXIT_APICV_ACCESS"
    assert ev.exit_reason_label(12) == "VMEXIT_HLT"
    assert ev.exit_reason_label(8) == "VMEXIT_NMI_WINDOW"
    assert ev.exit_reason_label(200) == "VMEXIT_UNKNOWN_200"


def test_model_ids_live_in_the_custom_family_and_never_collide():
    model = [e for e in ev.EVENTS if e.origin == "model"]
    assert {e.name for e in model} >= {"MODEL_TSC_FREQ", "KICK_SENT", "REQUEST_MADE", "REQUEST_HANDLED",
                                       "NMI_LATCHED", "NMI_WINDOW_ARMED", "GUEST_INTERRUPT", "VCPU_RUN",
                                       "INVARIANT_VIOLATION"}
    for e in model:
        assert e.id >> 16 == ev.TRACE_CUSTOM and e.id < 1 << 32 and e.doc
    assert len({e.id for e in ev.EVENTS}) == len(ev.EVENTS)
    assert ev.GUEST_NMI_VECTOR == 0x102
    assert ev.KICK_MODES == {0: "IPI", 1: "NMI", 2: "INIT"}


def test_payload_helpers_round_trip():
    e, f = ev.pack_4i(1, 2, 3, 4)
    assert (e, f) == (1 | 2 << 32, 3 | 4 << 32)
    assert ev.unpack_4i(e, f) == (1, 2, 3, 4)
    e, f = ev.sched_payload("vm1:", "idle")
    assert ev.sched_names(e, f) == ("vm1:", "idle")
    assert e.to_bytes(8, "little") == b"vm1:idle"


def test_markdown_table_lists_every_event():
    table = ev.table_markdown()
    for e in ev.EVENTS:
        assert "| 0x%X | %s |" % (e.id, e.name) in table


def test_docs_event_table_is_generated_from_events_py():
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "trace.md"
    assert ev.table_markdown() in doc.read_text(), "regenerate the table in docs/trace.md from table_markdown()"
