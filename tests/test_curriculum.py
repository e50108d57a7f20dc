"""Curriculum: levels, promotion, certification (pure functions) and queues."""

import datetime as dt

import pytest

from sakera_toolkit import training
from sakera_toolkit.errors import SakeraInputError
from sakera_toolkit.training import Attempt, CertificationRule, PromotionRule, certification_status, next_level


def test_levels_go_from_guided_to_timed_queue():
    levels = training.LEVELS
    assert [lv.number for lv in levels] == [0, 1, 2, 3] and training.TOP_LEVEL == 3
    assert levels[0].hints and not levels[0].timed and levels[0].difficulty == 0
    top = training.level(3)
    assert top.timed and top.queue_size > 1 and top.seconds_per_case > 0
    assert top.name("id") != top.name("en")
    with pytest.raises(SakeraInputError):
        training.level(7)


def test_certification_default_rule_is_90_over_last_20_at_top_level():
    rule = CertificationRule()
    assert (rule.level, rule.window, rule.threshold) == (3, 20, 90)
    assert certification_status([]).progress == 0 and not certification_status([]).certified

    nineteen = [Attempt(3, 100.0)] * 19
    status = certification_status(nineteen)
    assert not status.certified and status.progress == pytest.approx(19 / 20) and "19" in status.reason

    status = certification_status(nineteen + [Attempt(3, 95.0)])
    assert status.certified and status.progress == 1 and status.cases_counted == 20
    assert "Tersertifikasi" in status.message("id") and "Certified" in status.message("en")

    # lower levels do not count; only the last 20 top-level cases do
    old_bad = [Attempt(3, 10.0)] * 30
    assert certification_status(old_bad + [Attempt(3, 95.0)] * 20 + [Attempt(2, 0.0)] * 5).certified
    slipping = certification_status([Attempt(3, 95.0)] * 20 + [Attempt(3, 50.0)] * 3)  # 17 x 95 + 3 x 50
    assert not slipping.certified and slipping.average == pytest.approx(88.25)


def test_certification_rule_is_configurable_and_validated():
    rule = CertificationRule(level=2, window=3, threshold=75)
    attempts = [Attempt(2, 80), Attempt(2, 70), Attempt(2, 76)]
    status = certification_status(attempts, rule)
    assert status.certified and status.average == pytest.approx(75.333, abs=1e-3)
    low = certification_status([Attempt(2, 50)] * 3, rule)
    assert not low.certified and low.progress == pytest.approx(50 / 75) and "50.0" in low.reason
    with pytest.raises(SakeraInputError):
        CertificationRule(window=0)
    with pytest.raises(SakeraInputError):
        CertificationRule(threshold=120)


def test_attempts_are_ordered_by_time_and_read_from_mappings():
    t0 = dt.datetime(2025, 7, 1, 8)
    newest_bad = [Attempt(3, 0, submitted_at=t0 + dt.timedelta(days=30, hours=i)) for i in range(3)]
    older_good = [Attempt(3, 100, submitted_at=t0 + dt.timedelta(hours=i)) for i in range(20)]
    rule = CertificationRule(window=20)
    status = certification_status(newest_bad + older_good, rule)  # listed out of order
    assert not status.certified and status.average == pytest.approx(85)  # the 3 newest count
    as_dicts = [{"level": 3, "score": 95} for _ in range(20)]
    assert certification_status(as_dicts).certified
    with pytest.raises(SakeraInputError):
        certification_status([object()])


def test_next_level_promotes_after_a_good_window():
    good = [Attempt(1, 85)] * 5
    assert next_level(good, 1) == 2
    assert next_level(good[:4], 1) == 1
    assert next_level([Attempt(1, 50)] + good[:4], 1) == 1  # average 78 < 80
    assert next_level([Attempt(1, 50)] + good, 1) == 2  # only the last 5 count
    assert next_level([Attempt(0, 100)] * 5, 1) == 1  # other levels do not count
    assert next_level(good, 3) == 3
    assert next_level([Attempt(0, 70)] * 2, 0, PromotionRule(window=2, threshold=70)) == 1


def test_queue_is_deterministic_at_one_desk_and_timed():
    queue = training.generate_queue(3, 3, seed=42, village_code="35.27.01.2001")
    again = training.generate_queue(3, 3, seed=42, village_code="35.27.01.2001")
    assert [c.to_json() for c in queue] == [c.to_json() for c in again]
    assert len({c.case_id for c in queue}) == 3
    assert {c.village_code for c in queue} == {"35.27.01.2001"}
    assert all(c.time_limit_seconds == training.level(3).seconds_per_case and c.difficulty == 3 for c in queue)
    # each case can be regenerated alone from its own seed
    first = queue[0]
    assert (
        training.generate_for_level(3, first.seed, service_id=first.service_id, village_code=first.village_code)
        == first
    )
    default = training.generate_queue(3, seed=1, service_ids=["kia"])
    assert len(default) == training.level(3).queue_size and {c.service_id for c in default} == {"kia"}
    assert len({c.village_code for c in default}) == 1


def test_guided_level_cases_are_clean_untimed_with_hints():
    case = training.generate_for_level(0, seed=9)
    assert case.is_clean and case.time_limit_seconds is None and case.hints("id")


def test_queue_input_errors():
    with pytest.raises(SakeraInputError):
        training.generate_queue(3, 0, seed=1)
    with pytest.raises(SakeraInputError):
        training.generate_queue(3, 2, seed=None)
    with pytest.raises(SakeraInputError):
        training.generate_queue(9, 2, seed=1)
