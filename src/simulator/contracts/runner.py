"""Run one contract against a server with the schemathesis engine: every check, derandomized, counted.

The settings come from ``contracts/conformance/<api>.toml`` (schemathesis' own config format, so the same
run works with ``schemathesis run --config-file``); this module adds the base URL, the credentials, the
example budget and the seed, then turns the engine's events into :class:`Result` (cases per operation,
every failure with the operation, the field and the request as it was sent).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from requests.auth import AuthBase
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from schemathesis.engine import from_schema as engine_for

from simulator.contracts.apis import APIS
from simulator.contracts.auth import Auth
from simulator.contracts.checks import business_code  # importing registers the envelope-aware check

PHASES = ("examples", "coverage", "fuzzing", "stateful")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class SentRequest:
    """A request as it went over the wire (after signing)."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None


@dataclass(frozen=True)
class Failure:
    """One contract violation: which operation, which check, which field, and the request that shows it."""

    operation: str
    check: str
    title: str
    message: str
    field: str | None
    status: int | None
    request: SentRequest | None
    response_body: str | None


@dataclass
class Result:
    """A finished run: cases per operation and phase, failures (deduplicated by operation, check and field)."""

    api: str
    base_url: str
    cases: Counter[str] = field(default_factory=Counter)
    phases: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answers: Counter[tuple[str, int, int | None]] = field(default_factory=Counter)  # (operation, status, code)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """No failure and no error."""
        return not self.failures and not self.errors

    @property
    def total(self) -> int:
        """Cases generated over all operations and phases."""
        return sum(self.phases.values())


# -- every call of one run: signing, and webhook addresses kept on this machine ---------------------------
# A generated Update Shop Webhook address would make the server under test deliver webhooks to whatever host
# the generator drew; every run subscribes this one instead (loopback, the discard port: refused at once).
SAFE_WEBHOOK_ADDRESS = "http://127.0.0.1:9/tts-sim-contract-run"
WEBHOOK_OPERATIONS = {"updateShopWebhook"}


@dataclass
class _Run:
    signer: AuthBase | None


_RUNS: dict[int, _Run] = {}  # id(schema) -> its run while in progress (process wiring, not simulation state)
_HOOK_LOCK = threading.Lock()
_HOOKED = False


def _before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    current = _RUNS.get(id(case.operation.schema))
    if current is None:
        return
    if current.signer is not None:
        kwargs["auth"] = current.signer  # requests runs it on the prepared request: the final URL and body bytes
    body = case.body
    if case.operation.definition.raw.get("operationId") in WEBHOOK_OPERATIONS and isinstance(body, dict) \
            and isinstance(body.get("address"), str) and body["address"]:
        body["address"] = SAFE_WEBHOOK_ADDRESS


@contextmanager
def _hooked(schema: Any, signer: AuthBase | None) -> Iterator[None]:
    global _HOOKED
    with _HOOK_LOCK:
        if not _HOOKED:  # one global hook (schemathesis dispatches before_call globally), keyed by schema
            schemathesis.hook("before_call")(_before_call)
            _HOOKED = True
    _RUNS[id(schema)] = _Run(signer)
    try:
        yield
    finally:
        _RUNS.pop(id(schema), None)


# -- configuration ---------------------------------------------------------------------------------
def settings(api: str, base_url: str, auth: Auth, *, max_examples: int | None = None,
             phases: tuple[str, ...] | None = None, seed: int = 0, workers: int = 1,
             mode: str | None = None) -> dict[str, Any]:
    """The schemathesis config dict of a run: the contract's settings plus URL, credentials and budget."""
    data = APIS[api].settings()
    data["base-url"] = base_url.rstrip("/")
    data["seed"] = seed
    data["workers"] = workers
    # Hypothesis' timing health checks would make a run on a loaded machine differ from one on an idle one.
    data.setdefault("suppress-health-check", ["all"])
    generation = data.setdefault("generation", {})
    generation.setdefault("deterministic", True)
    generation["database"] = "none"
    if max_examples is not None:
        generation["max-examples"] = max_examples
    if mode is not None:
        generation["mode"] = mode
    if auth.schemes:
        data.setdefault("auth", {})["openapi"] = auth.schemes
    if auth.parameters:
        data.setdefault("parameters", {}).update(auth.parameters)
    if phases is not None:
        configured = data.setdefault("phases", {})
        for phase in PHASES:
            configured.setdefault(phase, {})["enabled"] = phase in phases
    return data


def run(api: str, base_url: str, auth: Auth, *, progress: Progress | None = None, max_examples: int | None = None,
        phases: tuple[str, ...] | None = None, seed: int = 0, mode: str | None = None) -> Result:
    """Check ``base_url`` against the ``api`` contract with every schemathesis check; never raises on failures.

    ``mode``: positive, negative or all (the settings' default: all); ``phases``: a subset of :data:`PHASES`.
    """
    config = SchemathesisConfig.from_dict(settings(api, base_url, auth, max_examples=max_examples, phases=phases,
                                                   seed=seed, mode=mode))
    schema = schemathesis.openapi.from_path(APIS[api].contract, config=config)
    result = Result(api, base_url.rstrip("/"))
    say = progress or (lambda _line: None)
    seen: set[tuple[str, str, str | None]] = set()
    with _hooked(schema, auth.signer):
        for event in engine_for(schema).execute():
            _record(event, result, seen, say)
    return result


def _record(event: Any, result: Result, seen: set[tuple[str, str, str | None]], say: Progress) -> None:
    if isinstance(event, events.PhaseStarted):
        say(f"{event.phase.name.value} ...")
    elif isinstance(event, events.PhaseFinished):
        say(f"{event.phase.name.value}: {event.status.value}")
    elif isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
        phase = event.phase.value if isinstance(event, events.ScenarioFinished) else "fuzzing"
        recorder = event.recorder
        for case_id, node in recorder.cases.items():
            result.cases[node.value.operation.label] += 1
            interaction = recorder.interactions.get(case_id)
            if interaction is not None and interaction.response is not None:
                answer = interaction.response
                result.answers[(node.value.operation.label, answer.status_code, business_code(answer))] += 1
        result.phases[phase] += len(recorder.cases)
        found = 0
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.failure_info is not None:
                    failure = _failure(check.name, check.failure_info.failure, recorder, case_id)
                    key = (failure.operation, failure.check, failure.field)
                    if key not in seen:
                        seen.add(key)
                        result.failures.append(failure)
                        found += 1
        if isinstance(event, events.ScenarioFinished) and phase != "stateful":
            say(f"  {phase:<9} {recorder.label}: {len(recorder.cases)} cases" + (f", {found} failing" if found else ""))
    elif isinstance(event, events.NonFatalError):
        result.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
    elif isinstance(event, events.FatalError):
        result.errors.append(f"fatal: {event.exception}")
    elif isinstance(event, events.EngineFinished):
        result.seconds = event.running_time


def _failure(check: str, failure: Any, recorder: Any, case_id: str) -> Failure:
    interaction = recorder.interactions.get(failure.case_id or case_id) or recorder.interactions.get(case_id)
    sent = None
    status = body = None
    if interaction is not None:
        req = interaction.request
        sent = SentRequest(req.method, req.uri, {k: ", ".join(v) for k, v in req.headers.items()}, req.body)
        if interaction.response is not None:
            status = interaction.response.status_code
            body = interaction.response.content.decode("utf-8", errors="replace")[:2000] \
                if interaction.response.content else None
    return Failure(operation=failure.operation, check=check, title=failure.title, message=failure.message,
                   field=_field(failure), status=status, request=sent, response_body=body)


def _field(failure: Any) -> str | None:
    """The offending location: the JSON pointer of a response-schema violation, a header or parameter name."""
    path = getattr(failure, "instance_path", None)
    if path is not None:
        return "/" + "/".join(str(p) for p in path) if path else "(the whole body)"
    for name in ("header_name", "parameter", "name"):
        value = getattr(failure, name, None)
        if isinstance(value, str):
            return value
    return None
