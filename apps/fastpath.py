"""Two fast paths in Panel's property updates, installed by the server (issue 13).

Profiling the server while trainees submit showed Panel spending the largest share of its CPU in
:meth:`panel.theme.Design.params`, not in the page: Panel asks the design for its modifiers on
**every** property patch of every component (``Reactive._update_properties``), although the
answer is only used when the patch changes ``stylesheets``; and each answer walks the theme's
CSS files (``param.Filename`` parameters resolve their path on the file system at every read).
With ~70 patches per submit-and-next-citizen cycle that was ~30 % of the server's CPU, and a
similar share of building a session's models.

:func:`install` changes both without changing what is sent to the browser:

* ``Reactive._update_properties`` asks the design only when ``stylesheets`` is among the changes
  (the only case in which Panel's own method uses the answer);
* ``Design._get_modifiers`` is memoised per (design class, component class, theme, isolated,
  server/not server): its result depends on nothing else (Panel already memoises the class walk
  under it, :meth:`Design._resolve_modifiers`); callers get fresh copies of the dict and its lists.

* ``panel.util.edit_readonly`` (entered for every event a component processes, and several
  times per event on the global ``pn.state``) unlocks and relocks only the parameters that are
  read-only or constant, instead of writing two attributes of every parameter of the object;
* ``pn.state``'s busy counter is kept only while a busy indicator is registered: the app's
  template has none (see :class:`apps.shell.Shell`), and keeping the counter cost two list
  rebuilds, a watcher and three ``edit_readonly`` of the global state per event.

* a template's ``_init_doc`` (building a session's document) runs with the document's model
  graph frozen (``Document.models.freeze()``): Panel adds each of the template's ~10 roots with
  its own ``add_root``, and Bokeh walks every model of the document after each one (ten walks of
  the whole page per session where one does; ~15 % of the CPU of opening the training desk). The
  walk happens once, when the freeze ends, before the document is used.

Each is checked against Panel's own behaviour in ``tests/test_app_fastpath.py``. If a later Panel
renames the methods, :func:`install` leaves Panel alone and logs it (the app still works, slower).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

_INSTALLED = False
_LOCK = threading.Lock()
#: (design class, component class, theme, isolated, is_server) -> (modifiers, child modifiers)
_MODIFIERS: dict[tuple[Any, ...], tuple[dict[str, Any], dict[str, Any]]] = {}
#: Panel's own functions, kept for the equivalence tests.
_ORIGINALS: dict[str, Any] = {}


def _copy_modifiers(modifiers: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, list) else v for k, v in modifiers.items()}


def install() -> bool:
    """Install the fast paths once per process. Returns True if they are (now) installed."""
    global _INSTALLED
    with _LOCK:
        if _INSTALLED:
            return True
        from panel.io.state import state
        from panel.reactive import Reactive
        from panel.theme.base import Design

        original_get_modifiers = Design.__dict__.get("_get_modifiers")
        original_update = Reactive.__dict__.get("_update_properties")
        if not isinstance(original_get_modifiers, classmethod) or original_update is None:
            log.warning("Panel fast paths not installed: this Panel version has no "
                        "Design._get_modifiers / Reactive._update_properties")
            return False
        get_modifiers = original_get_modifiers.__func__
        _ORIGINALS.update(get_modifiers=get_modifiers, update_properties=original_update)

        def cached_get_modifiers(cls: type, viewable: Any, theme: Any = None,
                                 isolated: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
            is_server = bool(state.curdoc.session_context) if not state._is_pyodide and state.curdoc else False
            key = (cls, type(viewable), theme, isolated, is_server)  # a theme hashes by identity
            hit = _MODIFIERS.get(key)
            if hit is None:
                hit = get_modifiers(cls, viewable, theme, isolated)
                _MODIFIERS[key] = (_copy_modifiers(hit[0]), dict(hit[1]))
                hit = _MODIFIERS[key]
            return _copy_modifiers(hit[0]), dict(hit[1])

        def update_properties(self: Any, *events: Any, doc: Any) -> dict[str, Any]:
            changes = {event.name: event.new for event in events}
            if "stylesheets" in changes and self._design:
                params, _ = self._design.params(self, doc)
                if "stylesheets" in params:
                    changes["stylesheets"] = params["stylesheets"] + changes["stylesheets"]
            return self._process_param_change(changes)

        update_properties.__doc__ = getattr(original_update, "__doc__", None)
        Design._get_modifiers = classmethod(cached_get_modifiers)  # type: ignore[method-assign,assignment]
        Reactive._update_properties = update_properties  # type: ignore[method-assign]
        _install_edit_readonly()
        _install_busy_counter()
        _install_frozen_template_init()
        _INSTALLED = True
        return True


@contextmanager
def edit_readonly(parameterized: Any) -> Iterator[None]:
    """Panel's ``edit_readonly``: temporarily lift ``readonly``/``constant`` (only where set)."""
    locked = [(p, p.readonly, p.constant) for p in parameterized.param.objects("existing").values()
              if p.readonly or p.constant]
    for p, _, _ in locked:
        p.readonly = False
        p.constant = False
    try:
        yield
    finally:
        for p, readonly, constant in locked:
            p.readonly = readonly
            p.constant = constant


def _install_edit_readonly() -> None:
    import panel.util.parameters as panel_parameters

    original = panel_parameters.edit_readonly
    _ORIGINALS["edit_readonly"] = original
    # every Panel module that imported the function by name gets the fast one
    for name, module in list(sys.modules.items()):
        if (name == "panel" or name.startswith("panel.")) and getattr(module, "edit_readonly", None) is original:
            module.edit_readonly = edit_readonly  # type: ignore[attr-defined]


def _install_busy_counter() -> None:
    from panel.io.state import state

    cls = type(state)
    add, remove = cls._add_busy_event, cls._remove_busy_event
    _ORIGINALS.update(add_busy_event=add, remove_busy_event=remove)

    def add_busy_event(self: Any, event_id: str) -> None:
        if self._indicators:  # someone shows the busy state: keep Panel's bookkeeping
            add(self, event_id)

    def remove_busy_event(self: Any, event_id: str) -> None:
        if self._busy_counter:
            remove(self, event_id)

    cls._add_busy_event = add_busy_event  # type: ignore[method-assign]
    cls._remove_busy_event = remove_busy_event  # type: ignore[method-assign]


def _install_frozen_template_init() -> None:
    from panel.template.base import BaseTemplate

    original = BaseTemplate.__dict__["_init_doc"]
    _ORIGINALS["template_init_doc"] = original

    def init_doc(self: Any, doc: Any = None, comm: Any = None, title: str | None = None, notebook: bool = False,
                 location: Any = True) -> Any:
        from panel.io.document import create_doc_if_none_exists

        document = create_doc_if_none_exists(doc)  # what Panel's own method starts with
        with document.models.freeze():  # one walk of the model graph at the end, not one per root
            return original(self, document, comm, title, notebook, location)

    init_doc.__doc__ = original.__doc__
    BaseTemplate._init_doc = init_doc  # type: ignore[method-assign]
