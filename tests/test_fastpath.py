"""The fast path (simulator.fastpath) answers exactly as Flask does: status, headers, body and journal, request by request.

Every request goes to two apps over identically seeded worlds, one with the fast path and one
without, and both answers and the journal entries each request added must be equal. The fuzz
families run this way over every route the fast path serves; scripted requests cover faults,
``/w/{id}`` worlds, ``--validate`` and ``--log``. (tests/tiktok_shop runs through both paths too:
its conftest parametrizes ``TTS_SIM_FAST_PATH``.)
"""

from __future__ import annotations

import io
import random
import zlib
from typing import Any

import orjson
import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, given, seed, settings

from simulator.app import create_app
from simulator.contracts.validation import enable
from simulator.fastpath import FastPath, status_line
from simulator.requestlog import RequestLog
from simulator.world import World
from tests.fixtures.inputs import CountingStream
from tests.fixtures.tiktok import doc_sign
from tests.fuzz.families import FAMILIES, Drawn, drawn
from tests.fuzz.harness import Harness, Stats
from tests.fuzz.routes import ROUTES, Route
from tests.fuzz.world import accept, build

DETAIL = "/order/202309/orders"


def fast_table(app: Flask) -> set[tuple[str, str]]:
    """``(method, rule)`` pairs ``app``'s fast path serves."""
    layer = app.wsgi_app.inner  # type: ignore[attr-defined]  # WorldRouter(FastPath(flask))
    assert isinstance(layer, FastPath)
    return set(layer.table())


def journal_since(app: Flask, seq: int) -> list[dict[str, Any]]:
    world: World = app.extensions["tts_sim"].world
    return [e.as_dict() for e in world.journal.entries(since=seq)]


def last_seq(app: Flask) -> int:
    world: World = app.extensions["tts_sim"].world
    return world.journal.last_seq


class Dual:
    """A test client sending each request to the fast app and to the Flask-only app; their answers must agree."""

    def __init__(self, fast: Flask, flask: Flask) -> None:
        self.apps = (fast, flask)
        self.clients = (fast.test_client(), flask.test_client())
        self.compared = 0

    def open(self, *args: Any, **kwargs: Any) -> Any:
        twin = dict(kwargs)
        overrides = kwargs.get("environ_overrides") or {}
        stream = overrides.get("wsgi.input")
        if isinstance(stream, CountingStream):  # a stream is read once: the Flask app gets its own
            twin["environ_overrides"] = {**overrides, "wsgi.input": CountingStream(stream.size, stream.fill)}
        seqs = [last_seq(app) for app in self.apps]
        slow = self.clients[1].open(*args, **twin)
        quick = self.clients[0].open(*args, **kwargs)
        where = f"{kwargs.get('method', 'GET')} {args[0] if args else kwargs.get('path')}"
        assert quick.status == slow.status, where
        assert quick.headers.to_wsgi_list() == slow.headers.to_wsgi_list(), where
        assert quick.data == slow.data, where
        assert journal_since(self.apps[0], seqs[0]) == journal_since(self.apps[1], seqs[1]), where
        self.compared += 1
        return quick

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self.open(*args, method="GET", **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        return self.open(*args, method="POST", **kwargs)


class DualHarness(Harness):
    """The fuzz harness with every request sent through both paths (tests.fuzz.harness checks the rest)."""

    def __init__(self, stats: Stats, seed: int = 0) -> None:  # not super().__init__: it builds one app
        self.stats = stats
        self.app = create_app(build(seed), fast_path=True)
        self.twin = create_app(build(seed), fast_path=False)
        self.client = Dual(self.app, self.twin)  # type: ignore[assignment]
        self.limit = 5 * 1024 * 1024
        self.refresh()

    def refresh(self) -> None:
        self.twin.extensions["tts_sim"].world.systems["tiktok"].webhooks.post = accept
        super().refresh()


FAST_ROUTES = sorted(fast_table(create_app(World.create(seed=0))))
FUZZED = [r for r in ROUTES if (r.method, r.rule) in FAST_ROUTES]


def test_the_fast_path_serves_the_static_tiktok_routes() -> None:
    """Get Order Detail (both versions), Get Order List and every other TikTok route without path variables."""
    assert ("GET", DETAIL) in FAST_ROUTES and ("GET", "/order/202507/orders") in FAST_ROUTES
    assert ("POST", "/order/202309/orders/search") in FAST_ROUTES
    assert all("<" not in rule and not rule.startswith(("/_sim", "/s/", "/v1/")) for _, rule in FAST_ROUTES)
    assert len(FUZZED) == len(FAST_ROUTES)  # each has a fuzz template


@pytest.mark.parametrize("route", FUZZED, ids=[r.key for r in FUZZED])
def test_fuzz_families_answer_alike_on_both_paths(route: Route) -> None:
    """Every fuzz family on a fast route: same status, headers, body and journal entries as Flask."""
    harness = DualHarness(Stats())
    for family in FAMILIES:

        @seed(zlib.crc32(f"dual {route.key} {family}".encode()))
        @settings(max_examples=6, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(drawn(family))
        def case(one: Drawn) -> None:
            harness.run(route, one)

        case()
    assert harness.client.compared >= 6 * len(FAMILIES)  # type: ignore[attr-defined]


# -- scripted: faults, other worlds, --validate, --log ----------------------------------------------
class Signed:
    """Signed TikTok calls (the API doc's algorithm) through a :class:`Dual` client."""

    def __init__(self, dual: Dual, prefix: str = "") -> None:
        self.dual, self.prefix = dual, prefix
        world: World = dual.apps[0].extensions["tts_sim"].world
        creds = world.control.credentials()["tiktok"]
        self.key, self.secret = creds["apps"][0]["app_key"], creds["apps"][0]["app_secret"]
        self.token = creds["authorizations"][0]["access_token"]
        self.shop = next(s for s in creds["shops"] if s["profile"] == "direct")
        self.world = world
        self.order_id = world.control.place_order(shop_id=self.shop["id"])["order"]["id"]
        self.dual.apps[1].extensions["tts_sim"].world.control.place_order(shop_id=self.shop["id"])

    def call(self, method: str, path: str, query: dict[str, str] | None = None, body: bytes = b"",
             **headers: str) -> Any:
        q = {"app_key": self.key, "timestamp": str(self.world.clock.timestamp()), "shop_cipher": self.shop["cipher"],
             **(query or {})}
        q["sign"] = doc_sign(self.secret, path, q, body)
        return self.dual.open(self.prefix + path, method=method, query_string=q, data=body,
                              headers={"x-tts-access-token": self.token, "content-type": "application/json",
                                       **headers})

    def detail(self, **headers: str) -> Any:
        return self.call("GET", DETAIL, {"ids": self.order_id}, **headers)


def duals(**kwargs: Any) -> Dual:
    return Dual(create_app(World.create(seed=3), fast_path=True, **kwargs),
                create_app(World.create(seed=3), fast_path=False, **kwargs))


def test_faults_answer_alike_on_both_paths() -> None:
    """Injected rate_limit, server_error, token_expired and latency (docs/faults.md) hit both paths alike."""
    dual = duals()
    calls = Signed(dual)
    for fault in ({"type": "rate_limit"}, {"type": "server_error"}, {"type": "latency", "ms": 1},
                  {"type": "token_expired"}):
        added = dual.post("/_sim/faults", json={"system": "tiktok", "match": {"path": "/order/*"}, "fault": fault,
                                                "count": 1})
        assert added.status_code == 201, added.data
        answer = calls.detail()
        expected = {"rate_limit": 36009002, "server_error": 36009003, "latency": 0, "token_expired": 105002}
        assert answer.get_json()["code"] == expected[fault["type"]]
    kinds = [e["kind"] for e in journal_since(dual.apps[0], 0)]
    assert kinds.count("fault.injected") == 4


def test_other_worlds_answer_alike_on_both_paths() -> None:
    """``/w/{id}/...`` reaches the named world on both paths; the signature may cover the prefix."""
    dual = duals()
    # Made on each app apart: the answers differ in idle_seconds, the wall time since the world's last request.
    made = [client.post("/_sim/worlds", json={"seed": 5, "world_id": "team-a"}) for client in dual.clients]
    assert [m.status_code for m in made] == [201, 201], made[0].data
    fast, flask = ({k: v for k, v in m.get_json().items() if k != "idle_seconds"} for m in made)
    assert fast == flask
    world_id = fast["world_id"]
    registry = dual.apps[0].extensions["tts_sim.worlds"]
    twin = dual.apps[1].extensions["tts_sim.worlds"]
    calls = Signed(dual)
    calls.prefix = f"/w/{world_id}"
    other = registry.get(world_id).world
    calls.world = other
    calls.order_id = other.control.place_order(shop_id=calls.shop["id"])["order"]["id"]
    twin.get(world_id).world.control.place_order(shop_id=calls.shop["id"])
    answer = calls.detail()
    assert answer.get_json()["code"] == 0, answer.data
    assert [o["id"] for o in answer.get_json()["data"]["orders"]] == [calls.order_id]


def test_validate_answers_alike_on_both_paths() -> None:
    """``--validate``: a contract violation is refused with the x-tts-sim-violation header on both paths."""
    fast, flask = create_app(World.create(seed=3), fast_path=True), create_app(World.create(seed=3), fast_path=False)
    enable(fast)
    enable(flask)
    dual = Dual(fast, flask)
    calls = Signed(dual)
    bad = calls.call("GET", DETAIL, {"ids": calls.order_id, "version": "x" * 300})
    refused = calls.call("POST", "/order/202309/orders/search", {"page_size": "abc"}, b"{}")
    assert refused.status_code == 400 and refused.headers.get("x-tts-sim-violation"), refused.data
    assert bad.status_code in (200, 400)
    assert calls.detail().get_json()["code"] == 0


def test_request_log_lines_alike_on_both_paths() -> None:
    """``--log``: the same line for the same request, whichever path answered it."""
    fast, flask = create_app(World.create(seed=3), fast_path=True), create_app(World.create(seed=3), fast_path=False)
    streams = io.StringIO(), io.StringIO()
    fast.wsgi_app = RequestLog(fast.wsgi_app, fast.extensions["tts_sim"], streams[0])  # type: ignore[method-assign]
    flask.wsgi_app = RequestLog(flask.wsgi_app, flask.extensions["tts_sim"], streams[1])  # type: ignore[method-assign]
    calls = Signed(Dual(fast, flask))
    calls.detail()
    calls.call("GET", DETAIL, {"ids": calls.order_id}, body=b"", **{"x-tts-access-token": "nope"})
    calls.call("GET", DETAIL, {"ids": calls.order_id, "sign": "0" * 64})
    lines = streams[0].getvalue().splitlines()
    assert lines == streams[1].getvalue().splitlines() and len(lines) == 3
    assert " tiktok " in lines[0] and lines[0].endswith(" 200 0")


def test_status_lines_are_werkzeugs() -> None:
    """The fast path writes the status line werkzeug writes."""
    from werkzeug.wrappers import Response

    for code in (200, 400, 401, 404, 413, 429, 500, 503, 599):
        assert status_line(code) == Response(status=code).status


def test_bodies_and_refusals_answer_alike() -> None:
    """Oversized, chunked, malformed and duplicate-parameter requests: one answer on both paths."""
    dual = duals()
    calls = Signed(dual)
    rng = random.Random(7)
    search = "/order/202309/orders/search"
    calls.call("POST", search, {"page_size": "10"}, orjson.dumps({"order_status": "ON_HOLD"}))
    calls.call("POST", search, {"page_size": "10"}, b"{not json")
    calls.call("POST", search, {"page_size": "10"}, b"{}", **{"content-type": "multipart/form-data; boundary=x"})
    duplicate = dual.open(DETAIL, method="GET", query_string="ids=1&ids=2&app_key=x")
    assert duplicate.get_json()["code"] == 36009004, duplicate.data
    dual.open(DETAIL, method="GET", query_string="ids=%ff")
    dual.open(DETAIL, method="GET", query_string="a=" + "b" * 20000)
    dual.open(search, method="POST", environ_overrides={"wsgi.input": CountingStream(6 * 1024 * 1024),
                                                        "CONTENT_LENGTH": str(6 * 1024 * 1024)})
    dual.open(search, method="POST", environ_overrides={"wsgi.input": CountingStream(6 * 1024 * 1024),
                                                        "wsgi.input_terminated": True,
                                                        "HTTP_TRANSFER_ENCODING": "chunked"})
    dual.open(search, method="POST", environ_overrides={"wsgi.input": CountingStream(10), "CONTENT_LENGTH": "50"})
    for _ in range(5):
        calls.call("GET", DETAIL, {"ids": calls.order_id, "x": str(rng.random())})
    dual.open(DETAIL, method="HEAD")  # Flask's own answer on both
    dual.open(DETAIL + "/", method="GET")
    unsigned = dual.get(DETAIL)
    assert unsigned.status_code == 400 and unsigned.get_json()["message"].startswith("Missing credentials")


def test_the_fast_path_skips_flask_and_can_be_turned_off() -> None:
    """A fast route never starts a Flask request; ``fast_path=False`` (TTS_SIM_FAST_PATH=0) sends it to Flask."""
    from flask import request_started

    for fast, flask_requests in ((True, 0), (False, 1)):
        app = create_app(World.create(seed=3), fast_path=fast)
        seen: list[object] = []

        def started(sender: object, **extra: object) -> None:
            seen.append(sender)  # noqa: B023 - called within this iteration

        request_started.connect(started, app)
        try:
            assert app.test_client().get(DETAIL).status_code == 400
        finally:
            request_started.disconnect(started, app)
        assert len(seen) == flask_requests


class _Chunky(io.RawIOBase):
    """``data`` in reads of at most ``step`` bytes, raising OSError once ``fail_after`` bytes are out."""

    def __init__(self, data: bytes, step: int, fail_after: int | None = None) -> None:
        self.data, self.step, self.fail_after, self.pos = data, step, fail_after, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.fail_after is not None and self.pos >= self.fail_after:
            raise OSError("connection reset")
        part = self.data[self.pos:self.pos + min(len(buffer), self.step)]
        buffer[:len(part)] = part
        self.pos += len(part)
        return len(part)


@pytest.mark.parametrize("size", [0, 1, 99, 100, 101, 70_000, 200_000])
@pytest.mark.parametrize("step", [7, 65_536, 1 << 20])
@pytest.mark.parametrize("framing", ["terminated", "terminated+length", "length", "none", "failing"])
def test_the_fast_paths_body_reader_reads_what_werkzeugs_bounded_stream_reads(size: int, step: int,
                                                                              framing: str) -> None:
    """inbound.environ_body on a terminated input (granian's) against werkzeug's get_input_stream: the same
    bytes, the same refusal (413 by length or past the limit, a broken stream), the same bytes consumed."""
    from werkzeug.wsgi import get_input_stream

    from simulator.inbound import environ_body

    limit = 100 if size < 1000 else 100_001

    def environ() -> dict[str, Any]:
        stream = _Chunky(b"x" * size, step, fail_after=size // 2 if framing == "failing" else None)
        env: dict[str, Any] = {"wsgi.input": stream, "SERVER_PROTOCOL": "HTTP/1.1"}
        if framing != "length" and framing != "none":
            env["wsgi.input_terminated"] = True
        if "length" in framing:
            env["CONTENT_LENGTH"] = str(size)
        elif framing != "none":
            env["HTTP_TRANSFER_ENCODING"] = "chunked"  # a terminated body without a length came in chunks
        return env

    def outcome(read: Any, env: dict[str, Any]) -> tuple[object, int]:
        try:
            got: object = read(limit)
        except Exception as exc:  # noqa: BLE001 - the refusal's type is what is compared
            got = type(exc)
        return got, env["wsgi.input"].pos

    ours, theirs = environ(), environ()
    assert outcome(environ_body(ours), ours) == outcome(
        lambda limit: get_input_stream(theirs, max_content_length=limit).read(), theirs)


def test_a_terminated_request_with_neither_length_nor_chunks_is_not_read() -> None:
    """granian's body-less GET: no ``Content-Length``, no ``Transfer-Encoding``; there is no body (RFC 9112
    6.3), so the reader answers empty without a read call, and a zero length reads nothing either."""
    from simulator.inbound import environ_body

    for extra in ({}, {"CONTENT_LENGTH": "0"}):
        stream = _Chunky(b"never sent", 7)
        env: dict[str, Any] = {"wsgi.input": stream, "wsgi.input_terminated": True, **extra}
        assert environ_body(env)(100) == b"" and stream.pos == 0
