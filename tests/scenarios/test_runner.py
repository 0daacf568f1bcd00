"""Scenario replay: actions, expectations with wanted-vs-got, expected refusals, invariants after every step."""

from __future__ import annotations

import re
from pathlib import Path

from simulator.scenarios.library import library_dir, load_scenario
from simulator.scenarios.runner import ScenarioResult, run_scenario


def _run(tmp_path: Path, steps: str, rules: str = "[HOLD-1]", head: str = "") -> ScenarioResult:
    path = tmp_path / "s.yaml"
    path.write_text(f"name: s\n{head}rules: {rules}\nsteps:\n{steps}", encoding="utf-8")
    return run_scenario(load_scenario(path))


PLACE = "  - buyer.place: {as: o, profile: direct}\n"


def test_hold1_a_failed_expectation_names_every_mismatch_and_the_run_goes_on(tmp_path: Path) -> None:
    result = _run(tmp_path, PLACE + "  - expect: {order: o, status: AWAITING_SHIPMENT, notifications: [shipped], "
                                    "proves: [HOLD-1]}\n  - clock.advance: 1h\n"
                                    "  - expect: {order: o, status: AWAITING_SHIPMENT, proves: [HOLD-1]}\n")
    (failure,) = result.failures
    assert (failure.line, failure.action) == (5, "expect")
    assert "status: wanted 'AWAITING_SHIPMENT', got 'ON_HOLD'" in failure.message
    assert [(m.label, m.wanted, m.got) for m in failure.mismatches] == [
        ("status", "AWAITING_SHIPMENT", "ON_HOLD"), ("notifications", ["shipped"], [])]
    assert [s.status for s in result.steps] == ["passed", "failed", "passed", "passed"]
    assert result.proven == {"HOLD-1": [7]}  # only expectations that held prove their rules


HELD = "  - expect: {order: o, status: ON_HOLD, proves: [HOLD-1]}\n"


def test_hold2_refusals_unexpected_expected_wrong_and_missing(tmp_path: Path) -> None:
    refused = _run(tmp_path, PLACE + "  - seller.ship: o\n  - clock.advance: 1h\n" + HELD)
    assert [f.line for f in refused.failures] == [5] and refused.steps_run == 2
    assert [s.status for s in refused.steps] == ["passed", "failed", "skipped", "skipped"]
    assert "refused" in refused.failures[0].message and "HOLD-2" in refused.failures[0].message
    wrong = _run(tmp_path, PLACE + "  - seller.ship: o\n    expect_error: {code: 21011003}\n" + HELD)
    assert [(m.label, m.wanted, m.got) for m in wrong.failures[0].mismatches] == [
        ("expect_error.code", 21011003, 21011001)]
    missing = _run(tmp_path, PLACE + HELD + "  - clock.advance: 1h\n  - seller.ship: o\n    expect_error: {reason: x}\n")
    assert "succeeded, wanted a refusal" in missing.failures[0].message
    held = _run(tmp_path, PLACE + "  - seller.ship: o\n    expect_error: {via: tiktok_api, code: 21011001, rule: HOLD-2, "
                                  "proves: [HOLD-2]}\n", rules="[HOLD-2]")
    assert held.passed and held.proven == {"HOLD-2": [5]}


def test_sla1_sla4_deadlines_notifications_and_the_ldr_say_what_they_got(tmp_path: Path) -> None:
    result = _run(tmp_path, "  - buyer.place: {as: o, profile: direct, handling_days: 1, shipping_days: 1}\n"
                            "  - clock.advance: 1h\n  - seller.ship: o\n"
                            '  - expect: {order: o, deadlines: {rts_sla_time: "2026-11-05T11:00:00Z", '
                            'estimated_delivery_time: "2026-11-04T09:00:00Z"}}\n'
                            '  - expect: {order: o, notifications: [{kind: shipped, at: "2026-11-02T10:00:01Z"}]}\n'
                            "  - expect: {ldr: {shipped: 2, rate: 0.5}}\n"
                            '  - expect: {ldr: {end: "2026-11-02T10:00:00Z", shipped: 0}, proves: [HOLD-1]}\n')
    got = [[(m.label, m.wanted, m.got) for m in f.mismatches] for f in result.failures]
    assert got == [
        [("deadlines.rts_sla_time", "2026-11-05T11:00:00Z", "2026-11-05T10:00:00Z")],
        [("notifications.0.at", "2026-11-02T10:00:01Z", "2026-11-02T10:00:00Z")],
        [("ldr.shipped", 2, 1), ("ldr.rate", 0.5, 0.0)],
    ]  # the EDT held (Mon 01:00 local + 2 business days) and the window ending at 10:00 excludes the ship


def test_hold2_response_and_absent_paths_read_the_last_api_answer(tmp_path: Path) -> None:
    result = _run(tmp_path, PLACE + "  - seller.read: o\n"
                                    "  - expect: {response: {code: 0, absent: [data.orders.0.status]}}\n"
                                    "  - expect: {response: {via: tiktok_api, status: 200, body: {data.orders.0.status: "
                                    "ON_HOLD, data.orders.0.recipient_address: absent}}, proves: [HOLD-1]}\n")
    (failure,) = result.failures
    assert failure.line == 6 and failure.mismatches[0].label == "response.body.data.orders.0.status"
    assert failure.mismatches[0].got == "ON_HOLD" and result.proven == {"HOLD-1": [7]}
    calls = [(c.source, c.target, c.label.split(" ")[0], c.status, c.code) for c in result.calls]
    assert calls == [("buyer", "tiktok", "places", None, None), ("oms", "tiktok", "GET", 200, 0)]


def test_note2_webhooks_received_are_compared_per_notification(tmp_path: Path) -> None:
    result = _run(tmp_path, "  - seller.subscribe: {profile: direct, events: [ORDER_STATUS_CHANGE], answers: [500]}\n"
                  + PLACE + "  - clock.advance: 3m\n"
                  "  - expect: {order: o, webhooks: [{order_status: ON_HOLD, attempts: 1}]}\n"
                  '  - expect: {order: o, webhooks: [{order_status: ON_HOLD, signature: valid, answered: [500, 200], '
                  'times: ["2026-11-02T09:00:00Z", "2026-11-02T09:02:00Z"]}], proves: [HOLD-1]}\n')
    (failure,) = result.failures
    assert [(m.label, m.wanted, m.got) for m in failure.mismatches] == [("webhooks.0.attempts", 1, 2)]


def test_sfcc1_a_step_after_which_the_systems_disagree_fails_naming_the_invariant(tmp_path: Path) -> None:
    """The invariants run after every step: with the TikTok -> SFCC connector switched off, the hold's end
    leaves a released order TikTok has and SFCC lacks, and that step fails with the rule and the values."""
    result = _run(tmp_path, "  - buyer.place: {as: o, profile: sfcc}\n  - clock.advance: 30m\n"
                            "  - clock.advance: 30m\n  - expect: {order: o, status: AWAITING_SHIPMENT, proves: [HOLD-1]}\n",
                  head="config: {sfcc: {connector: false}}\n")
    (failure,) = result.failures
    assert (failure.line, failure.action) == (7, "clock.advance")
    assert failure.message.startswith("invariant violated: SFCC-1 [engine/sfcc]")
    assert "a released order is missing in SFCC" in failure.message
    assert failure.mismatches[0].label == "invariant SFCC-1"
    assert result.invariants_held == 2 and [s.invariants for s in result.steps[:3]] == [True, True, False]
    assert result.steps[3].status == "skipped"


def test_same_seed_replays_the_same_timeline_and_calls() -> None:
    path = library_dir() / "sfcc" / "auto-cancel-after-fifteen-calendar-days.yaml"
    first, second = run_scenario(load_scenario(path)), run_scenario(load_scenario(path))
    assert first.passed and first.timeline == second.timeline and first.orders == second.orders
    assert [c.as_dict() for c in first.calls] == [c.as_dict() for c in second.calls]
    # 15 days of quiet: the SFCC jobs' empty runs are skipped and counted, never journaled
    assert first.idle_runs == second.idle_runs > 2 * 15 * 96 - 200
    assert not any(e["kind"] == "sfcc.feed.empty" for e in first.timeline)


def test_skipped_idle_job_runs_change_nothing_a_scenario_can_see() -> None:
    """Each library scenario replays the same with every empty job run made (FUL-3, FUL-4, CA-1, CA-3 cadences)."""
    from simulator.scenarios.library import load_all

    scenarios, invalid = load_all([library_dir()])
    assert not invalid and len(scenarios) >= 60
    for scenario in scenarios:
        every = run_scenario(scenario, world_kwargs={"config": {"clock": {"skip_idle_runs": False}}})
        skipping = run_scenario(scenario)

        def seen(result: ScenarioResult) -> list[tuple]:
            # the webhook receiver's port is the only thing that differs between two runs
            return [(e["at"], e["kind"], re.sub(r"127\.0\.0\.1:\d+", "receiver", repr(e["data"])))
                    for e in result.timeline if e["kind"] != "sfcc.feed.empty"]

        assert every.passed and skipping.passed, scenario.path
        assert seen(skipping) == seen(every), scenario.path
        calls = [{**c.as_dict(), "seq": None} for c in every.calls]  # journal positions: no empty runs here
        assert [{**c.as_dict(), "seq": None} for c in skipping.calls] == calls, scenario.path
        assert skipping.orders == every.orders and every.idle_runs == 0
        # each empty export the always-running world journaled is one of the runs skipped here
        assert skipping.idle_runs >= sum(e["kind"] == "sfcc.feed.empty" for e in every.timeline), scenario.path
