"""Property tests: random event sequences never break the engine's invariants (HOLD-4, FUL-2, CAN-X1)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from simulator.engine import EngineError, OrderStatus, PackageStatus, Role
from simulator.engine.states import SHIPPED_STATUSES
from tests.fixtures.engine import SHOP, SKU_A, SKU_B, engine_world

SELLER_REASONS = ["seller_cancel_reason_out_of_stock", "seller_cancel_unpaid_reason_wrong_price", "bogus"]
REJECT_REASONS = ["seller_reject_apply_product_has_been_packed", ""]
ADVANCES = [1, 59, 1800, 3599, 3600, 86400, 3 * 86400, 8 * 86400]


class EngineMachine(RuleBasedStateMachine):
    """Drives one engine world with legal and illegal events and checks invariants after each step."""

    def __init__(self) -> None:
        super().__init__()
        self.world = engine_world()
        self.engine = self.world.engine
        self.totals = {s: self.world.inventory.get(s).total for s in (SKU_A, SKU_B)}
        self.ever_cancelled: set[str] = set()

    # -- helpers -----------------------------------------------------------------------------
    def fingerprint(self) -> Any:
        e = self.engine
        return (
            tuple((o.id, o.status, o.pending_cancel_id, o.update_time) for o in e.orders.values()),
            tuple((p.id, p.status, p.tracking_number) for p in e.packages.values()),
            tuple((c.id, c.status) for c in e.cancellations.values()),
            tuple((s.sku_id, s.available, s.reserved, s.shipped) for s in e.inventory.skus.values()),
            len(self.world.journal), len(e.notifications), self.world.clock.pending_count(),
        )

    def attempt(self, operation: Any) -> None:
        before = self.fingerprint()
        try:
            operation()
        except EngineError:
            assert self.fingerprint() == before, "a refused event changed state"

    def pick(self, items: list[str], index: int) -> str | None:
        return items[index % len(items)] if items else None

    # -- rules -----------------------------------------------------------------------------------
    @rule(paid=st.booleans(), qa=st.integers(0, 3), qb=st.integers(0, 30), split=st.booleans(),
          profile=st.sampled_from(["sfcc", "rithum", "direct"]))
    def place(self, paid: bool, qa: int, qb: int, split: bool, profile: str) -> None:
        items = [(s, q) for s, q in ((SKU_A, qa), (SKU_B, qb)) if q]
        self.attempt(lambda: self.engine.place_order(SHOP, items, profile=profile, paid=paid, split_packages=split))

    @rule(seconds=st.sampled_from(ADVANCES))
    def advance(self, seconds: int) -> None:
        self.world.advance(seconds=seconds)

    @precondition(lambda self: self.engine.orders)
    @rule(i=st.integers(0, 1000), action=st.sampled_from(
        ["pay", "buyer_cancel", "seller_cancel", "platform_cancel", "complete"]))
    def order_action(self, i: int, action: str) -> None:
        order_id = self.pick(list(self.engine.orders), i)
        assert order_id is not None
        calls = {
            "pay": lambda: self.engine.pay(order_id),
            "buyer_cancel": lambda: self.engine.buyer_cancel(order_id),
            "seller_cancel": lambda: self.engine.seller_cancel(order_id, SELLER_REASONS[i % 3]),
            "platform_cancel": lambda: self.engine.platform_cancel(order_id, "fraud"),
            "complete": lambda: self.engine.complete(order_id),
        }
        self.attempt(calls[action])

    @precondition(lambda self: self.engine.packages)
    @rule(i=st.integers(0, 1000), action=st.sampled_from(["ship", "collect", "deliver", "update"]))
    def package_action(self, i: int, action: str) -> None:
        package_id = self.pick(list(self.engine.packages), i)
        assert package_id is not None
        order = self.engine.orders[self.engine.packages[package_id].order_id]
        was_cancelled = order.status == OrderStatus.CANCELLED
        calls = {
            "ship": lambda: self.engine.ship_package(package_id, tracking_number=f"T{i}", shipping_provider_id="p"),
            "collect": lambda: self.engine.carrier_collected(package_id),
            "deliver": lambda: self.engine.carrier_delivered(package_id),
            "update": lambda: self.engine.update_shipping_info(package_id, tracking_number="U",
                                                               shipping_provider_id="p"),
        }
        self.attempt(calls[action])
        if was_cancelled:
            assert order.status == OrderStatus.CANCELLED

    @precondition(lambda self: self.engine.cancellations)
    @rule(i=st.integers(0, 1000), action=st.sampled_from(["approve", "reject", "withdraw"]))
    def cancellation_action(self, i: int, action: str) -> None:
        cancel_id = self.pick(list(self.engine.cancellations), i)
        assert cancel_id is not None
        calls = {
            "approve": lambda: self.engine.approve_cancellation(cancel_id, role=Role.SELLER),
            "reject": lambda: self.engine.reject_cancellation(cancel_id, REJECT_REASONS[i % 2]),
            "withdraw": lambda: self.engine.withdraw_cancellation(cancel_id),
        }
        self.attempt(calls[action])

    # -- invariants ------------------------------------------------------------------------------
    @invariant()
    def stock_is_conserved_and_reservations_match_orders(self) -> None:
        reserved = {SKU_A: 0, SKU_B: 0}
        shipped = {SKU_A: 0, SKU_B: 0}
        for order in self.engine.orders.values():
            for li in order.line_items:
                pkg = self.engine.packages[li.package_id]
                if pkg.rts_time is not None:
                    shipped[li.sku_id] += 1
                elif order.paid_time is not None and order.status != OrderStatus.CANCELLED:
                    reserved[li.sku_id] += 1
        for sku_id, total in self.totals.items():
            sku = self.world.inventory.get(sku_id)
            assert sku.total == total
            assert sku.available >= 0
            assert (sku.reserved, sku.shipped) == (reserved[sku_id], shipped[sku_id])

    @invariant()
    def a_cancelled_order_never_ships_and_states_agree(self) -> None:
        for order in self.engine.orders.values():
            assert isinstance(order.status, OrderStatus)
            packages = [self.engine.packages[p] for p in order.package_ids]
            if order.status == OrderStatus.CANCELLED:
                self.ever_cancelled.add(order.id)
                assert order.pending_cancel_id is None and not order.timers
                assert order.cancel_after_shipped == any(p.rts_time is not None for p in packages)
            elif order.id in self.ever_cancelled:
                raise AssertionError(f"order {order.id} left CANCELLED")
            if order.status in SHIPPED_STATUSES:
                assert all(p.status != PackageStatus.TO_FULFILL for p in packages)
            if order.status in (OrderStatus.UNPAID, OrderStatus.ON_HOLD, OrderStatus.AWAITING_SHIPMENT):
                assert all(p.status == PackageStatus.TO_FULFILL for p in packages)
            if order.pending_cancel_id is not None:
                assert order.status == OrderStatus.AWAITING_SHIPMENT

    def teardown(self) -> None:
        self.world.close()


EngineMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestEngineProperties = EngineMachine.TestCase
