"""Scenario files: every check `run` makes before the first step, each problem reported as file:line, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenarios.library import load_all, load_scenario
from simulator.scenarios.loader import ScenarioError, discover

GOOD = """\
name: ok
rules: [HOLD-1, HOLD-2]
steps:
  - buyer.place: {as: o, profile: direct}
  - clock.advance: 1h
  - seller.ship: o
    expect_error: {reason: order_on_hold, proves: [HOLD-2]}
  - expect: {order: o, status: AWAITING_SHIPMENT, proves: [HOLD-1]}
"""


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _steps(*lines: str, rules: str = "[HOLD-1]", head: str = "") -> str:
    return f"name: x\n{head}rules: {rules}\nsteps:\n" + "".join(f"  {line}\n" for line in lines)


def test_a_valid_scenario_loads_with_step_lines_and_what_each_expectation_proves(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, GOOD))
    assert scenario.rules == ["HOLD-1", "HOLD-2"]
    assert [(s.action, s.line, s.proves) for s in scenario.steps] == [
        ("buyer.place", 4, ()), ("clock.advance", 5, ()), ("seller.ship", 6, ("HOLD-2",)),
        ("expect", 8, ("HOLD-1",))]
    assert scenario.steps[2].expect_error == {"reason": "order_on_hold"}
    assert scenario.systems == ["tiktok"]  # a direct-only story needs neither SFCC nor ChannelAdvisor


PLACE = "- buyer.place: {as: o, profile: direct}"
PROVE = "- expect: {order: o, status: ON_HOLD, proves: [HOLD-1]}"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # structure and schema
        (_steps("- buyer.plaec: {as: o}"), 4, "unknown action 'buyer.plaec' (known: buyer.answer_offer, buyer.cancel"),
        (_steps(PLACE, "- buyer.place: {as: p, colour: red}"), 5, "Additional properties are not allowed ('colour'"),
        (_steps("- buyer.place: {profile: direct}"), 4, "'as' is a required property"),
        (_steps(PLACE, "- expect: {order: o}"), 5, "expect: checks nothing"),
        ("name: x\nsteps:\n  - clock.advance: 1h\n", 1, "missing 'rules'"),
        ("name: x\nrules: []\nsteps:\n  - clock.advance: 1h\n", 2, "'rules' lists the rule IDs"),
        ("name: x\nrules: [A]\nsteps: []\n", 3, "non-empty list"),
        (_steps("- clock.advance: 1h", "  buyer.cancel: o"), 4, "exactly one action"),
        ("name: x\nrules: [HOLD-1]\ncolour: red\nsteps:\n  - clock.advance: 1h\n", 3, "unknown key 'colour'"),
        ("name: x\nrules: [A\nsteps:\n", 3, "not valid YAML"),
        # durations, instants, time's arrow
        (_steps(PLACE, "- clock.advance: soon", PROVE), 5, "clock.advance: not a duration: 'soon'"),
        (_steps(PLACE, "- clock.advance: {to: next monday}", PROVE), 5, "not an ISO-8601 instant"),
        (_steps(PLACE, "- clock.advance: 2h", '- clock.advance: {to: "2026-11-02T10:00:00Z"}', PROVE), 6,
         "is before the scenario's time then (2026-11-02T11:00:00+00:00)"),
        (_steps(PLACE, '- expect: {order: o, deadlines: {rts_sla_time: "tomorrow"}, proves: [HOLD-1]}'), 5,
         "deadlines.rts_sla_time: not an ISO-8601 instant"),
        # aliases
        (_steps("- buyer.cancel: ghost", PLACE, PROVE), 4, "no order named 'ghost' yet: place it first"),
        (_steps(PLACE, "- buyer.place: {as: o}", PROVE), 5, "an order named 'o' is already placed (line 4)"),
        (_steps(PLACE, "- expect: {order: p, status: ON_HOLD, proves: [HOLD-1]}"), 5, "no order named 'p'"),
        # enum values
        (_steps(PLACE, "- expect: {order: o, status: SHIPPED, proves: [HOLD-1]}"), 5, "'SHIPPED' is not one of"),
        (_steps(PLACE, "- expect: {order: o, notifications: [emailed], proves: [HOLD-1]}"), 5, "'emailed' is not"),
        (_steps(PLACE, "- platform.cancel: {order: o, reason: boredom}", PROVE), 5, "'boredom' is not one of"),
        (_steps(PLACE, "- seller.ship: {order: o, via: fax}", PROVE), 5, "'fax' is not one of"),
        # rule IDs, and rules: equal to what the expectations prove
        (_steps(PLACE, PROVE, rules="[HOLD-1, HOLD-9]"), 2, "rules: unknown rule ID 'HOLD-9' (did you mean"),
        (_steps(PLACE, "- expect: {order: o, status: ON_HOLD, proves: [SLA-7]}", rules="[SLA-7]"), 5, "proves: unknown"),
        (_steps(PLACE, PROVE, rules="[HOLD-1, HOLD-2]"), 2, "rules lists HOLD-2 but no expectation proves it"),
        (_steps(PLACE, "- expect: {order: o, status: ON_HOLD, proves: [HOLD-1, HOLD-4]}"), 5,
         "the expectation proves HOLD-4, which 'rules' does not list"),
        (_steps(PLACE, "- seller.ship: o", "  expect_error: {rule: HOLD-22, proves: [HOLD-1]}"), 5,
         "expect_error.rule: unknown rule ID 'HOLD-22'"),
        # paths per profile, and the mocks
        (_steps(PLACE, "- seller.ship: {order: o, via: channeladvisor}", PROVE), 5,
         "seller.ship: via channeladvisor is not a path of a direct order (its OMS uses: engine, tiktok_api)"),
        (_steps("- buyer.place: {as: o, profile: rithum}", "- seller.cancel: {order: o, via: sfcc}", PROVE), 5,
         "via sfcc is not a path of a rithum order"),
        (_steps(PLACE, "- seller.export: {order: o, via: channeladvisor}", PROVE), 5, "not a path of a direct order"),
        (_steps("- buyer.place: {as: o, profile: sfcc}", "- seller.approve: {order: o, via: sfcc}", PROVE), 5,
         "'sfcc' is not one of"),
        (_steps(PLACE, "- platform.resend_create: o", PROVE), 5, "only sfcc orders are created in SFCC"),
        (_steps("- buyer.place: {as: o, shop: '123'}", PROVE), 4, "shop '123' is not in the mocks"),
        (_steps("- buyer.place: {as: o, shop: '7495540735365777510', profile: sfcc}", PROVE), 4,
         "integrates through the direct profile, not sfcc"),
        (_steps("- buyer.place: {as: o, profile: direct, items: [{sku: 9}]}", PROVE), 4, "has 8 SKUs, no sku 9"),
        (_steps("- buyer.place: {as: o, profile: direct, delivery_option: Teleport}", PROVE), 4,
         "delivery_option 'Teleport' is not offered in US"),
        (_steps("- buyer.place: {as: o, profile: direct, warehouse: Atlantis}", PROVE), 4, "not a sales warehouse"),
        (_steps(PLACE, "- expect: {order: o, webhooks: [{type: 1}], proves: [HOLD-1]}"), 5, "never subscribed"),
    ],
)
def test_problems_are_reported_with_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert f"{path}:{line}: " in str(err.value)
    assert message in str(err.value)


def test_every_problem_of_a_file_is_reported_at_once_in_line_order(tmp_path: Path) -> None:
    path = _write(tmp_path, _steps("- clock.advance: soon", "- buyer.cancel: ghost", "- expect: {status: NOPE}",
                                   rules="[HOLD-1, XX-1]"))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    lines = [p.line for p in err.value.problems]
    assert lines == sorted(lines) and len(lines) == 1  # the schema error stops the semantic checks
    path = _write(tmp_path, _steps("- clock.advance: soon", "- buyer.cancel: ghost", rules="[HOLD-1, XX-1]"))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert [p.line for p in err.value.problems] == [2, 2, 4, 5]
    assert str(err.value).splitlines()[0].startswith(f"{path}:2: rules: unknown rule ID 'XX-1'")


def test_load_all_keeps_invalid_files_apart_and_loads_the_rest(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, "a.yaml")
    _write(tmp_path, "name: x\nrules: [HOLD-1]\nsteps:\n  - fly: away\n", "b.yaml")
    scenarios, invalid = load_all([tmp_path, tmp_path / "missing"])
    assert [s.path.name for s in scenarios] == ["a.yaml"]
    assert [(e.path.name, e.problems[0].line) for e in invalid] == [("b.yaml", 4), ("missing", 1)]
    assert "no such file or directory" in str(invalid[1])


def test_discover_finds_yaml_files_sorted_and_refuses_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("b/2.yaml", "a.yml", "notes.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])] == ["a.yml", "b/2.yaml"]
    with pytest.raises(FileNotFoundError, match="no such file"):
        discover([tmp_path / "missing"])
