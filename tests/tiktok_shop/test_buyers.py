"""Buyers kept packed (FakeBuyer): the same values as the dicts drawn before packing, fresh on every read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import faker
import pytest

from simulator.tiktok_shop.buyers import FakeBuyer, draw_buyer, fake_buyer
from simulator.world import World

FIXTURE = json.loads((Path(__file__).parent / "data" / "buyers_seed3.json").read_text(encoding="utf-8"))


def test_a_seeded_world_draws_the_buyers_it_drew_before_they_were_packed() -> None:
    """Determinism: the fixture was written by the dict-keeping code (seed 3, US and UK shops in turn);
    the packed buyers read back the same values, key order included."""
    if faker.VERSION != FIXTURE["faker_version"]:
        pytest.skip(f"fixture drawn with faker {FIXTURE['faker_version']}, installed {faker.VERSION}")
    world = World.create(seed=FIXTURE["seed"])
    tiktok = world.systems["tiktok"]
    got = []
    for want in FIXTURE["orders"]:
        order = tiktok.place_order(want["shop_id"])
        assert isinstance(order.party, FakeBuyer) and order.buyer_user_id == order.buyer["user_id"]
        got.append({"shop_id": want["shop_id"], "region": want["region"], "order_id": order.id,
                    "buyer": order.buyer, "recipient_address": order.recipient_address})
    assert json.dumps(got, ensure_ascii=False) == json.dumps(FIXTURE["orders"], ensure_ascii=False)
    assert {o["region"] for o in got} == {"US", "UK"}


def test_each_read_is_a_fresh_copy_and_a_repeat_buyer_shares_the_first_orders() -> None:
    world = World.create(seed=1)
    tiktok = world.systems["tiktok"]
    first = tiktok.place_order(None, profile="direct")
    address = first.recipient_address
    address["district_info"][0]["address_name"] = "elsewhere"
    first.buyer["email"] = "changed"
    assert first.recipient_address["district_info"][0]["address_name"] == "United States"
    assert first.buyer["email"].endswith("@scs2.tiktok.com")
    again = tiktok.place_order(first.shop_id, same_buyer_as=first.id)
    assert again.party is first.party and again.recipient_address == first.recipient_address


class _Fake:
    """A faker stand-in whose street address holds the packing separator."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: "1 Odd\x1fStreet" if name == "street_address" else name


def test_a_value_that_cannot_be_packed_is_kept_as_plain_dicts() -> None:
    drawn = draw_buyer(_Fake(), "US")
    assert isinstance(drawn, tuple)
    buyer, address = fake_buyer(_Fake(), "US")
    assert (buyer, address) == drawn
    assert address["address_line1"] == "1 Odd\x1fStreet"
    assert address["full_address"] == "1 Odd\x1fStreet, city, state_abbr postcode"


def test_the_address_text_is_the_addresss_string_fields_in_its_order() -> None:
    """A packed buyer's ``address_text`` is every string field of ``address()``, the same values in the same
    order, for US and UK buyers (the fixture's, key order included); ``email`` and ``user_id`` are the
    buyer's (the SFCC connector sends that email as customer_email)."""
    world = World.create(seed=FIXTURE["seed"])
    tiktok = world.systems["tiktok"]
    for want in FIXTURE["orders"]:
        order = tiktok.place_order(want["shop_id"])
        full = order.recipient_address
        assert list(order.party.address_text().items()) == [(k, v) for k, v in full.items() if isinstance(v, str)]
        assert order.party.email() == order.buyer["email"]  # what the connector sends as customer_email
        assert order.party.user_id() == order.buyer["user_id"]
        assert list(full)[-2:] == ["district_info", "delivery_preferences"]
