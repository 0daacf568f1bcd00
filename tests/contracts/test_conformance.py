"""Conformance in CI: each contract run against its mock with every schemathesis check, derandomized (issue 10).

Phases examples, coverage (negative cases included), fuzzing and stateful (links: list -> read -> ship ->
cancel); zero failures. The per-API settings are contracts/conformance/<api>.toml. Counts are printed.
"""

from __future__ import annotations

import sys

import pytest
import yaml

from simulator.contracts import auth, report, runner
from simulator.contracts.apis import APIS
from tests.contracts.conftest import serving

METHODS = ("get", "put", "post", "delete", "patch")


def operations(api: str) -> set[str]:
    """``METHOD /path`` of every operation in the contract."""
    paths = APIS[api].document()["paths"]
    return {f"{m.upper()} {p}" for p, item in paths.items() for m in item if m in METHODS}


@pytest.mark.parametrize("api", sorted(APIS))
def test_the_mock_conforms_to_its_contract(api: str, capsys: pytest.CaptureFixture[str]) -> None:
    with serving() as (url, world):
        result = runner.run(api, url, auth.resolve(api, url, auth.from_simulator(api, world.control.credentials())))
    with capsys.disabled():
        sys.stdout.write(f"\n{report.summary(result).splitlines()[0]}\n")
    assert result.ok, report.summary(result)
    assert set(result.cases) == operations(api)  # every operation was exercised...
    assert min(result.cases.values()) >= 10 and {"examples", "coverage", "fuzzing", "stateful"} <= set(result.phases)
    if api != "sfcc":  # ... and the stateful links reached real resources (2xx answers beyond the lists)
        assert sum(n for (op, status, code), n in result.answers.items()
                   if status < 300 and code in (None, 0) and "{" in op) >= 10


def test_a_mis_signed_run_gets_106001_on_every_signed_call() -> None:
    """Every signed TikTok operation, signed with a wrong secret, answers 400 106001 (the auth host is unsigned)."""
    with serving() as (url, world):
        creds = auth.from_simulator("tiktok-shop", world.control.credentials())
        wrong = auth.resolve("tiktok-shop", url, {**creds, "app_secret": "not-the-secret"})
        result = runner.run("tiktok-shop", url, wrong, phases=("fuzzing",), mode="positive", max_examples=3)
    signed = operations("tiktok-shop") - {"GET /api/v2/token/get", "GET /api/v2/token/refresh"}
    answered = {(op, status, code) for op, status, code in result.answers if op in signed}
    assert {op for op, _, _ in answered} == signed
    assert {(status, code) for _, status, code in answered} == {(400, 106001)}


def test_delivered_webhooks_conform_to_the_contracts_webhooks() -> None:
    """NOTE-2: each webhook the mock POSTs matches its `webhooks` entry, with a valid HMAC Authorization."""
    import jsonschema

    from simulator.tiktok_shop.signing import webhook_signature
    from tests.fixtures.receivers import HookReceiver, answer
    from tests.fixtures.serve import Served

    contract = APIS["tiktok-shop"].document()
    with HookReceiver(answer(200)) as hooks, serving() as (url, world):
        sim = Served(url)
        shop = sim.direct[0]
        events = ("ORDER_STATUS_CHANGE", "PACKAGE_UPDATE", "CANCELLATION_STATUS_CHANGE", "RETURN_STATUS_CHANGE")
        for event in events:
            sim.subscribe(shop, hooks.url, event)
        sim.sim("POST", "buyer/orders", {"shop_id": shop, "split_packages": True,
                                         "items": [{"sku_id": s, "quantity": 1} for s in _skus(world, shop)[:2]]})
        placed = sim.sim("POST", "buyer/orders", {"shop_id": shop})["order"]["id"]
        sim.sim("POST", "clock/advance", {"seconds": 3600})
        sim.sim("POST", f"buyer/orders/{placed}/cancel", {})
        sim.sim("POST", "clock/advance", {"seconds": 3600})
        refund = sim.call("POST", "/return_refund/202309/returns/search", shop, {"return_types": ["REFUND"]})
        approve = f"/return_refund/202309/returns/{refund['data']['return_orders'][0]['return_id']}/approve"
        assert sim.call("POST", approve, shop, {"decision": "APPROVE_REFUND"})["code"] == 0  # RET-5
        received = list(hooks.received)
    names = {number: name for name, number in (("ORDER_STATUS_CHANGE", 1), ("PACKAGE_UPDATE", 4),
                                               ("CANCELLATION_STATUS_CHANGE", 11),
                                               ("RETURN_STATUS_CHANGE", 12))}
    seen = set()
    for hook in received:
        event = names[hook["payload"]["type"]]
        operation = contract["webhooks"][event]["post"]
        jsonschema.Draft202012Validator(operation["requestBody"]["content"]["application/json"]["schema"]) \
            .validate(hook["payload"])
        assert hook["authorization"] == webhook_signature(sim.app_key, sim.secret, hook["body"])
        seen.add(event)
    assert seen == set(events), seen


def _skus(world: object, shop: str) -> list[str]:
    skus = world.inventory.skus.values()  # type: ignore[attr-defined]
    return [s.sku_id for s in skus if getattr(s, "shop_id", shop) == shop]


def test_every_contract_is_valid_openapi_3_1() -> None:
    """Each contract loads as OpenAPI 3.1 with every operation named (schemathesis validates it on load)."""
    import schemathesis

    for api in APIS.values():
        document = yaml.safe_load(api.contract.read_text(encoding="utf-8"))
        assert document["openapi"] == "3.1.0"
        schema = schemathesis.openapi.from_path(api.contract)
        ids = [op.ok().definition.raw.get("operationId") for op in schema.get_all_operations()]
        assert all(ids) and len(ids) == len(set(ids)) == len(operations(api.name)), api.name
