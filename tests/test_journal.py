"""Journal: request entries in a capped ring, business entries kept whole, one monotonic sequence (issue 9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.clock import Clock
from simulator.journal import DEFAULT_REQUEST_ENTRIES, Journal
from simulator.world import World
from tests.fixtures.tiktok import TikTokClient

START = datetime.fromisoformat("2025-03-03T09:00:00+00:00")


@dataclass
class Event:
    """An engine-event stand-in (the journal reads ``at``, ``topic`` and ``payload()``)."""

    at: datetime
    topic: str
    order_id: str

    def payload(self) -> dict[str, Any]:
        return {"order_id": self.order_id}


# One operation: ("record" | "note" | "bound" | "event" | "request" | "read", order id).
OPS = st.lists(st.tuples(st.sampled_from(["record", "note", "bound", "event", "request", "read"]),
                         st.sampled_from(["o1", "o2"])), max_size=60)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(ops=OPS, cap=st.integers(0, 6), since=st.integers(0, 70), kind=st.sampled_from([None, "tiktok", "order"]),
       order=st.sampled_from([None, "o1"]))
def test_queries_equal_an_unbounded_log_minus_evicted_requests(
        ops: list[tuple[str, str]], cap: int, since: int, kind: str | None, order: str | None) -> None:
    """Any interleaving of business entries, engine events and requests: sequence numbers are 1..n in
    order, and every query returns what an unbounded log would, less the request entries evicted."""
    clock = Clock(START)
    journal = Journal(clock, {"request_entries": cap})
    model: list[tuple[int, str, str]] = []  # (seq, kind, order id) of every entry ever recorded
    data: dict[int, dict[str, Any]] = {}  # seq -> the fields of business entries recorded with some
    bound = journal.recorder("order.bound", "order_id", "n", "ok")
    for op, order_id in ops:
        if op == "record":
            journal.record("order.note", order_id=order_id)
            model.append((len(model) + 1, "order.note", order_id))
        elif op == "note":  # another field set under the same kind: its own shape
            journal.record("order.note", order_id=order_id, text=f"t{len(model)}", at=clock.now())
            data[len(model) + 1] = {"order_id": order_id, "text": f"t{len(model)}", "at": clock.now()}
            model.append((len(model) + 1, "order.note", order_id))
        elif op == "bound":
            bound(order_id, len(model), None)
            data[len(model) + 1] = {"order_id": order_id, "n": len(model), "ok": None}
            model.append((len(model) + 1, "order.bound", order_id))
        elif op == "read":  # entries read so far become Entry objects; later ones stay compact
            list(journal)
            clock.advance_by(timedelta(seconds=1))
        elif op == "event":
            journal.record_event(Event(clock.now(), "order.status", order_id))
            model.append((len(model) + 1, "order.status", order_id))
        else:
            journal.record_request("tiktok.request", order_id=order_id, path="/order/202309/orders")
            model.append((len(model) + 1, "tiktok.request", order_id))
    requests = [seq for seq, k, _ in model if k == "tiktok.request"]
    kept = set(requests[max(0, len(requests) - cap):])
    retained = [m for m in model if m[1] != "tiktok.request" or m[0] in kept]

    assert len(journal) == journal.last_seq == len(model)
    assert journal.evicted == len(requests) - len(kept)
    assert [(e.seq, e.kind, e.data["order_id"]) for e in journal] == retained
    assert {e.seq: e.data for e in journal if e.seq in data} == data
    expected = [m for m in retained if m[0] > since and (kind is None or m[1].startswith(kind + "."))
                and (order is None or m[2] == order)]
    got = journal.entries(since=since, kind=kind, order_id=order)
    assert [(e.seq, e.kind, e.data["order_id"]) for e in got] == expected


def test_request_cap_is_configured_per_world_and_defaults_to_ten_thousand(world: World) -> None:
    assert world.journal.request_capacity == DEFAULT_REQUEST_ENTRIES == 10_000
    assert World.create(systems=[], config={"journal": {"request_entries": None}}).journal.request_capacity is None
    for bad in ({"request_entries": -1}, {"request_entries": "10"}, {"request_entries": True}, {"entries": 5}):
        with pytest.raises(ValueError, match="journal"):
            World.create(systems=[], config={"journal": bad})


def test_tiktok_requests_are_ring_entries_and_state_changes_stay_whole() -> None:
    """Over the real gateway: only the newest ``request_entries`` requests stay; the order's story stays."""
    from simulator.app import create_app

    world = World.create(seed=0, config={"journal": {"request_entries": 3}})
    client = TikTokClient(create_app(world).test_client(), world)
    order_id = world.control.place_order(shop_id=client.shop_id)["order"]["id"]
    first_business = [e.as_dict() for e in world.journal]
    for _ in range(5):
        client.ok("GET", "/order/202309/orders", {"ids": order_id})
    world.advance(seconds=3600)  # HOLD-1: the hold release is journaled after the requests

    kinds = [e.kind for e in world.journal]
    requests = world.journal.entries(kind="tiktok.request")
    assert len(requests) == 3 and world.journal.evicted == 2
    assert [e.as_dict() for e in world.journal][:len(first_business)] == first_business
    assert kinds[-1] != "tiktok.request" and world.journal.entries(order_id=order_id)[-1].data["new"] == "AWAITING_SHIPMENT"
    seqs = [e.seq for e in world.journal]
    assert seqs == sorted(set(seqs)) and seqs[-1] == len(world.journal) == len(seqs) + world.journal.evicted
    assert world.control.journal(since=requests[0].seq - 1)["entries"][0]["seq"] == requests[0].seq


@settings(max_examples=100, deadline=None)
@given(writes=st.lists(st.tuples(st.sampled_from(["a.b", "c"]), st.lists(st.one_of(st.integers(), st.text(max_size=3),
                                                                                    st.none()), max_size=3),
                                 st.booleans()), max_size=12))
def test_a_bound_recorder_appends_what_record_appends(writes: list[tuple[str, list[Any], bool]]) -> None:
    """``recorder(kind, *names)(*values)`` and ``record(kind, **fields)`` give the same entries, interleaved."""
    clock = Clock(START)
    bound, plain = Journal(clock), Journal(clock)
    recorders: dict[tuple[str, int], Any] = {}
    for kind, values, use_recorder in writes:
        names = tuple(f"f{n}" for n in range(len(values)))
        if use_recorder:
            recorders.setdefault((kind, len(values)), bound.recorder(kind, *names))(*values)
        else:
            bound.record(kind, **dict(zip(names, values, strict=True)))
        plain.record(kind, **dict(zip(names, values, strict=True)))
        clock.advance_by(timedelta(seconds=1))
    assert [e.as_dict() for e in bound] == [e.as_dict() for e in plain]
    assert [e.kind for e in bound.entries(kind="a")] == [e.kind for e in plain.entries(kind="a")]


def test_a_bound_recorder_refuses_a_wrong_number_of_values_and_records_nothing() -> None:
    """An entry's values are laid end to end with its neighbours': a short or long one is refused, not misread."""
    journal = Journal(Clock(START))
    bound = journal.recorder("order.bound", "order_id", "n")
    for values in (("o1",), ("o1", 1, 2)):
        with pytest.raises(TypeError, match="2 values expected"):
            bound(*values)
    bound("o1", 1)
    journal.record("order.note", order_id="o2")
    assert [(e.kind, e.data) for e in journal] == [("order.bound", {"order_id": "o1", "n": 1}),
                                                    ("order.note", {"order_id": "o2"})]
