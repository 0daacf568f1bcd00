"""Engine errors: one type for an illegal event (with event, state and rule ID), plus lookups and bad input."""

from __future__ import annotations


class EngineError(Exception):
    """Base of every refusal the engine makes; ``reason`` is a stable slug each vendor layer maps to its code."""

    reason: str = "engine_error"
    rule: str | None = None

    def __init__(self, message: str, *, reason: str | None = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        if rule is not None:
            self.rule = rule


class TransitionNotAllowed(EngineError):
    """An event that the current state does not allow; nothing was changed."""

    def __init__(self, *, machine: str, event: str, state: str, reason: str, rule: str | None, entity_id: str) -> None:
        rule_txt = f" ({rule})" if rule else ""
        super().__init__(
            f"{machine} {entity_id}: cannot {event} when {state}: {reason.replace('_', ' ')}{rule_txt}",
            reason=reason,
            rule=rule,
        )
        self.machine = machine
        self.event = event
        self.state = state
        self.entity_id = entity_id


class NotFound(EngineError):
    """An order, package, cancellation or SKU the engine does not know."""

    reason = "not_found"

    def __init__(self, entity: str, entity_id: str) -> None:
        super().__init__(f"{entity} {entity_id} does not exist", reason=f"{entity}_not_found")
        self.entity = entity
        self.entity_id = entity_id


class InvalidRequest(EngineError):
    """Input the rules refuse regardless of state (bad reason key, no stock, empty order...)."""


class DefinitionError(Exception):
    """A transition table that fails validation when loaded."""
