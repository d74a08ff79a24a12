"""Plugin loading and the registry of everything plugins provide (pluggy, project ``acrn``).

Built-in behaviour is registered exactly like third-party plugins.  Third-party plugins are found
through the entry-point group ``acrn_model`` unless ``ACRN_MODEL_DISABLE_PLUGIN_AUTOLOAD=1``;
``-p module`` (or ``extra_modules``) loads one by name.
"""
import importlib
import os

import pluggy

from acrn import hookspecs
from acrn.errors import PluginError

BUILTIN_PLUGINS = (
    "acrn.plugins.designs",
    "acrn.plugins.schedulers",
    "acrn.plugins.workloads",
    "acrn.plugins.invariants",
)
AUTOLOAD_ENV = "ACRN_MODEL_DISABLE_PLUGIN_AUTOLOAD"
SETUP_HOOKS = ("acrn_register_designs", "acrn_register_schedulers", "acrn_register_exit_handlers",
               "acrn_register_nmi_sources", "acrn_register_workloads", "acrn_register_invariants")
RUNTIME_HOOKS = ("acrn_on_vmexit", "acrn_on_vmentry", "acrn_on_request", "acrn_on_nmi")


def get_plugin_manager(extra_modules=(), autoload=None):
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    if autoload is None:
        autoload = os.environ.get(AUTOLOAD_ENV, "") in ("", "0")
    if autoload:
        try:
            pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
        except Exception as exc:  # a broken third-party plugin must name itself
            raise PluginError(getattr(exc, "name", "entry point"), "load", str(exc)) from None
    for name in extra_modules:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise PluginError(name, "load", "cannot import: %s" % exc) from None
        if pm.get_plugin(name) is None:
            pm.register(module, name=name)
    return pm


class RuntimeHooks:
    """Calls the run-time observer hooks; created only when some plugin implements one."""

    def __init__(self, pm):
        self.pm = pm
        self.has = {h: bool(getattr(pm.hook, h).get_hookimpls()) for h in RUNTIME_HOOKS}
        self.time = 0

    def _call(self, name, **kw):
        hook = getattr(self.pm.hook, name)
        for impl in hook.get_hookimpls():
            try:
                impl.function(**{k: kw[k] for k in impl.argnames})
            except Exception as exc:
                raise PluginError(impl.plugin_name, name, "%s: %s" % (type(exc).__name__, exc), kw.get("time")) from None

    def vmexit(self, pcpu_id, vcpu, reason, time):
        if self.has["acrn_on_vmexit"]:
            self._call("acrn_on_vmexit", pcpu_id=pcpu_id, vcpu=vcpu, reason=reason, time=time)

    def vmentry(self, pcpu_id, vcpu, time):
        if self.has["acrn_on_vmentry"]:
            self._call("acrn_on_vmentry", pcpu_id=pcpu_id, vcpu=vcpu, time=time)

    def request(self, vcpu, bit, what, time):
        if self.has["acrn_on_request"]:
            self._call("acrn_on_request", vcpu=vcpu, bit=bit, what=what, time=time)

    def nmi(self, pcpu_id, sources, in_guest, time):
        if self.has["acrn_on_nmi"]:
            self._call("acrn_on_nmi", pcpu_id=pcpu_id, sources=sources, in_guest=in_guest, time=time)


class Registry:
    """The merged answers of the setup-time hooks, resolved once."""

    def __init__(self, pm):
        self.pm = pm
        tables = {}
        for hook_name in SETUP_HOOKS:
            merged, owner = {}, {}
            hook = getattr(pm.hook, hook_name)
            for impl in reversed(hook.get_hookimpls()):  # registration order
                try:
                    table = impl.function()
                except Exception as exc:
                    raise PluginError(impl.plugin_name, hook_name, "%s: %s" % (type(exc).__name__, exc)) from None
                if table is None:
                    continue
                if not isinstance(table, dict):
                    raise PluginError(impl.plugin_name, hook_name, "returned %s, expected a dict" % type(table).__name__)
                for key, value in table.items():
                    if key in merged:
                        raise PluginError(impl.plugin_name, hook_name, "%r is already registered by %s" % (key, owner[key]))
                    merged[key] = value
                    owner[key] = impl.plugin_name
            tables[hook_name] = merged
        self.designs = tables["acrn_register_designs"]
        self.schedulers = tables["acrn_register_schedulers"]
        self.exit_handlers = tables["acrn_register_exit_handlers"]
        self.nmi_sources = tables["acrn_register_nmi_sources"]
        self.guest_kinds = tables["acrn_register_workloads"]
        self.invariants = tables["acrn_register_invariants"]
        self._check_shapes()
        runtime = RuntimeHooks(pm)
        self.runtime_hooks = runtime if any(runtime.has.values()) else None

    def _check_shapes(self):
        from acrn.core.design import Design

        for name, design in self.designs.items():
            if not isinstance(design, Design):
                raise PluginError(self._owner("acrn_register_designs"), "acrn_register_designs",
                                  "design %r is a %s, expected acrn.core.design.Design" % (name, type(design).__name__))
        for name, inv in self.invariants.items():
            if not callable(getattr(inv, "check", None)):
                raise PluginError(self._owner("acrn_register_invariants"), "acrn_register_invariants",
                                  "invariant %r has no check(run) method" % name)
        for reason, entry in self.exit_handlers.items():
            if not (isinstance(reason, int) and isinstance(entry, tuple) and len(entry) == 3 and callable(entry[0])):
                raise PluginError(self._owner("acrn_register_exit_handlers"), "acrn_register_exit_handlers",
                                  "entry for %r must be (handler, step id, is_generator)" % (reason,))

    def _owner(self, hook_name):
        impls = getattr(self.pm.hook, hook_name).get_hookimpls()
        return impls[0].plugin_name if impls else "?"

    def plugin_table(self):
        """(plugin name, hooks it implements) for `acrn-model plugins`."""
        rows = []
        for name, plugin in self.pm.list_name_plugin():
            hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or [])
            rows.append((name, hooks))
        return rows


_DEFAULT = None


def default_registry():
    """The registry with built-ins and auto-loaded plugins (built once per process)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Registry(get_plugin_manager())
    return _DEFAULT
