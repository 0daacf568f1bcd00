"""Transition tables are data validated on load; the shipped tables pass and broken ones are refused."""

from __future__ import annotations

from enum import StrEnum

import pytest

from simulator.engine import transitions as T
from simulator.engine.errors import DefinitionError, TransitionNotAllowed
from simulator.engine.states import OrderStatus
from simulator.engine.table import Refusal, Row, TransitionTable


class S(StrEnum):
    A = "A"
    B = "B"
    C = "C"


def _table(rows: list[Row], refusals: list[Refusal] | None = None, finals: tuple[S, ...] = (S.C,)) -> TransitionTable:
    return TransitionTable("t", S, S.A, finals, rows, refusals or [])


def test_every_order_event_is_either_allowed_or_refused_with_a_rule_in_every_state() -> None:
    for table in (T.ORDER, T.PACKAGE, T.CANCELLATION):
        for event in table.events:
            for state in table.states:
                if table.allows(event, state):
                    continue
                with pytest.raises(TransitionNotAllowed) as err:
                    table.resolve(event, state, "x")
                assert err.value.rule and err.value.reason not in ("unknown_event", "guard_failed")


def test_order_table_renders_as_markdown_with_rule_ids() -> None:
    text = T.ORDER.markdown()
    assert "| release_hold | ON_HOLD | AWAITING_SHIPMENT |  | HOLD-1 |" in text
    assert text.count("\n") == len(T.ORDER.rows) + 1


def test_guarded_rows_pick_the_target() -> None:
    target, row = T.ORDER.resolve("ship", OrderStatus.AWAITING_SHIPMENT, "o", {"last_package": True})
    assert target == OrderStatus.AWAITING_COLLECTION and row.guard == "last_package"
    target, _ = T.ORDER.resolve("ship", OrderStatus.AWAITING_SHIPMENT, "o", {"last_package": False})
    assert target == OrderStatus.PARTIALLY_SHIPPING


@pytest.mark.parametrize(
    ("rows", "refusals", "message"),
    [
        ([Row("go", frozenset({S.A}), S.C, "R-1")], [], "unreachable"),
        ([Row("go", frozenset({S.A}), S.B, "R-1"), Row("go", frozenset({S.B}), S.B, "R-1"),
          Row("end", frozenset({S.A}), S.C, "R-1")],
         [Refusal("go", frozenset({S.C}), "x", "R-1"), Refusal("end", frozenset({S.B, S.C}), "x", "R-1")], "trap"),
        ([Row("go", frozenset({S.A}), S.B, "R-1"), Row("end", frozenset({S.B}), S.C, "R-1")], [],
         "neither allowed nor refused"),
        ([Row("go", frozenset({S.A}), S.B, ""), Row("end", frozenset({S.B}), S.C, "R-1")], [], "rule ID"),
        ([Row("go", frozenset({S.A}), S.B, "R-1"), Row("end", frozenset({S.B}), S.C, "R-1"),
          Row("back", frozenset({S.C}), S.A, "R-1")], [], "final state"),
        ([Row("go", frozenset({S.A}), S.B, "R-1"), Row("go", frozenset({S.A}), S.C, "R-1", guard="g"),
          Row("end", frozenset({S.B}), S.C, "R-1")],
         [Refusal("go", frozenset({S.B, S.C}), "x", "R-1"), Refusal("end", frozenset({S.A, S.C}), "x", "R-1")],
         "shadows"),
        ([Row("go", frozenset({S.A}), S.B, "R-1"), Row("end", frozenset({S.B}), S.C, "R-1")],
         [Refusal("go", frozenset({S.A, S.B, S.C}), "x", "R-1"), Refusal("end", frozenset({S.A, S.C}), "x", "R-1")],
         "both allowed and refused"),
    ],
)
def test_broken_definitions_are_refused_when_loaded(rows: list[Row], refusals: list[Refusal], message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        _table(rows, refusals)
