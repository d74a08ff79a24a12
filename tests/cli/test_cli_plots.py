"""analyze --plot: design names in legends, microseconds with cycles on top, the bound, "no data", top vectors."""
import glob

import matplotlib
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from acrn.cli import main
from acrn.trace.plots import TOP_VECTORS, capture_label, plot_report, top_vectors


@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    root = tmp_path_factory.mktemp("plots")
    out = {}
    for design in ("nmi-nowindow", "nmi"):
        r = CliRunner().invoke(main, ["run", "ept-flush", "--design", design, "--trace", str(root / design)])
        assert r.exit_code in (0, 1), r.output
        out[design] = glob.glob(str(root / design / "*"))[0]
    return out


def _svg_text(path):
    return open(path, encoding="utf-8").read()


@pytest.fixture(autouse=True)
def svg_text_as_text():
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text in the SVG, so tests can read it
        yield


def test_capture_label_is_the_design_folder():
    assert capture_label("out/demo/nmi/20261201-221736") == "nmi"
    assert capture_label("/tmp/cap/acrntrace-real") == "acrntrace-real"
    assert capture_label("out/demo/nmi/20261201-221736/2") == "2"


def test_latency_plot_names_designs_draws_the_bound_and_both_axes(captures, tmp_path):
    out = tmp_path / "lat.svg"
    r = CliRunner().invoke(main, ["analyze", captures["nmi-nowindow"], "--report", "latency", "--compare",
                                  captures["nmi"], "--plot", str(out), "--quiet", "--bound-us", "12.5"])
    assert r.exit_code == 0, r.output
    assert r.stdout == ""  # --quiet: only the file
    svg = _svg_text(out)
    assert "nmi-nowindow: " in svg and "nmi: " in svg and captures["nmi"] not in svg
    assert "request-latency bound (12.5 us)" in svg
    assert "microseconds (log2 buckets)" in svg and "cycles (TSC 2100 MHz)" in svg


def test_labels_override_and_are_checked(captures, tmp_path):
    out = tmp_path / "x.svg"
    r = CliRunner().invoke(main, ["analyze", captures["nmi"], "--plot", str(out), "--label", "after", "-q"])
    assert r.exit_code == 0 and "after" in _svg_text(out)
    r = CliRunner().invoke(main, ["analyze", captures["nmi"], "--plot", str(out), "--label", "a", "--label", "b"])
    assert r.exit_code == 2 and "--label" in r.output


def test_quiet_needs_an_output_file(captures):
    r = CliRunner().invoke(main, ["analyze", captures["nmi"], "--quiet"])
    assert r.exit_code == 2 and "--quiet needs --csv or --plot" in r.output


@pytest.mark.parametrize("kind, data", [
    ("latency", {"tsc_mhz": 2100.0, "exits": [], "kicks": [{"mode": "NMI", "histogram": []}], "requests": []}),
    ("vm_exit", {"all": {"rows": []}}),
    ("irq", {"all": {"rows": []}}),
    ("cpu_usage", {"pcpus": []}),
])
def test_empty_panels_say_no_data(kind, data, tmp_path):
    out = tmp_path / (kind + ".svg")
    plot_report(kind, [("nmi", data)], out)
    assert "no data" in _svg_text(out)


def test_irq_plot_shows_the_top_vectors_and_groups_the_rest(tmp_path):
    rows = [{"vector": v, "count": v} for v in range(32, 227)]  # 195 vectors, the busiest at the top
    labels, series = top_vectors([("a", {"all": {"rows": rows}})])
    assert labels[0] == "0xe2" and labels[-1] == "other (%d vectors)" % (195 - TOP_VECTORS)
    assert len(labels) == TOP_VECTORS + 1 and sum(series[0][1]) == sum(r["count"] for r in rows)
    out = tmp_path / "irq.svg"
    plot_report("irq", [("a", {"all": {"rows": rows}})], out)
    svg = _svg_text(out)
    assert "other (183 vectors)" in svg and "0x20" not in svg


@settings(max_examples=30, deadline=None)
@given(st.lists(st.dictionaries(st.integers(0, 255), st.integers(1, 10 ** 6), max_size=40), min_size=1, max_size=2))
def test_top_vectors_keeps_every_count(per_capture):
    reports = [("c%d" % i, {"all": {"rows": [{"vector": v, "count": n} for v, n in d.items()]}})
               for i, d in enumerate(per_capture)]
    labels, series = top_vectors(reports)
    vectors = set().union(*per_capture)
    assert len(labels) == min(len(vectors), TOP_VECTORS) + (len(vectors) > TOP_VECTORS)
    for (_, values), counts in zip(series, per_capture):
        assert sum(values) == sum(counts.values()) and len(values) == len(labels)
