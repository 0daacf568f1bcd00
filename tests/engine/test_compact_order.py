"""An order's compact parts read like plain fields: rarely set fields (Rare), the timers holder, the party."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulator.engine.models import NO_PARTY, RARE_FIELDS, Order, PlainParty, Timers, party_of
from simulator.world import World


def _order() -> Order:
    world = World.create(seed=0)
    tiktok = world.systems["tiktok"]
    return tiktok.place_order(None, profile="direct")


def test_rare_fields_read_their_defaults_and_take_a_record_only_when_set() -> None:
    order = _order()
    assert order.rare is None and set(RARE_FIELDS) >= {"pending_cancel_id", "cancel_time", "buyer_message"}
    assert (order.pending_cancel_id, order.cancel_after_shipped, order.cancellation_ids, order.buyer_message) == \
        (None, False, (), "")
    order.pending_cancel_id = None  # the default: still no record
    order.dispatch_missed = False
    assert order.rare is None
    order.cancellation_ids += ("458000000000000001",)
    order.cancel_time = datetime(2026, 11, 3, tzinfo=UTC)
    assert order.rare is not None
    assert order.cancellation_ids == ("458000000000000001",) and order.cancel_time == datetime(2026, 11, 3, tzinfo=UTC)
    assert order.cancel_reason is None  # unset in the record: the default


def test_the_timers_holder_behaves_as_the_dict_it_replaced() -> None:
    order = _order()
    timers = order.timers
    assert list(timers) == ["hold"] and "hold" in timers and len(timers) == 1
    hold = timers["hold"]
    timers["complete"] = hold  # set later: iterates after (scheduling order)
    assert [name for name, _ in timers.items()] == ["hold", "complete"]
    assert timers.pop("complete") is hold and timers.pop("complete", None) is None
    with pytest.raises(KeyError):
        timers.pop("complete")
    with pytest.raises(KeyError):
        timers["return"]
    assert timers.get("return") is None and Timers() == Timers() and not Timers()


def test_a_party_from_mappings_is_a_copy_and_an_empty_one_is_shared() -> None:
    buyer, address = {"user_id": "7"}, {"name": "A"}
    party = party_of(buyer, address)
    buyer["user_id"] = "8"
    assert isinstance(party, PlainParty) and party.buyer() == {"user_id": "7"} and party.address() == {"name": "A"}
    assert party.user_id() == "7" and party_of({"nickname": "n"}, None).user_id() is None
    assert party_of(None, {}) is NO_PARTY and NO_PARTY.buyer() == {} and NO_PARTY.buyer() is not NO_PARTY.buyer()
    assert NO_PARTY.user_id() is None
