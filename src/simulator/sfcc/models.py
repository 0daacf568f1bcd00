"""SFCC state: instance config (sites, API clients, BM users), tokens, orders and safeguard records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from simulator.sharing import amounts

# Script API / OCAPI enums (sfcc-ocapi.md section 7e).
ORDER_STATUSES = ("created", "new", "open", "completed", "cancelled", "replaced", "failed")
EXPORT_STATUSES = ("not_exported", "exported", "ready", "failed")
CONFIRMATION_STATUSES = ("not_confirmed", "confirmed")
PAYMENT_STATUSES = ("not_paid", "part_paid", "paid")
SHIPPING_STATUSES = ("not_shipped", "part_shipped", "shipped")

# Cartridge enum-of-int values (section 8).
CHANNEL_STATUS_NEW = 3
CHANNEL_STATUS_COMPLETED = 5
CHANNEL_STATUS_CANCELLED = 6
CHANNEL_STATUS_CANCELLED_PARTIAL = 7
EXPORT_NOTEXPORTED, EXPORT_EXPORTED, EXPORT_READY = 0, 1, 2
LINE_NOTSHIPPED, LINE_PARTSHIPPED, LINE_SHIPPED, LINE_CANCELLED, LINE_CANCELLED_PARTIAL = 0, 1, 2, 6, 7
TIKTOK_CHANNEL_ID = 14


@dataclass(slots=True)
class Site:
    """A storefront site with the TikTok cartridge's preferences and safeguards (SFCC-3)."""

    id: str
    name: str
    currency: str
    tiktok_shop_id: str | None
    preferences: dict[str, Any]
    shipping_methods: dict[str, str]
    payment_methods: dict[str, dict[str, str]]
    storefront_protection: dict[str, Any]
    payment_capture: bool
    order_confirmation_emails: bool
    cancel_sets_order_status: bool = False


@dataclass(slots=True)
class ApiClient:
    """An Account Manager API client."""

    client_id: str
    client_secret: str
    name: str = ""


@dataclass(slots=True)
class BmUser:
    """A Business Manager user with an OCAPI access key and a WebDAV access key."""

    login: str
    access_key: str
    webdav_access_key: str
    disabled: bool = False
    locked: bool = False


@dataclass(slots=True)
class Token:
    """An issued bearer token (client credentials, or a BM user grant when ``user`` is set)."""

    value: str
    client_id: str
    grant: str
    expires_at: datetime
    user: str | None = None


@dataclass(slots=True)
class Address:
    """An ``order_address``."""

    first_name: str
    last_name: str
    address1: str = ""
    address2: str = ""
    city: str = ""
    postal_code: str = ""
    state_code: str = ""
    country_code: str = ""
    phone: str = ""

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(slots=True)
class ProductItem:
    """A product line item (``product_item``); ``base_price`` is the unit price, ``price`` the line total."""

    item_id: str
    product_id: str
    product_name: str
    quantity: int
    base_price: Decimal
    tax: Decimal
    tax_rate: Decimal
    position: int
    shipment_id: str = "me"
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def price(self) -> Decimal:
        """Line total before tax."""
        return self.base_price * self.quantity


@dataclass(slots=True)
class Shipment:
    """A shipment (default id ``me``)."""

    shipment_id: str
    shipment_no: str
    shipping_method_id: str
    shipping_method_name: str
    shipping_address: Address
    shipping_total: Decimal
    shipping_tax: Decimal
    shipping_status: str = "not_shipped"
    tracking_number: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class PaymentInstrument:
    """A payment instrument (TikTok orders: ``SOCIAL_PAY``, transaction type CAPTURE)."""

    payment_instrument_id: str
    payment_method_id: str
    amount: Decimal
    processor_id: str
    transaction_id: str

    def __post_init__(self) -> None:
        self.amount = amounts(self.amount)  # equal totals of many orders: one Decimal


@dataclass(slots=True)
class SfccOrder:
    """One placed SFCC order; ``custom`` holds the ``c_*`` attributes by attribute id."""

    order_no: str
    site_id: str
    order_token: str
    currency: str
    status: str
    customer_name: str
    customer_email: str
    customer_no: str | None
    billing_address: Address
    product_items: list[ProductItem]
    shipments: list[Shipment]
    payment_instruments: list[PaymentInstrument]
    creation_date: datetime
    last_modified: datetime
    channel_type: str = "tiktok"
    created_by: str = "Customer"
    confirmation_status: str = "not_confirmed"
    export_status: str = "not_exported"
    payment_status: str = "not_paid"
    shipping_status: str = "not_shipped"
    external_order_status: str | None = None
    revision: int = 1
    custom: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for shipment in self.shipments:  # TikTok sends one address for both: keep one (addresses are never edited)
            if shipment.shipping_address is not self.billing_address and shipment.shipping_address == self.billing_address:
                shipment.shipping_address = self.billing_address

    @property
    def product_total(self) -> Decimal:
        """Sum of product line totals."""
        return sum((pi.price for pi in self.product_items), Decimal("0"))

    @property
    def product_tax(self) -> Decimal:
        """Sum of product line taxes."""
        return sum((pi.tax for pi in self.product_items), Decimal("0"))

    @property
    def shipping_total(self) -> Decimal:
        """Sum of shipment shipping totals."""
        return sum((s.shipping_total for s in self.shipments), Decimal("0"))

    @property
    def shipping_tax(self) -> Decimal:
        """Sum of shipment shipping taxes."""
        return sum((s.shipping_tax for s in self.shipments), Decimal("0"))

    @property
    def tax_total(self) -> Decimal:
        """All taxes."""
        return self.product_tax + self.shipping_tax

    @property
    def order_total(self) -> Decimal:
        """What the buyer pays (net taxation: totals plus tax)."""
        return self.product_total + self.shipping_total + self.tax_total

    @property
    def external_order_id(self) -> str | None:
        """The TikTok order id (``c_externalOrderId``)."""
        value = self.custom.get("externalOrderId")
        return str(value) if value is not None else None


class SafeguardRecord:
    """SFCC-3: a payment capture or order-confirmation email the instance did or would have performed.

    ``let_out`` is true when the instance actually performed it although it is not production
    (a safeguarded staging/development instance would have suppressed it). Immutable; ``detail``
    is kept as its keys and values in one tuple (two records per order) and read as a fresh dict.
    """

    __slots__ = ("at", "kind", "site_id", "order_no", "_detail", "performed", "let_out")
    at: datetime
    kind: str
    site_id: str
    order_no: str
    _detail: tuple[Any, ...]
    performed: bool
    let_out: bool

    def __init__(self, at: datetime, kind: str, site_id: str, order_no: str, detail: Mapping[str, Any],
                 performed: bool, let_out: bool) -> None:
        flat = tuple(item for pair in detail.items() for item in pair)
        for name, value in (("at", at), ("kind", kind), ("site_id", site_id), ("order_no", order_no),
                            ("_detail", flat), ("performed", performed), ("let_out", let_out)):
            object.__setattr__(self, name, value)

    @property
    def detail(self) -> dict[str, Any]:
        """What was (or would have been) done: amount and payment method, or the email's address."""
        flat = self._detail
        return dict(zip(flat[::2], flat[1::2], strict=True))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"SafeguardRecord is immutable (cannot set {name})")

    def _fields(self) -> tuple[Any, ...]:
        return self.at, self.kind, self.site_id, self.order_no, self._detail, self.performed, self.let_out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SafeguardRecord):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (f"SafeguardRecord(at={self.at!r}, kind={self.kind!r}, site_id={self.site_id!r}, "
                f"order_no={self.order_no!r}, detail={self.detail!r}, performed={self.performed!r}, "
                f"let_out={self.let_out!r})")
