"""One order, one truth for returns: divergences between TikTok, ChannelAdvisor and SFCC found while building them.

Same partner-side clients and checker as tests/test_consistency.py (whose fixtures and helpers these reuse).
"""

from __future__ import annotations

import pytest

from simulator.channeladvisor.enums import RequestStatus
from simulator.scenarios import channels
from simulator.scenarios.runner import Context
from simulator.world import World
from tests.test_consistency import RITHUM_SHOP, SFCC_SHOP, consistent, ctx, oms_patch, place, sfcc_doc, world

__all__ = ["ctx", "world"]  # fixtures


@pytest.mark.parametrize("refused_once", [False, True])
def test_ret6_one_oms_answer_per_return_whatever_number_of_item_adjustments_carry_it(
        world: World, ctx: Context, refused_once: bool) -> None:
    """A return of two CA items is two adjustments but one TikTok answer, relayed once; a refused relay (a fault
    on TikTok) keeps the answer queued on both for the next tick. Found by the stateful test (KeyError '')."""
    order = place(world, RITHUM_SHOP, two=True)
    channels.ship(ctx, order, {}, "channeladvisor")
    world.advance(seconds=15 * 60)
    for package in order.package_ids:
        world.engine.carrier_delivered(package)
    world.control.buyer_return(order.id, "RETURN_AND_REFUND")
    world.advance(seconds=15 * 60)
    channels.approve_return(ctx, order, {}, "channeladvisor")
    if refused_once:
        world.faults.add({"system": "tiktok", "match": {"path": "/return_refund/*"}, "fault": {"type": "rate_limit"},
                          "count": 1})
        world.advance(seconds=15 * 60)
        assert world.engine.returns[order.return_ids[0]].status == "RETURN_OR_REFUND_REQUEST_PENDING"
    world.advance(seconds=15 * 60)
    ca = world.systems["channeladvisor"].order_for(order.id)
    adjustments = [a for a in ca.adjustments if a.return_id]
    assert len(adjustments) == 2 and {a.request_status for a in adjustments} == {RequestStatus.READY_FOR_RETURN}
    assert world.engine.returns[order.return_ids[0]].status == "AWAITING_BUYER_SHIP"
    relayed = [e.data for e in world.journal.entries(kind="ca.sync", order_id=order.id)
               if e.data.get("action") == "approve_return"]
    assert [r["ok"] for r in relayed] == ([False, True] if refused_once else [True])
    consistent(world)


def test_ret7_a_return_the_oms_records_in_sfcc_is_journaled_skipped_and_sfcc_keeps_tiktoks(
        world: World, ctx: Context) -> None:
    """The cartridge's pull job documents setting externalReturnStatus RETURNED (4) with export READY; TikTok
    documents no way in for it: the feed journals it skipped (RET-7), TikTok's return is unchanged, SFCC shows
    TikTok's return status again."""
    order = place(world, SFCC_SHOP)
    channels.ship(ctx, order, {}, "engine")
    world.engine.carrier_delivered(order.package_ids[0])
    ret = world.control.buyer_return(order.id, "RETURN_AND_REFUND")
    assert sfcc_doc(world, order).custom["externalReturnStatus"] == 3
    oms_patch(ctx, order, {"c_orderAction": "return_order"})  # the afterPATCH hook: RETURNED (4), READY
    world.advance(seconds=15 * 60)
    skipped = world.journal.entries(kind="connector.sfcc.feed_skipped", order_id=order.id)
    assert [(e.data["action"], e.data["rule"], e.data["return_status"]) for e in skipped] == [("return", "RET-7", 4)]
    assert world.engine.returns[ret["return_id"]].status == "RETURN_OR_REFUND_REQUEST_PENDING"
    assert sfcc_doc(world, order).custom["externalReturnStatus"] == 3
    consistent(world)
