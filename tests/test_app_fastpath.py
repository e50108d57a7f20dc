"""The Panel fast paths of :mod:`apps.fastpath` give what Panel's own methods give."""

from __future__ import annotations

import panel as pn
import pytest
from bokeh.document import Document
from panel.reactive import Reactive
from panel.theme.base import Design
from panel.theme.bootstrap import Bootstrap

from apps import fastpath

# Panel's methods as they were before the fast paths (the module may already be installed)
_ORIGINAL_GET_MODIFIERS = Design.__dict__["_get_modifiers"]
_ORIGINAL_UPDATE = Reactive.__dict__["_update_properties"]


def _components() -> list[pn.viewable.Viewable]:
    return [
        pn.pane.HTML("<b>x</b>", stylesheets=[".x { color: red; }"]),
        pn.widgets.TextInput(label="a"),
        pn.widgets.Button(label="b", color="success"),
        pn.widgets.CheckBoxGroup(options=["p", "q"]),
        pn.widgets.Select(options=["p", "q"]),
        pn.Column(pn.pane.HTML("y")),
        pn.FlexBox(pn.pane.HTML("z")),
    ]


def test_install_is_idempotent() -> None:
    assert fastpath.install()
    assert fastpath.install()


@pytest.mark.parametrize("isolated", [True, False])
def test_cached_modifiers_equal_panel(isolated: bool) -> None:
    original = fastpath._ORIGINALS.get("get_modifiers", _ORIGINAL_GET_MODIFIERS.__func__)
    fastpath.install()
    design = Bootstrap(theme="default")
    for component in _components():
        want = original(Bootstrap, component, design.theme, isolated)
        got = Bootstrap._get_modifiers(component, design.theme, isolated)
        again = Bootstrap._get_modifiers(component, design.theme, isolated)
        assert got == want
        assert again == want
        # callers get fresh copies: changing one does not change the cache
        if "stylesheets" in got:
            got["stylesheets"].append("changed")
            assert Bootstrap._get_modifiers(component, design.theme, isolated) == want


def test_update_properties_equal_panel() -> None:
    original = fastpath._ORIGINALS.get("update_properties", _ORIGINAL_UPDATE)
    fastpath.install()
    doc = Document()
    for component in _components():
        component.design = Bootstrap
        component.get_root(doc)
        events = []
        component.param.watch(lambda *es, events=events: events.extend(es), ["margin", "visible", "stylesheets"])
        component.param.update(margin=(3, 4), visible=False)
        component.stylesheets = [".y { color: blue; }"]
        for batch in ([events[0], events[1]], [events[2]]):
            got = component._update_properties(*batch, doc=doc)
            want = original(component, *batch, doc=doc)
            assert _plain(got) == _plain(want)


def _plain(properties: dict) -> dict:
    """Stylesheet models compared by what they hold (a call may make a new model of the same sheet)."""
    def sheet(value):
        for attr in ("url", "css"):
            if hasattr(value, attr):
                return (type(value).__name__, getattr(value, attr))
        return value
    return {k: [sheet(v) for v in value] if k == "stylesheets" else value for k, value in properties.items()}


def test_edit_readonly_lifts_and_restores_like_panel() -> None:
    import param

    fastpath.install()
    import panel.reactive
    import panel.util.parameters

    assert panel.reactive.edit_readonly is fastpath.edit_readonly
    assert panel.util.parameters.edit_readonly is fastpath.edit_readonly
    original = fastpath._ORIGINALS["edit_readonly"]

    def run(edit, assign: bool) -> tuple:
        class Thing(param.Parameterized):
            a = param.Integer(default=1, readonly=True)
            b = param.Integer(default=2, constant=True)
            c = param.Integer(default=3)

        thing = Thing()
        with edit(thing):
            if assign:
                thing.a, thing.b, thing.c = 10, 20, 30
        flags = tuple((thing.param[k].readonly, thing.param[k].constant, Thing.param[k].readonly,
                       Thing.param[k].constant) for k in "abc")
        return (thing.a, thing.b, thing.c), flags

    for assign in (False, True):
        assert run(fastpath.edit_readonly, assign) == run(original, assign)

    class Locked(param.Parameterized):
        b = param.Integer(default=2, constant=True)

    locked = Locked()
    with pytest.raises(RuntimeError), fastpath.edit_readonly(locked):
        raise RuntimeError("restored on error too")
    with pytest.raises(TypeError):
        locked.b = 5


def test_busy_counter_kept_only_with_an_indicator() -> None:
    from panel.io.state import state

    fastpath.install()
    state._add_busy_event("e1")
    assert not state.busy  # no indicator: nothing to keep
    state._remove_busy_event("e1")
    indicator = pn.indicators.BooleanStatus()
    state._indicators.append(indicator)
    try:
        state._add_busy_event("e2")
        assert state.busy
        state._remove_busy_event("e2")
        assert not state.busy
    finally:
        state._indicators.remove(indicator)


def _template_document(init_doc) -> tuple[list[tuple[str, list[str]]], set[str], dict]:
    """A Bootstrap template's document built with ``init_doc``: its roots, its models, the JSON."""
    from panel.template import BootstrapTemplate

    template = BootstrapTemplate(title="t", busy_indicator=None)
    template.header.append(pn.pane.HTML("head"))
    template.sidebar.append(pn.Column(pn.widgets.Select(options=["p", "q"]), pn.pane.HTML("side")))
    template.main.append(pn.Column(pn.pane.HTML("main"), pn.widgets.Button(label="b")))
    doc = init_doc(template, Document())
    roots = sorted(((r.name or "").split("-")[0], sorted(str(t) for t in r.tags)) for r in doc.roots)
    names = {type(m).__name__ for m in doc.models}
    return roots, names, doc


def test_frozen_template_init_builds_the_same_document() -> None:
    from panel.template.base import BaseTemplate

    fastpath.install()
    original = fastpath._ORIGINALS["template_init_doc"]
    assert BaseTemplate.__dict__["_init_doc"] is not original

    def with_panel(template, doc):
        saved = BaseTemplate.__dict__["_init_doc"]
        BaseTemplate._init_doc = original
        try:
            return template._init_doc(doc)
        finally:
            BaseTemplate._init_doc = saved

    roots_fast, names_fast, doc_fast = _template_document(lambda t, d: t._init_doc(d))
    roots_panel, names_panel, doc_panel = _template_document(with_panel)
    assert roots_fast == roots_panel
    assert names_fast == names_panel
    assert len(doc_fast.models) == len(doc_panel.models) > 10
    # every model reachable from the roots is known to the document and attached to it
    for doc in (doc_fast, doc_panel):
        reachable = set().union(*(root.references() for root in doc.roots))
        assert {m.id for m in reachable} == {m.id for m in doc.models}
        assert all(m.document is doc for m in reachable)
