"""The fuzz harness: authenticate, send and check one case (envelope, no 5xx, no half-applied change)."""

from __future__ import annotations

import base64
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote

import orjson
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from simulator.app import create_app
from simulator.tiktok_shop.params import LIST_PARAMS
from simulator.world import World
from tests.fixtures.inputs import CountingStream
from tests.fixtures.ocapi import assert_arguments
from tests.fixtures.tiktok import doc_sign
from tests.fuzz.families import Draft, Drawn, mutate
from tests.fuzz.routes import Route
from tests.fuzz.world import Ids, State, accept, build, collect, snapshot

BM_GRANT = "urn:demandware:params:oauth:grant-type:client-id:dwsid:dwsecuretoken"
ARG = re.compile(r"<(?:[^:<>]+:)?(\w+)>")
BODY_LIMIT = 5 * 1024 * 1024  # the input layer's default max_body_bytes
TOKEN_TTL = 600  # re-issue SFCC/CA tokens after ten virtual minutes (SFCC BM tokens live 15)


def basic(*parts: str) -> str:
    return "Basic " + base64.b64encode(":".join(parts).encode()).decode()


@dataclass
class Stats:
    """Cases per route, accepted per route, refusals by (envelope, code), cases per family."""

    cases: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)
    refusals: Counter[tuple[str, str]] = field(default_factory=Counter)
    families: Counter[str] = field(default_factory=Counter)

    def report(self) -> str:
        lines = [f"fuzz: {sum(self.cases.values())} cases over {len(self.cases)} routes, "
                 f"{sum(self.accepted.values())} accepted", "cases per route (accepted):"]
        lines += [f"  {n:4d} ({self.accepted[k]:3d})  {k}" for k, n in sorted(self.cases.items())]
        lines.append("cases per family: " + ", ".join(f"{k} {n}" for k, n in sorted(self.families.items())))
        lines.append("refusals by code:")
        lines += [f"  {n:5d}  {kind} {code}" for (kind, code), n in sorted(self.refusals.items())]
        return "\n".join(lines)


class FuzzError(AssertionError):
    """A broken invariant, with the request that broke it."""


class Harness:
    """One world (built by tests.fuzz.world), its app and client, and valid credentials for every vendor.

    A case is authenticated as a real client would (TikTok HMAC signature, SFCC bearer tokens,
    ChannelAdvisor OAuth token, WebDAV keys) and checked: no 5xx, the vendor's envelope, no change from
    a refused (or read-only) request, every accepted write reads back on each system's detail endpoints,
    a big body refused after at most limit + 1 bytes.
    """

    def __init__(self, stats: Stats, seed: int = 0) -> None:
        self.stats = stats
        self.app = create_app(build(seed))
        self.client: FlaskClient = self.app.test_client()
        self.limit = BODY_LIMIT
        self.refresh()

    @property
    def world(self) -> World:
        world: World = self.app.extensions["tts_sim"].world
        return world

    # -- credentials ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read ids and credentials (after a write, a reset or a clock move)."""
        world = self.world
        tiktok = world.systems["tiktok"]
        tiktok.webhooks.post = accept  # a reset builds a new world: keep its webhooks off the network
        self.ids: Ids = collect(world)
        creds = self.ids.credentials
        tiktok, sfcc, ca = creds["tiktok"], creds["sfcc"], creds["channeladvisor"]
        self.app_key, self.app_secret = tiktok["apps"][0]["app_key"], tiktok["apps"][0]["app_secret"]
        self.access_token = tiktok["authorizations"][0]["access_token"]
        self.ciphers = {s["id"]: s["cipher"] for s in tiktok["shops"]}
        # SFCC: the TikTok client + BM user (Shop API, user_search), the OMS client + user (Data API orders).
        self.sfcc_clients = [(c["client_id"], c["client_secret"], u["login"], u["access_key"])
                             for c, u in zip(sfcc["api_clients"], sfcc["bm_users"], strict=False)]
        self.webdav = (sfcc["bm_users"][1]["login"], sfcc["bm_users"][1]["webdav_access_key"])
        guard = sfcc["sites"][0]["storefront_protection"]
        self.storefront = (guard["user"], guard["password"])
        app = ca["applications"][0]
        self.ca_app = (app["application_id"], app["shared_secret"], app["refresh_tokens"][0]["refresh_token"])
        self.issued_at, self.credentials_for = world.clock.now(), world
        self.sfcc_tokens = {name: self._sfcc_token(client) for name, client in zip(("tiktok", "oms"),
                                                                                   self.sfcc_clients, strict=False)}
        resp = self.client.post("/oauth2/token", headers={"Authorization": basic(*self.ca_app[:2])},
                                data={"grant_type": "refresh_token", "refresh_token": self.ca_app[2]})
        self.ca_token = resp.json["access_token"]  # type: ignore[index]

    def _sfcc_token(self, client: tuple[str, str, str, str]) -> str:
        resp = self.client.post(f"/dw/oauth2/access_token?client_id={client[0]}", data={"grant_type": BM_GRANT},
                                headers={"Authorization": basic(client[2], client[3], client[1])})
        return str(resp.json["access_token"])  # type: ignore[index]

    def _fresh(self) -> None:
        if self.world is not self.credentials_for or (self.world.clock.now() - self.issued_at).total_seconds() > TOKEN_TTL:
            self.refresh()

    # -- one case ------------------------------------------------------------------------------------
    def run(self, route: Route, drawn: Drawn) -> None:
        """Build, send and check one case: the route's template mutated by ``drawn.family``."""
        self._fresh()
        family, rng = drawn.family, random.Random(drawn.seed)

        def pick(options: Any) -> Any:
            options = list(options)
            return rng.choice(options) if options else ""

        draft = Draft(args=dict(route.args(self.ids, pick)), query=list(route.query(self.ids, pick).items()))
        if route.body is not None:
            draft.body = route.body(self.ids, pick)
        if route.raw is not None:
            draft.raw, draft.content_type = route.raw(self.ids, pick)
        mutate(drawn, draft, rng, body_limit=self.limit)
        world, before = self.world, snapshot(self.world)
        resp, stream, described = self.send(route, draft)
        self.stats.cases[route.key] += 1
        self.stats.families[family] += 1
        try:
            accepted, code = check_envelope(route, resp)
            if resp.status_code >= 500:
                raise FuzzError(f"HTTP {resp.status_code}")
            if draft.big is not None:
                if resp.status_code != 413:
                    raise FuzzError(f"a {draft.big[1]}-byte body answered {resp.status_code}, not 413")
                if stream is not None and stream.read_bytes > self.limit + 1:
                    raise FuzzError(f"read {stream.read_bytes} bytes of an oversized body")
            after = snapshot(self.world) if self.world is world else None  # None: replaced by a reset
            if accepted:
                self.stats.accepted[route.key] += 1
            else:
                self.stats.refusals[(route.envelope, code)] += 1
            if (not accepted or not route.write) and after is not None and after.digest != before.digest:
                raise FuzzError(f"{'refused' if not accepted else 'read-only'} request changed state "
                                f"(orders {before.changed_orders(after)})")
            if accepted and route.write:
                self.read_back(before, after)
                self.ids = collect(self.world)
        except (AssertionError, KeyError, TypeError, ValueError) as exc:
            raise FuzzError(f"{route.key} [{family}] {described}\n -> {resp.status_code} "
                            f"{resp.data[:300]!r}\n{str(exc)[:500]}") from None

    # -- sending -------------------------------------------------------------------------------------
    def send(self, route: Route, draft: Draft) -> tuple[TestResponse, CountingStream | None, str]:
        """Authenticate ``draft`` for ``route`` and send it; returns the response, the big-body stream, a summary."""
        path = ARG.sub(lambda m: draft.args.get(m.group(1), "x"), route.rule)
        pairs = list(draft.query)
        headers: dict[str, str] = {}
        body = draft.payload()
        self._authenticate(route, draft, path, pairs, headers, body)
        query = "&".join(f"{quote(k, safe='$')}={quote(v, safe='')}" for k, v in pairs)
        if draft.raw_query:
            query = f"{query}&{draft.raw_query}" if query else draft.raw_query
        if draft.content_type:
            headers["Content-Type"] = draft.content_type
        described = f"{route.method} {path}?{query[:200]} body={body[:200]!r}"
        stream = None
        if draft.big is not None:
            declared, size = draft.big
            stream = CountingStream(size)
            overrides: dict[str, Any] = {"wsgi.input": stream}
            if declared is None:
                overrides["wsgi.input_terminated"] = True  # chunked, as a server shows it
                overrides["HTTP_TRANSFER_ENCODING"] = "chunked"
            else:
                overrides["CONTENT_LENGTH"] = str(declared)
            resp = self.client.open(path, method=route.method, query_string=query, headers=headers,
                                    environ_overrides=overrides)
        else:
            resp = self.client.open(path, method=route.method, query_string=query, data=body, headers=headers)
        return resp, stream, described

    def _authenticate(self, route: Route, draft: Draft, path: str, pairs: list[tuple[str, str]],
                      headers: dict[str, str], body: bytes) -> None:
        bad = draft.bad_auth
        auth = route.auth
        if auth in ("tiktok", "tiktok_noshop"):
            shop = next((s for s in (self.ids.shop_of(v) for v in [*draft.args.values(), *dict(pairs).values(),
                                                                   *_strings(draft.body)]) if s), None)
            signed = [("app_key", self.app_key), ("timestamp", str(self.world.clock.timestamp()))]
            if auth == "tiktok":
                signed.append(("shop_cipher", self.ciphers[shop or "7495540735365777510"]))
            pairs[:0] = signed
            decoded = dict(pairs)
            if draft.raw_query:
                try:
                    for key, value in parse_qsl(draft.raw_query, keep_blank_values=True, errors="strict"):
                        # a repeated list-valued name is signed as its comma-joined value (LIST_PARAMS)
                        decoded[key] = f"{decoded[key]},{value}" if key in LIST_PARAMS and key in decoded else value
                except UnicodeDecodeError:
                    pass  # refused before the signature is checked
            unsigned_body = (draft.content_type or "").startswith("multipart/form-data")
            sign = doc_sign(self.app_secret, path_for_sign(path), decoded, b"" if unsigned_body else body)
            pairs.append(("sign", "0" * 64 if bad == "wrong" else sign))
            if bad != "missing":
                headers["x-tts-access-token"] = self.access_token
        elif auth in ("sfcc_shop", "sfcc_user", "sfcc_oms"):
            token = self.sfcc_tokens["oms" if auth == "sfcc_oms" else "tiktok"]
            if bad != "missing":
                headers["Authorization"] = f"Bearer {'x' + token if bad == 'wrong' else token}"
        elif auth == "sfcc_oauth":
            client = self.sfcc_clients[0]
            grant = b"client_credentials" in (draft.raw or b"")
            creds = (client[0], client[1]) if grant else (client[2], client[3], client[1])
            if bad != "missing":
                headers["Authorization"] = basic(*creds[:-1], "wrong" if bad == "wrong" else creds[-1])
        elif auth == "sfcc_controller":
            headers["Authorization"] = basic(*self.storefront)
            if bad != "missing":
                headers["x-is-authorization"] = f"Bearer {'x' if bad == 'wrong' else self.sfcc_tokens['tiktok']}"
        elif auth == "webdav":
            if bad != "missing":
                headers["Authorization"] = basic(self.webdav[0], "wrong" if bad == "wrong" else self.webdav[1])
        elif auth == "ca":
            if bad != "missing":
                pairs.append(("access_token", "x" if bad == "wrong" else self.ca_token))
        elif auth == "ca_token" and bad != "missing":
            headers["Authorization"] = basic(self.ca_app[0], "wrong" if bad == "wrong" else self.ca_app[1])

    # -- accepted writes read back -------------------------------------------------------------------
    def read_back(self, before: State, after: State | None) -> None:
        """Every order the write changed renders on TikTok (detail, list, packages), SFCC, ChannelAdvisor, /_sim."""
        if after is None:  # the world was replaced (reset): everything must render
            after, before = snapshot(self.world), State("", {})
        world = self.world
        engine, sfcc, ca = world.engine, world.systems["sfcc"], world.systems["channeladvisor"]
        for order_id in before.changed_orders(after):
            order = engine.orders.get(order_id)
            if order is not None:
                cipher = self.ciphers[order.shop_id]
                detail = self._tiktok("GET", "/order/202309/orders", cipher, {"ids": order_id})
                assert [o["id"] for o in detail["orders"]] == [order_id], detail
                self._tiktok("POST", "/order/202309/orders/search", cipher, {"page_size": "100"})
                for package_id in order.package_ids:
                    self._tiktok("GET", f"/fulfillment/202309/packages/{package_id}", cipher, {})
                sim = self.client.get(f"/_sim/orders/{order_id}")
                assert sim.status_code == 200, sim.data[:300]
            found = sfcc.orders.find_external(order_id)
            if found is not None:
                doc = self.client.get(f"/s/RefArch/dw/shop/v22_6/orders/{found.order_no}",
                                      headers={"Authorization": f"Bearer {self.sfcc_tokens['tiktok']}"})
                assert doc.status_code == 200, doc.data[:300]
            ca_id = ca.by_site_order.get(order_id)
            if ca_id is not None:
                doc = self.client.get(f"/v1/Orders({ca_id})", query_string={
                    "access_token": self.ca_token, "$expand": "Items,Fulfillments,Adjustments"})
                assert doc.status_code == 200, doc.data[:300]

    def _tiktok(self, method: str, path: str, cipher: str, query: dict[str, str]) -> dict[str, Any]:
        q = {"app_key": self.app_key, "timestamp": str(self.world.clock.timestamp()), "shop_cipher": cipher, **query}
        body = b"{}" if method == "POST" else b""
        q["sign"] = doc_sign(self.app_secret, path, q, body)
        resp = self.client.open(path, method=method, query_string=q, data=body, headers={
            "content-type": "application/json", "x-tts-access-token": self.access_token})
        assert resp.status_code == 200 and resp.json["code"] == 0, resp.data[:300]  # type: ignore[index]
        data: dict[str, Any] = resp.json["data"]  # type: ignore[index]
        return data


def path_for_sign(path: str) -> str:
    """The path as the server sees it (the test client percent-decodes the path it is given)."""
    from urllib.parse import unquote

    return unquote(path, errors="replace")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# -- envelopes ---------------------------------------------------------------------------------------
def _json(resp: TestResponse) -> Any:
    """The body as strict JSON (orjson: no NaN/Infinity, no lone surrogates), as any client parser reads it."""
    assert resp.mimetype == "application/json", f"content type {resp.mimetype}"
    return orjson.loads(resp.data)


def check_envelope(route: Route, resp: TestResponse) -> tuple[bool, str]:
    """(accepted, refusal code) after asserting the vendor's envelope for ``route``."""
    try:
        return _route_envelope(route, resp)
    except AssertionError:
        if resp.status_code not in (404, 405) or route.envelope in ("webdav", "sim", "tiktok", "feed"):
            raise
    body = _json(resp)  # an odd id took the path outside the rule: the vendor's own not-found answer
    if route.envelope.startswith("ca"):
        assert set(body) == {"$id", "Message"}, body
        return False, "NoRoute"
    assert set(body) == {"_v", "fault"}, body
    assert_arguments(body["fault"])
    return False, str(body["fault"]["type"])


def _route_envelope(route: Route, resp: TestResponse) -> tuple[bool, str]:
    status, kind = resp.status_code, route.envelope
    if kind in ("tiktok", "feed"):
        body = _json(resp)
        assert set(body) == {"code", "message", "request_id", "data"}, body
        assert isinstance(body["code"], int) and isinstance(body["message"], str), body
        assert isinstance(body["request_id"], str) and body["request_id"], body
        if body["code"] == 0:
            assert status == 200, status
        return body["code"] == 0, str(body["code"])
    if kind == "sim":
        body = _json(resp)
        assert isinstance(body, dict), body
        if status < 400:
            return True, ""
        assert isinstance(body.get("error"), str) and isinstance(body.get("message"), str), body
        assert set(body) <= {"error", "message", "rule"}, body
        return False, body["error"]
    if kind == "webdav":
        if status < 400:
            return True, ""
        assert resp.mimetype == "text/plain", resp.mimetype
        return False, str(status)
    if kind in ("ocapi", "ca") and status < 400:
        assert resp.data == b"" if status == 204 else isinstance(_json(resp), dict), resp.data[:200]
        assert kind == "ca" or status == 204 or "_v" in _json(resp), resp.data[:200]
        return True, ""
    if kind == "ocapi":
        body = _json(resp)
        assert set(body) == {"_v", "fault"} and isinstance(body["fault"]["message"], str), body
        assert_arguments(body["fault"])  # every OCAPI fault, the 401s included (OCAPI fault document)
        return False, body["fault"]["type"]
    if kind == "controller":
        if status == 401 and resp.mimetype == "text/plain":
            return False, "StorefrontProtection"
        body = _json(resp)
        if status == 200 and body.get("error") is False:
            return True, ""
        if body.get("error") is False and body.get("msg") == "Order already exists":  # SFCC-2: 400, error false
            return False, "OrderAlreadyExists"
        assert body.get("error") is True and isinstance(body.get("msg"), str) or body.get(
            "type") == "InvalidAccessTokenException", body
        msg = str(body.get("msg", ""))
        return False, body.get("type") or ("Site not found" if msg.startswith("Site ") else msg.split(":")[0][:40])
    if kind in ("oauth", "ca_token"):
        body = _json(resp)
        if status == 200:
            assert body["access_token"], body
            return True, ""
        assert set(body) == {"error", "error_description"}, body
        return False, body["error"]
    if kind == "ca":
        body = _json(resp)
        if status == 401:
            assert body == {"Message": "Authorization has been denied for this request."}, body
            return False, "Unauthorized"
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
        return False, body["error"]["code"]
    raise AssertionError(f"unknown envelope {kind}")
