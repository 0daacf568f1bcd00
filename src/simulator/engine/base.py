"""Engine plumbing and shared internals: state, lookups, event dispatch, status changes, cancellation records."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from simulator.calendar import BusinessCalendar
from simulator.clock import Clock
from simulator.engine import transitions as T
from simulator.engine.errors import InvalidRequest, NotFound, TransitionNotAllowed
from simulator.engine.events import (
    BuyerNotified,
    CancellationChanged,
    EngineEvent,
    OrderStatusChanged,
    PackagesChanged,
    PackageStatusChanged,
    StockChanged,
)
from simulator.engine.index import EngineIndex
from simulator.engine.inventory import Inventory
from simulator.engine.models import Cancellation, LineItem, Notification, Order, Package, Return
from simulator.engine.states import CancelStatus, CancelType, Notice, OrderStatus, PackageStatus, Role
from simulator.ids import IdFactory
from simulator.rules import Profile, RuleBook
from simulator.sharing import Shared, time_key


@dataclass(frozen=True)
class Defer:
    """An approval guard that cannot decide yet (its system is unreachable): the request stays pending.

    The guard's owner retries the approval on the world clock; the seller's acceptance is kept on
    the cancellation (``deferred_approval``), never turned into a rejection.
    """

    reason: str


class Call:
    """``fn(arg)`` as a timer callback: a fraction of a lambda's closure, which every open order's timers held."""

    __slots__ = ("fn", "arg")

    def __init__(self, fn: Callable[[Any], object], arg: Any) -> None:
        self.fn, self.arg = fn, arg

    def __call__(self) -> object:
        return self.fn(self.arg)

    def __repr__(self) -> str:
        return f"Call({getattr(self.fn, '__name__', self.fn)!r}, {self.arg!r})"


_Item = TypeVar("_Item")
Subscriber = Callable[[EngineEvent], object]
# None: go ahead; a reason slug: veto (the request is closed as rejected); Defer: ask again later.
ApprovalGuard = Callable[[Order, Cancellation], "str | Defer | None"]
# Called before a seller or platform cancellation so a downstream system can bring the engine up to
# date first (e.g. SFCC shows a shipment the order feed has not delivered yet, CAN-P1).
CancelHook = Callable[[Order, str], object]
_LINE_FOLLOWS_ORDER = frozenset({OrderStatus.ON_HOLD, OrderStatus.AWAITING_SHIPMENT})


class EngineBase:
    """State, event dispatch and the internals both operation groups share.

    Every public operation validates first and mutates after, so a refused operation changes
    nothing. Events produced by an operation are delivered to subscribers after it completes
    (run-to-completion); subscribers may call back into the engine.
    """

    def __init__(
        self,
        clock: Clock,
        rules: RuleBook,
        calendars: Mapping[str, BusinessCalendar],
        ids: IdFactory,
        inventory: Inventory | None = None,
    ) -> None:
        self.clock = clock
        self.rules = rules
        self.calendars = dict(calendars)
        self.ids = ids
        self.inventory = inventory or Inventory()
        self.orders: dict[str, Order] = {}
        self.packages: dict[str, Package] = {}
        self.cancellations: dict[str, Cancellation] = {}
        self.returns: dict[str, Return] = {}
        self.notifications: list[Notification] = []
        self.approval_guards: list[ApprovalGuard] = []
        self.cancel_hooks: list[CancelHook] = []
        self._subscribers: list[Subscriber] = []
        self._queue: deque[EngineEvent] = deque()
        self._dispatching = False
        # Bound once: the engine emits a dozen events per order lifecycle (see benchmarks/engine.py).
        self._emit: Callable[[EngineEvent], None] = self._queue.append
        self._delivered = 0  # events delivered, plus changes made without one (see revision)
        self.index = EngineIndex(self)  # the list endpoints' indexes, kept from the events below
        self._subscribers.append(self.index.on_event)
        self._share_time: Shared[datetime] = Shared(time_key)  # equal deadlines of many orders: one object
        # Timer callbacks, bound once and shared by every order's timers (each timer holds a Call).
        self._on_hold_end: Callable[[str], None] = self._release_hold
        self._on_dispatch_deadline: Callable[[str], None] = self._dispatch_deadline
        self._on_auto_cancel: Callable[[str], None] = self._auto_cancel
        self._on_completion_due: Callable[[str], None] = self._completion_due
        self._on_request_window_end: Callable[[str], None] = self._auto_approve

    @property
    def revision(self) -> int:
        """A number that moves whenever any order, package, cancellation or return changes.

        Every change emits an event (counted as soon as it is queued, before it is delivered) or goes
        through :meth:`_touch`; what is derived from the records (the API views' rendered answers)
        may be reused for as long as the revision stays the same.
        """
        return self._delivered + len(self._queue)

    def _touch(self, order_id: str) -> None:
        """An order changed without an event (a shipping info correction, a return arriving)."""
        self._delivered += 1
        self.index.touch(order_id)

    def subscribe(self, subscriber: Subscriber) -> None:
        """Receive every engine event after the operation that produced it."""
        self._subscribers.append(subscriber)

    def _flush(self) -> None:
        if self._dispatching:
            return
        self._dispatching = True
        queue, subscribers = self._queue, self._subscribers
        try:
            while queue:
                event = queue.popleft()
                self._delivered += 1
                for subscriber in subscribers:
                    subscriber(event)
        finally:
            self._dispatching = False

    def profile(self, order: Order) -> Profile:
        """The rule profile governing ``order``."""
        return self.rules[order.profile]

    def calendar(self, region: str) -> BusinessCalendar:
        """The business calendar of a market (falls back to ``default``)."""
        return self.calendars.get(region) or self.calendars["default"]

    def order(self, order_id: str) -> Order:
        """The order, or :class:`NotFound`."""
        try:
            return self.orders[order_id]
        except KeyError:
            raise NotFound("order", order_id) from None

    def package(self, package_id: str) -> Package:
        """The package, or :class:`NotFound`."""
        try:
            return self.packages[package_id]
        except KeyError:
            raise NotFound("package", package_id) from None

    def cancellation(self, cancel_id: str) -> Cancellation:
        """The cancellation, or :class:`NotFound`."""
        try:
            return self.cancellations[cancel_id]
        except KeyError:
            raise NotFound("cancellation", cancel_id) from None

    def return_(self, return_id: str) -> Return:
        """The return, or :class:`NotFound`."""
        try:
            return self.returns[return_id]
        except KeyError:
            raise NotFound("return", return_id) from None

    def notifications_for(self, order_id: str) -> list[Notification]:
        """NOTE-1 record for one order, oldest first."""
        return [n for n in self.notifications if n.order_id == order_id]

    def _before_cancel(self, order: Order, event: str) -> None:
        for hook in self.cancel_hooks:
            hook(order, event)

    def _refuse_if_pending(self, order: Order, event: str) -> None:
        if order.pending_cancel_id:
            raise TransitionNotAllowed(
                machine="order",
                event=event,
                state=order.status,
                reason="cancel_pending",
                rule="CAN-X1",
                entity_id=order.id,
            )

    def _check_reason(
        self, profile: Profile, who: str, order: Order, reason: str | None, *, required: bool = False
    ) -> str:
        allowed = profile.cancel_reasons(who, order.status)
        if not reason:
            if required:
                raise InvalidRequest("cancel_reason is required", reason="reason_required", rule="CAN-S2")
            return allowed[0]
        if base_reason(reason) not in allowed:
            raise InvalidRequest(
                f"cancel reason {reason!r} does not match order status {order.status}",
                reason="reason_mismatch",
                rule="CAN-S2",
            )
        return reason

    def _new_cancellation(
        self, order: Order, cancel_type: CancelType, role: Role, reason: str, status: CancelStatus,
        lines: list[LineItem] | None = None,
    ) -> Cancellation:
        """A cancellation of ``lines`` (CAN-L1), or of every line not cancelled yet (``None``: the order).

        The refund is what the units cost; the shipping fee goes back only with the order's last units.
        """
        now = self.clock.now()
        paid = order.paid_time is not None
        whole = lines is None
        lines = active_lines(order) if lines is None else lines
        worth = sum((li.sale_price for li in lines), Decimal("0")) + (order.shipping_fee if whole else Decimal("0"))
        cancellation = Cancellation(
            id=self.ids.next("cancel"),
            order_id=order.id,
            cancel_type=cancel_type,
            role=role,
            status=status,
            reason=reason,
            create_time=now,
            update_time=now,
            line_item_ids=[li.id for li in lines],
            refund_total=worth if paid else Decimal("0"),
            partial=not whole,
        )
        self.cancellations[cancellation.id] = cancellation
        order.cancellation_ids += (cancellation.id,)
        self._emit(
            CancellationChanged(
                now, order.id, cancel_id=cancellation.id, old=None, new=status, role=role, cancel_type=cancel_type
            )
        )
        return cancellation

    def _move_cancellation(self, cancellation: Cancellation, event: str) -> None:
        target, _ = T.CANCELLATION.resolve(event, cancellation.status, cancellation.id)
        old = cancellation.status
        cancellation.status = target  # type: ignore[assignment]
        cancellation.update_time = self.clock.now()
        self._emit(
            CancellationChanged(
                cancellation.update_time,
                cancellation.order_id,
                cancel_id=cancellation.id,
                old=old,
                new=target,
                role=cancellation.role,
                cancel_type=cancellation.cancel_type,
            )
        )

    def _close_request(
        self, cancellation: Cancellation, event: str, role: Role, *, reason: str | None, notice: Notice | None
    ) -> None:
        order = self.orders[cancellation.order_id]
        self._move_cancellation(cancellation, event)
        cancellation.resolved_by = role
        if event != "approve":
            cancellation.reject_reason = reason
        if order.pending_cancel_id == cancellation.id:
            order.pending_cancel_id = None
            self.clock.cancel(order.timers.pop("cancel_request", None))
        order.update_time = self.clock.now()
        if notice is not None:
            self._notify(order, notice, cancel_id=cancellation.id, reason=reason)

    def _cancel_order(
        self, order: Order, event: str, initiator: Role, reason: str, notice: Notice, cancellation: Cancellation
    ) -> None:
        self._leave_combined(order, initiator)  # PKG-2: the other orders keep the combined package
        now = self.clock.now()
        lines = active_lines(order)
        unshipped = [li for li in lines if self.packages[li.package_id].status == PackageStatus.TO_FULFILL]
        if order.paid_time is not None:
            for sku_id, qty in self._units(unshipped).items():
                self.inventory.release(sku_id, qty)
                self._emit(StockChanged(now, order.id, sku_id=sku_id, action="release", quantity=qty))
        for package_id in order.package_ids:
            package = self.packages[package_id]
            if T.PACKAGE.allows("cancel", package.status):
                self._set_package(package, PackageStatus.CANCELLED)
        for li in lines:  # units cancelled before keep their own reason (CAN-L1)
            li.status = OrderStatus.CANCELLED
            li.cancel_reason = reason
            li.cancel_user = initiator
        for timer in order.timers.drain():
            self.clock.cancel(timer)
        order.cancel_time = now
        order.cancel_reason = reason
        order.cancellation_initiator = initiator
        self._set_status(order, OrderStatus.CANCELLED, event)
        if order.paid_time is not None:
            self._notify(
                order,
                notice,
                cancel_id=cancellation.id,
                reason=reason,
                refund_amount=str(cancellation.refund_total),
                currency=order.currency,
            )
            if cancellation.status == CancelStatus.SUCCESS:
                self._move_cancellation(cancellation, "refund")
        elif cancellation.status == CancelStatus.SUCCESS:
            self._move_cancellation(cancellation, "refund")  # nothing to refund: closes at once

    def _cancel_lines(
        self, order: Order, lines: list[LineItem], initiator: Role, reason: str, cancellation: Cancellation
    ) -> None:
        """CAN-L1: cancel some unshipped units; the order continues with the rest.

        Their stock goes back on sale, they leave their packages (a package left empty is cancelled, PKG-1),
        the buyer is refunded what they cost; the order's status does not change.
        """
        self._leave_combined(order, initiator)  # PKG-2: the other orders keep the combined package
        now = self.clock.now()
        if order.paid_time is not None:
            for sku_id, qty in self._units(lines).items():
                self.inventory.release(sku_id, qty)
                self._emit(StockChanged(now, order.id, sku_id=sku_id, action="release", quantity=qty))
        gone = {li.id for li in lines}
        touched: list[str] = []
        for li in lines:
            li.status = OrderStatus.CANCELLED
            li.cancel_reason = reason
            li.cancel_user = initiator
        for package_id in dict.fromkeys(li.package_id for li in lines):
            package = self.packages[package_id]
            package.line_item_ids = [i for i in package.line_item_ids if i not in gone]
            package.update_time = now
            touched.append(package_id)
            if not package.line_item_ids:
                self._set_package(package, PackageStatus.CANCELLED)
        order.update_time = now
        self._emit(PackagesChanged(now, order.id, sc_type="PARTLY_CANCEL_SPLIT", role=initiator.value,
                                   package_ids=tuple(touched)))
        if order.paid_time is not None:
            self._notify(order, Notice.ORDER_REFUND, cancel_id=cancellation.id, reason=reason,
                         line_item_ids=sorted(gone), refund_amount=str(cancellation.refund_total),
                         currency=order.currency)
        self._move_cancellation(cancellation, "refund")

    def _set_status(self, order: Order, new: OrderStatus, event: str) -> None:
        old = order.status
        now = self.clock.now()
        order.update_time = now
        if old == new:
            return
        order.status = new
        if new in _LINE_FOLLOWS_ORDER:
            for li in active_lines(order):
                li.status = new
        self._emit(OrderStatusChanged(now, order.id, old=old, new=new, event=event))

    def _leave_combined(self, order: Order, role: Role) -> list[Package]:
        """PKG-2: the order's units leave every unshipped combined package into a package of the order's own.

        Returns the new packages (none when the order is in no combined package).
        """
        made: list[Package] = []
        for index, package_id in enumerate(order.package_ids):
            package = self.packages[package_id]
            if len(package.order_ids) < 2 or package.status != PackageStatus.TO_FULFILL:
                continue
            now = self.clock.now()
            ids = [li.id for li in order.line_items if li.package_id == package.id]
            own = Package(id=self.ids.next("package"), order_id=order.id, line_item_ids=ids,
                          status=PackageStatus.TO_FULFILL, create_time=now, update_time=now, moved_from=package.id)
            self.packages[own.id] = own
            for li in order.line_items:
                if li.package_id == package.id:
                    li.package_id = own.id
            package.line_item_ids = [i for i in package.line_item_ids if i not in set(ids)]
            package.order_ids = [o for o in package.order_ids if o != order.id]
            package.order_id = package.order_ids[0]
            package.update_time = order.update_time = now
            order.package_ids[index] = own.id
            made.append(own)
            for changed in (order, *(self.orders[o] for o in package.order_ids)):
                self._emit(PackagesChanged(now, changed.id, sc_type="UNCOMBINE", role=role.value,
                                           package_ids=(package.id, own.id)))
        return made

    def _set_package(self, package: Package, new: PackageStatus) -> None:
        old = package.status
        package.status = new
        package.update_time = self.clock.now()
        self._emit(PackageStatusChanged(package.update_time, package.order_id, package_id=package.id, old=old, new=new))

    def _notify(self, order: Order, kind: Notice, **details: Any) -> None:
        now = self.clock.now()
        note = Notification(order.id, kind.value, now, {k: v for k, v in details.items() if v is not None})
        self.notifications.append(note)
        self._emit(BuyerNotified(now, order.id, kind=kind.value, details=note.details))

    @staticmethod
    def _units(items: Iterable[LineItem]) -> dict[str, int]:
        units: dict[str, int] = {}
        for li in items:
            units[li.sku_id] = units.get(li.sku_id, 0) + 1
        return units

    # -- timer callbacks implemented by the operation groups ---------------------------------------
    def _auto_cancel(self, order_id: str) -> None:
        raise NotImplementedError  # CancellationOps

    def _dispatch_deadline(self, order_id: str) -> None:
        raise NotImplementedError  # LifecycleOps

    def _release_hold(self, order_id: str) -> None:
        raise NotImplementedError  # LifecycleOps

    def _completion_due(self, order_id: str) -> None:
        raise NotImplementedError  # LifecycleOps

    def _auto_approve(self, cancel_id: str) -> None:
        raise NotImplementedError  # CancellationOps


def exact(items: Iterable[_Item]) -> list[_Item]:
    """A list with no room to grow: one built by appends keeps spare slots, and an order's lists live as long as it."""
    return list(items)[:]  # a slice is allocated at its exact length


def active_lines(order: Order) -> list[LineItem]:
    """The order's units not cancelled (CAN-L1: a partly cancelled order continues with these)."""
    return [li for li in order.line_items if li.status != OrderStatus.CANCELLED]


def base_reason(reason: str) -> str:
    """A reason key without the UK market's ``_uk`` suffix (API doc cancel-reasons)."""
    return reason[:-3] if reason.endswith("_uk") else reason
