"""Shortcuts of the full world's export and sync paths equal the long way (FUL-3, CA-1).

- the feed pickup skips building shipping facts for an order the feed ships nothing of: exactly when
  :func:`from_feed` gives "not shipped" without a shipped line, the case :func:`plan` answers with nothing;
- a ChannelAdvisor order reads its buyer fields from TikTok's buyer record when first asked: the values
  equal what an eager import built, however much happened to the TikTok order in between;
- the in-process pickup takes the records the export job's writer returned instead of parsing the file:
  the same journal, entry for entry, as a world whose pickup parses every file.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.connectors import sfcc_shipments as S
from simulator.connectors import tiktok_channeladvisor as sync
from simulator.engine import EngineError
from simulator.sfcc.feed import FeedOrder, FeedShipment
from simulator.world import World

STATUS = st.sampled_from(["", "NOT_SHIPPED", "not_shipped", "SHIPPED", "PART_SHIPPED", "Not_Shipped", " x"])
LINE = st.sampled_from(["", "0", "1", "2", "3", "4", " 2", "x", "2.0"])


@settings(max_examples=300, deadline=None)
@given(status=STATUS, shipments=st.lists(STATUS, max_size=3), lines=st.lists(st.one_of(st.none(), LINE), max_size=3))
def test_ful3_a_feed_order_that_ships_nothing_plans_nothing(status: str, shipments: list[str],
                                                            lines: list[str | None]) -> None:
    """FUL-3: ``feed_ships_nothing`` is exactly plan()'s nothing-to-ship case of the facts from_feed reads."""
    feed = FeedOrder("00000001", "NEW", status, {},
                     [FeedShipment(f"s{i}", s, None) for i, s in enumerate(shipments)],
                     [{"product-id": "p"} if li is None else {"product-id": "p", "externalLineItemStatus": li}
                      for li in lines])
    facts = S.from_feed(feed)
    assert S.feed_ships_nothing(feed) == (facts.shipping_status == "not_shipped" and not facts.line_detail)


def _eager(order: Any) -> tuple[Any, ...]:
    """What the import built before the buyer fields were read lazily."""
    buyer = order.buyer
    return (sync._text(buyer, "email", "buyer_email"), sync._text(buyer, "user_id", "id", "buyer_user_id"),
            sync._address(order.recipient_address))


def test_ca1_buyer_fields_read_late_equal_the_import() -> None:
    """CA-1: BuyerEmailAddress, BuyerUserId, Shipping* and Billing* read after a history equal an eager import."""
    world = World.create(seed=11)
    try:
        tiktok, engine, ca = world.systems["tiktok"], world.engine, world.systems["channeladvisor"]
        shops = [s.id for s in tiktok.catalog.shops.values() if s.profile == "rithum"]
        placed = [tiktok.place_order(shops[i % len(shops)]) for i in range(12)]
        eager: dict[str, tuple[Any, ...]] = {}
        original = sync.TikTokChannelAdvisorSync._import

        def importing(self: Any, order: Any, *args: Any) -> None:
            eager[order.id] = _eager(order)  # at the moment of the import
            original(self, order, *args)

        sync.TikTokChannelAdvisorSync._import = importing  # type: ignore[method-assign]
        try:
            world.advance(seconds=2 * 3600)
        finally:
            sync.TikTokChannelAdvisorSync._import = original  # type: ignore[method-assign]
        for i, order in enumerate(placed):  # a history between the import and the first read
            try:
                if i % 3 == 0:
                    engine.seller_cancel(order.id, "seller_cancel_reason_out_of_stock")
                elif i % 3 == 1:
                    for package_id in engine.orders[order.id].package_ids:
                        engine.ship_package(package_id, tracking_number=f"1Z{i}", shipping_provider_id="x",
                                            shipping_provider_name="UPS")
            except EngineError:
                pass
        world.advance(seconds=3 * 86400)
        assert sorted(eager) == sorted(o.id for o in placed)
        for order_id, (email, user_id, address) in eager.items():
            ca_order = ca.orders[ca.by_site_order[order_id]]
            assert (ca_order.buyer_email, ca_order.buyer_user_id) == (email, user_id)
            assert ca_order.shipping == address and ca_order.billing is ca_order.shipping
    finally:
        world.close()


def _feed_history(parse: bool) -> tuple[list[dict[str, Any]], int]:
    """A world whose export files carry creations, shipments and cancels; ``parse``: the pickup parses each file.

    Returns the journal and how many files the pickup parsed.
    """
    from simulator.connectors import sfcc_feed, tiktok_sfcc

    world = World.create(seed=13)
    original, parser, parsed = tiktok_sfcc.TikTokSfccConnector._local_files, sfcc_feed.parse_orders_xml, []

    def parsing(data: bytes) -> Any:
        parsed.append(data)
        return parser(data)

    sfcc_feed.parse_orders_xml = parsing  # type: ignore[assignment]
    if parse:
        tiktok_sfcc.TikTokSfccConnector._local_files = lambda self: False  # type: ignore[method-assign]
    try:
        tiktok, sfcc = world.systems["tiktok"], world.systems["sfcc"]
        placed = [tiktok.place_order(profile="sfcc") for _ in range(9)]
        world.advance(seconds=3700)
        connector = sfcc.connector
        for i, order in enumerate(placed):
            number = connector.order_nos[order.id]
            if i % 3 == 0:
                sfcc.orders.apply_batch_status(number, None, "shipped", f"1Z{i:08d}", "UPS")
            elif i % 3 == 1:
                sfcc.orders.apply_batch_status(number, "cancelled", None)
        world.advance(seconds=2 * 3600)
        return [entry.as_dict() for entry in world.journal], len(parsed)
    finally:
        tiktok_sfcc.TikTokSfccConnector._local_files = original  # type: ignore[method-assign]
        sfcc_feed.parse_orders_xml = parser  # type: ignore[assignment]
        world.close()


def test_ful3_the_pickup_given_the_writers_records_does_what_parsing_the_file_does() -> None:
    """FUL-3: the in-process pickup handed the writer's records journals and changes exactly what parsing does."""
    (handed, none), (parsed, files) = _feed_history(parse=False), _feed_history(parse=True)
    assert handed == parsed
    assert none == 0 and files >= 2  # the records were taken, and the long way read every file
    kinds = {entry["kind"] for entry in handed}
    assert {"sfcc.feed.written", "connector.sfcc.feed_applied"} <= kinds  # the feed carried changes to TikTok
