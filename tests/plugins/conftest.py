"""Fixtures for the plugin tests: plugin modules written on the fly."""
import sys
import textwrap

import pytest


@pytest.fixture
def plugin_module(tmp_path, monkeypatch):
    """``plugin_module(name, source)``: write module ``name`` (dedented ``source``) where ``import name``
    finds it for this test only; returns ``name``.  Give each test its own module names."""
    monkeypatch.syspath_prepend(str(tmp_path))
    written = []

    def write(name, source):
        (tmp_path / (name + ".py")).write_text(textwrap.dedent(source))
        written.append(name)
        return name

    yield write
    for name in written:
        sys.modules.pop(name, None)
