"""Rule profiles: every documented number as data with rule IDs, validated on load."""

from __future__ import annotations

from datetime import timedelta

import pytest

from simulator.cli import main
from simulator.rules import ORDER_STATUSES, ProfileError, RuleBook, parse_duration


def test_profiles_keep_each_sources_numbers() -> None:
    book = RuleBook.load()
    sfcc, rithum, direct = book["sfcc"], book["rithum"], book["direct"]
    assert sfcc.hold == rithum.hold == direct.hold == timedelta(hours=1)  # HOLD-1
    assert sfcc.auto_cancel.calendar_days == 15  # CAN-P1
    assert rithum.auto_cancel.business_days == 7  # CAN-P2
    assert direct.auto_cancel.business_days == 7  # SLA-5
    assert rithum.cancel_request_window == timedelta(hours=24)  # CAN-B3
    assert sfcc.cancel_request_window == direct.cancel_request_window == timedelta(hours=48)  # CAN-B4
    assert {p.dispatch_sla_business_days for p in (sfcc, rithum, direct)} == {3}  # SLA-1
    assert rithum.sync_interval == timedelta(minutes=15) and sfcc.sync_interval is None  # CA-1
    assert rithum.ldr_target == 0.04  # SLA-2
    assert "SLA-1" in rithum.rules_for("dispatch_sla_business_days")


def test_fu5_approved_carrier_lists_match_the_rithum_doc() -> None:
    profile = RuleBook.load()["rithum"]
    assert len(profile.approved_carriers("US")) == 15
    assert len(profile.approved_carriers("uk")) == 18
    assert profile.approved_carriers("US")["DHL"] == "dhl us"


def test_ca3_and_sfcc_status_mappings_are_total() -> None:
    profile = RuleBook.load()["rithum"]
    for system in ("channeladvisor", "sfcc"):
        assert set(profile.status_mapping(system)) == set(ORDER_STATUSES)
    assert profile.status_mapping("channeladvisor")["CANCELLED"] == "Canceled"


def test_overrides_replace_numbers_and_unknown_keys_are_refused() -> None:
    book = RuleBook.load(overrides={"rithum": {"cancel_request_window": "2h", "auto_cancel": {"calendar_days": 3}}})
    assert book["rithum"].cancel_request_window == timedelta(hours=2)
    assert book["rithum"].auto_cancel.calendar_days == 3
    with pytest.raises(ProfileError, match="unknown quantity"):
        RuleBook.load(overrides={"rithum": {"holdd": "2h"}})
    with pytest.raises(ProfileError, match="unknown profile"):
        RuleBook.load(overrides={"amazon": {"hold": "2h"}})
    with pytest.raises(ProfileError, match="auto_cancel"):
        RuleBook.load(overrides={"sfcc": {"auto_cancel": {"weeks": 2}}})
    with pytest.raises(ProfileError, match="duration"):
        RuleBook.load(overrides={"sfcc": {"hold": "an hour"}})


def test_parse_duration_units() -> None:
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_duration(3600) == timedelta(hours=1)
    assert parse_duration("23h 59m 30s") == timedelta(hours=23, minutes=59, seconds=30)
    with pytest.raises(ProfileError):
        parse_duration("1h and 5m")


def test_cli_rules_prints_all_three_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    for profile in ("sfcc", "rithum", "direct"):
        assert f"\n{profile} " in out
    assert "15 calendar days" in out and "7 business days" in out and "CAN-P2" in out
    assert main(["rules", "--profile", "sfcc"]) == 0
    only = capsys.readouterr().out
    assert "\nrithum " not in only and "\nsfcc " in only
