"""Regency packs: the built-in Sampang pack, pack loading/validation, init for another code."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sakera_toolkit import registry
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.regency import Regency, init_pack, load_pack

MANDANGIN = "35.27.03.2001"


def pamekasan_villages(n_per_kecamatan: int = 3) -> pd.DataFrame:
    """A small synthetic villages table for 35.28 (real kecamatan codes, invented villages)."""
    rng = np.random.default_rng(5)
    rows = []
    for k in range(1, 14):
        for v in range(1, n_per_kecamatan + 1):
            kind = 1 if (k == 4 and v == 1) else 2  # one kelurahan in Kec. Pamekasan
            rows.append(
                {
                    "village_code": f"35.28.{k:02d}.{kind}{v:03d}",
                    "village_name": f"Desa Uji {k}-{v}",
                    "lat": round(-7.15 + rng.uniform(-0.1, 0.1), 5),
                    "lon": round(113.48 + rng.uniform(-0.1, 0.1), 5),
                }
            )
    return pd.DataFrame(rows)


def test_sampang_pack_matches_registry():
    reg = Regency.sampang()
    assert reg.code == "35.27" and len(reg.village_codes) == 186 and len(reg.district_codes) == 14
    assert reg.population(2025).sum() == 1_033_926
    assert reg.population(2024).equals(registry.village_population(2024))
    # MPP Sampang opened in November 2021 (research notes §9.6)
    mpp = reg.point("mpp")
    assert mpp is not None and mpp.opens == dt.date(2021, 11, 1) and "Wahid Hasyim" in mpp.address
    assert reg.point_open_day("mpp", dt.date(2021, 10, 1)) == 31
    assert reg.point_open_day("mpp", dt.date(2022, 1, 1)) == 0
    (leg,) = reg.legs
    assert leg.village_code == MANDANGIN and leg.kind == "boat" and leg.fare_idr == 10_000


def test_regency_is_immutable_to_callers():
    reg = Regency.sampang()
    v = reg.villages
    v.loc[0, "village_name"] = "changed"
    assert reg.villages.loc[0, "village_name"] != "changed"
    with pytest.raises(AttributeError):
        reg.code = "x"  # type: ignore[misc]


def test_sampang_round_trips_through_a_pack(tmp_path):
    reg = Regency.sampang()
    reg.to_pack(tmp_path / "sampang")
    back = load_pack(tmp_path / "sampang")
    assert back.population(2023).equals(reg.population(2023))
    for point in ("office", "mpp", "kecamatan"):
        pd.testing.assert_frame_equal(back.travel().table(point), reg.travel().table(point))
    assert back.point("mpp").opens == dt.date(2021, 11, 1)


def test_with_data_population_and_roads(tmp_path):
    reg = Regency.sampang()
    pop = tmp_path / "pop.csv"
    pd.DataFrame({"village_code": reg.village_codes, "population": 1000}).to_csv(pop, index=False)
    roads = tmp_path / "roads.csv"
    roads.write_text("village_code,point,road_km\n35.27.11.2001,office,61\n", encoding="utf-8")
    r2 = reg.with_data(population_csv=pop, road_distance_csv=roads)
    assert r2.population(2030).sum() == 186_000
    assert r2.travel().table("office").loc["35.27.11.2001", "distance_km"] == 61
    assert "pop.csv" in r2.describe() and "roads.csv" in r2.describe()
    assert "estimate" in reg.describe() and reg.population(2025).sum() == 1_033_926  # original unchanged


def test_init_pack_for_pamekasan_with_total(tmp_path):
    vil = pamekasan_villages()
    src = tmp_path / "villages.csv"
    vil.to_csv(src, index=False)
    reg = init_pack("3528", src, tmp_path / "pamekasan", total=39_000, year=2025)
    assert reg.code == "35.28" and reg.name == "Kabupaten Pamekasan"
    assert set(reg.districts["district_name"]) >= {"Tlanakan", "Pamekasan", "Pasean"}
    pop = reg.population(2025)
    assert pop.sum() == 39_000
    kel = reg.villages.set_index("village_code")["village_type"] == "kelurahan"
    assert pop[kel].iloc[0] > pop[~kel].max()  # kelurahan weight 1.5
    assert reg.population(2027).sum() > 39_000  # grown at the calibrated rate
    table = reg.village_table(2025, point="kecamatan")
    assert len(table) == 39 and (table["travel_minutes"] > 0).all()
    assert reg.point("mpp") is None and reg.point_open_day("mpp", dt.date(2025, 1, 1)) == np.inf


def test_init_pack_errors(tmp_path):
    vil = pamekasan_villages()
    src = tmp_path / "villages.csv"
    vil.to_csv(src, index=False)
    with pytest.raises(SakeraInputError, match="national list"):
        init_pack("99.99", src, tmp_path / "x", total=1000)
    with pytest.raises(SakeraInputError, match="--total"):
        init_pack("35.28", src, tmp_path / "x")
    with pytest.raises(SakeraInputError, match="not in regency 35.27"):
        init_pack("35.27", src, tmp_path / "x", total=1000)
    bad = vil.astype(str)
    bad.loc[4, "lat"] = "north"
    bad.to_csv(src, index=False)
    with pytest.raises(SakeraInputError, match=r"villages.csv: row 6, lat: 'north' is not a number"):
        init_pack("35.28", src, tmp_path / "x", total=1000)
    assert not (tmp_path / "x").exists()  # nothing written


def test_load_pack_errors_name_file_and_field(tmp_path):
    vil = pamekasan_villages()
    src = tmp_path / "villages.csv"
    vil.to_csv(src, index=False)
    init_pack("35.28", src, tmp_path / "p", total=39_000)
    yml = tmp_path / "p" / "regency.yaml"
    text = yml.read_text(encoding="utf-8")
    yml.write_text(text + "travel_legs:\n- {village_code: 35.28.01.2001, kind: ferry}\n", encoding="utf-8")
    with pytest.raises(SakeraInputError, match=r"regency.yaml: travel_legs\[0\].kind: 'ferry'"):
        load_pack(tmp_path / "p")
    yml.write_text(text + "service_points2: {}\n", encoding="utf-8")
    with pytest.raises(SakeraInputError, match="service_points2: unknown field"):
        load_pack(tmp_path / "p")
    yml.write_text(
        text.replace("service_points:", "calibration: {registry: {circuity: {value: 1, source: x}}}\nservice_points:"),
        encoding="utf-8",
    )
    with pytest.raises(SakeraInputError, match=r"calibration.registry.circuity: unknown parameter"):
        load_pack(tmp_path / "p")
    with pytest.raises(SakeraInputError, match="regency pack not found"):
        load_pack(tmp_path / "nowhere")


def test_pack_boat_leg_and_mpp(tmp_path):
    vil = pamekasan_villages()
    src = tmp_path / "villages.csv"
    vil.to_csv(src, index=False)
    init_pack("35.28", src, tmp_path / "p", total=39_000)
    yml = tmp_path / "p" / "regency.yaml"
    yml.write_text(
        yml.read_text(encoding="utf-8")
        + "travel_legs:\n- {village_code: 35.28.01.2001, kind: boat, lat: -7.2, lon: 113.45, minutes: 30,"
        " wait_minutes: 15, fare_idr: 8000, source: 'assumption: test'}\n",
        encoding="utf-8",
    )
    reg = load_pack(tmp_path / "p")
    t = reg.travel().table("office")
    assert bool(t.loc["35.28.01.2001", "boat"]) and t["boat"].sum() == 1
    assert t.loc["35.28.01.2001", "travel_cost_idr"] >= 16_000


def test_regency_init_cli_creates_missing_parent_folders(tmp_path, monkeypatch, capsys):
    """docs/regency.md's `sakera regency init ... --out packs/pamekasan` works in an empty folder."""
    from sakera_toolkit.cli import main

    monkeypatch.chdir(tmp_path)
    pamekasan_villages().to_csv("villages.csv", index=False)
    args = ["regency", "init", "35.28", "--villages", "villages.csv", "--total", "850000", "--year", "2025"]
    assert main([*args, "--out", "packs/pamekasan"]) == 0
    assert (tmp_path / "packs" / "pamekasan" / "regency.yaml").is_file()
    (tmp_path / "afile").write_text("x")
    assert main([*args, "--out", "afile/pack"]) == 2  # an ancestor that is a file: one line, exit 2
    assert "is not a directory" in capsys.readouterr().err
