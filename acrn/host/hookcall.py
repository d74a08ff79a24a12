"""The untimed calls of the run-time observers (``acrn_on_vmexit``, ``acrn_on_vmentry``, ``acrn_on_request``,
``acrn_on_nmi``), compiled: the engine calls these methods directly, and with no plugin timeout set
(``acrn.plugin.set_plugin_timeout``) each runs its observers in C, with the guards of
``acrn.plugin.RuntimeHooks``: an observer that raises or returns something other than None stops the run
with a ``PluginError`` naming the plugin, the hook and the simulated time; the vCPU it gets is a read-only
view.  With a timeout set, each call goes to the timed loop of ``RuntimeHooks`` instead.
"""
from acrn import plugin as _plugin
from acrn.errors import PluginError

_timed = False  # a plugin timeout is set (acrn.plugin.set_plugin_timeout keeps this in step with its _timeout)


def set_timed(timed):
    """Called by ``acrn.plugin.set_plugin_timeout``: whether the calls go to the timed loops."""
    global _timed
    _timed = bool(timed)


class HookCalls:
    """The four observer calls of one ``RuntimeHooks`` (``hooks``), each a loop over its prepared list of
    (plugin, function, vCPU views).  The four loops differ only in the call's arguments: each is written
    out (no argument tuple per call), as in RuntimeHooks."""

    def __init__(self, hooks):
        self.hooks = hooks
        # (plugin, function, its views by id(vCPU) as RuntimeHooks keeps them, the same views by vCPU)
        self.vmexit_impls = [(p, fn, views, {}) for p, fn, views in hooks.impls["acrn_on_vmexit"]]
        self.vmentry_impls = [(p, fn, views, {}) for p, fn, views in hooks.impls["acrn_on_vmentry"]]
        self.request_impls = [(p, fn, views, {}) for p, fn, views in hooks.impls["acrn_on_request"]]
        self.nmi_impls = hooks.impls["acrn_on_nmi"]

    def _view_of(self, mine, views, plugin, hook, vcpu):
        """The read-only view of ``vcpu`` that ``plugin``'s observer gets, cached in ``mine`` under the vCPU
        itself (no ``id()`` per call: it boxes the address and raises an audit event)."""
        view = mine.get(vcpu)
        if view is None:
            if len(mine) >= _plugin.VIEW_CACHE:  # the registry outlives runs: keep no old run alive
                mine.clear()
            view = views.get(id(vcpu))
            if view is None:
                view = self.hooks._view(views, plugin, hook, vcpu)
            mine[vcpu] = view
        return view

    def vmexit(self, pcpu_id, vcpu, reason, time):
        if _timed:
            return self.hooks.vmexit_timed(pcpu_id, vcpu, reason, time)
        for plugin, fn, views, mine in self.vmexit_impls:
            view = self._view_of(mine, views, plugin, "acrn_on_vmexit", vcpu)
            try:
                result = fn(pcpu_id, view, reason, time)
            except PluginError:
                raise
            except (Exception, SystemExit, _plugin.PluginTimeout) as exc:
                raise _plugin._failed(plugin, "acrn_on_vmexit", "", exc, time) from None
            if result is not None:
                raise self.hooks._returned(plugin, "acrn_on_vmexit", time, result)

    def vmentry(self, pcpu_id, vcpu, time):
        if _timed:
            return self.hooks.vmentry_timed(pcpu_id, vcpu, time)
        for plugin, fn, views, mine in self.vmentry_impls:
            view = self._view_of(mine, views, plugin, "acrn_on_vmentry", vcpu)
            try:
                result = fn(pcpu_id, view, time)
            except PluginError:
                raise
            except (Exception, SystemExit, _plugin.PluginTimeout) as exc:
                raise _plugin._failed(plugin, "acrn_on_vmentry", "", exc, time) from None
            if result is not None:
                raise self.hooks._returned(plugin, "acrn_on_vmentry", time, result)

    def request(self, vcpu, bit, what, time):
        if _timed:
            return self.hooks.request_timed(vcpu, bit, what, time)
        for plugin, fn, views, mine in self.request_impls:
            view = self._view_of(mine, views, plugin, "acrn_on_request", vcpu)
            try:
                result = fn(view, bit, what, time)
            except PluginError:
                raise
            except (Exception, SystemExit, _plugin.PluginTimeout) as exc:
                raise _plugin._failed(plugin, "acrn_on_request", "", exc, time) from None
            if result is not None:
                raise self.hooks._returned(plugin, "acrn_on_request", time, result)

    def nmi(self, pcpu_id, sources, in_guest, time):
        if _timed:
            return self.hooks.nmi_timed(pcpu_id, sources, in_guest, time)
        for plugin, fn, _views in self.nmi_impls:
            try:
                result = fn(pcpu_id, sources, in_guest, time)
            except PluginError:
                raise
            except (Exception, SystemExit, _plugin.PluginTimeout) as exc:
                raise _plugin._failed(plugin, "acrn_on_nmi", "", exc, time) from None
            if result is not None:
                raise self.hooks._returned(plugin, "acrn_on_nmi", time, result)
