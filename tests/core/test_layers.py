"""The layers of DESIGN.md section 1: arch_x86 and engine import nothing of ACRN (neither in their .py
sources nor in the .pxd declarations the compiled modules cimport)."""
import ast
import os
import re

import pytest

import acrn

ROOT = os.path.dirname(acrn.__file__)
ALLOWED = {
    "arch_x86": ("acrn.arch_x86", "acrn.errors"),
    "engine": ("acrn.arch_x86", "acrn.engine", "acrn.errors"),
}


def imported_modules(path):
    with open(path) as f:
        text = f.read()
    if path.endswith(".pxd"):
        return set(re.findall(r"^\s*from\s+(acrn[\w.]*)\s+cimport", text, re.M)) | set(
            re.findall(r"^\s*cimport\s+(acrn[\w.]*)", text, re.M))
    names = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n == "acrn" or n.startswith("acrn.")}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_lower_layers_import_nothing_above_them(package):
    folder = os.path.join(ROOT, package)
    files = [f for f in os.listdir(folder) if f.endswith((".py", ".pxd"))]
    assert files
    for name in files:
        bad = {m for m in imported_modules(os.path.join(folder, name)) if not m.startswith(ALLOWED[package])}
        assert not bad, "acrn/%s/%s imports %s" % (package, name, ", ".join(sorted(bad)))
