"""The constants that are C enums when compiled (``cpdef enum`` blocks of a .pxd) have the same values as
the .py file gives them interpreted: one set of values whichever way the model runs."""
import ast
import importlib
import os
import re

import pytest

import acrn

ROOT = os.path.dirname(acrn.__file__)
ENUM_MODULES = ("acrn.engine.sim", "acrn.arch_x86.pcpu", "acrn.guest.guest")


def pxd_enums(module):
    """{name: value} of every ``cpdef enum:`` block of the module's .pxd."""
    text = open(os.path.join(ROOT, *module.split(".")[1:]) + ".pxd").read()
    out = {}
    for block in re.findall(r"^cpdef enum:\n((?:    .*\n)+)", text, re.M):
        for name, value in re.findall(r"^    (\w+) = (\S+)", block, re.M):
            out[name] = int(value, 0)
    return out


def py_values(module):
    """{name: value} of the plain integer assignments in the module's .py (at any depth of the module body)."""
    tree = ast.parse(open(os.path.join(ROOT, *module.split(".")[1:]) + ".py").read())
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Constant) and type(node.value.value) is int:
            out[node.targets[0].id] = node.value.value
    return out


@pytest.mark.parametrize("module", ENUM_MODULES)
def test_pxd_enums_equal_the_py_values(module):
    enums = pxd_enums(module)
    assert enums, module
    values = py_values(module)
    assert {name: values.get(name) for name in enums} == enums
    mod = importlib.import_module(module)
    assert {name: getattr(mod, name) for name in enums} == enums  # what the running mode exports
