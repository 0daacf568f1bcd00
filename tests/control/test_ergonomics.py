"""Control-plane ergonomics (issue 12): durations wherever seconds are, precise body errors, the GET /_sim/ index."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient


@pytest.mark.parametrize(("body", "moved"), [({"duration": "1h 30m"}, 5400), ({"duration": 90}, 90),
                                             ({"seconds": 3600}, 3600), ({"seconds": 0.5}, 0),
                                             ({"to": "2026-11-02T09:15:00Z"}, 900)])
def test_advance_by_duration_seconds_or_to(sim_client: FlaskClient, body: dict[str, object], moved: int) -> None:
    start = sim_client.get("/_sim/clock").get_json()["timestamp"]
    answer = sim_client.post("/_sim/clock/advance", json=body)
    assert answer.status_code == 200 and answer.get_json()["timestamp"] - start == moved


@pytest.mark.parametrize(("body", "message"), [
    ({"seconds": "1h"}, "'seconds' must be a number, not \"1h\" (for a duration send {\"duration\": \"1h\"})"),
    ({"seconds": True}, "'seconds' must be a number, not true"),
    ({"duration": "soon"}, "'duration': not a duration: 'soon' (use e.g. 90s, 15m, 1h, 2d 3h)"),
    ({"duration": "-1h"}, "'duration': not a duration: '-1h' (use e.g. 90s, 15m, 1h, 2d 3h)"),
    ({"seconds": -5}, "cannot move the clock backwards (advance by -5)"),
    ({"seconds": 1, "duration": "1h"}, "give exactly one of 'seconds', 'duration' or 'to' (got 'seconds' and "
                                       "'duration')"),
    ({}, "give exactly one of 'seconds', 'duration' or 'to' (got none)"),
    ({"second": 5}, "unknown field(s) 'second' (give one of seconds, duration, to)"),
    ({"to": 5}, "'to' must be an ISO-8601 instant string, not 5"),
    ({"to": "tomorrow"}, "not an ISO-8601 instant: 'tomorrow'"),
])
def test_a_bad_advance_says_exactly_what_is_wrong(sim_client: FlaskClient, body: dict[str, object],
                                                  message: str) -> None:
    answer = sim_client.post("/_sim/clock/advance", json=body)
    assert answer.status_code == 400 and answer.get_json() == {"error": "invalid_request", "message": message}
    assert sim_client.get("/_sim/clock").get_json()["now"] == "2026-11-02T09:00:00+00:00"  # nothing moved


@pytest.mark.parametrize(("headers", "data", "status", "error", "message"), [
    ({}, b'{"seconds": 1}', 415, "unsupported_media_type",
     "the body must be sent with Content-Type: application/json (the request has no Content-Type header)"),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"seconds=1", 415, "unsupported_media_type",
     "the body must be sent with Content-Type: application/json (the request has Content-Type: "
     "application/x-www-form-urlencoded)"),
    ({"Content-Type": "application/json"}, b'{"seconds": 1', 400, "invalid_json",
     "The request body is not valid JSON (unexpected end of data: line 1 column 14 (char 13))."),
    ({"Content-Type": "application/json"}, b"[1]", 400, "invalid_json", "the body must be a JSON object, not an array"),
    ({"Content-Type": "application/json; charset=utf-8"}, b"\xff", 400, "invalid_unicode",
     "The JSON document is not valid Unicode text (str is not valid UTF-8: surrogates not allowed: line 1 column 1 "
     "(char 0))."),
])
def test_body_errors_are_precise(sim_client: FlaskClient, headers: dict[str, str], data: bytes, status: int,
                                 error: str, message: str) -> None:
    answer = sim_client.post("/_sim/clock/advance", data=data, headers=headers)
    assert answer.status_code == status and answer.get_json() == {"error": error, "message": message}


def test_the_index_lists_every_control_plane_call(sim_app: Flask, sim_client: FlaskClient) -> None:
    calls = sim_client.get("/_sim/").get_json()["calls"]
    listed = {(c["method"], c["path"]) for c in calls}
    routed = {(m, r.rule) for r in sim_app.url_map.iter_rules() if r.endpoint.startswith("control.")
              for m in r.methods or () if m not in ("HEAD", "OPTIONS")}
    assert listed == routed and ("POST", "/_sim/clock/advance") in listed and ("GET", "/_sim/credentials") in listed
    advance = next(c for c in calls if c["path"] == "/_sim/clock/advance")
    assert '{"duration": "1h 30m"}' in advance["takes"] and advance["does"]
    assert all(c["does"] for c in calls)
