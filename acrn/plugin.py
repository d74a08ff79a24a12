"""Plugin loading and the registry of everything plugins provide (pluggy, project ``acrn``).

Built-in behaviour is registered exactly like third-party plugins (``BUILTIN_PLUGINS``).  Third-party
plugins are found through the entry-point group ``acrn_model`` unless
``ACRN_MODEL_DISABLE_PLUGIN_AUTOLOAD=1``; ``-p module`` (or ``extra_modules``) loads one by name.

``Registry`` calls the setup-time hooks once, merges their tables and checks every entry's shape.  What
a third-party plugin hands the model (exit handlers, schedulers) is wrapped so that an exception inside
it, or a wrong return value, stops the run with a ``PluginError`` naming the plugin, the hook and the
simulated time; built-in entries are used as they are (an error there is a bug of the model).
``RuntimeHooks`` calls the run-time observers; the engine gets one only when a plugin implements one.

Every call into a plugin goes through ``call_plugin``: a plugin raising anything (``SystemExit``
included) becomes a ``PluginError``, and with ``set_plugin_timeout(seconds)`` (the CLI's
``--plugin-timeout``) a call that does not return in time is stopped by SIGALRM (main thread only) and
named the same way.  Observers get read-only views of the model's objects (``ReadOnlyView``); an
invariant's ``check`` must return a list of ``acrn.engine.result.Violation``; an NMI source's scheduled
events are guarded like its ``install``.
"""
import importlib
import os
import signal
import threading
import time
import types

import pluggy

from acrn import hookspecs
from acrn.errors import PluginError

BUILTIN_PLUGINS = (
    "acrn.plugins.designs",
    "acrn.plugins.schedulers",
    "acrn.plugins.workloads",
    "acrn.plugins.invariants",
    "acrn.plugins.nmi_sources",
)
AUTOLOAD_ENV = "ACRN_MODEL_DISABLE_PLUGIN_AUTOLOAD"
SETUP_HOOKS = ("acrn_register_designs", "acrn_register_schedulers", "acrn_register_exit_handlers",
               "acrn_register_nmi_sources", "acrn_register_workloads", "acrn_register_invariants")
RUNTIME_HOOKS = ("acrn_on_vmexit", "acrn_on_vmentry", "acrn_on_request", "acrn_on_nmi")
SCHEDULER_OPS = ("init", "init_data", "pick_next", "sleep", "wake", "tick", "deinit_data")


DEFAULT_PLUGIN_TIMEOUT_S = 60.0  # the CLI's --plugin-timeout default; the library default is no bound


def _describe(exc):
    """``Type: message`` of a plugin's exception, its message cut to one readable line."""
    try:
        text = " ".join(str(exc).split())
    except Exception:  # a plugin's exception whose __str__ raises
        text = "(unprintable)"
    return "%s: %s" % (type(exc).__name__, text if len(text) <= 300 else text[:297] + "...")


# ---- every call into a plugin ---------------------------------------------------------------------------
class PluginTimeout(BaseException):
    """Raised by SIGALRM inside a plugin call that overran the timeout (a BaseException, so that a
    plugin's ``except Exception`` cannot swallow it)."""


_monotonic = time.monotonic
_get_ident = threading.get_ident
_timeout = None  # seconds, or None: no bound
_started = 0.0  # time.monotonic() when the outermost plugin call of the main thread began; 0.0 outside one
_MAIN_THREAD = threading.main_thread().ident
_watchdog = None


def _on_alarm(signum, frame):
    if _started and _timeout is not None and time.monotonic() - _started >= _timeout:
        raise PluginTimeout()


def _watch():
    """The watchdog thread: signals the main thread when its current plugin call has overrun."""
    while True:
        timeout = _timeout
        time.sleep(min(timeout / 10, 0.25) if timeout else 0.25)
        started = _started
        if started and timeout and time.monotonic() - started >= timeout:
            signal.pthread_kill(_MAIN_THREAD, signal.SIGALRM)


def set_plugin_timeout(seconds):
    """Bound every later plugin call (of the main thread) to ``seconds`` of wall-clock time (None or 0:
    no bound).  A watchdog thread checks the call in progress and interrupts it with SIGALRM."""
    global _timeout, _watchdog
    from acrn.host.hookcall import set_timed

    _timeout = seconds or None
    set_timed(_timeout is not None)
    if _timeout is not None and threading.get_ident() == _MAIN_THREAD:
        signal.signal(signal.SIGALRM, _on_alarm)
        if _watchdog is None:
            _watchdog = threading.Thread(target=_watch, name="acrn-plugin-timeout", daemon=True)
            _watchdog.start()


def call_plugin(plugin, hook, what, fn, *args, time=None):
    """``fn(*args)``, a call into plugin ``plugin`` through ``hook``: anything it raises (but a
    PluginError, or the user's KeyboardInterrupt) and an overrun of the timeout become a PluginError
    "plugin P, hook H [at t]: WHAT: ..."; ``time`` is the simulated time or a callable giving it."""
    global _started
    timed = _timeout is not None and not _started and _get_ident() == _MAIN_THREAD
    if timed:
        _started = _monotonic()
    try:
        return fn(*args)
    except PluginError:
        raise
    except (Exception, SystemExit, PluginTimeout) as exc:
        raise _failed(plugin, hook, what, exc, time) from None
    finally:
        if timed:
            _started = 0.0


def _failed(plugin, hook, what, exc, time):
    prefix = what + ": " if what else ""
    if isinstance(exc, PluginTimeout):
        message = "%sdid not return within %g s (--plugin-timeout)" % (prefix, _timeout)
    else:
        message = prefix + _describe(exc)
    return PluginError(plugin, hook, message, time() if callable(time) else time)


def autoload_enabled():
    """False when ``ACRN_MODEL_DISABLE_PLUGIN_AUTOLOAD`` is set to anything but "" or "0"."""
    return os.environ.get(AUTOLOAD_ENV, "") in ("", "0")


def _register(pm, plugin, name, origin):
    if pm.is_registered(plugin) or pm.has_plugin(name):
        return
    try:
        pm.register(plugin, name=name)
    except Exception as exc:  # pluggy.PluginValidationError: a hookimpl whose arguments the spec lacks
        raise PluginError(name, "register", _describe(exc)) from None
    pm.acrn_origins[name] = origin


def _load_entry_points(pm):
    """pluggy's load_setuptools_entrypoints, but an entry point that fails to load is named."""
    import importlib.metadata  # here: its import is slow, and most commands load no plugin

    for dist in list(importlib.metadata.distributions()):
        for ep in dist.entry_points:
            if ep.group != hookspecs.ENTRY_POINT_GROUP or pm.has_plugin(ep.name) or pm.is_blocked(ep.name):
                continue
            dist_name = "%s %s" % (dist.metadata["Name"], dist.version)
            plugin = call_plugin(ep.name, "load", "entry point %s of %s" % (ep.value, dist_name), ep.load)
            _register(pm, plugin, ep.name, "entry point (%s)" % dist_name)


def get_plugin_manager(extra_modules=(), autoload=None):
    """A plugin manager with the built-ins, the entry-point plugins (unless ``autoload`` is False, or None
    and the environment disables it) and the ``extra_modules`` (``-p``), in that order.

    ``pm.acrn_origins`` maps each plugin name to where it came from."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.acrn_origins = {}
    for name in BUILTIN_PLUGINS:
        _register(pm, importlib.import_module(name), name, "built-in")
    if autoload is None:
        autoload = autoload_enabled()
    if autoload:
        _load_entry_points(pm)
    for name in extra_modules:
        module = call_plugin(name, "load", "cannot import", importlib.import_module, name)
        _register(pm, module, name, "-p")
    for name, plugin in pm.list_name_plugin():
        for caller in pm.get_hookcallers(plugin) or ():
            if not caller.has_spec():  # a misspelt hook would silently never be called
                raise PluginError(name, caller.name, "no such hook (known: %s)" % ", ".join(SETUP_HOOKS + RUNTIME_HOOKS))
    return pm


# ---- run-time observers ------------------------------------------------------------------------------
class ReadOnlyView:
    """What an observer sees of one of the model's objects: every attribute readable (the model's objects
    it reaches are views too, its lists tuples of views), none settable.  Setting or deleting one is a
    PluginError naming the plugin and the hook: observers watch, they must not change the run."""

    __slots__ = ("_acrn_target", "_acrn_plugin", "_acrn_hook")

    def __init__(self, target, plugin, hook):
        object.__setattr__(self, "_acrn_target", target)
        object.__setattr__(self, "_acrn_plugin", plugin)
        object.__setattr__(self, "_acrn_hook", hook)

    def __getattr__(self, name):
        return _view(getattr(self._acrn_target, name), self._acrn_plugin, self._acrn_hook)

    def __setattr__(self, name, value):
        raise PluginError(self._acrn_plugin, self._acrn_hook, "set %s.%s: observers must not change the model's "
                          "objects" % (type(self._acrn_target).__name__, name))

    def __delattr__(self, name):
        raise PluginError(self._acrn_plugin, self._acrn_hook, "deleted %s.%s: observers must not change the "
                          "model's objects" % (type(self._acrn_target).__name__, name))

    def __eq__(self, other):
        return self._acrn_target is (other._acrn_target if isinstance(other, ReadOnlyView) else other)

    def __hash__(self):
        return id(self._acrn_target)

    def __repr__(self):
        return repr(self._acrn_target)


def _view(value, plugin, hook):
    if isinstance(value, list):
        return tuple(_view(v, plugin, hook) for v in value)
    if isinstance(value, dict):
        return types.MappingProxyType(value)
    if type(value).__module__.startswith("acrn.") and not callable(value):
        return ReadOnlyView(value, plugin, hook)
    return value


VIEW_CACHE = 256  # vCPU views kept between observer calls


class RuntimeHooks:
    """Calls the run-time observers; the engine gets one only when some plugin implements one.

    The implementations are looked up once: each call is a loop over a prepared list (empty for a hook
    nobody implements).  An observer that raises, overruns the plugin timeout, returns something other
    than None, or sets an attribute of the vCPU view it gets, stops the run with a ``PluginError`` naming
    the plugin, the hook and the simulated time."""

    def __init__(self, pm):
        self.pm = pm
        self.impls = {}
        for hook_name in RUNTIME_HOOKS:
            caller = getattr(pm.hook, hook_name)
            spec_args = tuple(caller.spec.argnames)
            prepared = []
            for impl in caller.get_hookimpls():  # registration order (pluggy itself calls them LIFO)
                # (plugin, function, its vCPU views: id(vCPU) -> ReadOnlyView, which keeps the vCPU alive)
                prepared.append((impl.plugin_name, _positional(impl.function, tuple(impl.argnames), spec_args), {}))
            self.impls[hook_name] = prepared
        self.has = {h: bool(v) for h, v in self.impls.items()}
        self._vmexit = self.impls["acrn_on_vmexit"]
        self._vmentry = self.impls["acrn_on_vmentry"]
        self._request = self.impls["acrn_on_request"]
        self._nmi = self.impls["acrn_on_nmi"]
        # the engine calls these: compiled loops while no plugin timeout is set, else the *_timed ones below
        from acrn.host.hookcall import HookCalls

        self.calls = calls = HookCalls(self)
        self.vmexit, self.vmentry, self.request, self.nmi = calls.vmexit, calls.vmentry, calls.request, calls.nmi

    @staticmethod
    def _view(views, plugin, hook, vcpu):
        if vcpu is None:
            return None
        if len(views) >= VIEW_CACHE:  # the registry outlives runs: keep no old run alive
            views.clear()
        view = views[id(vcpu)] = ReadOnlyView(vcpu, plugin, hook)
        return view

    @staticmethod
    def _returned(plugin, hook, time, result):
        return PluginError(plugin, hook, "returned %s: observers must return None" % _short(result), time)

    # The loops below run the observers under the plugin timeout: each has call_plugin's body inline
    # (a Python call less per observer call), the same four times.
    def vmexit_timed(self, pcpu_id, vcpu, reason, time):
        global _started
        hook = "acrn_on_vmexit"
        for plugin, fn, views in self._vmexit:
            view = views.get(id(vcpu)) or self._view(views, plugin, hook, vcpu)
            timed = _timeout is not None and not _started and _get_ident() == _MAIN_THREAD
            if timed:
                _started = _monotonic()
            try:
                result = fn(pcpu_id, view, reason, time)
            except PluginError:
                raise
            except (Exception, SystemExit, PluginTimeout) as exc:
                raise _failed(plugin, hook, "", exc, time) from None
            finally:
                if timed:
                    _started = 0.0
            if result is not None:
                raise self._returned(plugin, hook, time, result)

    def vmentry_timed(self, pcpu_id, vcpu, time):
        global _started
        hook = "acrn_on_vmentry"
        for plugin, fn, views in self._vmentry:
            view = views.get(id(vcpu)) or self._view(views, plugin, hook, vcpu)
            timed = _timeout is not None and not _started and _get_ident() == _MAIN_THREAD
            if timed:
                _started = _monotonic()
            try:
                result = fn(pcpu_id, view, time)
            except PluginError:
                raise
            except (Exception, SystemExit, PluginTimeout) as exc:
                raise _failed(plugin, hook, "", exc, time) from None
            finally:
                if timed:
                    _started = 0.0
            if result is not None:
                raise self._returned(plugin, hook, time, result)

    def request_timed(self, vcpu, bit, what, time):
        global _started
        hook = "acrn_on_request"
        for plugin, fn, views in self._request:
            view = views.get(id(vcpu)) or self._view(views, plugin, hook, vcpu)
            timed = _timeout is not None and not _started and _get_ident() == _MAIN_THREAD
            if timed:
                _started = _monotonic()
            try:
                result = fn(view, bit, what, time)
            except PluginError:
                raise
            except (Exception, SystemExit, PluginTimeout) as exc:
                raise _failed(plugin, hook, "", exc, time) from None
            finally:
                if timed:
                    _started = 0.0
            if result is not None:
                raise self._returned(plugin, hook, time, result)

    def nmi_timed(self, pcpu_id, sources, in_guest, time):
        global _started
        hook = "acrn_on_nmi"
        for plugin, fn, _ in self._nmi:
            timed = _timeout is not None and not _started and _get_ident() == _MAIN_THREAD
            if timed:
                _started = _monotonic()
            try:
                result = fn(pcpu_id, sources, in_guest, time)
            except PluginError:
                raise
            except (Exception, SystemExit, PluginTimeout) as exc:
                raise _failed(plugin, hook, "", exc, time) from None
            finally:
                if timed:
                    _started = 0.0
            if result is not None:
                raise self._returned(plugin, hook, time, result)


def _short(value):
    text = repr(value) if not isinstance(value, int) or value.bit_length() <= 64 else "an int of %d bits" % value.bit_length()
    return text if len(text) <= 60 else text[:57] + "..."


def _positional(function, argnames, spec_args):
    """``function`` callable with the spec's arguments in order (pluggy lets an implementation take any
    subset of them, by name)."""
    if argnames == spec_args:
        return function
    index = tuple(spec_args.index(a) for a in argnames)

    def call(*args):
        return function(*[args[i] for i in index])
    return call


# ---- guards for what third-party plugins hand the model -------------------------------------------------
def _resume(gen):
    """One step of a generator: (False, what it yielded) or (True, what it returned)."""
    try:
        return False, next(gen)
    except StopIteration as stop:
        return True, stop.value


def guard_exit_handler(plugin, reason, handler, is_generator):
    """Wrap a plugin's exit handler: an exception, a non-int status or a bad yield becomes a PluginError."""
    from acrn.engine.cost import N_STEPS
    from acrn.engine.ops import OP_SWITCH, OP_WAIT, OP_WAIT_UNTIL

    hook = "acrn_register_exit_handlers"
    what = "exit handler for reason %d (%s)" % (reason, getattr(handler, "__name__", "?"))

    def status(vcpu, ret):
        if type(ret) is not int:
            raise PluginError(plugin, hook, "%s returned %s, expected an int status" % (what, _short(ret)),
                              vcpu.hv.sim.now)
        return ret

    if not is_generator:
        def guarded(vcpu):
            return status(vcpu, call_plugin(plugin, hook, what, handler, vcpu, time=lambda: vcpu.hv.sim.now))
    else:
        def guarded(vcpu):
            now = lambda: vcpu.hv.sim.now  # noqa: E731
            gen = call_plugin(plugin, hook, what, handler, vcpu, time=now)
            if not isinstance(gen, types.GeneratorType):
                raise PluginError(plugin, hook, "%s is registered as a generator but returned %s" % (what, _short(gen)),
                                  now())
            while True:
                done, directive = call_plugin(plugin, hook, what, _resume, gen, time=now)
                if done:
                    return status(vcpu, directive)
                if type(directive) is int:
                    ok = 0 <= directive < N_STEPS
                else:
                    ok = type(directive) is tuple and len(directive) > 1 and directive[0] in (OP_WAIT, OP_WAIT_UNTIL,
                                                                                             OP_SWITCH)
                if not ok:
                    raise PluginError(plugin, hook, "%s yielded %s: expected a cost step id or an OP_WAIT / "
                                      "OP_WAIT_UNTIL / OP_SWITCH tuple" % (what, _short(directive)), now())
                yield directive
    guarded.__name__ = getattr(handler, "__name__", "handler")
    guarded.__doc__ = getattr(handler, "__doc__", None)
    guarded.__wrapped__ = handler
    return guarded
class GuardedScheduler:
    """A plugin's scheduler instance behind ACRN's scheduler operations: an exception, or a
    ``pick_next`` that returns something other than None or a thread of that pCPU, becomes a
    ``PluginError`` naming the plugin, the operation and the simulated time."""

    def __init__(self, plugin, sched_name, inner, hv):
        self.plugin = plugin
        self.name = sched_name
        self.inner = inner
        self.hv = hv

    def _call(self, op, *args):
        return call_plugin(self.plugin, "acrn_register_schedulers", "scheduler %r: %s" % (self.name, op),
                           getattr(self.inner, op), *args, time=lambda: self.hv.sim.now)

    def init(self, ctl):
        self._call("init", ctl)

    def init_data(self, ctl, obj):
        self._call("init_data", ctl, obj)

    def pick_next(self, ctl):
        from acrn.core.schedule import ThreadObject

        nxt = self._call("pick_next", ctl)
        if nxt is not None and (not isinstance(nxt, ThreadObject) or nxt.pcpu_id != ctl.pcpu_id):
            raise PluginError(self.plugin, "acrn_register_schedulers",
                              "scheduler %r: pick_next on pCPU%d returned %s, expected None or a thread of that "
                              "pCPU" % (self.name, ctl.pcpu_id, _short(nxt)), self.hv.sim.now)
        return nxt

    def sleep(self, ctl, obj):
        self._call("sleep", ctl, obj)

    def wake(self, ctl, obj):
        self._call("wake", ctl, obj)

    def tick(self, ctl):
        self._call("tick", ctl)

    def deinit_data(self, ctl, obj):
        self._call("deinit_data", ctl, obj)


class GuardedNmiSource:
    """A plugin's NMI source: ``install`` and every event it schedules (``run.sim.call_at``) raising
    becomes a PluginError naming the plugin; ``name``, ``description``, ``tag`` and any other attribute
    are the source's own (``source`` is the object)."""

    def __init__(self, plugin, registered_name, source):
        self.plugin = plugin
        self.registered_name = registered_name
        self.source = source

    def __getattr__(self, attr):
        return getattr(self.source, attr)

    def install(self, run, vcpu, spec):
        what = "NMI source %r: install on %s" % (self.registered_name, vcpu.name)
        return call_plugin(self.plugin, "acrn_register_nmi_sources", what, self.source.install,
                           _GuardedRun(run, self, vcpu.name), vcpu, spec, time=lambda: run.sim.now)

    def __repr__(self):
        return "<NMI source %s from %s>" % (self.registered_name, self.plugin)


class _Proxy:
    """Everything of ``target`` (read and written through), but the attributes a subclass overrides."""

    def __init__(self, target):
        object.__setattr__(self, "_target", target)

    def __getattr__(self, attr):
        return getattr(self._target, attr)

    def __setattr__(self, attr, value):
        setattr(self._target, attr, value)


class _GuardedRun(_Proxy):
    """The run as an NMI source's ``install`` sees it: ``run.sim.call_at`` guards what it schedules."""

    def __init__(self, run, source, vcpu_name):
        super().__init__(run)
        object.__setattr__(self, "sim", _GuardedSim(run.sim, source, vcpu_name))


class _GuardedSim(_Proxy):
    def __init__(self, sim, source, vcpu_name):
        super().__init__(sim)
        object.__setattr__(self, "_what", "NMI source %r: scheduled event on %s" % (source.registered_name,
                                                                                    vcpu_name))
        object.__setattr__(self, "_plugin", source.plugin)

    def call_at(self, time, func):
        sim, plugin, what = self._target, self._plugin, self._what

        def event():
            call_plugin(plugin, "acrn_register_nmi_sources", what, func, time=lambda: sim.now)
        sim.call_at(time, event)


class GuardedInvariant:
    """A plugin's invariant: ``check(run)`` must return a list of ``acrn.engine.result.Violation`` (with an
    int time and pCPU and a str message) and ``exercised(run)`` a bool, or a PluginError names the plugin."""

    def __init__(self, plugin, registered_name, invariant):
        self.plugin = plugin
        self.registered_name = registered_name
        self.invariant = invariant
        if hasattr(invariant, "exercised"):
            self.exercised = self._exercised

    def __getattr__(self, attr):
        return getattr(self.invariant, attr)

    def _judge(self, method, run):
        return call_plugin(self.plugin, "acrn_register_invariants", "invariant %r: %s" % (self.registered_name,
                                                                                         method),
                           getattr(self.invariant, method), run, time=lambda: run.sim.now)

    def _bad(self, run, message):
        raise PluginError(self.plugin, "acrn_register_invariants", "invariant %r: %s" % (self.registered_name,
                                                                                        message), run.sim.now)

    def check(self, run):
        from acrn.engine.result import Violation

        found = self._judge("check", run)
        if not isinstance(found, (list, tuple)):
            self._bad(run, "check() returned %s, expected a list of Violation" % _short(found))
        for v in found:
            if not (isinstance(v, Violation) and type(v.time) is int and type(v.pcpu) is int
                    and isinstance(v.message, str)):
                self._bad(run, "check() returned %s in its list, expected Violation(time: int, pcpu: int, "
                          "message: str)" % _short(v))
        return list(found)

    def _exercised(self, run):
        value = self._judge("exercised", run)
        if not isinstance(value, bool):
            self._bad(run, "exercised() returned %s, expected True or False" % _short(value))
        return value

    def __repr__(self):
        return "<invariant %s from %s>" % (self.registered_name, self.plugin)


class SchedulerFactory:
    """What the registry keeps for a plugin's scheduler: ``factory(hv)`` builds the plugin's class and
    guards it (``cls`` is the plugin's class)."""

    def __init__(self, plugin, sched_name, cls):
        self.plugin = plugin
        self.name = sched_name
        self.cls = cls

    def __call__(self, hv):
        inner = call_plugin(self.plugin, "acrn_register_schedulers", "scheduler %r: %s(hv)" % (
            self.name, self.cls.__name__), self.cls, hv, time=lambda: hv.sim.now)
        return GuardedScheduler(self.plugin, self.name, inner, hv)

    def __repr__(self):
        return "<scheduler %s from %s>" % (self.name, self.plugin)


# ---- the registry ---------------------------------------------------------------------------------------
class Registry:
    """The merged answers of the setup-time hooks, resolved once.

    ``designs``, ``schedulers``, ``exit_handlers``, ``nmi_sources``, ``guest_kinds`` (workloads) and
    ``invariants`` are plain dicts; ``owner(hook, key)`` tells which plugin registered an entry;
    ``runtime_hooks`` is a ``RuntimeHooks`` or None when no plugin implements a run-time observer."""

    def __init__(self, pm):
        self.pm = pm
        self.owners = {}
        tables = {}
        for hook_name in SETUP_HOOKS:
            merged, owner = {}, {}
            hook = getattr(pm.hook, hook_name)
            for impl in hook.get_hookimpls():  # registration order
                table = call_plugin(impl.plugin_name, hook_name, "", impl.function)
                if table is None:
                    continue
                if not isinstance(table, dict):
                    raise PluginError(impl.plugin_name, hook_name, "returned %s, expected a dict" % type(table).__name__)
                for key, value in table.items():
                    if key in merged:
                        raise PluginError(impl.plugin_name, hook_name, "%r is already registered by %s" % (key, owner[key]))
                    self._check_entry(impl.plugin_name, hook_name, key, value)
                    merged[key] = value
                    owner[key] = impl.plugin_name
            tables[hook_name] = merged
            self.owners[hook_name] = owner
        self.designs = tables["acrn_register_designs"]
        self.schedulers = {name: (cls if self.is_builtin(self.owners["acrn_register_schedulers"][name])
                                  else SchedulerFactory(self.owners["acrn_register_schedulers"][name], name, cls))
                           for name, cls in tables["acrn_register_schedulers"].items()}
        self.exit_handlers = {}
        for reason, (handler, step, is_generator) in tables["acrn_register_exit_handlers"].items():
            plugin = self.owners["acrn_register_exit_handlers"][reason]
            if not self.is_builtin(plugin):
                handler = guard_exit_handler(plugin, reason, handler, is_generator)
            self.exit_handlers[reason] = (handler, step, bool(is_generator))
        self.nmi_sources = {}
        for name, source in tables["acrn_register_nmi_sources"].items():
            plugin = self.owners["acrn_register_nmi_sources"][name]
            self.nmi_sources[name] = source if self.is_builtin(plugin) else GuardedNmiSource(plugin, name, source)
        self.guest_kinds = tables["acrn_register_workloads"]
        self.invariants = {}
        for name, invariant in tables["acrn_register_invariants"].items():
            plugin = self.owners["acrn_register_invariants"][name]
            self.invariants[name] = invariant if self.is_builtin(plugin) else GuardedInvariant(plugin, name, invariant)
        runtime = RuntimeHooks(pm)
        self.runtime_hooks = runtime if any(runtime.has.values()) else None

    def is_builtin(self, plugin_name):
        return self.pm.acrn_origins.get(plugin_name) == "built-in" if hasattr(self.pm, "acrn_origins") \
            else plugin_name in BUILTIN_PLUGINS

    def owner(self, hook_name, key):
        """The plugin that registered ``key`` through ``hook_name`` (e.g. the owner of an invariant)."""
        return self.owners[hook_name][key]

    @staticmethod
    def _check_entry(plugin, hook_name, key, value):
        """One entry of a setup-time table has the shape its hook documents, or a PluginError says why."""
        from acrn.arch_x86.consts import NR_VMX_EXIT_REASONS
        from acrn.core.design import Design
        from acrn.engine.cost import N_STEPS

        def bad(message):
            raise PluginError(plugin, hook_name, "%r: %s" % (key, message))

        if not isinstance(key, (str, int)) or isinstance(key, bool):
            bad("keys must be names (or exit reasons)")
        if hook_name == "acrn_register_designs":
            if not isinstance(value, Design):
                bad("is a %s, expected acrn.core.design.Design" % type(value).__name__)
            if value.name != key:
                bad("the design's name is %r" % value.name)
        elif hook_name == "acrn_register_schedulers":
            missing = [op for op in SCHEDULER_OPS if not callable(getattr(value, op, None))]
            if not isinstance(value, type) or missing:
                bad("expected a scheduler class with %s%s" % (", ".join(SCHEDULER_OPS),
                                                               " (missing: %s)" % ", ".join(missing) if missing else ""))
        elif hook_name == "acrn_register_exit_handlers":
            if not isinstance(key, int) or not 0 <= key < NR_VMX_EXIT_REASONS:
                bad("expected a basic exit reason 0..%d" % (NR_VMX_EXIT_REASONS - 1))
            if not (isinstance(value, tuple) and len(value) == 3 and callable(value[0])
                    and type(value[1]) is int and 0 <= value[1] < N_STEPS and isinstance(value[2], bool)):
                bad("expected (handler(vcpu) -> int, cost step id 0..%d, is_generator), got %r" % (N_STEPS - 1, value))
        elif hook_name == "acrn_register_nmi_sources":
            if not (isinstance(getattr(value, "description", None), str) and type(getattr(value, "tag", None)) is int
                    and callable(getattr(value, "install", None))):
                bad("expected an object with a description string, a tag (a consts.SRC_* bit) and "
                    "install(run, vcpu, spec)")
        elif hook_name == "acrn_register_workloads":
            if not isinstance(key, str):
                bad("workload kinds are names")
            if not (isinstance(value, tuple) and len(value) == 2 and all(type(v) is int for v in value)
                    and 0 <= value[0] < NR_VMX_EXIT_REASONS and value[1] >= -1):
                bad("expected (basic exit reason, instruction length or -1), got %r" % (value,))
        elif hook_name == "acrn_register_invariants":
            if not callable(getattr(value, "check", None)) or not isinstance(getattr(value, "description", None), str):
                bad("expected an object with a description string and a check(run) method")

    def plugin_details(self):
        """[(plugin name, origin, [(hook, names it registered through that hook, or None)])] in
        registration order; origin is "built-in", "entry point (DIST VERSION)" or "-p"."""
        rows = []
        for name, plugin in self.pm.list_name_plugin():
            hooks = []
            for caller in sorted(self.pm.get_hookcallers(plugin) or [], key=lambda c: c.name):
                provided = None
                if caller.name in self.owners:
                    provided = [str(k) for k, owner in self.owners[caller.name].items() if owner == name]
                hooks.append((caller.name, provided))
            rows.append((name, getattr(self.pm, "acrn_origins", {}).get(name, "?"), hooks))
        return rows

    def plugin_table(self):
        """(plugin name, hooks) for `acrn-model plugins`: each setup hook followed by what the plugin
        registered through it, e.g. "acrn_register_schedulers: prio"; the origin follows the name."""
        rows = []
        for name, origin, hooks in self.plugin_details():
            shown = [hook if provided is None else "%s: %s" % (hook, ", ".join(provided) or "-")
                     for hook, provided in hooks]
            rows.append(("%s (%s)" % (name, origin), shown))
        return rows


_DEFAULT = None


def default_registry():
    """The registry with built-ins and auto-loaded plugins (built once per process)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Registry(get_plugin_manager())
    return _DEFAULT
