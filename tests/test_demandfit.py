"""sakera demand fit: log reading (columns, personal data), shrinkage, override file, engine use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sakera_toolkit import calibration, demand
from sakera_toolkit.demandfit import fit, parse_columns, read_log
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.regency import Regency
from sakera_toolkit.services import SERVICE_IDS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LOG = ROOT / "sample_data" / "requests.csv"


def test_sample_log_fit_drops_personal_columns_and_recovers_rates():
    f = fit(SAMPLE_LOG, by="village,service,month")
    assert set(f.meta["dropped_columns"]) == {"nik", "nama", "alamat", "no_hp"}
    assert f.meta["villages_covered"] == 6 and f.village_rates is not None and f.monthly is not None
    text = str(f.to_dict())
    assert "nik" not in f.to_dict()["villages"] and "Dusun" not in text  # no personal value leaks
    calib = demand.rates()
    # the log is simulated with the calibrated rates: the fitted profile is close (Jan-Apr, no school/Lebaran months)
    assert f.profile.sum() == pytest.approx(calib.sum(), rel=0.12)
    for sid in ("kk_perubahan", "ktp_perubahan", "ktp_hilang_rusak"):
        assert f.profile[sid] == pytest.approx(calib[sid], rel=0.15)
    assert np.allclose(f.monthly.loc[:, [1, 2, 3, 4]].mean(axis=1), 1.0)
    assert (f.monthly.loc[:, [6, 7, 8]] == 1.0).all().all()  # months not observed stay neutral


def _log(rows: dict[str, list]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_shrinkage_pulls_small_villages_to_the_profile():
    reg = Regency.sampang()
    big, small = "35.27.03.1003", "35.27.05.2005"
    pop = reg.population(2024)
    dates = [f"2024-01-{d:02d}" for d in range(1, 32)]
    log = _log({"date": dates[:20] + [dates[-1]], "village_code": [big] * 20 + [small], "service": ["kia"] * 21})
    f = fit(log, reg, by="village,service", prior_requests=20)
    years = 31 / 365.25
    assert f.profile["kia"] == pytest.approx(21 / ((pop[big] + pop[small]) * years) * 1000)
    raw_small, raw_big = 1 / (pop[small] * years) * 1000, 20 / (pop[big] * years) * 1000
    shrunk_small, shrunk_big = f.village_rates.loc[small, "kia"], f.village_rates.loc[big, "kia"]
    assert raw_small < shrunk_small < f.profile["kia"] < shrunk_big < raw_big
    # few records: the small village stays nearer the profile than its own raw rate
    assert abs(shrunk_small - f.profile["kia"]) < abs(raw_small - f.profile["kia"]) / 2
    no_prior = fit(log, reg, by="village,service", prior_requests=0)
    assert no_prior.village_rates.loc[small, "kia"] == pytest.approx(raw_small)


def test_kecamatan_only_log_is_spread_by_population():
    reg = Regency.sampang()
    log = _log({"tanggal": ["2024-03-01"] * 100, "kecamatan": ["Sokobanah"] * 100, "layanan": ["Akta kelahiran"] * 100})
    f = fit(log, reg, by="village,service", prior_requests=0)
    codes = reg.villages.query("district_name == 'Sokobanah'")["village_code"]
    assert list(f.village_rates.index) == sorted(codes)
    assert f.village_rates["akta_kelahiran"].nunique() <= 3  # same rate up to rounding: spread by population


@pytest.mark.parametrize(
    "rows,match",
    [
        ({"tanggal": ["2024-01-02", "besok"], "layanan": ["kia", "kia"]}, "row 3, tanggal: 'besok' is not a date"),
        ({"tanggal": ["2024-01-02"], "layanan": ["sim_c"]}, "row 2, layanan: unknown service 'sim_c'"),
        (
            {"date": ["2024-01-02"], "service": ["kia"], "kode_desa": ["35.27.99.9999"]},
            "row 2, kode_desa: unknown village",
        ),
        (
            {"date": ["2024-01-05"], "service": ["kia"], "tanggal_selesai": ["2024-01-01"]},
            "row 2, tanggal_selesai: .*before",
        ),
        ({"date": ["2024-01-05"], "service": ["kia"], "kanal": ["pos"]}, "row 2, kanal: unknown channel 'pos'"),
        ({"nama": ["x"], "service": ["kia"]}, "needs a date column"),
    ],
)
def test_bad_logs_name_file_row_and_field(tmp_path, rows, match):
    path = tmp_path / "log.csv"
    _log(rows).to_csv(path, index=False)
    with pytest.raises(SakeraInputError, match=f"log.csv: .*{match}|log.csv: {match}"):
        read_log(path)


def test_columns_mapping():
    log = _log({"tgl_daftar": ["2024-01-02"], "jenis": ["KIA"], "nik": ["3527000000000001"]})
    rl = read_log(log, columns=parse_columns("date=tgl_daftar,service=jenis"))
    assert rl.frame["service"].tolist() == ["kia"] and rl.dropped_columns == ("nik",)
    with pytest.raises(SakeraInputError, match="--columns"):
        parse_columns("when=tgl")
    with pytest.raises(SakeraInputError, match="not in the log"):
        read_log(log, columns={"date": "nope"})


def test_override_file_round_trip_and_engine_use(tmp_path):
    f = fit(SAMPLE_LOG, by="village,service,month")
    path = f.write(tmp_path / "demand.yaml")
    back = demand.read_fitted(path)
    assert back.village_rates is not None and back.monthly is not None
    codes = Regency.sampang().village_codes
    rates = back.rates_for(codes)
    covered = sorted(f.village_rates.index)
    np.testing.assert_allclose(
        rates.loc[covered].to_numpy(), f.village_rates.loc[covered, list(SERVICE_IDS)], atol=1e-4
    )
    other = [c for c in codes if c not in covered][0]
    np.testing.assert_allclose(rates.loc[other].to_numpy(), f.profile.reindex(list(SERVICE_IDS)).to_numpy(), atol=1e-4)
    # the engine draws per-village demand from it: only villages with a rate get requests
    only = pd.DataFrame(0.0, index=list(codes), columns=list(SERVICE_IDS))
    only.loc["35.27.03.2001", "kia"] = 1000.0
    req = demand.generate(dt.date(2024, 1, 1), 60, seed=2, rate=only, monthly=back.monthly)
    assert set(np.asarray(req.village_codes)[req.village]) == {"35.27.03.2001"}
    assert set(np.asarray(SERVICE_IDS)[req.service]) == {"kia"}
    # a scenario references it; FlowParams carries it
    yml = tmp_path / "s.yaml"
    yml.write_text(
        "name: fitted\nhorizon: {start_date: 2024-01-01, days: 30}\ndemand: {fitted: demand.yaml}\n", encoding="utf-8"
    )
    from sakera_toolkit import scenarios

    p = scenarios.load(yml).to_flow_params()
    assert p.demand_fitted == str(path)
    rate, monthly = demand.params_rates(p)
    assert isinstance(rate, pd.DataFrame) and monthly is not None
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: sakera-demand-fit\nprofile: {kia: -1}\n", encoding="utf-8")
    with pytest.raises(SakeraInputError, match=r"bad.yaml: profile.kia"):
        demand.read_fitted(bad)


def test_prior_default_is_calibrated():
    c = calibration.load("demand")
    assert c["demand_fit_prior_requests"] > 0 and "assumption" in c.sources["demand_fit_prior_requests"]


def test_log_as_a_request_stream():
    rl = read_log(SAMPLE_LOG)
    req = rl.to_requests(seed=4)
    assert len(req) == len(rl.frame) and (req.arrival[1:] >= req.arrival[:-1]).all()
    frac = req.arrival % 1.0
    assert (frac >= 8 / 24).all() and (frac <= 14 / 24).all()
    again = rl.to_requests(seed=4)
    assert (again.arrival == req.arrival).all() and (again.village == req.village).all()
    codes = np.asarray(req.village_codes)[req.village]
    assert set(codes) == set(rl.frame["village_code"])
    kec = read_log(_log({"tanggal": ["2024-03-01"] * 50, "kecamatan": ["Sreseh"] * 50, "layanan": ["kia"] * 50}))
    k = kec.to_requests(seed=1)
    assert {c[:8] for c in np.asarray(k.village_codes)[k.village]} == {"35.27.01"}
