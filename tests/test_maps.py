"""Tests of sakera_toolkit.maps: the packaged boundaries and the two choropleth renderers."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from sakera_toolkit import calibration, maps, registry

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


@pytest.fixture(scope="module")
def travel():
    return registry.village_table(2025).set_index("village_code")["travel_minutes"]


def _bbox(rings):
    pts = np.concatenate(rings)
    return pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()


def test_geojson_joins_the_registry():
    assert maps.join_mismatch() == {
        "only_in_geojson": [],
        "only_in_registry": [],
        "name_differs": [],
        "districts_only_in_geojson": [],
        "districts_only_in_registry": [],
    }
    g = maps.geometry()
    assert g.village_codes() == registry.villages()["village_code"].tolist()
    assert len(g.districts) == 14


def test_mandangin_is_an_island_south_of_the_mainland():
    g = maps.geometry()
    code = str(calibration.load("registry")["mandangin_code"])
    island = next(v for v in g.villages if v.village_code == code)
    x0, y0, x1, y1 = _bbox(island.rings)
    others = [_bbox(v.rings) for v in g.villages if v.village_code != code]
    # no other village's bounding box touches the island's: water all round
    assert not any(a <= x1 and c >= x0 and b <= y1 and d >= y0 for a, b, c, d in others)
    mainland_south = min(b for _, b, _, _ in others)
    assert y1 < mainland_south - 0.05  # > 5 km of sea between the island and the coast


def test_neighbours_are_land_strips_at_the_frame_edges():
    g = maps.geometry()
    lon0, lat0, lon1, lat1 = g.bounds
    n = maps.neighbours()
    assert set(n) == {"bangkalan", "pamekasan"}
    for name, ring in n.items():
        south, north = maps.BORDER_LATITUDES[name]
        assert ring[:, 1].min() == pytest.approx(south) and ring[:, 1].max() == pytest.approx(north)
        # they lie on their side of Sampang and never cover the seas north and south of it
        assert lat0 < south < north < lat1
    assert n["bangkalan"][:, 0].min() < lon0 and n["pamekasan"][:, 0].max() > lon1


def test_matplotlib_map_colours_every_village_and_labels_the_unit(travel):
    from matplotlib.collections import PathCollection
    from matplotlib.colors import to_hex

    fig = maps.village_map(travel, title="Waktu tempuh", label="Waktu tempuh (menit)")
    ax = fig.axes[0]
    coll = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(coll) == 1 and len(coll[0].get_paths()) == 186
    faces = [to_hex(f) for f in coll[0].get_facecolors()]
    # the nearest village gets the bottom of the colour map, the farthest the top
    codes = maps.geometry().village_codes()
    import matplotlib.pyplot as plt

    cm = plt.get_cmap("viridis")
    assert faces[codes.index(travel.idxmin())] == to_hex(cm(0.0))
    assert faces[codes.index(travel.idxmax())] == to_hex(cm(1.0))
    assert fig.axes[1].get_ylabel() == "Waktu tempuh (menit)"  # colour bar with its unit
    assert to_hex(ax.get_facecolor()) == maps.SEA_COLOUR
    texts = [t.get_text() for t in ax.texts]
    assert {"Laut Jawa", "Selat Madura", "Kab. Bangkalan", "Kab. Pamekasan"} <= set(texts)
    assert any("Mandangin" in t for t in texts)
    assert sum(t in texts for t in registry.districts()["district_name"]) == 14
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    assert buf.getvalue()[:4] == b"\x89PNG"
    plt.close(fig)


def test_matplotlib_categories_keep_their_order_and_missing_villages_are_named():
    import matplotlib.pyplot as plt

    codes = maps.geometry().village_codes()
    phase = pd.Series(pd.Categorical(["Tahap 1", "Tahap 2"] * 50, categories=["Tahap 2", "Tahap 1"]), index=codes[:100])
    fig = maps.village_map(phase, label="Tahap / phase", lang="en")
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Tahap 2", "Tahap 1", "no data"]  # Categorical order
    assert legend.get_title().get_text() == "Tahap / phase"
    assert "Java Sea" in [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)


def test_values_must_be_village_codes(travel):
    with pytest.raises(ValueError, match="unknown village code"):
        maps.village_map(pd.Series([1.0], index=["35.27.99.9999"]))
    with pytest.raises(TypeError):
        maps.village_map(travel.to_numpy())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lang"):
        maps.village_map(travel, lang="fr")


def test_base_map_without_values():
    import matplotlib.pyplot as plt

    fig = maps.village_map(None)
    assert len(fig.axes) == 1  # no colour bar
    plt.close(fig)


def test_holoviews_map_hover_polygons_and_no_tiles(travel):
    hv = pytest.importorskip("holoviews")
    from bokeh.models import HoverTool, TileRenderer

    pop = registry.village_table(2025).set_index("village_code")[["population"]]
    overlay = maps.village_map_hv(travel, title="Waktu tempuh", label="Waktu tempuh (menit)", hover=pop)
    polys = [el for el in overlay if type(el).__name__ == "Polygons" and "village" in el.vdims]
    assert sum(len(p.split()) for p in polys) == 186
    fig = hv.render(overlay, backend="bokeh")
    assert not any(isinstance(r, TileRenderer) for r in fig.renderers)
    tips = [t for h in fig.select(HoverTool) for t in (h.tooltips or [])]
    names = {name for name, _ in tips}
    assert {"Desa/kelurahan", "Kecamatan", "Waktu tempuh (menit)", "population"} <= names
    assert fig.background_fill_color == maps.SEA_COLOUR


def test_holoviews_categorical_legend(travel):
    hv = pytest.importorskip("holoviews")

    codes = maps.geometry().village_codes()
    phase = pd.Series(["B", "A"] * 60, index=codes[:120])
    fig = hv.render(maps.village_map_hv(phase), backend="bokeh")
    labels = [item.label.value for item in fig.legend[0].items]
    assert labels[:3] == ["A", "B", "tanpa data"]
