"""Random engine histories over the direct shops (placing, time, shipping, cancels, returns) for property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from simulator.engine import EngineError, OrderStatus
from simulator.world import World

# Weighted by repetition: enough placing, time and shipping for every state to be reached.
ACTIONS = ("place", "place", "place", "place_unpaid", "advance", "advance", "advance", "ship", "ship", "ship",
           "collect", "deliver", "buyer_cancel", "seller_cancel", "approve", "reject", "tracking", "tracking",
           "collect", "deliver", "deliver", "return", "return", "refund", "refund", "return_answer", "return_answer",
           "return_ship", "return_cancel")
TIMES = st.one_of(st.none(), st.integers(0, 4 * 3600))


# Which orders each step can act on (so random steps reach every state instead of being refused).
WANTS: dict[str, tuple[OrderStatus, ...]] = {
    "ship": (OrderStatus.AWAITING_SHIPMENT, OrderStatus.PARTIALLY_SHIPPING),
    "collect": (OrderStatus.AWAITING_COLLECTION, OrderStatus.PARTIALLY_SHIPPING),
    "deliver": (OrderStatus.IN_TRANSIT, OrderStatus.AWAITING_COLLECTION),
    "buyer_cancel": (OrderStatus.ON_HOLD, OrderStatus.AWAITING_SHIPMENT, OrderStatus.UNPAID),
    "seller_cancel": (OrderStatus.AWAITING_SHIPMENT, OrderStatus.ON_HOLD),
    "tracking": (OrderStatus.AWAITING_COLLECTION, OrderStatus.IN_TRANSIT, OrderStatus.PARTIALLY_SHIPPING),
    "return": (OrderStatus.DELIVERED,),
    "refund": (OrderStatus.DELIVERED,),
}
RETURN_STEPS = ("return_answer", "return_ship", "return_cancel")


def act(world: World, shops: list[str], action: str, pick: int, seconds: int) -> None:
    backend, engine = world.systems["tiktok"], world.engine
    world.advance(seconds=seconds % 50)  # time passes between actions, so update times differ
    if action in ("place", "place_unpaid"):
        backend.place_order(shops[pick % len(shops)], paid=action == "place", split_packages=pick % 3 == 0)
        return
    if action == "advance":
        world.advance(seconds=seconds)
        return
    if action in RETURN_STEPS:
        act_on_return(world, action, pick)
        return
    wanted = WANTS.get(action)
    orders = [o for o in engine.orders.values()
              if (o.status in wanted if wanted else o.pending_cancel_id is not None)]
    if not orders:
        return
    order = orders[pick % len(orders)]
    shipped = [p for p in order.package_ids if engine.packages[p].rts_time is not None]
    unshipped = [p for p in order.package_ids if engine.packages[p].rts_time is None]
    package = (unshipped if action == "ship" else shipped or order.package_ids)[0] if (unshipped or shipped) else ""
    try:
        if action == "ship":
            engine.ship_package(package, tracking_number=f"T{pick}", shipping_provider_id="p")
        elif action == "collect":
            engine.carrier_collected(package)
        elif action == "deliver":
            engine.carrier_delivered(package)
        elif action == "buyer_cancel":
            engine.buyer_cancel(order.id)
        elif action == "seller_cancel":
            engine.seller_cancel(order.id, engine.profile(order).cancel_reasons("seller", order.status)[0])
        elif action == "approve" and order.pending_cancel_id:
            engine.approve_cancellation(order.pending_cancel_id)
        elif action == "reject" and order.pending_cancel_id:
            engine.reject_cancellation(order.pending_cancel_id, engine.profile(order).cancel_reasons("seller_reject")[0])
        elif action == "tracking":
            engine.update_shipping_info(package, tracking_number=f"U{pick}", shipping_provider_id="p")
        elif action in ("return", "refund"):
            engine.request_return(order.id, "RETURN_AND_REFUND" if action == "return" else "REFUND",
                                  line_item_ids=[order.line_items[0].id])
    except (EngineError, KeyError, IndexError):  # a refused or impossible step changes nothing
        pass


def act_on_return(world: World, action: str, pick: int) -> None:
    engine = world.engine
    open_returns = [r for r in engine.returns.values() if engine.next_action(r) is not None]
    if not open_returns:
        return
    ret = open_returns[pick % len(open_returns)]
    try:
        if action == "return_answer" and pick % 2:
            engine.approve_return(ret.id)  # the decision the return's step calls for
        elif action == "return_answer":
            engine.reject_return(ret.id, "reason")
        elif action == "return_ship":
            engine.ship_return(ret.id, tracking_number=f"R{pick}")
        else:
            engine.cancel_return(ret.id)
    except (EngineError, KeyError, IndexError):
        pass


