"""What ``tts-sim serve`` imports before its first answer, and the deferred-import mechanisms it relies on."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from flask import Flask, url_for
from werkzeug.routing import Map, Rule

from simulator.app import LazyBuilderRule, create_app
from simulator.lazyimport import LazyModule, lazy
from simulator.world import World

# Needed only by a rare path: an HTTP call to a real server (requests), contract validation (--validate),
# property tests, the scenario report, buyer data (the first order placed), a data file not yet in the
# parsed-data cache (yaml), conformance settings (tomllib), --data (sqlite3).
NOT_AT_START = ("requests", "urllib3", "charset_normalizer", "idna", "jsonschema", "schemathesis", "hypothesis",
                "rich", "faker", "yaml", "tomllib", "sqlite3")
SERVE = textwrap.dedent("""
    import json, sys
    from werkzeug.test import Client
    from simulator import server
    from simulator.cli import build_parser

    server.banner("127.0.0.1", 7070, build_parser().parse_args(["serve"]))  # what serve does before the worker
    client = Client(server.build_app())
    assert client.get("/_sim/ping").status_code == 200
    first = sorted(sys.modules)
    shops = client.get("/_sim/credentials").json["tiktok"]["shops"]
    for shop in shops:  # an order on every profile, then a day: connectors, SFCC jobs, the CA sync all run
        assert client.post("/_sim/buyer/orders", json={"shop_id": shop["id"]}).status_code == 200
    assert client.post("/_sim/clock/advance", json={"seconds": 86400}).status_code == 200
    print(json.dumps({"first": first, "day": sorted(sys.modules)}))
""")


def _imported(names: list[str], deferred: tuple[str, ...]) -> list[str]:
    return sorted({n for n in names if n.split(".")[0] in deferred})


def test_serve_answers_its_first_request_without_importing_what_only_rare_paths_need() -> None:
    World.create().close()  # every data file in this run's parsed-data cache, as after any earlier start
    run = subprocess.run([sys.executable, "-c", SERVE], capture_output=True, text=True, check=True)
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert _imported(got["first"], NOT_AT_START) == []
    # A day of a full world with its own mocks (connectors on their direct ports) still makes no HTTP call.
    assert _imported(got["day"], ("requests", "urllib3")) == []


def test_a_lazy_module_imports_on_first_use_and_an_except_clause_naming_it_works() -> None:
    assert lazy("json") is json  # already imported: the module itself
    stand_in = LazyModule("json")
    assert stand_in.dumps([1]) == "[1]"
    caught = None
    try:
        json.loads("{")
    except stand_in.JSONDecodeError as exc:  # resolved only when an exception reaches the clause
        caught = exc
    assert isinstance(caught, json.JSONDecodeError)
    with pytest.raises(ModuleNotFoundError):
        LazyModule("simulator_no_such_module").anything  # noqa: B018 - the attribute read is the test


@pytest.mark.parametrize(("rule", "values"), [
    ("/order/202309/orders", {}),
    ("/order/202309/orders", {"ids": "1,2", "page_size": 3}),
    ("/logistics/202309/warehouses/<warehouse_id>/delivery_options", {"warehouse_id": "w 1/é"}),
    ("/s/<site>/dw/shop/v<int:major>_<int:minor>/orders/<path:rest>", {"site": "x", "major": 23, "minor": 2,
                                                                       "rest": "a/b", "q": ["1", "2"]}),
])
def test_a_rule_with_a_lazy_builder_builds_urls_exactly_as_werkzeugs(rule: str, values: dict[str, object]) -> None:
    built = []
    for kind in (Rule, LazyBuilderRule):
        adapter = Map([kind(rule, endpoint="e")]).bind("example.com")
        built.append((adapter.build("e", values), adapter.build("e", values, force_external=True),
                      adapter.build("e", values, append_unknown=False)))
    assert built[0] == built[1]


def test_the_served_app_still_builds_urls_for_its_routes() -> None:
    app: Flask = create_app()
    assert app.url_rule_class is LazyBuilderRule
    with app.test_request_context():
        assert url_for("tiktok.get_warehouse_delivery_options_0", warehouse_id="7", x=1) == \
            "/logistics/202309/warehouses/7/delivery_options?x=1"
