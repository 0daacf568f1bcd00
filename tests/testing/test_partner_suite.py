"""The plugin as a partner meets it: pytester runs suites outside this repository's settings (issue 12).

Each suite runs with the plugin's own defaults (no tts_sim_* ini of this repository), so the
timestamp window follows the caller's clock unless a test says otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True, scope="module")
def _everything_imported() -> None:
    """pytester drops modules first imported by an inner run; import them all first, so identities hold."""
    from simulator.app import create_app
    from simulator.world import World

    world = World.create()
    create_app(world).test_client().get("/_sim/")
    world.close()

TIKTOK_CLIENT = '''
import hashlib, hmac, time
import requests

def signed(creds, path, **params):
    query = {"app_key": creds.app_key, "timestamp": str(int(time.time())), "shop_cipher": creds.shop_cipher,
             **params}
    base = creds.app_secret + path + "".join(f"{k}{query[k]}" for k in sorted(query)) + creds.app_secret
    query["sign"] = hmac.new(creds.app_secret.encode(), base.encode(), hashlib.sha256).hexdigest()
    return requests.get(creds.base_url + path, params=query, timeout=10,
                        headers={"x-tts-access-token": creds.access_token}).json()
'''


def _readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## In a pytest suite"):]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


def test_the_readme_example_passes_verbatim_with_a_time_time_client(pytester: pytest.Pytester) -> None:
    """HOLD-1, NOTE-2: the README's test, unchanged, with no frozen time."""
    pytester.makepyfile(test_readme=_readme_example())
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_timestamp_follows_the_caller_s_clock_real_frozen_or_the_world_s(pytester: pytest.Pytester) -> None:
    """36009004 (API doc): wall time, the partner's own freezegun, sim_frozen_time; world mode refuses time.time()."""
    pytester.makepyfile(test_time=TIKTOK_CLIENT + '''
import freezegun, pytest

def test_real_time(sim_requests, sim_credentials, sim_world):
    sim_world.advance(seconds=5 * 86400)  # business time moves; the transport clock is the caller's
    assert signed(sim_credentials.tiktok, "/logistics/202309/warehouses")["code"] == 0

def test_partner_freezes_its_own_time(sim_requests, sim_credentials):
    with freezegun.freeze_time("2031-01-01T00:00:00Z"):
        assert signed(sim_credentials.tiktok, "/logistics/202309/warehouses")["code"] == 0

def test_frozen_to_the_world(sim_requests, sim_credentials, sim_frozen_time):
    sim_frozen_time.advance(seconds=3 * 86400)
    assert signed(sim_credentials.tiktok, "/logistics/202309/warehouses")["code"] == 0

def test_partner_freezes_inside_sim_frozen_time(sim_requests, sim_credentials, sim_frozen_time):
    with freezegun.freeze_time("2031-01-01T00:00:00Z"):
        assert int(time.time()) == 1924992000  # the partner's freeze wins inside its block
        assert signed(sim_credentials.tiktok, "/logistics/202309/warehouses")["code"] == 0
    assert int(time.time()) == sim_frozen_time.clock.timestamp() == 1793610000  # the world's again, unmoved

@pytest.mark.tts_sim(timestamp_clock="world")
def test_world_mode_refuses_a_wall_clock_signature(sim_requests, sim_credentials):
    answer = signed(sim_credentials.tiktok, "/logistics/202309/warehouses")
    assert answer["code"] == 36009004 and "30 seconds" in answer["message"]
''')
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=5)


def test_markers_and_options_choose_profile_seed_and_start(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_settings='''
import pytest

def test_defaults(sim_world, sim_credentials):
    assert sim_credentials.profile == "rithum" and sim_world.seed == 7  # from the command line
    assert sim_world.clock.now().isoformat() == "2026-11-02T09:00:00+00:00"

@pytest.mark.tts_sim(profile="sfcc", seed=3, start="2026-11-27T09:00:00Z")
def test_marker(sim_world, sim_credentials):
    assert (sim_credentials.profile, sim_world.seed) == ("sfcc", 3)
    assert sim_world.clock.now().isoformat() == "2026-11-27T09:00:00+00:00"
    assert sim_credentials.sfcc.site_id == "RefArch" and sim_credentials.channeladvisor is None
''')
    result = pytester.runpytest("-p", "no:cacheprovider", "--tts-sim-profile", "rithum", "--tts-sim-seed", "7")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["tts-sim: profile rithum, seed 7, timestamps checked against the wall clock"])


def test_a_bad_setting_is_one_usage_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bad='''
import pytest

@pytest.mark.tts_sim(profile="shopify")
def test_marker(sim_world):
    pass
''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*UsageError: tts-sim profile 'shopify': one of sfcc, rithum, direct*"])


def test_credentials_of_every_profile_authenticate_on_the_real_hosts(pytester: pytest.Pytester) -> None:
    """TikTok token refresh, SFCC BM-user grant and ChannelAdvisor refresh-token grant with the fixture's values."""
    pytester.makepyfile(test_creds='''
import base64, pytest, requests
from simulator.testing.credentials import credentials_for

def test_all(sim_world, sim_requests):
    direct = credentials_for(sim_world, "direct").tiktok
    refreshed = requests.get(f"{direct.auth_url}/api/v2/token/refresh", params={
        "app_key": direct.app_key, "app_secret": direct.app_secret, "refresh_token": direct.refresh_token,
        "grant_type": "refresh_token"}, timeout=10).json()
    assert refreshed["code"] == 0, refreshed
    sfcc = credentials_for(sim_world, "sfcc").sfcc
    basic = base64.b64encode(f"{sfcc.bm_login}:{sfcc.bm_access_key}:{sfcc.client_secret}".encode()).decode()
    token = requests.post(f"{sfcc.base_url}/dw/oauth2/access_token", params={"client_id": sfcc.client_id},
                          headers={"Authorization": f"Basic {basic}"}, timeout=10,
                          data={"grant_type": "urn:demandware:params:oauth:grant-type:client-id:dwsid:dwsecuretoken"})
    assert token.status_code == 200, token.text
    ca = credentials_for(sim_world, "rithum").channeladvisor
    grant = requests.post(f"{ca.base_url}/oauth2/token", auth=(ca.application_id, ca.shared_secret), timeout=10,
                          data={"grant_type": "refresh_token", "refresh_token": ca.refresh_token})
    assert grant.status_code == 200 and ca.profile_id == 12000001, grant.text
    assert [s.tiktok.region for s in (credentials_for(sim_world, "rithum"), credentials_for(sim_world, "rithum",
                                      region="UK"))] == ["US", "UK"]
''')
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_recorded_calls_and_an_unmocked_host(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_calls=TIKTOK_CLIENT + '''
import dataclasses, pytest, requests

def test_calls(sim_requests, sim_credentials):
    creds = sim_credentials.tiktok
    assert signed(creds, "/logistics/202309/warehouses")["code"] == 0
    bad = dataclasses.replace(creds, app_secret="not-the-secret")
    assert signed(bad, "/logistics/202309/warehouses")["code"] == 106001
    (ok,) = sim_requests.assert_called("GET", "/logistics/{version}/warehouses", code=0)
    assert ok.system == "tiktok" and ok.status == 200 and ok.query["shop_cipher"] == creds.shop_cipher
    assert sim_requests.last(code=106001).status == 400
    sim_requests.assert_not_called("POST")
    with pytest.raises(AssertionError, match=r"expected 3 call\\(s\\) to GET .*calls: \\['GET open-api"):
        sim_requests.assert_called("GET", "*/warehouses", times=3)

def test_unmocked(sim_requests):
    requests.get("https://api.example.com/v1/orders", timeout=5)
''')
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["E*simulator.testing.intercept.UnmockedHost: tts-sim: GET https://api.example.com/"
                                 "v1/orders: host api.example.com is not mocked (mocked: open-api.tiktokglobalshop.com,"
                                 " auth.tiktok-shops.com, *.demandware.net, *.dx.commercecloud.salesforce.com, "
                                 "account.demandware.com, api.channeladvisor.com; loopback passes through)"])
    assert "Available matches" not in result.stdout.str()


def test_webhooks_are_collected_verified_and_retried(pytester: pytest.Pytester) -> None:
    """NOTE-2: types 1 and 11 arrive signed; a 500 answer is retried 2 minutes later with the same body."""
    pytester.makepyfile(test_hooks='''
def test_hooks(sim_world, sim_webhooks):
    order_id = sim_world.control.place_order(profile="direct")["order"]["id"]
    sim_world.advance(seconds=3600)
    sim_webhooks.statuses = [500]
    sim_world.control.buyer_cancel(order_id)
    cancels = sim_webhooks.received(11, order_id=order_id)
    assert [h.data["cancel_status"] for h in cancels] == ["CANCELLATION_REQUEST_PENDING"]
    sim_world.advance(seconds=120)
    retried = sim_webhooks.received(11, order_id=order_id)
    assert len(retried) == 2 and retried[0].body == retried[1].body
    assert all(h.verified for h in sim_webhooks.received())
    assert sim_webhooks.order_statuses(order_id) == ["ON_HOLD", "AWAITING_SHIPMENT"]

def test_hooks_under_frozen_time(sim_world, sim_webhooks, sim_frozen_time):
    order_id = sim_world.control.place_order(profile="direct")["order"]["id"]
    sim_world.advance(seconds=7 * 86400)
    assert sim_webhooks.order_statuses(order_id)[:2] == ["ON_HOLD", "AWAITING_SHIPMENT"]
''')
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_a_bad_webhook_signature_fails_the_collector() -> None:
    from simulator.testing.webhooks import WebhookCollector
    from simulator.world import World

    world = World.create()
    try:
        with WebhookCollector(world) as collector:
            collector._secrets[collector.app_key] = "a-secret-the-mock-does-not-sign-with"
            collector.subscribe(world.control.credentials()["tiktok"]["shops"][3]["id"])
            world.control.place_order(profile="direct")
            (hook,) = collector.received()
            assert not hook.verified
            with pytest.raises(AssertionError, match=f"webhook signature mismatch for notification.s. {hook.notification_id}"):
                collector.assert_verified()
    finally:
        world.close()
