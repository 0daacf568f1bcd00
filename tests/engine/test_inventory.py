"""SFCC-1: an SFCC create names each line's product by the SKU code it was sent; the inventory finds it by index."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine import Sku
from simulator.engine.inventory import Inventory

CODES = st.sampled_from(["", "A", "B", "C", "SKU-1", "SKU-2"])


def _scan(inventory: Inventory, code: str) -> Sku | None:
    """The reference: the first SKU in registration order whose seller SKU or id is the code."""
    return next((s for s in inventory.skus.values() if code and code in (s.seller_sku, s.sku_id)), None)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(st.one_of(st.tuples(st.just("add"), CODES, CODES), st.tuples(st.just("find"), CODES, CODES)),
                      max_size=30))
def test_find_code_is_the_first_sku_a_scan_finds_across_adds_and_replacements(
        steps: list[tuple[str, str, str]]) -> None:
    """Codes shared between one SKU's seller SKU and another's id, SKUs replaced under their id, empty codes:
    every lookup answers what scanning the SKUs in order would, whenever it is asked."""
    inventory = Inventory()
    for n, (op, sku_id, seller_sku) in enumerate(steps):
        if op == "add":
            inventory.add(Sku(sku_id, "P1", f"Product {n}", "Size M", seller_sku, Decimal("9.99"), "USD", 5))
            continue
        for code in (sku_id, seller_sku):
            assert inventory.find_code(code) is _scan(inventory, code)
