"""SIAK activations as request types: Aktivasi IKD and Aktivasi NIK (issue 10 §3, research notes §9.5, §9.8)."""

import copy
import datetime as dt

import numpy as np
import pandas as pd
import pytest
import yaml

from sakera_toolkit import calibration, demand, life_events
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.services import ACTIVATION_IDS, DOCUMENT_IDS, SERVICE_IDS, load_catalogue
from sakera_toolkit.sim import FlowParams, compile, run

START = dt.date(2025, 1, 1)


def _no_activations() -> pd.Series:
    return demand.rates().mul(pd.Series({s: 0.0 if s in ACTIVATION_IDS else 1.0 for s in SERVICE_IDS}))


# -- catalogue ------------------------------------------------------------------------------------
def test_catalogue_accepts_the_activations_as_engine_only_digital_services():
    cat = load_catalogue()
    assert SERVICE_IDS[-2:] == ACTIVATION_IDS and DOCUMENT_IDS == SERVICE_IDS[:-2]
    ikd, nik = cat.get("aktivasi_ikd"), cat.get("aktivasi_nik")
    assert (ikd.name_id, nik.name_id) == ("Aktivasi IKD", "Aktivasi NIK")
    for s in (ikd, nik):
        assert s.medium == "digital" and not s.needs_blanko and not s.back_office and not s.training
        assert not {"verification", "tte_signing", "print_hvs", "card_printing"} & set(s.desk_steps + s.office_steps)
    assert ikd.desk_can_finish and "ikd_activation" in ikd.desk_steps
    # aktivasi NIK needs the KTP-el recording the person never did: never at a village desk
    assert nik.needs_biometric and not nik.desk_can_finish and "biometric_recording" in nik.office_steps
    assert "Permendagri 72/2022" in ikd.legal_basis and "Permendagri 95/2019 Pasal 96" in nik.legal_basis
    assert cat.training_ids() == DOCUMENT_IDS


def _write(tmp_path, services):
    with open(_packaged_path(), encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    raw["services"] = services(raw["services"])
    p = tmp_path / "services.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return p


def _packaged_path():
    from importlib import resources

    return str(resources.files("sakera_toolkit") / "data" / "services.yaml")


def test_catalogue_rejects_a_digital_service_with_a_print_step_or_a_document_without_verification(tmp_path):
    def printed(services):
        s = copy.deepcopy(services)
        ikd = next(x for x in s if x["id"] == "aktivasi_ikd")
        ikd["desk_steps"] = ["intake_check", "ikd_activation", "print_hvs", "handover"]
        return s

    with pytest.raises(SakeraInputError, match="digital service"):
        load_catalogue(_write(tmp_path, printed))

    def unverified(services):
        s = copy.deepcopy(services)
        kk = next(x for x in s if x["id"] == "kk_baru")
        kk["office_steps"] = ["tte_signing"]
        return s

    with pytest.raises(SakeraInputError, match="verification"):
        load_catalogue(_write(tmp_path, unverified))

    def bad_flag(services):
        s = copy.deepcopy(services)
        s[-1]["training"] = "no"
        return s

    with pytest.raises(SakeraInputError, match="training"):
        load_catalogue(_write(tmp_path, bad_flag))


def test_training_never_draws_an_activation():
    from sakera_toolkit import training

    drawn = {training.generate_case(seed=k).service_id for k in range(40)}
    assert drawn and not drawn & set(ACTIVATION_IDS)
    with pytest.raises(SakeraInputError, match="not a training case"):
        training.generate_case(seed=1, service_id="aktivasi_ikd")


# -- demand ---------------------------------------------------------------------------------------
def test_rates_are_stock_shares_times_uptakes():
    c = calibration.load("demand")
    r = demand.rates()
    for sid in ACTIVATION_IDS:
        entry = c[f"rate_{sid}"]
        assert r[sid] == pytest.approx(1000.0 * float(c[entry["stock"]]) * float(entry["uptake_per_year"]))
    assert r["aktivasi_ikd"] == pytest.approx(14.0) and r["aktivasi_nik"] == pytest.approx(2.82)
    assert demand.rates({"aktivasi_ikd": 70.0})["aktivasi_ikd"] == 70.0  # the sensitivity lever


def test_stock_shares_match_the_synthetic_population():
    from sakera_toolkit.people.synthetic import generate_population

    c = calibration.load("demand")
    _, p = generate_population(persons=20000, seed=3)
    n = len(p)
    holders = float(p["has_ktp_el"].mean())
    inactive = float(((p["age"] >= 22) & ~p["has_ktp_el"].astype(bool)).mean())
    for got, key in ((holders, "stock_ktp_holders"), (inactive, "stock_nik_inactive")):
        want = float(c[key])
        assert abs(got - want) < 4 * np.sqrt(want * (1 - want) / n) + 0.01 * want, key


def test_annual_volumes_match_the_rates_within_sampling_error():
    req = demand.generate(START, 365, seed=5)
    from sakera_toolkit.registry import village_population

    residents = float(village_population(START.year).sum())
    counts = np.bincount(req.service.astype(np.int64), minlength=len(SERVICE_IDS))
    for sid in ACTIVATION_IDS:
        lam = demand.rates()[sid] * residents / 1000.0
        got = counts[SERVICE_IDS.index(sid)]
        assert abs(got - lam) < 4 * np.sqrt(lam), (sid, got, lam)
    assert counts[SERVICE_IDS.index("aktivasi_ikd")] > 10_000


@pytest.mark.parametrize("backlog", [0, 40])
def test_document_requests_are_the_same_with_or_without_activations(backlog):
    kw = dict(seed=np.random.SeedSequence(17), initial_backlog=backlog)
    with_act = demand.generate(START, 120, **kw)
    kw["seed"] = np.random.SeedSequence(17)
    without = demand.generate(START, 120, rate=_no_activations(), **kw)
    assert not np.isin(without.service, [SERVICE_IDS.index(s) for s in ACTIVATION_IDS]).any()
    keep = with_act.service < len(DOCUMENT_IDS)
    assert (~keep).sum() > 1000
    for name in ("arrival", "village", "service", "backlog"):
        np.testing.assert_array_equal(getattr(with_act, name)[keep], getattr(without, name), err_msg=name)


def test_document_requests_per_village_rates_are_the_same_with_or_without_activations():
    codes = compile(FlowParams(days=30)).village_codes
    base = pd.DataFrame([demand.rates()] * len(codes), index=list(codes))
    base.iloc[::3] *= 1.7
    off = base.copy()
    off[list(ACTIVATION_IDS)] = 0.0
    a = demand.generate(START, 60, seed=4, rate=base)
    b = demand.generate(START, 60, seed=4, rate=off)
    keep = a.service < len(DOCUMENT_IDS)
    np.testing.assert_array_equal(a.arrival[keep], b.arrival)
    np.testing.assert_array_equal(a.village[keep], b.village)


def test_life_event_documents_are_the_same_with_or_without_activations():
    params = FlowParams(days=60, warmup_days=0, life_events=life_events.LifeEventSettings(coverage=True))
    on = compile(params)
    off = compile(FlowParams(days=60, warmup_days=0, life_events=life_events.LifeEventSettings(coverage=True),
                             demand_overrides={s: 0.0 for s in ACTIVATION_IDS}))  # fmt: skip
    a, b = life_events.generate(on, 9), life_events.generate(off, 9)
    keep = a.service < len(DOCUMENT_IDS)
    assert (~keep).sum() > 500
    for name in ("arrival", "village", "service", "kind"):
        np.testing.assert_array_equal(getattr(a, name)[keep], getattr(b, name), err_msg=name)
    # the same grouping into visits (event ids are renumbered by the merge, not regrouped)
    _, ga = np.unique(a.event[keep], return_inverse=True)
    _, gb = np.unique(b.event, return_inverse=True)
    np.testing.assert_array_equal(ga, gb)
    kinds = np.asarray(life_events.EVENT_KINDS)[a.kind[~keep]]
    assert set(kinds) <= set(ACTIVATION_IDS)


# -- engine ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sim():
    params = FlowParams.all_live(start_date=dt.date(2025, 2, 3), days=30, warmup_days=0, demand_scale=0.3,
                                 random_outages_per_year=0.0)  # fmt: skip
    return run(params, seed=3)


def test_the_village_desk_serves_ikd_activation_in_one_visit(sim):
    t = sim.trace
    ikd = t[t["service"] == "aktivasi_ikd"]
    assert len(ikd) > 100 and (ikd["channel"] == "desa").all()
    done = ikd[ikd["outcome"] == "completed"]
    assert len(done) > 0.8 * len(ikd)
    # finished when its SIAK transaction goes through: no verification, signature, print or pick-up
    assert done["verify_start"].isna().all() and done["signed"].isna().all() and done["printed"].isna().all()
    assert (done["ready"] == done["upload_end"]).all()
    one = done["desk_visits"] == 1  # an incomplete first visit (no phone, no KTP-el) comes back later
    assert one.mean() > 0.8 and done.loc[one, "turnaround_days"].quantile(0.9) < 0.1  # minutes, not days
    assert (done["trips"] == done["desk_visits"]).all() and (done["outside_trips"] == 0).all()


def test_aktivasi_nik_goes_to_a_counter_for_the_recording_and_uses_no_blanko(sim):
    t = sim.trace
    nik = t[t["service"] == "aktivasi_nik"]
    assert len(nik) > 10 and set(nik["channel"]) <= {"office", "kecamatan"}
    done = nik[nik["outcome"] == "completed"]
    assert len(done) and done["printed"].isna().all() and (done["trips"] == done["desk_visits"]).all()
    rep = sim.replications[0]
    assert not rep.output.card[(rep.requests.service >= len(DOCUMENT_IDS))].any()


def test_activations_carry_their_indonesian_names_in_the_kpis(sim):
    k = sim.kpis.iloc[0]
    assert np.isfinite(k["turnaround_median_days.aktivasi_ikd"])
    from sakera_toolkit.sandbox import labels

    assert labels.service_name("aktivasi_ikd", "id") == "Aktivasi IKD"
    assert labels.service_name("aktivasi_nik", "id") == "Aktivasi NIK"


def test_aktivasi_nik_is_offered_where_the_training_rule_sends_the_citizen():
    """One rule: training's nik_nonaktif says reactivation with KTP-el recording at the kecamatan or the
    Dispendukcapil; the engine offers aktivasi NIK exactly at those points (never the desk or the MPP)."""
    from sakera_toolkit.sim.channel import KECAMATAN, MPP, OFFICE
    from sakera_toolkit.training import rules

    text = rules.rules()["nik_nonaktif"].text_id
    assert "kecamatan" in text and "Dispendukcapil" in text and "perekaman KTP-el" in text
    inputs = compile(FlowParams.all_live(days=30))
    nik, ikd = SERVICE_IDS.index("aktivasi_nik"), SERVICE_IDS.index("aktivasi_ikd")
    assert inputs.biometric[nik] and not inputs.biometric[ikd]  # the desk serves IKD, not aktivasi NIK
    assert inputs.offered[nik, OFFICE] and inputs.offered[nik, KECAMATAN] and not inputs.offered[nik, MPP]
    assert inputs.offered[ikd, OFFICE] and inputs.offered[ikd, KECAMATAN] and inputs.offered[ikd, MPP]
    assert not inputs.back_office[nik] and not inputs.back_office[ikd] and inputs.back_office[:nik - 1].all()
