"""SFCC-1/SFCC-2: the direct port's typed create places exactly what CreateExternalOrder places from the JSON body.

The connector hands an in-process SFCC an :class:`ExternalOrder` (typed values) instead of the JSON body
it would send over HTTP; :func:`place` must build the same order, or refuse with the same answer, as
:func:`build_order` does from that body, for any order TikTok can hold and any site configuration, and a
whole world must journal and store the same either way.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.connectors.sfcc_port import DirectPort
from simulator.engine.models import PlainParty
from simulator.sfcc.create import CreateRefused, build_order, place
from simulator.tiktok_shop.buyers import FakeBuyer
from simulator.world import World

ADDRESS_KEYS = ("name", "first_name", "last_name", "address_line1", "address1", "address_detail", "address_line2",
                "address2", "city", "address_line3", "postal_code", "zipcode", "state_code", "region_code_state",
                "state", "country_code", "region_code", "phone_number", "phone")
TEXT = st.one_of(st.just(""), st.sampled_from(["Ada", "Ada Lovelace", " Ada  ", "Grace Hopper Jr", "ß İ", "  "]),
                 st.text(max_size=12))


def _outcome(build: Any) -> Any:
    try:
        return build()
    except CreateRefused as refused:
        return ("refused", refused.status, refused.body)


@st.composite
def _variant(draw: Any) -> dict[str, Any]:
    """An order (buyer, address, note, delivery option, lines, fee) and a site configuration to place it in."""
    address = {key: draw(TEXT) for key in draw(st.lists(st.sampled_from(ADDRESS_KEYS), unique=True, max_size=10))}
    buyer = {key: draw(TEXT) for key in draw(st.lists(st.sampled_from(["name", "email", "user_id"]), unique=True))}
    return {
        "party": draw(st.sampled_from(["fake", "plain", "none"])), "address": address, "buyer": buyer,
        "note": draw(st.one_of(st.just(""), TEXT)),
        "option": draw(st.sampled_from(["", "Standard shipping", "Economy", "EXPRESS delivery", "economy express"])),
        "seller_sku": draw(st.sampled_from(["keep", "blank", "unknown"])),
        "units": draw(st.integers(1, 4)),
        "fee": draw(st.sampled_from([Decimal("0"), Decimal("5.99"), Decimal("1E+13"), Decimal("-0.50")])),
        "currency": draw(st.sampled_from(["keep", "", "EUR"])),
        "site": draw(st.sampled_from(["keep", "no_inventory", "no_method", "method_undefined", "no_shipping",
                                      "other_currency", "email_pref"])),
    }


def _site(site: Any, change: str) -> Any:
    prefs = dict(site.preferences)
    if change == "no_inventory":
        prefs.pop("tiktokInventoryListID", None)
    elif change == "no_method":
        prefs.pop("tiktokPaymentMethod", None)
        return dataclasses.replace(site, preferences=prefs, payment_methods={})
    elif change == "method_undefined":
        prefs["tiktokPaymentMethod"] = "NOPE"
    elif change == "no_shipping":
        return dataclasses.replace(site, shipping_methods={"TTS009": "Other"})
    elif change == "other_currency":
        return dataclasses.replace(site, currency="GBP")
    elif change == "email_pref":
        prefs["tiktokCustomerEmail"] = "orders@example.com"
    return dataclasses.replace(site, preferences=prefs)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(variant=_variant())
def test_sfcc1_place_from_the_typed_request_equals_build_order_from_the_body(world: World, variant: dict[str, Any]
                                                                             ) -> None:
    """SFCC-1: same order (every field) or same refusal (status and body), whatever the order and the site."""
    tiktok, sfcc = world.systems["tiktok"], world.systems["sfcc"]
    connector = sfcc.connector
    placed = next(iter(world.engine.orders.values())) if world.engine.orders else tiktok.place_order(profile="sfcc")
    order = dataclasses.replace(placed)  # a copy: the world's order stays as placed
    if variant["party"] == "plain":
        order.party = PlainParty(variant["buyer"], variant["address"])
    elif variant["party"] == "none":
        order.party = PlainParty({}, {})
    assert variant["party"] != "fake" or isinstance(order.party, FakeBuyer)
    order.buyer_message = variant["note"]
    order.delivery_option_name = variant["option"]
    order.shipping_fee = variant["fee"]
    if variant["currency"] != "keep":
        order.currency = variant["currency"]
    line = order.line_items[0]
    lines = [dataclasses.replace(line, id=f"{line.id}-{n}") for n in range(variant["units"])]
    if variant["seller_sku"] == "blank":
        lines[-1] = dataclasses.replace(lines[-1], seller_sku="")
    elif variant["seller_sku"] == "unknown":
        lines[-1] = dataclasses.replace(lines[-1], seller_sku="NOT-IN-CATALOG")
    order.line_items = lines
    site = _site(sfcc.config.sites[connector.site_for(order)], variant["site"])
    now = world.clock.now()
    from_body = _outcome(lambda: build_order(connector.order_body(order), site, "00000042", now,
                                             sfcc.orders.catalog))
    typed = _outcome(lambda: place(connector.order_request(order), site, "00000042", now, sfcc.orders.catalog))
    assert typed == from_body


def _through_the_body(self: DirectPort, site_id: str, request: Any, body: Any) -> Any:
    return self.create(site_id, body())


def _run(monkeypatch: Any, typed: bool) -> tuple[list[dict[str, Any]], dict[str, Any], list[Any]]:
    with monkeypatch.context() as patch:
        if not typed:
            patch.setattr(DirectPort, "create_order", _through_the_body)
        world = World.create(seed=5)
        tiktok = world.systems["tiktok"]
        for n in range(12):
            tiktok.place_order(profile="sfcc")
            world.advance(seconds=[60, 900, 3700][n % 3])
        world.advance(seconds=2 * 86400)
        sfcc = world.systems["sfcc"]
        journal = [entry.as_dict() for entry in world.journal]
        docs = {order_id: sfcc.project_order(order_id) for order_id in sorted(world.engine.orders)}
        records = list(sfcc.orders.safeguards)
        world.close()
    return journal, docs, records


def test_sfcc1_a_world_creating_through_the_typed_port_journals_and_stores_what_the_body_path_does(
        monkeypatch: Any) -> None:
    """SFCC-1/SFCC-3: every journal entry, SFCC document and safeguard record equal to the JSON path's."""
    typed, body = _run(monkeypatch, True), _run(monkeypatch, False)
    assert typed[1] and all(typed[1].values())
    assert typed == body


PACKED = st.one_of(st.just(""), st.sampled_from(["Ada", "Lovelace", "12 Main St", "Apt 4", "SW1A 1AA", "(+1)555-555-0100"]),
                   st.text(alphabet=st.characters(blacklist_characters="\x1f", blacklist_categories=("Cs",)), max_size=10))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(region=st.sampled_from(["US", "UK"]), drawn=st.lists(PACKED, min_size=11, max_size=11))
def test_sfcc1_a_packed_buyer_is_sent_as_its_recipient_address_and_email_read_as_dicts(
        world: World, region: str, drawn: list[str]) -> None:
    """SFCC-1: the connector reads a packed buyer's drawn values directly; it sends what the same buyer and
    address given as plain dicts send (names, lines, postcode, region, phone; empty values included)."""
    connector = world.systems["sfcc"].connector
    placed = next(iter(world.engine.orders.values())) if world.engine.orders else \
        world.systems["tiktok"].place_order(profile="sfcc")
    party = FakeBuyer.pack(region, *drawn)
    assert party is not None
    packed, plain = dataclasses.replace(placed, party=party), dataclasses.replace(placed)
    plain.party = PlainParty(party.buyer(), party.address())
    assert connector.order_request(packed) == connector.order_request(plain)
    assert connector.order_request(packed).address[7] == ("GB" if region == "UK" else "US")
