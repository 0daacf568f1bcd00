"""The command line a partner meets first: version, help, init, mocks, the control-plane CLI, the request log."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.test import Client

from simulator.app import create_app
from simulator.cli import build_parser, main, package_version
from simulator.requestlog import RequestLog
from simulator.server import ENV, build_app, settings
from simulator.testing.live import LiveServer
from simulator.tiktok_shop.signing import sign
from simulator.world import World
from tests.fixtures.tiktok import doc_sign

BIN = Path(sys.executable).parent


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield name, child
                for sub_name, grandchild in _subparsers(child):
                    yield f"{name} {sub_name}", grandchild


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0 and capsys.readouterr().out == f"tts-sim {package_version()}\n"
    assert package_version()[0].isdigit()


def test_every_option_has_help_and_shows_its_default() -> None:
    commands = dict(_subparsers(build_parser()))
    assert {"serve", "init", "mocks export", "clock", "orders place", "orders show", "journal"} <= set(commands)
    for name, parser in commands.items():
        formatter = parser._get_formatter()
        for action in parser._actions:
            if not action.option_strings or isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"tts-sim {name} {action.option_strings[0]} has no help"
            if action.default not in (None, False):
                shown = formatter._get_help_string(action) or ""  # type: ignore[attr-defined]
                assert "default" in shown.lower(), f"tts-sim {name} {action.option_strings[0]} hides its default"
    serve = commands["serve"].format_help()
    assert "(default: 127.0.0.1)" in serve and "(default: 7070)" in serve and "--start ISO8601" in serve


# -- init ------------------------------------------------------------------------------------------
def test_init_writes_a_suite_that_passes_as_generated_and_is_lint_clean(tmp_path: Path) -> None:
    """The scaffold's tests (HOLD-1, SFCC-1, FUL-1, FUL-3, CA-1, CA-2, CAN-B3, CAN-B4, NOTE-2) pass in a fresh process."""
    assert main(["init", str(tmp_path / "suite")]) == 0
    written = sorted(p.relative_to(tmp_path / "suite").as_posix() for p in (tmp_path / "suite").rglob("*")
                     if p.is_file())
    assert {"conftest.py", "pytest.ini", "oms/direct.py", "oms/sfcc.py", "oms/rithum.py", "oms/webhooks.py",
            "test_direct.py", "test_sfcc.py", "test_rithum.py", "test_webhooks.py"} <= set(written)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    run = subprocess.run([sys.executable, "-m", "pytest", "suite", "-q", "-p", "no:cacheprovider"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0 and "10 passed" in run.stdout, run.stdout + run.stderr
    lint = subprocess.run([str(BIN / "ruff"), "check", "--isolated", "--select", "E,F,W,B", "--line-length", "120",
                           "suite"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert lint.returncode == 0, lint.stdout


def test_init_refuses_to_overwrite_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["init", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tts-sim init: ") and "already exists (pass --force" in err
    assert main(["init", str(tmp_path), "--force"]) == 0


# -- mocks -----------------------------------------------------------------------------------------
def test_mocks_export_then_overlay_one_changed_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exported = tmp_path / "all"
    assert main(["mocks", "export", str(exported)]) == 0
    assert (exported / "tiktok_shop" / "shops.yaml").is_file() and (exported / "sfcc" / "ocapi_shop.json").is_file()
    mine = tmp_path / "mine" / "tiktok_shop"
    mine.mkdir(parents=True)
    shops = (exported / "tiktok_shop" / "shops.yaml").read_text().replace("Copper Lane (US, direct API)", "My Shop")
    (mine / "shops.yaml").write_text(shops)
    world = World.create(mocks_dir=tmp_path / "mine")
    try:
        names = [s["name"] for s in world.control.credentials()["tiktok"]["shops"]]
        assert "My Shop" in names and world.systems["sfcc"].config.host  # the rest is the built-in data
        assert world.systems["channeladvisor"].seed.accounts
    finally:
        world.close()
    assert main(["mocks", "check", str(tmp_path / "mine")]) == 0


@pytest.mark.parametrize(("relative", "text", "wanted"), [
    ("tiktok_shop/products.yaml", "products:\n- id: '1'\n  shop_id: '2'\n  title: T\n  skus:\n  - {id: '3', name: N, "
     "seller_sku: S, price: '1.00', currency: usd, stock: 5}\n",
     "tiktok_shop/products.yaml:6: products[0].skus[0].currency: 'usd' does not match '^[A-Z]{3}$'"),
    ("channeladvisor/accounts.yaml", "profiles:\n  - {profile_id: one, shop_id: '1', region: US}\n",
     "channeladvisor/accounts.yaml:2: profiles[0].profile_id: 'one' is not of type 'integer'"),
    ("sfcc/ocapi_shop.json", '{"clients": [}', "sfcc/ocapi_shop.json:1: not valid JSON: Expecting value"),
    ("tiktok_shop/shop.yaml", "shops: []\n", "tiktok_shop/shop.yaml: not a mocks file (known: "),
])
def test_a_bad_mocks_file_is_one_line_naming_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], relative: str, text: str, wanted: str
) -> None:
    (tmp_path / relative).parent.mkdir(parents=True)
    (tmp_path / relative).write_text(text)
    assert main(["mocks", "check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"tts-sim mocks: {tmp_path}/{wanted}" in err, err


def test_the_built_in_mocks_pass_their_own_schema() -> None:
    from simulator.mocksdata import builtin_dir, check_folder, known_files

    assert check_folder(builtin_dir()) == known_files()


# -- the control-plane CLI against a running server ------------------------------------------------
@pytest.fixture
def served() -> Iterator[str]:
    world = World.create()
    with LiveServer(create_app(world)) as live:
        yield live.url
    world.close()


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_clock_orders_and_journal_commands(served: str, capsys: pytest.CaptureFixture[str]) -> None:
    """HOLD-1 and CA-1 driven from the command line, as with the Stripe CLI."""
    status, out, _ = _cli(capsys, "orders", "place", "--profile", "rithum", "--url", served)
    order_id = out.split()[0]
    assert status == 0 and out == f"{order_id}  ON_HOLD  shop 7495540735365777508 (rithum)\n"
    status, out, _ = _cli(capsys, "clock", "advance", "1h", "--url", served)
    assert status == 0 and out.startswith("now 2026-11-02T10:00:00+00:00") and "hold.release" in out
    status, out, _ = _cli(capsys, "orders", "show", order_id, "--url", served)
    assert status == 0 and out.startswith(f"order {order_id}  AWAITING_SHIPMENT")
    assert "channeladvisor" in out and "order.status" in out
    status, out, _ = _cli(capsys, "journal", "--kind", "order.status", "--url", served)
    assert status == 0 and len(out.splitlines()) == 2 and "new=AWAITING_SHIPMENT" in out
    status, out, _ = _cli(capsys, "clock", "--json", "--url", served)
    assert json.loads(out)["now"] == "2026-11-02T10:00:00+00:00"
    status, _, err = _cli(capsys, "orders", "show", "404", "--url", served)
    assert status == 1 and err == "tts-sim orders: order_not_found: order 404 does not exist\n"
    status, _, err = _cli(capsys, "clock", "advance", "soon", "--url", served)
    assert status == 1 and err.startswith("tts-sim clock: invalid_request: 'duration': not a duration: 'soon'")


def test_no_server_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _cli(capsys, "clock", "--url", "http://127.0.0.1:9")
    assert status == 1 and err == ("tts-sim clock: no tts-sim server at http://127.0.0.1:9 (start one with "
                                   "`tts-sim serve`, or pass --url / set TTS_SIM_URL)\n")


def test_journal_follow_prints_new_entries_as_they_happen(served: str) -> None:
    follow = subprocess.Popen([str(BIN / "tts-sim"), "journal", "--follow", "--interval", "0.05", "--kind", "order",
                               "--url", served], stdout=subprocess.PIPE, text=True)
    try:
        import requests

        requests.post(f"{served}/_sim/buyer/orders", json={"profile": "direct"}, timeout=10)
        deadline = time.monotonic() + 20
        line = ""
        while "order.placed" not in line and time.monotonic() < deadline:
            line = follow.stdout.readline() if follow.stdout else ""
        assert "order.placed" in line
    finally:
        follow.terminate()
        follow.wait(timeout=10)


# -- serve --log, --start, the expected string-to-sign ---------------------------------------------
def test_the_request_log_is_one_line_per_request_with_the_expected_string_to_sign() -> None:
    """106001 (API doc): the journal entry and the log line carry what the mock would have signed."""
    world = World.create()
    app = create_app(world)
    stream = io.StringIO()
    client = Client(RequestLog(app, app.extensions["tts_sim"], stream))
    creds = world.control.credentials()["tiktok"]
    query = {"app_key": creds["apps"][0]["app_key"], "timestamp": str(world.clock.timestamp()),
             "shop_cipher": creds["shops"][3]["cipher"]}
    path = "/logistics/202309/warehouses"
    query["sign"] = doc_sign("not-the-secret", path, query)
    answer = client.get(path, query_string=query, headers={"x-tts-access-token": creds["authorizations"][0]
                                                           ["access_token"]})
    assert answer.status_code == 400
    client.post("/_sim/clock/advance", json={"duration": "1h"})
    client.get("/v1/Orders")
    (entry,) = world.journal.entries(kind="tiktok.request")
    expected = f"{path}app_key{query['app_key']}shop_cipher{query['shop_cipher']}timestamp{query['timestamp']}"
    assert entry.data["code"] == 106001 and entry.data["sim_expected_string_to_sign"] == expected
    good = dict(query, sign=sign(creds["apps"][0]["app_secret"], path, {k: v for k, v in query.items() if k != "sign"}))
    assert good["sign"] == doc_sign(creds["apps"][0]["app_secret"], path, query)  # the string is the real one
    lines = stream.getvalue().splitlines()
    assert lines == [
        f"2026-11-02T09:00:00Z tiktok         GET    {path} 400 106001 (simulator aid) expected string-to-sign: "
        f"{json.dumps(expected)}",
        "2026-11-02T09:00:00Z sim            POST   /_sim/clock/advance 200 -",
        "2026-11-02T10:00:00Z channeladvisor GET    /v1/Orders 401 Unauthorized",
    ]
    world.close()


def test_serve_settings_carry_start_and_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV["start"], "2026-11-27T09:00:00+00:00")
    monkeypatch.setenv(ENV["log"], "1")
    assert settings()["start"].isoformat() == "2026-11-27T09:00:00+00:00"
    app = build_app()
    try:
        assert isinstance(app, RequestLog) and app.holder.world.clock.now().day == 27
    finally:
        from simulator.server import shutdown_served

        shutdown_served(io.StringIO())
