"""Engine state: orders (one unit per line item, as TikTok models them), packages, cancellations and returns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar, overload

from simulator.clock import Timer
from simulator.engine.states import (
    CancelStatus,
    CancelType,
    OrderStatus,
    PackageStatus,
    ReturnStatus,
    ReturnType,
    Role,
    ShipmentType,
)

_ZERO = Decimal("0")  # the start of every sum of amounts (Decimal is immutable: one object serves)


@dataclass(slots=True)
class LineItem:
    """One unit of one SKU (TikTok has no quantity field: 2 units = 2 line items)."""

    id: str
    sku_id: str
    product_id: str
    product_name: str
    sku_name: str
    seller_sku: str
    sale_price: Decimal
    original_price: Decimal
    package_id: str
    status: OrderStatus
    cancel_reason: str | None = None
    cancel_user: str | None = None


@dataclass(slots=True)
class Package:
    """A shippable group of line items."""

    id: str
    order_id: str
    line_item_ids: list[str]
    status: PackageStatus
    create_time: datetime
    update_time: datetime
    tracking_number: str | None = None
    shipping_provider_id: str | None = None
    shipping_provider_name: str | None = None
    handover_method: str | None = None
    rts_time: datetime | None = None
    collection_time: datetime | None = None
    delivery_time: datetime | None = None
    shipping_info_updates: int = 0
    moved_from: str | None = None  # PKG-2: the combined package this order's units left (a fulfillment follows)
    combined: list[str] | None = None  # PKG-2: the orders of a combined package; None: just ``order_id``

    @property
    def order_ids(self) -> list[str]:
        """PKG-2: the orders whose units the package holds (``order_id`` is the first of them); a fresh list."""
        return [self.order_id] if self.combined is None else list(self.combined)

    @order_ids.setter
    def order_ids(self, value: list[str]) -> None:
        self.combined = None if len(value) == 1 and value[0] == self.order_id else list(value)


@dataclass(slots=True)
class Cancellation:
    """A cancellation record (its own machine: PENDING / SUCCESS / CANCEL / COMPLETE)."""

    id: str
    order_id: str
    cancel_type: CancelType
    role: Role
    status: CancelStatus
    reason: str
    create_time: datetime
    update_time: datetime
    line_item_ids: list[str]
    refund_total: Decimal
    respond_deadline: datetime | None = None
    reject_reason: str | None = None
    reject_comment: str | None = None
    resolved_by: Role | None = None
    deferred_approval: Role | None = None  # an acceptance an approval guard could not check yet
    idempotency_keys: set[str] = field(default_factory=set)
    partial: bool = False  # CAN-L1: some units only; the order went on with the rest


@dataclass(slots=True)
class ReturnRecord:
    """One entry of a return's history (Get Return Records): who did what, when."""

    role: Role
    description: str
    create_time: datetime
    reason: str | None = None
    note: str | None = None


@dataclass(slots=True)
class Return:
    """A return or refund request on delivered line items (its own machine, RET-1..RET-5).

    ``refund_total`` is what the buyer asked for (the lines' sale prices, plus the shipping fee when
    the request covers every unit not yet refunded); ``refund_amount`` is what was refunded, set once
    the refund is done (a partial refund offer the buyer accepted may be less).
    """

    id: str
    order_id: str
    return_type: ReturnType
    role: Role
    status: ReturnStatus
    reason: str
    create_time: datetime
    update_time: datetime
    line_item_ids: list[str]
    refund_total: Decimal
    refund_shipping_fee: Decimal
    shipment_type: ShipmentType = ShipmentType.PLATFORM
    respond_deadline: datetime | None = None  # the seller's, for the current next action
    ship_deadline: datetime | None = None  # the buyer's, once approved
    offer_deadline: datetime | None = None  # the buyer's, for a partial refund offer
    return_tracking_number: str | None = None
    return_provider_name: str | None = None
    label_time: datetime | None = None
    shipped_time: datetime | None = None
    received_time: datetime | None = None  # the return package reached the seller
    decision: str | None = None
    buyer_keep_item: bool = False
    partial_refund: Decimal | None = None
    buyer_rejected_partial_refund: bool | None = None
    reject_reason: str | None = None
    reject_comment: str | None = None
    resolved_by: Role | None = None
    refund_amount: Decimal | None = None
    refund_time: datetime | None = None
    restocked: bool = False
    records: list[ReturnRecord] = field(default_factory=list)
    idempotency_keys: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Notification:
    """NOTE-1: a buyer notification with its virtual time."""

    order_id: str
    kind: str
    at: datetime
    details: dict[str, Any]


class Party(Protocol):
    """Who ordered and where it goes: the buyer and the recipient address, read as dicts.

    A system placing many orders may keep them packed and build the dicts on each read (the
    TikTok buyers are, ``tiktok_shop/buyers.py``); readers never mutate what they get.
    """

    def buyer(self) -> dict[str, Any]:
        """The buyer (TikTok: ``user_id``, ``nickname``, ``email``, ``name``)."""

    def address(self) -> dict[str, Any]:
        """The recipient address."""

    def user_id(self) -> Any:
        """``buyer()["user_id"]`` (None when absent) without building the buyer: the indexes file orders by it."""


class PlainParty:
    """A party given as two mappings (the control plane, tests), kept as copies."""

    __slots__ = ("_buyer", "_address")

    def __init__(self, buyer: dict[str, Any], address: dict[str, Any]) -> None:
        self._buyer, self._address = buyer, address

    def buyer(self) -> dict[str, Any]:
        """The buyer dict."""
        return self._buyer

    def address(self) -> dict[str, Any]:
        """The recipient address dict."""
        return self._address

    def user_id(self) -> Any:
        """The buyer's ``user_id``, if any."""
        return self._buyer.get("user_id")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PlainParty):
            return NotImplemented
        return (self._buyer, self._address) == (other._buyer, other._address)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PlainParty({self._buyer!r}, {self._address!r})"


class _NoParty:
    """No buyer and no address (engine-only worlds): one shared instance, a fresh empty dict per read."""

    __slots__ = ()

    def buyer(self) -> dict[str, Any]:
        """``{}``."""
        return {}

    def address(self) -> dict[str, Any]:
        """``{}``."""
        return {}

    def user_id(self) -> Any:
        """None."""
        return None

    def __repr__(self) -> str:
        return "NO_PARTY"


NO_PARTY = _NoParty()


def party_of(buyer: Any, address: Any) -> Party:
    """A party from two optional mappings (copied, as an order keeps its own)."""
    if not buyer and not address:
        return NO_PARTY
    return PlainParty(dict(buyer or {}), dict(address or {}))


TIMER_NAMES = ("hold", "dispatch", "auto_cancel", "cancel_request", "return", "complete")


class Timers:
    """An order's pending timers by name, as a small mapping with one slot per name (no per-order dict).

    Iterates in scheduling order (the timers' sequence numbers), which is the order they were set in.
    """

    __slots__ = TIMER_NAMES
    hold: Timer | None
    dispatch: Timer | None
    auto_cancel: Timer | None
    cancel_request: Timer | None
    complete: Timer | None

    def __init__(self) -> None:
        self.hold = self.dispatch = self.auto_cancel = self.cancel_request = self.complete = None
        setattr(self, "return", None)  # a keyword: not an assignable attribute name

    def __setitem__(self, name: str, timer: Timer) -> None:
        setattr(self, name, timer)

    def __getitem__(self, name: str) -> Timer:
        timer: Timer | None = getattr(self, name)
        if timer is None:
            raise KeyError(name)
        return timer

    def get(self, name: str, default: Timer | None = None) -> Timer | None:
        """The timer called ``name``, or ``default``."""
        timer: Timer | None = getattr(self, name)
        return default if timer is None else timer

    def pop(self, name: str, *default: Timer | None) -> Timer | None:
        """Remove and return the timer called ``name`` (``KeyError`` without a default, as ``dict.pop``)."""
        timer: Timer | None = getattr(self, name)
        if timer is None:
            if default:
                return default[0]
            raise KeyError(name)
        setattr(self, name, None)
        return timer

    def drain(self) -> list[Timer]:
        """Remove every timer and return them (any order)."""
        timers = [timer for name in TIMER_NAMES if (timer := getattr(self, name)) is not None]
        for name in TIMER_NAMES:
            setattr(self, name, None)
        return timers

    def items(self) -> list[tuple[str, Timer]]:
        """``(name, timer)`` pairs in the order they were set."""
        pairs = [(name, timer) for name in TIMER_NAMES if (timer := getattr(self, name)) is not None]
        if len(pairs) > 1:
            pairs.sort(key=lambda pair: pair[1].seq)
        return pairs

    def __iter__(self) -> Iterator[str]:
        return iter([name for name, _ in self.items()])

    def __contains__(self, name: object) -> bool:
        return name in TIMER_NAMES and getattr(self, name) is not None

    def __len__(self) -> int:
        return sum(1 for name in TIMER_NAMES if getattr(self, name) is not None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timers):
            return NotImplemented
        return self.items() == other.items()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Timers({dict(self.items())!r})"


_V = TypeVar("_V")
RARE_FIELDS = ("buyer_message", "cancel_time", "cancel_reason", "cancellation_initiator", "cancel_after_shipped",
               "request_cancel_time", "campaign", "presale_dispatch_days", "handling_days", "shipping_days",
               "estimated_delivery_time", "dispatch_missed", "pending_cancel_id", "cancellation_ids",
               "open_return_id", "return_ids")
RARE_DEFAULTS: dict[str, Any] = {}  # field name -> default, filled by each Rare field as the Order class is made


class RareFields:
    """The rarely set fields of one order (see :class:`Rare`); a slot left unset reads as the default."""

    __slots__ = RARE_FIELDS

    def values(self) -> tuple[Any, ...]:
        """Every rare field's value, defaults included."""
        return tuple(getattr(self, name, RARE_DEFAULTS[name]) for name in RARE_FIELDS)

    def __eq__(self, other: object) -> bool:
        if other is None:
            return self.values() == tuple(RARE_DEFAULTS[name] for name in RARE_FIELDS)
        if not isinstance(other, RareFields):
            return NotImplemented
        return self.values() == other.values()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RareFields({ {n: getattr(self, n) for n in RARE_FIELDS if hasattr(self, n)}!r})"


class Rare(Generic[_V]):
    """An :class:`Order` field read as an attribute but kept in the order's ``rare`` record.

    Reading gives the default until a value is set; setting the default on an order without a
    record makes none.
    """

    def __init__(self, default: _V) -> None:
        self.default = default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        assert name in RARE_FIELDS, name
        self.name = name
        RARE_DEFAULTS[name] = self.default

    @overload
    def __get__(self, order: None, owner: type) -> Rare[_V]: ...

    @overload
    def __get__(self, order: Order, owner: type) -> _V: ...

    def __get__(self, order: Order | None, owner: type) -> Rare[_V] | _V:
        if order is None:
            return self
        rare = order.rare
        if rare is None:
            return self.default
        value: _V = getattr(rare, self.name, self.default)
        return value

    def __set__(self, order: Order, value: _V) -> None:
        rare = order.rare
        if rare is None:
            if value is self.default or (type(value) is type(self.default) and value == self.default):
                return
            rare = order.rare = RareFields()
        setattr(rare, self.name, value)


@dataclass(slots=True)
class Order:
    """A TikTok Shop order as the reference engine knows it."""

    id: str
    shop_id: str
    profile: str
    region: str
    currency: str
    status: OrderStatus
    party: Party  # the buyer and the recipient address (``buyer`` / ``recipient_address``)
    line_items: list[LineItem]
    package_ids: list[str]
    create_time: datetime
    update_time: datetime
    delivery_option_id: str = ""
    delivery_option_name: str = ""
    warehouse_id: str = ""
    shipping_type: str = "SELLER"  # PKG-4: SELLER ships with its own tracking; TIKTOK: the platform's carrier
    shipping_fee: Decimal = Decimal("0")
    paid_time: datetime | None = None
    hold_until: datetime | None = None
    released_time: datetime | None = None
    rts_sla_time: datetime | None = None
    cancel_order_sla_time: datetime | None = None
    rts_time: datetime | None = None
    collection_time: datetime | None = None
    delivery_time: datetime | None = None
    completed_time: datetime | None = None
    complete_due: datetime | None = None  # LIFE-1: when the return window ends (completion waits for open returns)
    timers: Timers = field(default_factory=Timers, repr=False)
    rare: RareFields | None = None  # the fields below, once one of them is set

    # Fields most orders never set (a message, cancellation, EDT, presale, returns): kept in ``rare``,
    # made on the first write of a value other than the default, so an order without them saves a slot each.
    buyer_message = Rare[str]("")
    cancel_time = Rare[datetime | None](None)
    cancel_reason = Rare[str | None](None)
    cancellation_initiator = Rare[str | None](None)
    cancel_after_shipped = Rare[bool](False)
    request_cancel_time = Rare[datetime | None](None)
    campaign = Rare[str | None](None)
    presale_dispatch_days = Rare[int | None](None)
    handling_days = Rare[int | None](None)
    shipping_days = Rare[int | None](None)
    estimated_delivery_time = Rare[datetime | None](None)
    dispatch_missed = Rare[bool](False)
    pending_cancel_id = Rare[str | None](None)
    cancellation_ids = Rare[tuple[str, ...]](())  # a tuple: most orders have none
    open_return_id = Rare[str | None](None)
    return_ids = Rare[tuple[str, ...]](())

    @property
    def buyer(self) -> dict[str, Any]:
        """The buyer (``user_id``, ``nickname``, ``email``, ``name``), built from ``party`` on each read."""
        return self.party.buyer()

    @property
    def recipient_address(self) -> dict[str, Any]:
        """The recipient address, built from ``party`` on each read."""
        return self.party.address()

    @property
    def buyer_user_id(self) -> Any:
        """``buyer.get("user_id")``, read without building the buyer."""
        return self.party.user_id()

    @property
    def sub_total(self) -> Decimal:
        """Sum of sale prices of all line items."""
        return sum([li.sale_price for li in self.line_items], _ZERO)

    @property
    def total_amount(self) -> Decimal:
        """What the buyer paid (sub total + shipping; taxes are not simulated)."""
        return self.sub_total + self.shipping_fee

    @property
    def is_on_hold_order(self) -> bool:
        """TikTok's flag: the order has (or will have) an ON_HOLD period."""
        return self.hold_until is not None or self.status in (OrderStatus.UNPAID, OrderStatus.ON_HOLD)
