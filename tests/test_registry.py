"""Golden tests for the packaged Sampang registry, the population method and the travel model."""

from __future__ import annotations

import pandas as pd
import pytest

from sakera_toolkit import registry
from sakera_toolkit.errors import SakeraInputError

MANDANGIN = "35.27.03.2001"


@pytest.fixture(scope="module")
def vil() -> pd.DataFrame:
    return registry.villages()


def test_186_villages_180_desa_6_kelurahan(vil):
    assert len(vil) == 186 and vil["village_code"].is_unique
    assert vil["village_code"].str.fullmatch(r"35\.27\.(0[1-9]|1[0-4])\.[12]\d{3}").all()
    counts = vil["village_type"].value_counts().to_dict()
    assert counts == {"desa": 180, "kelurahan": 6}
    kel = set(vil.loc[vil["village_type"] == "kelurahan", "village_name"])
    assert kel == {"Polagan", "Banyuanyar", "Rongtengah", "Karang Dalam", "Gunung Sekar", "Dalpenang"}
    assert (vil.loc[vil["village_type"] == "kelurahan", "district_code"] == "35.27.03").all()
    assert vil.loc[vil["village_code"] == MANDANGIN, "village_type"].item() == "desa"


def test_14_kecamatan_and_per_kecamatan_counts(vil):
    dis = registry.districts()
    assert len(dis) == 14
    assert dis["district_code"].tolist() == [f"35.27.{i:02d}" for i in range(1, 15)]
    per = vil.groupby("district_code").size()
    assert (per.reindex(dis["district_code"]).to_numpy() == dis["villages"].to_numpy()).all()
    assert dis.set_index("district_code").loc["35.27.03", "villages"] == 18
    assert dis["pop_sp2020"].sum() == 969_694
    assert dis["pop_sp2010"].sum() == 877_772
    names = dict(zip(dis["district_code"], dis["district_name"], strict=True))
    assert names["35.27.01"] == "Sreseh" and names["35.27.14"] == "Karang Penang"
    # village rows carry their kecamatan's name
    assert (vil["district_name"] == vil["district_code"].map(names)).all()


def test_centroids_inside_the_bounding_box(vil):
    # West-central Madura (research-notes §2.1 gives 113°08'-113°39' BT, 06°05'-07°13' LS; the Sreseh
    # polygons reach a little further west); Mandangin lies south of the coast.
    mainland = vil[vil["village_code"] != MANDANGIN]
    assert mainland["lat"].between(-7.23, -6.08).all()
    assert mainland["lon"].between(113.0, 113.66).all()
    assert (mainland["lat"] > -7.25).all()
    island = vil[vil["village_code"] == MANDANGIN].iloc[0]
    assert island["lat"] == pytest.approx(-7.31057) and island["lon"] == pytest.approx(113.21354)


def test_national_lists_for_nik_regions():
    prov, reg, dis = registry.provinces(), registry.regencies(), registry.national_districts()
    assert prov.set_index("code").loc["35", "name"] == "Jawa Timur"
    assert reg.set_index("code").loc["35.27", "name"] == "Kabupaten Sampang"
    assert len(prov) >= 34 and len(reg) >= 500 and len(dis) >= 7000
    assert (dis[dis["regency_code"] == "35.27"]["code"].tolist()) == [f"35.27.{i:02d}" for i in range(1, 15)]


def test_population_2025_sums_to_registry_total():
    pop = registry.village_population(2025)
    assert pop.sum() == 1_033_926
    assert len(pop) == 186 and (pop > 0).all()
    assert 15_000 < pop[MANDANGIN] < 19_000  # "sekitar 16 ribu" to "18.000 jiwa" (research-notes §2.4)
    dis = registry.districts().set_index("district_code")
    by_dis = pop.groupby(pop.index.str[:8]).sum()
    share = by_dis / by_dis.sum()
    census = dis["pop_sp2020"] / dis["pop_sp2020"].sum()
    assert (share - census.reindex(share.index)).abs().max() < 1e-5
    assert registry.village_population(2025).equals(pop)  # deterministic


def test_population_other_years_and_bad_year():
    assert registry.village_population(2030).sum() > registry.village_population(2025).sum()
    assert registry.village_population(2020).sum() < 1_033_926
    with pytest.raises(SakeraInputError, match="year"):
        registry.village_population(1800)


def drop_rows(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(index=[7, 8])


def _override(tmp_path, edit=None) -> str:
    df = pd.DataFrame({"village_code": registry.villages()["village_code"], "population": 1000})
    df["population"] = df["population"].astype(object)
    if edit:
        df = edit(df) if edit.__name__ == "drop_rows" else (edit(df), df)[1]
    path = tmp_path / "pop.csv"
    df.to_csv(path, index=False)
    return str(path)


def test_override_csv_is_used(tmp_path):
    pop = registry.village_population(2025, override=_override(tmp_path))
    assert (pop == 1000).all() and pop.sum() == 186_000
    table = registry.village_table(population_csv=_override(tmp_path))
    assert (table["population"] == 1000).all()


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda df: df.__setitem__("village_code", df["village_code"].where(df.index != 4, "35.27.99.9999")),
            r"row 6: unknown village_code '35.27.99.9999'",
        ),
        (
            lambda df: df.__setitem__("population", df["population"].where(df.index != 0, -5)),
            r"row 2, population: .*-5.*>= 0",
        ),
        (
            lambda df: df.__setitem__("population", df["population"].where(df.index != 9, "")),
            r"row 11, population: population is missing",
        ),
        (
            lambda df: df.__setitem__("population", df["population"].where(df.index != 2, "many")),
            r"row 4, population: .*not a number",
        ),
        (drop_rows, r"2 village\(s\) missing"),
        (
            lambda df: df.__setitem__("village_code", df["village_code"].where(df.index != 3, df["village_code"][2])),
            r"row 5: duplicate village_code",
        ),
    ],
)
def test_override_csv_errors_name_the_row(tmp_path, edit, match):
    path = _override(tmp_path, edit)
    with pytest.raises(SakeraInputError, match=match) as info:
        registry.village_population(2025, override=path)
    assert path in str(info.value)


def test_override_csv_missing_column_and_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,people\n35.27.01.2001,5\n", encoding="utf-8")
    with pytest.raises(SakeraInputError, match="missing column"):
        registry.village_population(override=str(path))
    with pytest.raises(SakeraInputError, match="file not found"):
        registry.village_population(override=str(tmp_path / "none.csv"))


@pytest.fixture(scope="module")
def travel() -> pd.DataFrame:
    return registry.TravelModel().table("office")


def test_mandangin_has_the_boat_leg_and_is_slower_than_its_neighbours(travel, vil):
    assert travel["boat"].sum() == 1 and bool(travel.loc[MANDANGIN, "boat"])
    neighbours = vil[(vil["district_code"] == "35.27.03") & (vil["village_code"] != MANDANGIN)]["village_code"]
    island = travel.loc[MANDANGIN]
    assert (island["travel_minutes"] > travel.loc[neighbours, "travel_minutes"]).all()
    assert (island["travel_cost_idr"] > travel.loc[neighbours, "travel_cost_idr"]).all()
    # the boat (45 min + 20 min wait, calibration) dominates the island's trip
    assert island["travel_minutes"] >= 65
    # the fare both ways is in the round-trip cost
    assert island["travel_cost_idr"] >= 2 * 10_000  # Rp10,000 each way (research notes §9.6)


def test_travel_increases_with_distance(travel, vil):
    mainland = travel.drop(index=MANDANGIN)
    ranked = mainland.sort_values("distance_km")
    assert ranked["travel_minutes"].is_monotonic_increasing
    far = travel.loc[vil.loc[vil["district_code"] == "35.27.11", "village_code"], "distance_km"]
    near = travel.loc[vil.loc[vil["village_type"] == "kelurahan", "village_code"], "distance_km"]
    assert far.min() > near.max()
    assert (travel["distance_km"] >= 0).all() and (travel["travel_cost_idr"] >= 0).all()


def test_road_distance_csv_replaces_estimate(tmp_path):
    path = tmp_path / "roads.csv"
    path.write_text("village_code,point,road_km\n35.27.11.2001,office,61\n", encoding="utf-8")
    roads = registry.read_road_distance_csv(path)
    table = registry.TravelModel(road_distances=roads).table("office")
    assert table.loc["35.27.11.2001", "distance_km"] == 61
    path.write_text("village_code,point,road_km\n35.27.11.2001,moon,61\n", encoding="utf-8")
    with pytest.raises(SakeraInputError, match="row 2, point"):
        registry.read_road_distance_csv(path)


def test_village_table_columns():
    table = registry.village_table()
    assert list(table.columns) == [
        "village_code", "village_name", "village_type", "district_code", "district_name", "lat", "lon",
        "population", "distance_km", "travel_minutes", "travel_cost_idr",
    ]  # fmt: skip
    assert len(table) == 186 and table["population"].sum() == 1_033_926
    with pytest.raises(SakeraInputError, match="travel mode"):
        registry.TravelModel(mode="helicopter")
