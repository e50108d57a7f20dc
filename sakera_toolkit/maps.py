"""Choropleth maps of Kabupaten Sampang on the real village boundaries (offline, no tile server).

The geometry is the packaged GeoJSON of the 186 desa/kelurahan and the 14 kecamatan
(``data/sampang_villages.geojson``, ``data/sampang_districts.geojson``; MIT, see
``data/ATTRIBUTION.md``), parsed with the standard library. The union of the village polygons is
Sampang's outline: the background of a map is the sea (Laut Jawa to the north, Selat Madura to the
south), so P. Mandangin appears as an island without any map tiles. West and east of the regency
lie the neighbouring kabupaten Bangkalan and Pamekasan (not drawn; the map is cropped to Sampang's
longitudes and the neighbours are named at the edges).

Two renderers share one geometry loader (:func:`geometry`):

- :func:`village_map`: a static matplotlib figure (reports, PNG export);
- :func:`village_map_hv`: a HoloViews/Bokeh overlay for notebooks, with hover showing the
  village, its kecamatan and the value.

Values are a :class:`pandas.Series` indexed by the village code as in
:func:`sakera_toolkit.registry.villages` (``35.27.DD.TNNN``). Numbers give a colour bar,
categories (``categorical=True`` or a non-numeric Series) a legend; villages without a value are
drawn in light grey and named "tanpa data / no data" in the legend.

Coordinates are longitude/latitude (WGS84); both renderers stretch the axes by 1/cos(latitude)
so that distances look the same north-south and east-west.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "VillageShape",
    "DistrictShape",
    "Geometry",
    "geometry",
    "join_mismatch",
    "village_map",
    "village_map_hv",
    "SEA_COLOUR",
    "LAND_COLOUR",
    "NO_DATA_COLOUR",
    "OTHER_LAND_COLOUR",
    "neighbours",
    "BORDER_LATITUDES",
]

#: Colour of the sea (the map background).
SEA_COLOUR = "#cfe6f3"
#: Colour of land when no values are given.
LAND_COLOUR = "#f2efe6"
#: Colour of the neighbouring regencies (land outside Sampang).
OTHER_LAND_COLOUR = "#dedbd2"
#: Colour of villages without a value.
NO_DATA_COLOUR = "#d9d9d9"

#: Colour-blind safe categorical colours ("Dark2" first), then greys.
CATEGORY_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]

_TEXT: dict[str, dict[str, str]] = {
    "id": {
        "no_data": "tanpa data",
        "java_sea": "Laut Jawa",
        "madura_strait": "Selat Madura",
        "bangkalan": "Kab. Bangkalan",
        "pamekasan": "Kab. Pamekasan",
        "island": "P. Mandangin",
        "office": "Dispendukcapil",
        "lon": "Bujur (°BT)",
        "lat": "Lintang (°LS)",
        "village": "Desa/kelurahan",
        "kecamatan": "Kecamatan",
        "value": "Nilai",
    },
    "en": {
        "no_data": "no data",
        "java_sea": "Java Sea",
        "madura_strait": "Madura Strait",
        "bangkalan": "Bangkalan regency",
        "pamekasan": "Pamekasan regency",
        "island": "Mandangin island",
        "office": "Dispendukcapil office",
        "lon": "Longitude (°E)",
        "lat": "Latitude (°S)",
        "village": "Village",
        "kecamatan": "District",
        "value": "Value",
    },
}


@dataclass(frozen=True)
class VillageShape:
    """One desa/kelurahan: codes, names and its polygon rings (exterior first, lon/lat arrays)."""

    village_code: str
    village_name: str
    district_code: str
    district_name: str
    rings: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class DistrictShape:
    """One kecamatan: codes, name and the exterior rings of its parts (lon/lat arrays).

    The kecamatan polygons are unions of simplified village polygons; their holes are slivers
    between neighbouring villages (all below 0.02 km²), so only exterior rings are kept.
    """

    district_code: str
    district_name: str
    rings: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class Geometry:
    """The villages and kecamatan of Sampang, in registry order."""

    villages: tuple[VillageShape, ...]
    districts: tuple[DistrictShape, ...]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(lon_min, lat_min, lon_max, lat_max)`` of all villages."""
        pts = np.concatenate([r for v in self.villages for r in v.rings])
        return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())

    @property
    def aspect(self) -> float:
        """Height/width ratio of one degree so that the map is not squashed (1/cos(mean latitude))."""
        _, lat0, _, lat1 = self.bounds
        return 1.0 / math.cos(math.radians((lat0 + lat1) / 2))

    def village_codes(self) -> list[str]:
        """The village codes in drawing order."""
        return [v.village_code for v in self.villages]


def _read_geojson(name: str) -> dict[str, Any]:
    path = resources.files("sakera_toolkit") / "data" / name
    with path.open("r", encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValueError(f"{name}: not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise ValueError(f"{name}: no features")
    return data


def _polygons(geom: dict[str, Any], origin: str) -> list[list[np.ndarray]]:
    """The polygons of a Polygon/MultiPolygon geometry as lists of rings (exterior first)."""
    kind = geom.get("type")
    coords: Any = geom.get("coordinates")
    parts: list[Any]
    if kind == "Polygon":
        parts = [coords]
    elif kind == "MultiPolygon":
        parts = coords
    else:
        raise ValueError(f"{origin}: geometry type {kind!r} is not a (Multi)Polygon")
    return [[np.asarray(ring, dtype="float64")[:, :2] for ring in part] for part in parts]


@cache
def geometry() -> Geometry:
    """Village and kecamatan boundaries of Sampang from the packaged GeoJSON (cached).

    Villages come in the order of :func:`sakera_toolkit.registry.villages`; a village polygon
    keeps its holes (there are none in the shipped file), a kecamatan keeps only exterior rings.

    Raises
    ------
    ValueError
        If the files are not FeatureCollections of (Multi)Polygons with the expected properties.
    """
    vdata = _read_geojson("sampang_villages.geojson")
    shapes: dict[str, VillageShape] = {}
    for i, f in enumerate(vdata["features"]):
        p = f.get("properties") or {}
        origin = f"sampang_villages.geojson feature {i}"
        try:
            code = str(p["village_code"])
            rings = tuple(r for part in _polygons(f["geometry"], origin) for r in part)
            shapes[code] = VillageShape(
                code, str(p["village_name"]), str(p["district_code"]), str(p["district_name"]), rings
            )
        except KeyError as exc:
            raise ValueError(f"{origin}: missing {exc.args[0]!r}") from None
    from . import registry

    order = [c for c in registry.villages()["village_code"] if c in shapes]
    order += sorted(set(shapes) - set(order))
    ddata = _read_geojson("sampang_districts.geojson")
    districts = []
    for i, f in enumerate(ddata["features"]):
        p = f.get("properties") or {}
        origin = f"sampang_districts.geojson feature {i}"
        parts = _polygons(f["geometry"], origin)
        outer = tuple(part[0] for part in parts)
        districts.append(DistrictShape(str(p["district_code"]), str(p["district_name"]), outer))
    districts.sort(key=lambda d: d.district_code)
    return Geometry(tuple(shapes[c] for c in order), tuple(districts))


def join_mismatch() -> dict[str, list[str]]:
    """Codes that do not join between the GeoJSON and the registry (empty lists when they all do).

    Keys: ``only_in_geojson``, ``only_in_registry`` (village codes), ``name_differs`` (village
    codes whose GeoJSON name or kecamatan differs from the registry's), ``districts_only_in_geojson``,
    ``districts_only_in_registry``.
    """
    from . import registry

    g = geometry()
    reg = registry.villages().set_index("village_code")
    geo = {v.village_code: v for v in g.villages}
    differs = [
        c
        for c, v in geo.items()
        if c in reg.index
        and (v.village_name != reg.at[c, "village_name"] or v.district_code != reg.at[c, "district_code"])
    ]
    dreg = set(registry.districts()["district_code"])
    dgeo = {d.district_code for d in g.districts}
    return {
        "only_in_geojson": sorted(set(geo) - set(reg.index)),
        "only_in_registry": sorted(set(reg.index) - set(geo)),
        "name_differs": sorted(differs),
        "districts_only_in_geojson": sorted(dgeo - dreg),
        "districts_only_in_registry": sorted(dreg - dgeo),
    }


# -- values -------------------------------------------------------------------------------------


def _text(lang: str) -> dict[str, str]:
    if lang not in _TEXT:
        raise ValueError(f"lang must be one of {sorted(_TEXT)}, not {lang!r}")
    return _TEXT[lang]


def _check_values(values: pd.Series | None, geo: Geometry) -> pd.Series | None:
    """``values`` reindexed to the villages of ``geo`` (NaN where missing); unknown codes are an error."""
    if values is None:
        return None
    if not isinstance(values, pd.Series):
        raise TypeError("values must be a pandas Series indexed by village_code")
    if values.index.has_duplicates:
        dup = sorted({str(c) for c in values.index[values.index.duplicated()]})
        raise ValueError(f"values: duplicate village code(s) {dup[:5]}")
    index = values.index.astype(str)
    unknown = sorted(set(index) - set(geo.village_codes()))
    if unknown:
        raise ValueError(f"values: {len(unknown)} unknown village code(s), e.g. {unknown[:3]}")
    out = values.copy()  # keeps a Categorical's order
    out.index = index
    return out.reindex(geo.village_codes())


def _categories(values: pd.Series) -> list[Any]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if (values == c).any()]
    present = values.dropna().unique().tolist()
    try:
        return sorted(present)
    except TypeError:
        return sorted(present, key=str)


def _category_colours(cats: Sequence[Any], cmap: str | Sequence[str] | dict[Any, str] | None) -> dict[Any, str]:
    if isinstance(cmap, dict):
        missing = [c for c in cats if c not in cmap]
        if missing:
            raise ValueError(f"cmap has no colour for categor(ies) {missing}")
        return {c: cmap[c] for c in cats}
    if isinstance(cmap, (list, tuple)):
        colours = list(cmap)
    elif isinstance(cmap, str):
        import matplotlib

        cm = matplotlib.colormaps[cmap]
        n = max(len(cats), 1)
        colours = [matplotlib.colors.to_hex(cm(i / max(n - 1, 1))) for i in range(n)]
    else:
        colours = CATEGORY_COLOURS
    if len(cats) > len(colours):
        raise ValueError(f"{len(cats)} categories but only {len(colours)} colours")
    return {c: colours[i] for i, c in enumerate(cats)}


def _is_categorical(values: pd.Series | None, categorical: bool) -> bool:
    if values is None:
        return False
    return (
        categorical
        or isinstance(values.dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(values)
        or not pd.api.types.is_numeric_dtype(values)
    )


def _landmarks() -> tuple[tuple[float, float], tuple[float, float], str]:
    """Dispendukcapil (lon, lat), the P. Mandangin centroid (lon, lat) and its code."""
    from . import calibration, registry

    c = calibration.load("registry")
    vil = registry.villages()
    code = str(c["mandangin_code"])
    row = vil[vil["village_code"] == code].iloc[0]
    return (
        (float(c["dispendukcapil_lon"]), float(c["dispendukcapil_lat"])),
        (float(row["lon"]), float(row["lat"])),
        code,
    )


def _frame(geo: Geometry, pad: float = 0.03) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis limits: Sampang's bounds with a margin (a strip of each neighbouring regency shows)."""
    lon0, lat0, lon1, lat1 = geo.bounds
    return (lon0 - 0.02, lon1 + 0.02), (lat0 - pad, lat1 + pad)


def _scanline(geo: Geometry, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Westernmost and easternmost village boundary longitude at each latitude (NaN: no land)."""
    x1 = np.concatenate([r[:-1, 0] for v in geo.villages for r in v.rings])
    y1 = np.concatenate([r[:-1, 1] for v in geo.villages for r in v.rings])
    x2 = np.concatenate([r[1:, 0] for v in geo.villages for r in v.rings])
    y2 = np.concatenate([r[1:, 1] for v in geo.villages for r in v.rings])
    west = np.full(len(ys), np.nan)
    east = np.full(len(ys), np.nan)
    for i, y in enumerate(ys):
        hit = (np.minimum(y1, y2) <= y) & (np.maximum(y1, y2) > y)
        if hit.any():
            t = (y - y1[hit]) / (y2[hit] - y1[hit])
            x = x1[hit] + t * (x2[hit] - x1[hit])
            west[i], east[i] = x.min(), x.max()
    return west, east


#: Latitude ranges (south, north) of Sampang's land borders with its neighbours: from the point
#: where the border meets the south coast (Selat Madura) to where it meets the north coast (Laut
#: Jawa), read off the packaged village boundaries (Sreseh's western tip to Banyuates' north-west
#: corner; Camplong's south-east corner to Sokobanah's eastern tip). Approximate, within ~0.5 km.
BORDER_LATITUDES: dict[str, tuple[float, float]] = {
    "bangkalan": (-7.2126, -6.8930),
    "pamekasan": (-7.2180, -6.8976),
}


@cache
def neighbours(step: float = 0.001) -> dict[str, np.ndarray]:
    """Approximate land of the neighbouring regencies inside the map frame (one lon/lat ring each).

    The GeoJSON has Sampang only, so Bangkalan (west) and Pamekasan (east) are drawn as the land
    between the frame edge and Sampang's western (eastern) boundary over the latitudes of
    :data:`BORDER_LATITUDES`; their own coastlines beyond the frame are not in the data. The maps
    shade these areas as "other land", so land is not drawn as sea.
    """
    geo = geometry()
    (xlim, _) = _frame(geo)
    out: dict[str, np.ndarray] = {}
    for name, side, edge in (("bangkalan", 0, xlim[0]), ("pamekasan", 1, xlim[1])):
        south, north = BORDER_LATITUDES[name]
        ys = np.r_[np.arange(south, north, step), north]
        prof = _scanline(geo, ys)[side]
        # reach 0.02° under the villages (drawn on top) so simplification slivers do not show sea
        prof = np.where(np.isfinite(prof), prof + (0.02 if side == 0 else -0.02), edge)
        out[name] = np.column_stack([np.r_[edge, prof, edge, edge], np.r_[ys[0], ys, ys[-1], ys[0]]])
    return out


# -- matplotlib -----------------------------------------------------------------------------------


def village_map(
    values: pd.Series | None = None,
    *,
    title: str | None = None,
    label: str | None = None,
    lang: str = "id",
    categorical: bool = False,
    cmap: str | Sequence[str] | dict[Any, str] | None = None,
    kecamatan_labels: bool = True,
    landmarks: bool = True,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (9.0, 7.6),
) -> Figure:
    """Choropleth of Sampang's 186 villages (matplotlib), sea in the background, kecamatan outlined.

    Parameters
    ----------
    values
        One value per village, indexed by village code (``35.27.DD.TNNN``); villages not in the
        index are drawn grey ("tanpa data / no data"). ``None`` draws the base map.
    title
        Figure title.
    label
        Colour-bar label (numbers; put the unit here, e.g. ``"Waktu tempuh (menit)"``) or legend
        title (categories).
    lang
        ``"id"`` (default) or ``"en"`` for the map's own texts (seas, neighbours, axes, legend).
    categorical
        Treat the values as categories (automatic for non-numeric, boolean and Categorical
        Series; a Categorical's order is the legend order).
    cmap
        Numbers: a matplotlib colour-map name (default ``"viridis"``). Categories: a list of
        colours, a ``{category: colour}`` mapping or a colour-map name (default: colour-blind safe
        Dark2).
    kecamatan_labels
        Write the 14 kecamatan names.
    landmarks
        Mark the Dispendukcapil office, label P. Mandangin, the seas and the neighbouring regencies.
    ax
        Draw into this axes (its figure is returned); default a new figure of ``figsize``.
    figsize
        Size of a new figure in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib import patheffects
    from matplotlib.collections import PathCollection
    from matplotlib.colors import Normalize
    from matplotlib.patches import Patch
    from matplotlib.path import Path as MplPath

    from . import registry

    txt = _text(lang)
    geo = geometry()
    vals = _check_values(values, geo)
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    else:
        fig = ax.figure  # type: ignore[assignment]
    ax.set_facecolor(SEA_COLOUR)

    def path_of(rings: Sequence[np.ndarray]) -> MplPath:
        verts = np.concatenate(rings)
        codes = np.concatenate(
            [np.r_[MplPath.MOVETO, np.full(len(r) - 2, MplPath.LINETO), MplPath.CLOSEPOLY] for r in rings]
        )
        return MplPath(verts, codes.astype(np.uint8))

    paths = [path_of(v.rings) for v in geo.villages]
    handles: list[Any] = []
    is_cat = _is_categorical(vals, categorical)
    if vals is None:
        faces: list[Any] = [LAND_COLOUR] * len(paths)
    elif is_cat:
        cats = _categories(vals)
        colours = _category_colours(cats, cmap)
        faces = [colours[v] if pd.notna(v) else NO_DATA_COLOUR for v in vals]
        handles = [Patch(facecolor=colours[c], edgecolor="0.3", label=str(c)) for c in cats]
    else:
        numbers = vals.astype("float64")
        finite = numbers[np.isfinite(numbers)]
        if finite.empty:
            raise ValueError("values: no finite number to colour")
        norm = Normalize(float(finite.min()), float(finite.max()))
        cm = plt.get_cmap(cmap if isinstance(cmap, str) else "viridis")
        faces = [cm(norm(v)) if np.isfinite(v) else NO_DATA_COLOUR for v in numbers]
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cm)
        cbar = fig.colorbar(sm, ax=ax, shrink=0.7, pad=0.02)
        cbar.set_label(label or str(values.name or txt["value"]) if values is not None else "")
    if vals is not None and vals.isna().any():
        handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="0.3", label=txt["no_data"]))
    for ring in neighbours().values():
        ax.fill(ring[:, 0], ring[:, 1], color=OTHER_LAND_COLOUR, linewidth=0, zorder=1)
    ax.add_collection(PathCollection(paths, facecolors=faces, edgecolors="white", linewidths=0.35, zorder=2))
    # kecamatan outlines
    for district in geo.districts:
        for ring in district.rings:
            ax.plot(ring[:, 0], ring[:, 1], color="0.2", linewidth=0.9, zorder=3, solid_joinstyle="round")
    (xlim, ylim) = _frame(geo)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect(geo.aspect)
    ax.set_xlabel(txt["lon"])
    ax.set_ylabel(txt["lat"])
    ax.yaxis.set_major_formatter(lambda y, _pos: f"{abs(y):.2f}")
    ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:.2f}")
    ax.tick_params(labelsize=8)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    if kecamatan_labels:
        d = registry.districts()
        for _, row in d.iterrows():
            ax.text(
                row["centroid_lon"],
                row["centroid_lat"],
                row["district_name"],
                ha="center",
                va="center",
                fontsize=7.5,
                color="0.15",
                path_effects=halo,
                zorder=5,
            )
    if landmarks:
        office, island, _ = _landmarks()
        ax.plot(*office, marker="*", markersize=14, color="red", markeredgecolor="black", zorder=6, linestyle="none")
        ax.annotate(
            txt["office"],
            office,
            xytext=(7, -13),
            textcoords="offset points",
            fontsize=8,
            color="darkred",
            fontweight="bold",
            path_effects=halo,
            zorder=6,
        )
        ax.annotate(
            txt["island"],
            island,
            xytext=(14, -4),
            textcoords="offset points",
            fontsize=8.5,
            color="navy",
            fontstyle="italic",
            arrowprops=dict(arrowstyle="-", color="navy", lw=0.6),
            zorder=6,
        )
        sea: dict[str, Any] = dict(fontsize=10, color="#2b6c99", fontstyle="italic", ha="center", zorder=1)
        ax.text((xlim[0] + xlim[1]) / 2, ylim[1] - 0.012, txt["java_sea"], va="top", **sea)
        ax.text((xlim[0] + xlim[1]) / 2 + 0.08, ylim[0] + 0.01, txt["madura_strait"], va="bottom", **sea)
        edge: dict[str, Any] = dict(fontsize=7.5, color="0.3", va="center", rotation=90, zorder=1)
        for name, ring in neighbours().items():
            x = xlim[0] + 0.008 if name == "bangkalan" else xlim[1] - 0.008
            ax.text(x, float(ring[:, 1].mean()), txt[name], ha="center", **edge)
    if handles:
        ax.legend(
            handles=handles,
            title=label if is_cat else None,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=8,
            title_fontsize=8.5,
            frameon=False,
        )
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    return fig


# -- HoloViews / Bokeh ----------------------------------------------------------------------------


def village_map_hv(
    values: pd.Series | None = None,
    *,
    title: str | None = None,
    label: str | None = None,
    lang: str = "id",
    categorical: bool = False,
    cmap: str | Sequence[str] | dict[Any, str] | None = None,
    kecamatan_labels: bool = True,
    landmarks: bool = True,
    hover: pd.DataFrame | None = None,
    width: int = 560,
) -> Any:
    """Interactive choropleth of the 186 villages (HoloViews overlay, Bokeh backend, no tiles).

    Same geometry, colours and texts as :func:`village_map`; hovering a village shows its name,
    kecamatan, code and value (plus the columns of ``hover``).

    Parameters
    ----------
    values, title, label, lang, categorical, cmap, kecamatan_labels, landmarks
        As in :func:`village_map`.
    hover
        Extra columns to show on hover, indexed by village code (e.g. population).
    width
        Width of the map area in pixels (colour bar and legend come on top); the height follows
        from the map's aspect ratio.

    Returns
    -------
    holoviews.Overlay
    """
    import holoviews as hv  # type: ignore[import-untyped]

    if "bokeh" not in hv.Store.renderers:
        import holoviews.plotting.bokeh  # type: ignore[import-untyped]  # noqa: F401  (registers the backend)

    from . import registry

    txt = _text(lang)
    geo = geometry()
    vals = _check_values(values, geo)
    is_cat = _is_categorical(vals, categorical)
    value_name = label or (str(values.name) if values is not None and values.name is not None else txt["value"])
    extra = hover.reindex(geo.village_codes()) if hover is not None else None
    extra_cols = [str(c) for c in extra.columns] if extra is not None else []

    def record(i: int, v: VillageShape, value: Any) -> dict[str, Any]:
        ring = v.rings[0]
        rec: dict[str, Any] = {
            "x": ring[:, 0],
            "y": ring[:, 1],
            "village": v.village_name,
            "kecamatan": v.district_name,
            "code": v.village_code,
            "value": value,
        }
        if len(v.rings) > 1:
            rec["holes"] = [list(v.rings[1:])]
        for c in extra_cols:
            rec[c] = extra.iloc[i][c] if extra is not None else None
        return rec

    (xlim, ylim) = _frame(geo)
    # explicit ranges: HoloViews would otherwise scan all 186 geometries several times per render
    kdims = [hv.Dimension("x", label=txt["lon"], range=xlim), hv.Dimension("y", label=txt["lat"], range=ylim)]
    value_range: tuple[float, float] | tuple[None, None] = (None, None)
    if vals is not None and not is_cat:
        finite_all = vals.astype("float64")[np.isfinite(vals.astype("float64"))]
        if not finite_all.empty:
            value_range = (float(finite_all.min()), float(finite_all.max()))
    vdims = [
        hv.Dimension("village", label=txt["village"]),
        hv.Dimension("kecamatan", label=txt["kecamatan"]),
        "code",
        hv.Dimension("value", label=value_name, range=value_range),
        *extra_cols,
    ]
    poly_style = dict(line_color="white", line_width=0.5, tools=["hover"])
    layers: list[Any] = []
    if vals is None:
        recs = [record(i, v, math.nan) for i, v in enumerate(geo.villages)]
        layers.append(hv.Polygons(recs, kdims=kdims, vdims=vdims).opts(color=LAND_COLOUR, **poly_style))
    elif is_cat:
        cats = _categories(vals)
        colours = _category_colours(cats, cmap)
        groups: list[tuple[str, str, list[int]]] = [
            (str(c), colours[c], [i for i, x in enumerate(vals) if pd.notna(x) and x == c]) for c in cats
        ]
        missing = [i for i, x in enumerate(vals) if pd.isna(x)]
        if missing:
            groups.append((txt["no_data"], NO_DATA_COLOUR, missing))
        for name, colour, idx in groups:
            recs = [record(i, geo.villages[i], str(vals.iloc[i])) for i in idx]
            layers.append(
                hv.Polygons(recs, kdims=kdims, vdims=vdims, label=name).opts(
                    color=colour, show_legend=True, **poly_style
                )
            )
    else:
        numbers = vals.astype("float64")
        finite = numbers[np.isfinite(numbers)]
        if finite.empty:
            raise ValueError("values: no finite number to colour")
        missing = [i for i, x in enumerate(numbers) if not np.isfinite(x)]
        if missing:
            recs = [record(i, geo.villages[i], math.nan) for i in missing]
            layers.append(
                hv.Polygons(recs, kdims=kdims, vdims=vdims, label=txt["no_data"]).opts(
                    color=NO_DATA_COLOUR, show_legend=True, **poly_style
                )
            )
        recs = [
            record(i, v, float(numbers.iloc[i])) for i, v in enumerate(geo.villages) if np.isfinite(numbers.iloc[i])
        ]
        layers.append(
            hv.Polygons(recs, kdims=kdims, vdims=vdims).opts(
                color="value",
                cmap=cmap if isinstance(cmap, str) else "viridis",
                colorbar=True,
                clim=(float(finite.min()), float(finite.max())),
                clabel=value_name,
                **poly_style,
            )
        )
    others = [{"x": r[:, 0], "y": r[:, 1]} for r in neighbours().values()]
    layers.insert(0, hv.Polygons(others, kdims=kdims).opts(color=OTHER_LAND_COLOUR, line_alpha=0, tools=[]))
    outlines = [{"x": r[:, 0], "y": r[:, 1]} for d in geo.districts for r in d.rings]
    layers.append(hv.Path(outlines, kdims=kdims).opts(color="#333333", line_width=1.2))
    if kecamatan_labels:
        d = registry.districts()
        layers.append(
            hv.Labels(d, kdims=["centroid_lon", "centroid_lat"], vdims=["district_name"]).opts(
                text_font_size="8pt", text_color="#222222"
            )
        )
    if landmarks:
        office, island, _ = _landmarks()
        layers.append(
            hv.Points([office], label=txt["office"]).opts(marker="star", size=18, color="red", line_color="black")
        )
        layers.append(
            hv.Text(island[0] + 0.012, island[1] - 0.004, txt["island"], halign="left").opts(
                text_font_size="9pt", text_color="navy", text_font_style="italic"
            )
        )
        sea = dict(text_font_size="10pt", text_color="#2b6c99", text_font_style="italic")
        mid = (xlim[0] + xlim[1]) / 2
        layers.append(hv.Text(mid, ylim[1] - 0.012, txt["java_sea"], valign="top").opts(**sea))
        layers.append(hv.Text(mid + 0.08, ylim[0] + 0.01, txt["madura_strait"], valign="bottom").opts(**sea))
    from bokeh.models import CustomJSTickFormatter

    south = CustomJSTickFormatter(code="return Math.abs(tick).toFixed(2)")  # latitudes are south: no minus sign
    frame_height = int(width * geo.aspect * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0]))
    return hv.Overlay(layers).opts(
        title=title or "",
        xlabel=txt["lon"],
        ylabel=txt["lat"],
        xlim=xlim,
        ylim=ylim,
        yformatter=south,
        xformatter="%.2f",
        bgcolor=SEA_COLOUR,
        frame_width=width,
        frame_height=frame_height,
        show_legend=bool(vals is not None and (is_cat or vals.isna().any())) or landmarks,
        legend_position="right",
        toolbar="above",
    )
