"""The service catalogue: packaged content, rules and validation of bad files."""

from __future__ import annotations

import copy
from importlib import resources

import pytest
import yaml

from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.services import SERVICE_IDS, Catalogue, Service, load_catalogue


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue()


@pytest.fixture()
def raw() -> dict:
    text = (resources.files("sakera_toolkit") / "data" / "services.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def write(tmp_path, data) -> str:
    path = tmp_path / "services.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True), encoding="utf-8")
    return str(path)


def test_ids_are_the_architecture_ids_in_order(cat):
    assert cat.ids() == SERVICE_IDS
    assert len(cat) == 13
    assert cat.training_ids() == SERVICE_IDS[:11]  # the SIAK activations are engine-only
    assert all(isinstance(s, Service) for s in cat)
    assert "kia" in cat and "nope" not in cat


def test_reporting_deadlines_and_fees(cat):
    assert cat.get("akta_kelahiran").reporting_deadline_days == 60
    assert cat.get("akta_kematian").reporting_deadline_days == 30
    others = [s for s in cat if s.id not in ("akta_kelahiran", "akta_kematian")]
    assert all(s.reporting_deadline_days is None for s in others)
    for s in cat:
        assert s.fee_idr == 0
        assert "UU 24/2013 Pasal 79A" in s.legal_basis
        assert "79A" in s.sources["fee"]


def test_media_blanko_and_biometrics(cat):
    cards = {s.id for s in cat if s.medium == "card"}
    assert cards == {"ktp_baru", "ktp_hilang_rusak", "ktp_perubahan", "kia"}
    for s in cat:
        assert s.needs_blanko == (s.medium == "card" or bool(s.card_outputs))
    # a move issues the new KK (HVS) together with the movers' KTP-el and KIA (card stock), research-notes §9.1
    assert [s.id for s in cat if s.card_outputs] == ["pindah_datang"]
    # aktivasi NIK comes with the KTP-el recording the person never did (research-notes §9.5)
    assert [s.id for s in cat if s.needs_biometric] == ["ktp_baru", "aktivasi_nik"]
    ktp = cat.get("ktp_baru")
    assert "biometric_recording" in ktp.office_steps
    assert not ktp.desk_can_finish
    assert all("biometric_recording" not in s.desk_steps for s in cat)
    # HVS documents (KK, akta, SKPWNI) are printed at the village desk after TTE at the office.
    for s in cat:
        if s.medium == "hvs":
            assert "print_hvs" in s.desk_steps and "tte_signing" in s.office_steps


def test_forms(cat):
    assert cat.get("akta_kelahiran").forms == ("F-2.01", "F-2.03", "F-2.04")
    assert "F-1.01" in cat.get("kk_baru").forms
    assert cat.get("pindah_keluar").forms == ("F-1.03",)
    for s in cat:
        for code in s.forms:
            assert code in cat.forms


def test_alternatives_of_akta_kelahiran(cat):
    s = cat.get("akta_kelahiran")
    assert s.requirement("surat_keterangan_lahir").alternatives == ("sptjm_kelahiran",)
    assert s.requirement("bukti_perkawinan").alternatives == ("sptjm_pasutri",)
    assert not s.requirement("sptjm_pasutri").required
    assert {r.id for r in s.required_documents()} == {"surat_keterangan_lahir", "kk"}
    # the marriage proof is needed when the parents are a couple; otherwise the akta is "anak seorang ibu"
    assert {r.id for r in s.required_documents({"orang_tua_pasangan"})} == {"surat_keterangan_lahir", "bukti_perkawinan", "kk"}
    assert s.requirement("sptjm_pasutri").desk_substitute and s.requirement("sptjm_kelahiran").desk_substitute
    with pytest.raises(SakeraInputError, match="no requirement"):
        s.requirement("nope")


def test_flow_is_in_process_order(cat):
    flow = cat.get("ktp_baru").flow
    assert [step for step, _ in flow] == [
        "intake_check",
        "data_entry",
        "biometric_recording",
        "verification",
        "card_printing",
        "handover",
    ]
    assert dict(flow)["intake_check"] == "desk" and dict(flow)["biometric_recording"] == "office"


def test_every_rule_has_a_source(cat):
    for s in cat:
        for key in ("forms", "output", "medium", "steps", "fee"):
            assert s.sources[key].strip()
        for r in s.requirements:
            assert r.source.strip()
        if s.reporting_deadline_days:
            assert s.sources["reporting_deadline"]
    for f in cat.forms.values():
        assert f.source
    for st in cat.steps.values():
        assert st.source


def test_table_and_dict(cat):
    df = cat.table()
    assert list(df["service_id"]) == list(SERVICE_IDS)
    assert df.loc[df["service_id"] == "akta_kematian", "reporting_deadline_days"].item() == 30
    d = cat.get("kia").to_dict()
    assert d["medium"] == "card" and d["requirements"][0]["id"] == "akta_kelahiran"
    assert hash(cat.get("kia")) == hash(load_catalogue().get("kia"))


def test_unknown_id_names_valid_ids(cat):
    with pytest.raises(SakeraInputError, match="unknown service 'ktp'.*ktp_baru"):
        cat.get("ktp")


def test_user_file_round_trip(tmp_path, raw):
    cat = load_catalogue(write(tmp_path, raw))
    assert cat.ids() == SERVICE_IDS
    assert cat.get("kia") == load_catalogue().get("kia")


def test_user_file_without_vocabularies_uses_packaged(tmp_path, raw):
    data = {"services": [raw["services"][0]]}
    cat = load_catalogue(write(tmp_path, data))
    assert cat.ids() == ("kk_baru",)
    assert "F-1.02" in cat.forms


def _break(raw, service_index, field, value):
    data = copy.deepcopy(raw)
    if value is KeyError:
        del data["services"][service_index][field]
    else:
        data["services"][service_index][field] = value
    return data


@pytest.mark.parametrize(
    ("index", "field", "value", "match"),
    [
        (0, "medium", "papyrus", r"service 'kk_baru', field 'medium'.*papyrus"),
        (3, "needs_blanko", False, r"service 'ktp_baru', field 'needs_blanko'"),
        (0, "forms", ["F-9.99"], r"service 'kk_baru', field 'forms'.*F-9.99"),
        (6, "reporting_deadline_days", -5, r"service 'akta_kelahiran', field 'reporting_deadline_days'"),
        (6, "fee_idr", -1, r"service 'akta_kelahiran', field 'fee_idr'"),
        (1, "name_en", KeyError, r"service 'kk_perubahan', field 'name_en': missing"),
        (2, "category", "other", r"service 'kk_hilang_rusak', field 'category'"),
        (
            3,
            "desk_steps",
            ["intake_check", "biometric_recording"],
            r"service 'ktp_baru', field 'desk_steps'.*biometric",
        ),
        (3, "needs_biometric", False, r"service 'ktp_baru', field 'needs_biometric'"),
        (
            4,
            "office_steps",
            ["verification", "teleport"],
            r"service 'ktp_hilang_rusak', field 'office_steps'.*teleport",
        ),
        (0, "colour", "blue", r"service 'kk_baru', field 'colour': unknown field"),
        (6, "reporting_deadline_days", KeyError, r"field 'reporting_deadline_days': missing"),
    ],
)
def test_bad_service_field_is_named(tmp_path, raw, index, field, value, match):
    path = write(tmp_path, _break(raw, index, field, value))
    with pytest.raises(SakeraInputError, match=match) as info:
        load_catalogue(path)
    assert str(tmp_path) in str(info.value)


def test_bad_requirement_alternative(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["services"][6]["requirements"][0]["alternatives"] = ["ghost"]
    with pytest.raises(
        SakeraInputError, match=r"akta_kelahiran', requirement 'surat_keterangan_lahir', field 'alternatives'"
    ):
        load_catalogue(write(tmp_path, data))


def test_missing_source(tmp_path, raw):
    data = copy.deepcopy(raw)
    del data["services"][7]["sources"]["reporting_deadline"]
    with pytest.raises(SakeraInputError, match=r"akta_kematian', sources, field 'reporting_deadline'"):
        load_catalogue(write(tmp_path, data))
    data = copy.deepcopy(raw)
    data["services"][0]["requirements"][0]["source"] = ""
    with pytest.raises(SakeraInputError, match=r"requirement 'bukti_perkawinan', field 'source'"):
        load_catalogue(write(tmp_path, data))


def test_duplicate_id(tmp_path, raw):
    data = copy.deepcopy(raw)
    data["services"][1]["id"] = "kk_baru"
    with pytest.raises(SakeraInputError, match="duplicate service id 'kk_baru'"):
        load_catalogue(write(tmp_path, data))


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(SakeraInputError, match="file not found"):
        load_catalogue(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("services: [\n", encoding="utf-8")
    with pytest.raises(SakeraInputError, match="invalid YAML"):
        load_catalogue(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text("services: []\n", encoding="utf-8")
    with pytest.raises(SakeraInputError, match="non-empty list"):
        load_catalogue(empty)
