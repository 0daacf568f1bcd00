"""Declarative transition tables: rows of (event, from-states, to-state, guard, rule), validated when built."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from simulator.engine.errors import DefinitionError, TransitionNotAllowed


@dataclass(frozen=True)
class Row:
    """``event`` moves any of ``sources`` to ``target`` when ``guard`` (a named predicate) holds.

    ``target=None`` keeps the state (a self-loop that still runs the event's effects).
    Rows for the same (event, state) are tried in order; a row without a guard always matches.
    """

    event: str
    sources: frozenset[StrEnum]
    target: StrEnum | None
    rule: str
    guard: str | None = None


@dataclass(frozen=True)
class Refusal:
    """``event`` in any of ``states`` is refused with ``reason`` under ``rule`` (FUL-2, CAN-X1, HOLD-2...)."""

    event: str
    states: frozenset[StrEnum]
    reason: str
    rule: str


class TransitionTable:
    """A validated state machine definition.

    Validation at construction: every state belongs to the enum; exactly one initial state;
    final states have no outgoing rows; every state is reachable from the initial state; no
    non-final state is a trap; and for every event, each state is either handled by a row or
    explicitly refused (so every refusal carries a specific reason and rule ID).
    """

    def __init__(
        self,
        name: str,
        states: type[StrEnum],
        initial: StrEnum,
        finals: Iterable[StrEnum],
        rows: Iterable[Row],
        refusals: Iterable[Refusal] = (),
    ) -> None:
        self.name = name
        self.states = states
        self.initial = initial
        self.finals = frozenset(finals)
        self.rows = tuple(rows)
        self.refusals = tuple(refusals)
        self.events = tuple(dict.fromkeys(r.event for r in self.rows))
        self._rows: dict[tuple[str, StrEnum], list[Row]] = defaultdict(list)
        self._refused: dict[tuple[str, StrEnum], Refusal] = {}
        for row in self.rows:
            for state in row.sources:
                self._rows[(row.event, state)].append(row)
        for refusal in self.refusals:
            for state in refusal.states:
                if (refusal.event, state) in self._refused:
                    raise DefinitionError(f"{name}: {refusal.event} refused twice in {state}")
                self._refused[(refusal.event, state)] = refusal
        self._validate()

    # -- validation ------------------------------------------------------------------------------
    def _validate(self) -> None:
        members = set(self.states)
        for row in self.rows:
            bad = {s for s in row.sources if s not in members} | (
                {row.target} if row.target is not None and row.target not in members else set()
            )
            if bad:
                raise DefinitionError(f"{self.name}: row {row.event} names unknown states {bad}")
            if not row.sources:
                raise DefinitionError(f"{self.name}: row {row.event} has no source state")
            if not row.rule:
                raise DefinitionError(f"{self.name}: row {row.event} carries no rule ID")
        for (event, state), rows in self._rows.items():
            if (event, state) in self._refused:
                raise DefinitionError(f"{self.name}: {event} in {state} is both allowed and refused")
            unguarded = [i for i, r in enumerate(rows) if r.guard is None]
            if unguarded and unguarded[0] != len(rows) - 1:
                raise DefinitionError(f"{self.name}: unguarded {event} row in {state} shadows later rows")
        for final in self.finals:
            outgoing = [r.event for r in self.rows if final in r.sources and r.target not in (None, final)]
            if outgoing:
                raise DefinitionError(f"{self.name}: final state {final} has outgoing events {outgoing}")
        reachable = self._reachable()
        unreachable = members - reachable
        if unreachable:
            raise DefinitionError(f"{self.name}: unreachable states {sorted(unreachable)}")
        for state in members - self.finals:
            if not self._can_reach_final(state):
                raise DefinitionError(f"{self.name}: {state} cannot reach a final state (trap)")
        for event in self.events:
            for state in members:
                if (event, state) not in self._rows and (event, state) not in self._refused:
                    raise DefinitionError(f"{self.name}: {event} in {state} is neither allowed nor refused")

    def _successors(self, state: StrEnum) -> set[StrEnum]:
        return {r.target for r in self.rows if state in r.sources and r.target is not None}

    def _reachable(self) -> set[StrEnum]:
        seen, queue = {self.initial}, deque([self.initial])
        while queue:
            for nxt in self._successors(queue.popleft()) - seen:
                seen.add(nxt)
                queue.append(nxt)
        return seen

    def _can_reach_final(self, start: StrEnum) -> bool:
        seen, queue = {start}, deque([start])
        while queue:
            state = queue.popleft()
            if state in self.finals:
                return True
            for nxt in self._successors(state) - seen:
                seen.add(nxt)
                queue.append(nxt)
        return False

    # -- runtime ---------------------------------------------------------------------------------
    def allows(self, event: str, state: StrEnum) -> bool:
        """True when some row handles ``event`` in ``state`` (guards not evaluated)."""
        return (event, state) in self._rows

    def resolve(
        self, event: str, state: StrEnum, entity_id: str, guards: Mapping[str, bool] | None = None
    ) -> tuple[StrEnum, Row]:
        """The state ``event`` leads to from ``state``, or :class:`TransitionNotAllowed`."""
        rows = self._rows.get((event, state))
        if rows is None:
            refusal = self._refused.get((event, state))
            reason, rule = (refusal.reason, refusal.rule) if refusal else ("unknown_event", None)
            raise TransitionNotAllowed(
                machine=self.name, event=event, state=str(state), reason=reason, rule=rule, entity_id=entity_id
            )
        for row in rows:
            if row.guard is None or (guards or {}).get(row.guard, False):
                return (row.target if row.target is not None else state), row
        raise TransitionNotAllowed(  # every guarded row failed and no fallback row exists
            machine=self.name, event=event, state=str(state), reason="guard_failed", rule=rows[0].rule,
            entity_id=entity_id,
        )

    def markdown(self) -> str:
        """The table as Markdown (event | from | to | guard | rule), for docs."""
        lines = ["| event | from | to | guard | rule |", "|---|---|---|---|---|"]
        for r in self.rows:
            srcs = ", ".join(sorted(str(s) for s in r.sources))
            lines.append(f"| {r.event} | {srcs} | {r.target or '(same)'} | {r.guard or ''} | {r.rule} |")
        return "\n".join(lines)
