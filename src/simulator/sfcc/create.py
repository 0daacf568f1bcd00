"""``CreateExternalOrder`` (controller ``OrderCreate-Social``): body validation and order placement."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from simulator.sfcc.models import (
    CHANNEL_STATUS_NEW,
    EXPORT_READY,
    LINE_NOTSHIPPED,
    Address,
    PaymentInstrument,
    ProductItem,
    SfccOrder,
    Shipment,
    Site,
)

Catalog = Callable[[str], str | None]


class CreateRefused(Exception):
    """The controller's plain-JSON error answer (HTTP 400), not an OCAPI fault."""

    def __init__(self, body: dict[str, Any], status: int = 400) -> None:
        super().__init__(body.get("msg", ""))
        self.body, self.status = body, status


class ExternalOrder(NamedTuple):
    """A CreateExternalOrder body as typed values, from a sender that builds it well formed (TikTok's in-process
    connector): :func:`place` builds from it the order :func:`build_order` builds from that body, without
    building and re-reading the JSON (tests/sfcc/test_create_trusted.py proves them equal).

    Product lines carry no tax (``tax`` and ``tax_rate`` ``"0"``), nor does the shipping total; the one
    address is the billing and the shipping address.
    """

    external_id: str
    currency: str
    payment_method: str
    customer_name: str
    customer_email: str
    address: tuple[str, ...]  # the ADDRESS_KEYS values
    lines: tuple[tuple[str, int, str], ...]  # (product_id, quantity, net_price)
    shipping_method: str
    shipping_net: str
    buyer_note: str


def _fail(msg: str) -> CreateRefused:
    return CreateRefused({"error": True, "msg": msg})


ZERO = Decimal(0)  # one shared instance for absent amounts
MAX_AMOUNT = Decimal("1e12")  # beyond any order, and far inside what a float (the OCAPI rendering) holds
MAX_QUANTITY = 1_000_000


_AMOUNTS: dict[str, Decimal] = {}  # amount strings already read: a shop's few prices, "0" (Decimals are immutable)


def _money(value: Any, what: str) -> Decimal:
    """A price: a JSON number or a numeric string (TikTok sends strings), finite and bounded."""
    if value is None:
        return ZERO
    if value.__class__ is str:
        known = _AMOUNTS.get(value)
        if known is not None:
            return known
        amount = _parse_money(value, what)
        if len(_AMOUNTS) < 4096:
            _AMOUNTS[value] = amount
        return amount
    return _parse_money(value, what)


def _parse_money(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _fail(f"Exception: {what} is not a number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _fail(f"Exception: {what} is not a number") from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise _fail(f"Exception: {what} is not a number")
    return amount


def _obj(value: Any, what: str = "") -> dict[str, Any]:
    """An optional object (absent: ``{}``); any other type is refused, never read as empty."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(f"Exception: {what or 'a property'} must be an object")
    return value


def _text(raw: dict[str, Any], key: str) -> str:
    """An optional string property (absent: ``""``); numbers and objects are refused, not stringified."""
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _fail(f"Exception: {key} must be a string")
    return value


ADDRESS_KEYS = ("first_name", "last_name", "address1", "address2", "city", "postal_code", "state_code", "country_code",
                "phone")


def _address(raw: Any) -> Address:
    raw = _obj(raw, "address")
    values = [raw.get(key) for key in ADDRESS_KEYS]
    for key, value in zip(ADDRESS_KEYS, values, strict=True):  # the first property that is not a string is named
        if value is not None and not isinstance(value, str):
            raise _fail(f"Exception: {key} must be a string")
    return _address_of([value or "" for value in values])


def _address_of(values: Sequence[str]) -> Address:
    """The address of the :data:`ADDRESS_KEYS` values (strings, absent ones ``""``)."""
    first, last, *rest = values
    first, last = first.strip(), last.strip()
    if first and not last and " " in first:  # "First Last" in first_name is split (OrderCreateHelper)
        first, last = first.split(" ", 1)
    return Address(first or "TikTok", last or "Shop", *rest)


def _site_currency(site: Site, given: str) -> str:
    """The order's currency (the site's when none is given), refused unless the site sells in it and the
    cartridge's inventory list is set."""
    currency = given or site.currency
    if currency != site.currency:
        raise _fail(f"Exception: currency {currency} is not allowed for site {site.id}")
    if not site.preferences.get("tiktokInventoryListID"):
        raise _fail("Inventory list doesn't exist for this social channel")
    return currency


def _payment_method(site: Site, given: Callable[[], str]) -> str:
    """The site's TikTok payment method (else ``given()``, read only then), refused unless the site defines it."""
    method = str(site.preferences.get("tiktokPaymentMethod") or given())
    if not method:
        raise _fail("TikTok Payment Method ID is missing in Site preferences")
    if method not in site.payment_methods:
        raise _fail(f"Exception: payment method {method} is not defined")
    return method


def _shipping_method(site: Site, method_id: str) -> str:
    """``method_id``, refused unless the site offers it."""
    if method_id not in site.shipping_methods:
        raise _fail(f"Exception: shipping method '{method_id}' not found")
    return method_id


def build_order(
    body: Any, site: Site, order_no: str, now: datetime, catalog: Catalog
) -> SfccOrder:
    """Validate a CreateExternalOrder body and build the placed order (status ``new``); CreateRefused if not."""
    if not isinstance(body, dict):
        raise _fail("Unable to parse order json")
    external_id = body.get("c_externalOrderId")
    if not isinstance(external_id, str) or not external_id.strip():
        raise _fail("Exception: c_externalOrderId is missing")
    currency = _site_currency(site, _text(body, "currency"))
    payment = _obj(body.get("payment"), "payment")
    method = _payment_method(site, lambda: _text(payment, "payment_method"))
    customer = _obj(body.get("customer"), "customer")
    if customer.get("customer_no"):
        raise _fail(f"Exception: customer {customer['customer_no']} not found")
    lines = body.get("product_lineitems")
    if not isinstance(lines, list) or not lines:
        raise _fail("Exception: product_lineitems is missing")
    items = [_item(raw, index, catalog) for index, raw in enumerate(lines, start=1)]
    shipment_raw = _obj(body.get("shipment"), "shipment")
    method_id = _shipping_method(site, _text(shipment_raw, "shipping_method"))
    shipping = _obj(_obj(body.get("totals"), "totals").get("adjusted_shipping_total"), "adjusted_shipping_total")
    billing_raw = customer.get("billing_address")
    billing = _address(billing_raw)
    shipping_raw = shipment_raw.get("shipping_address")
    # TikTok sends one address object for both (read once; the order keeps one Address for equal ones anyway).
    shipping_address = billing if shipping_raw is billing_raw and billing_raw is not None else _address(shipping_raw)
    shipment = Shipment(
        shipment_id="me", shipment_no=order_no, shipping_method_id=method_id,
        shipping_method_name=site.shipping_methods[method_id], shipping_address=shipping_address,
        shipping_total=_money(shipping.get("net_price"), "shipping net_price"),
        shipping_tax=_money(shipping.get("tax"), "shipping tax"),
    )
    notes = {key: body[f"c_{key}"] for key in ("orderTag", "orderNote", "buyerNote")
             if isinstance(body.get(f"c_{key}"), str) and body[f"c_{key}"]}
    return _assemble(site, order_no, now, str(external_id), currency, method, _text(customer, "customer_name"),
                     _text(customer, "customer_email"), billing, items, shipment, notes)


def place(request: ExternalOrder, site: Site, order_no: str, now: datetime, catalog: Catalog) -> SfccOrder:
    """The order :func:`build_order` builds from the body ``request`` stands for (or its refusal), checked in
    the same order; only the shape checks a well-formed body always passes are left out."""
    external_id = request.external_id
    if not external_id.strip():
        raise _fail("Exception: c_externalOrderId is missing")
    currency = _site_currency(site, request.currency)
    method = _payment_method(site, lambda: request.payment_method)
    if not request.lines:
        raise _fail("Exception: product_lineitems is missing")
    items = []  # a loop, not a comprehension: most orders have one line
    for index, (product_id, quantity, net_price) in enumerate(request.lines, start=1):
        items.append(_line(product_id, quantity, net_price, "0", "0", index, catalog))
    method_id = _shipping_method(site, request.shipping_method)
    billing = _address_of(request.address)
    shipment = Shipment(
        shipment_id="me", shipment_no=order_no, shipping_method_id=method_id,
        shipping_method_name=site.shipping_methods[method_id], shipping_address=billing,
        shipping_total=_money(request.shipping_net, "shipping net_price"), shipping_tax=_money("0", "shipping tax"),
    )
    notes = {"buyerNote": request.buyer_note} if request.buyer_note else {}
    return _assemble(site, order_no, now, external_id, currency, method, request.customer_name,
                     request.customer_email, billing, items, shipment, notes)


def _assemble(site: Site, order_no: str, now: datetime, external_id: str, currency: str, method: str,
              customer_name: str, customer_email: str, billing: Address, items: list[ProductItem],
              shipment: Shipment, notes: dict[str, str]) -> SfccOrder:
    """The placed order (status ``new``) of a validated request."""
    digest = hashlib.sha256(f"{site.id}:{order_no}:{external_id}".encode()).hexdigest()
    token = digest[:40]  # the order token, and the rest the payment instrument's id: one hash an order
    order = SfccOrder(
        order_no=order_no, site_id=site.id, order_token=token, currency=currency, status="new",
        customer_name=customer_name or billing.full_name,
        customer_email=customer_email or str(site.preferences.get("tiktokCustomerEmail") or ""),
        customer_no=None, billing_address=billing, product_items=items, shipments=[shipment],
        payment_instruments=[], creation_date=now, last_modified=now, custom={
            "externalOrderId": external_id, "externalOrderStatus": "New",
            "externalChannelOrderStatus": CHANNEL_STATUS_NEW, "externalExportStatus": EXPORT_READY,
            "customChannelType": "TikTok",
        },
    )
    order.payment_instruments.append(PaymentInstrument(
        payment_instrument_id=digest[40:], payment_method_id=method,
        amount=placed_total(items, shipment), processor_id=site.payment_methods[method].get("processor", "BASIC_CREDIT"),
        transaction_id=str(external_id),
    ))
    if notes:
        order.custom.update(notes)
    if order.custom.get("orderNote"):
        order.custom["orderNoteHistory"] = json.dumps(
            {"orderNoteData": [{"orderNote": order.custom["orderNote"], "noteData": now.isoformat()}]})
    return order


def placed_total(items: list[ProductItem], shipment: Shipment) -> Decimal:
    """``SfccOrder.order_total`` of a new order (one shipment), summed in the same order in one pass."""
    product_total = product_tax = ZERO
    for item in items:
        product_total += item.price
        product_tax += item.tax
    shipping_total, shipping_tax = ZERO + shipment.shipping_total, ZERO + shipment.shipping_tax
    return product_total + shipping_total + (product_tax + shipping_tax)


def _item(raw: Any, position: int, catalog: Catalog) -> ProductItem:
    if not isinstance(raw, dict):
        raise _fail("Unable to parse order json")
    return _line(_text(raw, "product_id"), raw.get("quantity"), raw.get("net_price"), raw.get("tax"),
                 raw.get("tax_rate"), position, catalog)


def _line(product_id: str, quantity: Any, net_price: Any, tax: Any, tax_rate: Any, position: int,
          catalog: Catalog) -> ProductItem:
    name = catalog(product_id)
    if name is None:
        raise _fail(f"Exception: product '{product_id}' not found")
    if isinstance(quantity, bool) or not isinstance(quantity, int | float) or not 1 <= quantity <= MAX_QUANTITY \
            or int(quantity) != quantity:
        raise _fail(f"Exception: invalid quantity for product '{product_id}'")
    return ProductItem(
        item_id=f"pli{position:04d}", product_id=product_id, product_name=name, quantity=int(quantity),
        base_price=_money(net_price, "net_price"), tax=_money(tax, "tax"), tax_rate=_money(tax_rate, "tax_rate"),
        position=position, custom={"externalLineItemStatus": LINE_NOTSHIPPED},
    )


def create_response(order: SfccOrder, msg: str, error: bool = False) -> dict[str, Any]:
    """The controller's success (and duplicate) body."""
    body: dict[str, Any] = {"error": error, "orderNo": order.order_no}
    if msg.startswith("Success"):
        body["orderItems"] = items = []
        for i in order.product_items:
            items.append({"productId": i.product_id, "quantity": i.quantity, "itemId": i.item_id})
    body["c_externalChannelOrderStatus"] = order.custom.get("externalOrderStatus", "New")
    body["shippingStatus"] = order.shipping_status.upper()
    body["msg"] = msg
    return body
