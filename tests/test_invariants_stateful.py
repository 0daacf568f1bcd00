"""Stateful property test: buyers, sellers (on every partner path), the platform, carriers and the clock
interleave on orders of all three profiles, and the systems keep telling one story after every action.
Returns run through it too: buyers request them (return and refund or refund only, some or all units),
sellers approve, offer a partial refund or reject through the TikTok Return API or ChannelAdvisor, buyers
ship them back, withdraw or answer offers, carriers deliver them to the seller. Partial cancels (the seller on
the TikTok API, in SFCC or as a ChannelAdvisor item adjustment; the platform) and package changes (Split
Orders, Mark Package As Shipped; orders TikTok ships) run through it as well.

Seller actions go through the vendor APIs with the partner-side clients the scenarios use (written from
the vendors' docs): TikTok API ship/cancel/approve/reject; SFCC OCAPI PATCH, the OMS batch CSV and the
OMS pull job (the feed brings each to TikTok); ChannelAdvisor Export/Ship/Adjust/Reject. An SFCC outage
can start and end at any point. ``TTS_SIM_SOAK=N`` runs about N steps instead of the CI budget.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest
from flask import Flask, jsonify, request
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from simulator.connectors.sfcc_port import cut
from simulator.control.api import ControlError
from simulator.engine import EngineError, OrderStatus, ReturnStatus
from simulator.engine.states import RETURN_OPEN
from simulator.invariants import check
from simulator.scenarios import channels
from simulator.scenarios.clients import Refused
from simulator.scenarios.runner import Context, StepFailed
from simulator.world import World

SHOPS = {"sfcc": "7495540735365777507", "rithum": "7495540735365777508", "rithum_uk": "7495540735365777509",
         "direct": "7495540735365777510"}
SHIP_VIAS = {"sfcc": ["tiktok_api", "sfcc", "sfcc_batch", "sfcc_pull"], "rithum": ["channeladvisor", "tiktok_api"],
             "direct": ["tiktok_api"]}
CANCEL_VIAS = {"sfcc": ["tiktok_api", "sfcc", "sfcc_batch"], "rithum": ["channeladvisor"], "direct": ["tiktok_api"]}
ANSWER_VIAS = {"sfcc": ["tiktok_api"], "rithum": ["channeladvisor"], "direct": ["tiktok_api"]}
RETURN_VIAS = {"sfcc": ["tiktok_api", "engine"], "rithum": ["channeladvisor", "engine"],
               "direct": ["tiktok_api", "engine"]}
RETURN_REJECT = "reverse_reject_request_reason_4"
ADVANCES = [60, 14 * 60, 15 * 60, 59 * 60, 3600, 3600, 3 * 3600, 86400, 2 * 86400, 8 * 86400]
REJECT = "seller_reject_apply_product_has_been_packed"
OMS = "https://oms.partner.example"
SOAK = int(os.environ.get("TTS_SIM_SOAK", "0"))
CHECKED = [0]  # invariant checks run (one per step, plus one at each start)
STEPS = 40
RARELY = st.integers(0, 3)  # destructive actions fire on 0: orders live long enough to ship


class OneTruth(RuleBasedStateMachine):
    """One world per example; every rule is something a real actor does; the invariants are checked after each."""

    def __init__(self) -> None:
        super().__init__()
        self.world = World.create(seed=7)
        self.ctx = Context(self.world)
        self.orders: list[str] = []
        self.oms_status: dict[str, dict[str, str]] = {}
        self.csv_files = 0
        self.outage = False
        sfcc = self.world.systems["sfcc"]
        sfcc.mount(OMS, self._oms_app())
        sfcc.configure_oms_pull(f"{OMS}/status", "30m")

    def teardown(self) -> None:
        self.world.close()

    def _oms_app(self) -> Flask:
        app = Flask("partner_oms")

        @app.get("/status")
        def status() -> Any:
            wanted = request.args.get("order_no", "").split(",")
            return jsonify(orders=[{"orderNo": n, **self.oms_status[n]} for n in wanted if n in self.oms_status])

        return app

    # -- helpers -------------------------------------------------------------------------------------
    def _order(self, index: int) -> Any:
        return self.world.engine.orders[self.orders[index % len(self.orders)]]

    def _act(self, action: Any) -> None:
        """Run one actor's action; a vendor or engine refusal is a legitimate outcome."""
        with self.world.operation():
            try:
                action()
            except (Refused, EngineError, StepFailed, ControlError):
                pass

    def _sfcc_no(self, order: Any) -> str | None:
        doc = self.world.systems["sfcc"].project_order(order.id)
        return doc["order_no"] if doc else None

    def _batch(self, line: str) -> None:
        self.csv_files += 1
        folder = self.world.systems["sfcc"].impex_dir("src/feeds/import/oms/status")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"status_{self.csv_files:04d}.csv").write_text(line + "\n", encoding="utf-8")

    # -- buyers ----------------------------------------------------------------------------------------
    @rule(profile=st.sampled_from(sorted(SHOPS)), split=st.booleans(), two=st.booleans(), tiktok_ships=RARELY)
    def place(self, profile: str, split: bool, two: bool, tiktok_ships: int) -> None:
        self._place(profile, split, two, shipping_type="SELLER" if tiktok_ships else "TIKTOK")

    @rule(profile=st.sampled_from(sorted(SHOPS)), split=st.booleans())
    def place_and_release(self, profile: str, split: bool) -> None:
        """A placed order whose hold has ended (so most examples reach fulfilment)."""
        self._place(profile, split, True)
        self.world.advance(seconds=3600)

    @rule(profile=st.sampled_from(sorted(SHOPS)), two=st.booleans(), returned=st.booleans())
    def place_and_deliver(self, profile: str, two: bool, returned: bool) -> None:
        """An order shipped on the TikTok API and delivered (so returns have orders to act on); half the time
        the buyer asks for a return at once."""
        self._place(profile, False, two)
        self.world.advance(seconds=3600)
        order = self.world.engine.orders[self.orders[-1]]
        self._act(lambda: channels.ship(self.ctx, order, {"tracking_number": f"1Z{len(self.world.journal):012d}"},
                                        "tiktok_api"))
        self._act(lambda: self.world.control.carrier(order.package_ids[0], "delivered"))
        if returned and order.status == OrderStatus.DELIVERED:
            self._act(lambda: self.world.control.buyer_return(order.id, "RETURN_AND_REFUND" if two else "REFUND_ONLY"))

    def _place(self, profile: str, split: bool, two: bool, shipping_type: str = "SELLER") -> None:
        shop = SHOPS[profile]
        skus = [s.id for s in self.world.systems["tiktok"].catalog.shop_skus(shop)][: 2 if two else 1]
        items = [{"sku_id": sku, "quantity": 2 if n == 0 and two else 1} for n, sku in enumerate(skus)]
        order = self.world.control.place_order(shop_id=shop, items=items, split_packages=split,
                                               shipping_type=shipping_type)
        self.orders.append(order["order"]["id"])

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50), chance=st.integers(0, 1))
    def buyer_cancel(self, index: int, chance: int) -> None:
        if chance == 0:
            self._act(lambda: self.world.engine.buyer_cancel(self._order(index).id))

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50))
    def buyer_withdraw(self, index: int) -> None:
        order = self._order(index)
        if order.pending_cancel_id:
            self._act(lambda: self.world.engine.withdraw_cancellation(order.pending_cancel_id))

    # -- platform and carriers ---------------------------------------------------------------------
    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50), chance=RARELY)
    def platform_cancel(self, index: int, chance: int) -> None:
        if chance == 0:
            self._act(lambda: self.world.engine.platform_cancel(self._order(index).id, "fraud"))

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50), package=st.integers(0, 1), delivered=st.booleans())
    def carrier(self, index: int, package: int, delivered: bool) -> None:
        order = self._order(index)
        package_id = order.package_ids[package % len(order.package_ids)]
        scan = self.world.engine.carrier_delivered if delivered else self.world.engine.carrier_collected
        self._act(lambda: scan(package_id))

    @rule(seconds=st.sampled_from(ADVANCES))
    def advance(self, seconds: int) -> None:
        self.world.advance(seconds=seconds)

    @rule()
    def sfcc_outage(self) -> None:
        """SFCC stops (or starts again) answering TikTok's connector."""
        if not self.outage:
            self._restore = cut(self.world.systems["sfcc"].connector)
        else:
            self._restore()
        self.outage = not self.outage

    # -- sellers (partner OMS) ---------------------------------------------------------------------
    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50), pick=st.integers(0, 3), package=st.integers(0, 1))
    def seller_ship(self, index: int, pick: int, package: int) -> None:
        order = self._order(index)
        vias = SHIP_VIAS[order.profile]
        via = vias[pick % len(vias)]
        tracking = f"1Z{len(self.world.journal):012d}"
        if via == "sfcc_batch":
            no = self._sfcc_no(order)
            if no:
                self._batch(f"{no},,SHIPPING_STATUS_SHIPPED,{tracking},UPS")
        elif via == "sfcc_pull":
            no = self._sfcc_no(order)
            if no:
                self.oms_status[no] = {"orderStatus": "ORDER_STATUS_NEW", "shippingStatus": "SHIPPING_STATUS_SHIPPED",
                                       "trackingNumber": tracking, "carrier": "FedEx"}
        else:
            args = {"package": package % len(order.package_ids), "tracking_number": tracking,
                    "label": "tiktok" if pick % 2 else "seller"}  # TikTok-shipped orders take its label (PKG-4)
            self._act(lambda: channels.ship(self.ctx, order, args, via))

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50), pick=st.integers(0, 2), chance=RARELY)
    def seller_cancel(self, index: int, pick: int, chance: int) -> None:
        if chance:
            return
        order = self._order(index)
        vias = CANCEL_VIAS[order.profile]
        via = vias[pick % len(vias)]
        if via == "sfcc_batch":
            no = self._sfcc_no(order)
            if no:
                self._batch(f"{no},ORDER_STATUS_CANCELLED,SHIPPING_STATUS_NOTSHIPPED")
            return
        reason = "seller_cancel_reason_out_of_stock" if via == "tiktok_api" else None
        self._act(lambda: channels.cancel(self.ctx, order, {"reason": reason} if reason else {}, via))

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50), pick=st.integers(0, 3), sku=st.integers(0, 1))
    def partial_cancel(self, index: int, pick: int, sku: int) -> None:
        """CAN-L1..L4: one unit cancelled by the seller (on the profile's path) or by the platform."""
        order = self._order(index)
        skus = list(dict.fromkeys(li.sku_id for li in order.line_items))
        items = {"items": [{"sku": sku % len(skus), "quantity": 1}]}
        if pick == 3:
            self._act(lambda: self.world.control.platform_cancel(order.id, "platform",
                                                                 skus=[(skus[sku % len(skus)], 1)]))
            return
        via = {"direct": "tiktok_api", "rithum": "channeladvisor"}.get(order.profile) or ["tiktok_api", "sfcc"][pick % 2]
        args = {"package": sku % len(order.package_ids)} if via == "sfcc" else {
            **items, "reason": "seller_cancel_reason_out_of_stock" if via == "tiktok_api" else "ItemNotAvailable"}
        self._act(lambda: channels.cancel(self.ctx, order, args, via))

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50), mark=st.booleans(), unit=st.integers(0, 2))
    def regroup_packages(self, index: int, mark: bool, unit: int) -> None:
        """PKG-1 / PKG-3: the seller splits an order's unshipped units, or marks one shipped with its tracking."""
        order = self._order(index)
        via = "engine" if order.profile == "rithum" else "tiktok_api"  # Rithum sellers have no TikTok API path
        if mark:
            args = {"units": [unit % len(order.line_items)], "tracking_number": f"1M{len(self.world.journal):012d}"}
            self._act(lambda: channels.mark_shipped(self.ctx, order, args, via))
        else:
            self._act(lambda: channels.split(self.ctx, order, {}, via))

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50), repeat=st.booleans(), undo=RARELY)
    def combine_packages(self, index: int, repeat: bool, undo: int) -> None:
        """PKG-2: the buyer orders again to the same address and the seller combines the buyer's orders, or takes
        one back out of its combined package."""
        order = self._order(index)
        via = "engine" if order.profile == "rithum" else "tiktok_api"
        if not undo:
            self._act(lambda: channels.uncombine(self.ctx, order, {}, via))
            return
        if repeat:
            view = self.world.control.place_order(shop_id=order.shop_id, same_buyer_as=order.id)
            self.orders.append(view["order"]["id"])
            self.world.advance(seconds=3600)
        group = next((ids for _, ids in self.world.engine.combinable_groups(order.shop_id) if order.id in ids), [])
        for order_id in group:
            self.ctx.aliases[order_id] = order_id
        others = [o for o in group if o != order.id]
        self._act(lambda: channels.combine(self.ctx, order, {"with": others or [order.id]}, via))

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50), approve=st.booleans())
    def seller_answer(self, index: int, approve: bool) -> None:
        order = self._order(index)
        if order.pending_cancel_id is None and order.profile != "rithum":
            return
        via = ANSWER_VIAS[order.profile][0]
        answer = channels.approve if approve else channels.reject
        self._act(lambda: answer(self.ctx, order, {"reason": REJECT}, via))

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50))
    def seller_export(self, index: int) -> None:
        order = self._order(index)
        if order.profile == "rithum":
            self._act(lambda: channels.export(self.ctx, order, {}, "channeladvisor"))

    # -- returns (RET-1..RET-7) ------------------------------------------------------------------------
    def _delivered(self, index: int) -> Any:
        ready = [o for o in map(self.world.engine.orders.__getitem__, self.orders) if o.status == OrderStatus.DELIVERED]
        return ready[index % len(ready)] if ready else None

    @precondition(lambda self: self.orders)
    @rule(index=st.integers(0, 50), refund_only=st.booleans(), some=st.booleans(), own_carrier=st.booleans())
    def buyer_return(self, index: int, refund_only: bool, some: bool, own_carrier: bool) -> None:
        order = self._delivered(index)
        if order is None:
            return
        skus = [(order.line_items[0].sku_id, 1)] if some else None
        self._act(lambda: self.world.control.buyer_return(
            order.id, "REFUND_ONLY" if refund_only else "RETURN_AND_REFUND", skus=skus,
            shipment_type="BUYER_ARRANGE" if own_carrier else "PLATFORM"))

    @precondition(lambda self: self.world.engine.returns)
    @rule(index=st.integers(0, 50), choice=st.integers(0, 9), pick=st.integers(0, 1))
    def return_step(self, index: int, choice: int, pick: int) -> None:
        """The next step of an open return by whoever's turn it is (a closed one refuses every step):
        the seller approves (70 %), offers a partial refund, lets the buyer keep it or rejects, on its partner
        path; the buyer ships it back, withdraws it or answers the offer; the carrier delivers it back."""
        self._return_step(index, choice, pick)

    @precondition(lambda self: self.world.engine.returns)
    @rule(index=st.integers(0, 50), choice=st.integers(0, 9), pick=st.integers(0, 1))
    def return_step_again(self, index: int, choice: int, pick: int) -> None:
        """A second rule for the same step: a return needs several in a row to reach its end."""
        self._return_step(index, choice, pick)

    def _return_step(self, index: int, choice: int, pick: int) -> None:
        engine, control = self.world.engine, self.world.control
        ids = sorted(r for r, ret in engine.returns.items() if ret.status in RETURN_OPEN) or sorted(engine.returns)
        ret = engine.returns[ids[index % len(ids)]]
        order = engine.orders[ret.order_id]
        vias = RETURN_VIAS[order.profile]
        args: dict[str, Any] = {"reason": RETURN_REJECT}
        status = ret.status
        if status == ReturnStatus.AWAITING_BUYER_SHIP or (status == ReturnStatus.PENDING and choice == 9):
            kind = "cancel" if choice >= 8 else "ship"
            self._act(lambda: control.buyer_return_step(ret.id, kind))
        elif status == ReturnStatus.BUYER_SHIPPED_ITEM and ret.received_time is None and choice < 7:
            self._act(lambda: control.return_delivered(ret.id))
        elif status == ReturnStatus.AWAITING_BUYER_RESPONSE:
            self._act(lambda: control.buyer_return_step(ret.id, "offer", accept=choice < 5))
        elif choice == 7 and status == ReturnStatus.PENDING:
            args.update(decision="OFFER_PARTIAL_REFUND", partial_refund=str(min(ret.refund_total / 2, 1)))
            self._act(lambda: channels.approve_return(self.ctx, order, args, "engine"))
        elif choice == 8 and status == ReturnStatus.PENDING and ret.return_type.value == "RETURN_AND_REFUND":
            args.update(decision="APPROVE_RETURN", buyer_keep_item=True)
            self._act(lambda: channels.approve_return(self.ctx, order, args, vias[0]))
        else:
            act = channels.reject_return if choice == 6 else channels.approve_return
            self._act(lambda: act(self.ctx, order, args, vias[pick % len(vias)]))

    # -- the oracle --------------------------------------------------------------------------------
    @invariant()
    def one_truth(self) -> None:
        CHECKED[0] += 1
        with self.world.lock:
            violations = check(self.world)
            rendered = self.world.systems["tiktok"].rendered
            for order in self.world.engine.orders.values():  # reused by every read until the engine changes:
                rendered.order(order)  # the next action, on any path, must leave none of them stale
                rendered.order(order, detail=False)
        assert not violations, "\n".join(str(v) for v in violations)

    @invariant()
    def every_order_in_one_state(self) -> None:
        assert all(isinstance(o.status, OrderStatus) for o in self.world.engine.orders.values())


OneTruth.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=STEPS,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_one_order_one_truth = OneTruth.TestCase


@pytest.mark.skipif(not SOAK, reason="soak mode: set TTS_SIM_SOAK=<steps>, e.g. 10000")
def test_soak_one_order_one_truth() -> None:
    """Random (not derandomized) runs until TTS_SIM_SOAK invariant checks have passed."""
    CHECKED[0] = 0
    rounds = 0
    while CHECKED[0] < SOAK:
        rounds += 1
        run_state_machine_as_test(OneTruth, settings=settings(
            OneTruth.TestCase.settings, derandomize=False, max_examples=25, database=None))
    sys.stderr.write(f"\nsoak: {CHECKED[0]} steps checked in {rounds} rounds, no violation\n")
