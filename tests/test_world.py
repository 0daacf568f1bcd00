"""World: determinism of a seeded world, the advance API, journal queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from simulator.journal import to_plain
from simulator.world import World
from tests.fixtures.engine import SKU_A, SKU_B, engine_world, place


def _script(world: World) -> list[dict[str, Any]]:
    orders = [place(world, profile=p, items=[(SKU_A, 1), (SKU_B, 2)], split_packages=True)
              for p in ("sfcc", "rithum", "direct")]
    world.advance(seconds=1800)
    world.engine.buyer_cancel(orders[0].id)
    world.advance(seconds=1800)
    world.engine.buyer_cancel(orders[1].id)
    world.engine.ship_package(orders[2].package_ids[0], tracking_number="T", shipping_provider_id="p")
    world.advance(seconds=30 * 86400)
    return [e.as_dict() for e in world.journal]


def test_a_seeded_world_replays_identically() -> None:
    first, second = _script(engine_world()), _script(engine_world())
    assert first == second
    assert len(first) > 20
    other_seed = World.create(seed=1, systems=[])
    assert other_seed.ids.next("order") != engine_world().ids.next("order")


def test_advance_takes_exactly_one_of_seconds_or_to(world: World) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        world.advance()
    with pytest.raises(ValueError, match="exactly one"):
        world.advance(seconds=1, to=world.clock.now())
    fired = world.advance(to=world.clock.now() + timedelta(hours=2))
    assert fired == [] and world.clock.now() == world.start + timedelta(hours=2)


def test_journal_filters_by_kind_prefix_order_and_sequence(world: World) -> None:
    a, b = place(world), place(world)
    world.engine.buyer_cancel(a.id)
    assert {e.kind for e in world.journal.entries(kind="order")} == {"order.placed", "order.status"}
    assert all(e.data["order_id"] == b.id for e in world.journal.entries(order_id=b.id))
    last = world.journal.entries()[-1].seq
    assert world.journal.entries(since=last) == []
    assert world.journal.entries(kind="cancellation.status")[0].as_dict()["data"]["new"] == "CANCELLATION_REQUEST_SUCCESS"
    assert to_plain({"t": world.clock.now(), "s": {1}}) == {"t": world.clock.now().isoformat(), "s": [1]}


def test_advance_runs_out_of_lock_work_at_the_instant_it_was_queued(world: World) -> None:
    """NOTE-2 plumbing: queued work (webhooks) is drained outside the lock at its own virtual time."""
    outbox: list[str] = []
    drained: list[tuple[str, object, bool]] = []

    def drain() -> None:
        while outbox:
            item = outbox.pop(0)
            drained.append((item, world.clock.now(), world.lock._is_owned()))  # type: ignore[attr-defined]
            if item == "first":  # a failed delivery schedules its retry from the drain's instant
                world.clock.schedule_in(timedelta(minutes=2), lambda: outbox.append("retry"), kind="retry")

    world.add_outbox(lambda: bool(outbox), drain)
    start = world.clock.now()
    world.clock.schedule(start + timedelta(hours=1), lambda: outbox.append("first"), kind="t")
    world.clock.schedule(start + timedelta(hours=3), lambda: outbox.append("second"), kind="t")
    world.advance(seconds=86400)
    assert drained == [("first", start + timedelta(hours=1), False),
                       ("retry", start + timedelta(hours=1, minutes=2), False),
                       ("second", start + timedelta(hours=3), False)]
    assert world.clock.now() == start + timedelta(days=1)
    with world.operation():
        outbox.append("inside")
        world.drain_outboxes()  # no-op while the lock is held
        assert outbox == ["inside"]
    assert outbox == [] and drained[-1][0] == "inside"
    with pytest.raises(Exception, match="backwards"):
        world.advance(to=start)
