"""The shared input layer (simulator.inbound): limits from the world config, strict decoding, the check seam."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.app import create_app
from simulator.inbound import Inbound, InputError, Limits, Refusal, add_check, decode_pairs, parse_json
from simulator.world import World


def test_limits_overlay_global_then_per_system_config() -> None:
    config = {"input": {"max_body_bytes": 1000, "max_json_depth": 10},
              "channeladvisor": {"input": {"max_body_bytes": 2000}}}
    assert Limits.for_system(config, "channeladvisor") == Limits(max_body_bytes=2000, max_json_depth=10)
    assert Limits.for_system(config, "tiktok") == Limits(max_body_bytes=1000, max_json_depth=10)
    assert Limits.for_system({}, "sfcc") == Limits()


@pytest.mark.parametrize("bad", [{"max_body": 1}, {"max_body_bytes": 0}, {"max_body_bytes": "5"},
                                 {"max_body_bytes": True}, {"max_json_depth": 5000}])
def test_a_bad_limit_config_fails_when_the_app_is_built(bad: dict[str, object]) -> None:
    world = World.create(seed=0, systems=[], config={"input": bad})
    with pytest.raises(ValueError, match="input limit|max_json_depth"):
        create_app(world)
    world.close()


@pytest.mark.parametrize(("raw", "refusal"), [
    (b'"\\ud800"', Refusal.BAD_UNICODE), (b'"\\udc00"', Refusal.BAD_UNICODE), (b'"\xed\xa0\x80"', Refusal.BAD_UNICODE),
    (b"\xef\xbb\xbf{}", Refusal.BAD_UNICODE), (b'{"a": Infinity}', Refusal.BAD_JSON), (b"[1e999]", Refusal.BAD_JSON),
    (b"[" * 65 + b"]" * 65, Refusal.TOO_DEEP), (b"[" * 2000 + b"]" * 2000, Refusal.TOO_DEEP),
    (b"[" + b"0," * 100_000 + b"0]", Refusal.TOO_MANY_VALUES),
])
def test_strict_json_refusals(raw: bytes, refusal: Refusal) -> None:
    with pytest.raises(InputError) as caught:
        parse_json(raw)
    assert caught.value.refusal is refusal
    assert "\\ud800" not in caught.value.message  # messages never quote the input


def test_strict_json_accepts_what_can_be_written_back() -> None:
    assert parse_json(b'{"e": "\\ud83d\\ude00", "n": null, "i": 18446744073709551615}') == {
        "e": "\U0001f600", "n": None, "i": 2**64 - 1}
    assert parse_json(b"[" * 64 + b"]" * 64) is not None


def test_query_pairs_are_strict_utf8_with_form_spaces() -> None:
    assert decode_pairs(b"a=1+2&b=%C3%A9&c", Limits()) == [("a", "1 2"), ("b", "\u00e9"), ("c", "")]
    with pytest.raises(InputError) as caught:
        decode_pairs(b"a=%ed%a0%80", Limits())  # a UTF-8-encoded surrogate
    assert caught.value.refusal is Refusal.BAD_QUERY


QUERY_BYTES = st.lists(st.sampled_from([b"a", b"=", b"&", b"%", b"+", b"%C3", b"%A9", b"\xc3\xa9", b"\xff", b"2F"]),
                       max_size=14).map(b"".join)


@given(QUERY_BYTES)
def test_query_pairs_decode_alike_with_or_without_escapes(raw: bytes) -> None:
    """The unescaped-query shortcut (a signed TikTok URL) decodes exactly as percent-decoding each part does."""
    from urllib.parse import unquote_to_bytes

    def reference() -> list[tuple[str, str]]:
        parts = [p.partition(b"=") for p in raw.split(b"&") if p]
        return [(unquote_to_bytes(k.replace(b"+", b" ")).decode(), unquote_to_bytes(v.replace(b"+", b" ")).decode())
                for k, _, v in parts]

    try:
        expected: object = reference()
    except UnicodeDecodeError:
        expected = Refusal.BAD_QUERY
    try:
        got: object = decode_pairs(raw, Limits())
    except InputError as exc:
        got = exc.refusal
    assert got == expected


def test_a_registered_check_refuses_in_every_vendors_envelope(sim_app: object) -> None:
    """The contract-validation seam: one check, four envelopes."""
    def refuse_marked(inbound: Inbound) -> None:
        if inbound.query.get("refuse"):
            raise InputError(Refusal.BAD_QUERY, f"refused by check for {inbound.system}")

    add_check(sim_app, refuse_marked)  # type: ignore[arg-type]
    client = sim_app.test_client()  # type: ignore[attr-defined]
    tiktok = client.get("/order/202309/orders?refuse=1")
    assert (tiktok.status_code, tiktok.json["code"]) == (400, 36009004)
    sfcc = client.get("/s/RefArch/dw/shop/v22_6/orders/1?refuse=1")
    assert (sfcc.status_code, sfcc.json["fault"]["type"]) == (400, "MalformedParameterException")
    ca = client.get("/v1/Orders?refuse=1")
    assert (ca.status_code, ca.json["error"]["code"]) == (400, "InvalidQuery")
    sim = client.get("/_sim/clock?refuse=1")
    assert (sim.status_code, sim.json["error"]) == (400, "invalid_query")
    assert client.get("/_sim/clock").status_code == 200


@pytest.mark.live
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_real_server_answers_413_without_waiting_for_the_body(sim_app: object, chunked: bool) -> None:
    """Over a socket: headers claiming 256 MB (or an endless chunked body) get the 413 envelope at once."""
    import socket

    from simulator.testing.live import LiveServer

    framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Content-Length: 268435456\r\n"
    with LiveServer(sim_app) as server, socket.create_connection((server.host, server.port), timeout=10) as conn:
        conn.sendall(b"POST /v1/Orders(1)/Ship HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + framing
                     + b"\r\n")
        if chunked:  # 6 MB in 64 KB chunks: the server stops reading after the limit
            chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
            for _ in range(96):
                try:
                    conn.sendall(chunk)
                except OSError:
                    break
        answer = b""
        while b"RequestEntityTooLarge" not in answer and (part := conn.recv(4096)):
            answer += part
    assert answer.startswith(b"HTTP/1.1 413") and b'"code":"RequestEntityTooLarge"' in answer
