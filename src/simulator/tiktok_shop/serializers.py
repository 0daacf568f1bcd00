"""Engine records -> TikTok Shop JSON shapes (API doc 202309 field names; timestamps Unix seconds, money strings)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from simulator.engine import (
    Cancellation,
    CancelStatus,
    Order,
    OrderStatus,
    Package,
    PackageStatus,
    Return,
    ReturnStatus,
    ReturnType,
    ShipmentType,
)
from simulator.tiktok_shop.catalog import Catalog, DeliveryOption, Warehouse

ZERO = "0"
ZERO_D = Decimal("0")
# Buyer details TikTok withholds while an order is ON_HOLD (HOLD-2).
HIDDEN_ON_HOLD = ("recipient_address", "buyer_email", "buyer_nickname", "buyer_message")
REASON_TEXTS = {
    "ecom_reverse_reject_refund_request_package_delivery_multiple_boxes": "Package is being delivered in multiple boxes",
    "seller_reject_apply_unable_to_change_address": "Unable to change the address",
    "ecom_reverse_reject_cancel_reason_product_packed": "Product has been packed",
    "order_manage_list_action_respond_popup_reject_reason_invalid_cancellation_reason": "Invalid cancellation reason",
    "order_manage_list_action_respond_popup_reject_reason_delivered": "Order has been delivered",
    "order_manage_list_action_respond_popup_reject_reason_buyer_agree": "Buyer agreed to keep the order",
    "seller_reject_apply_product_has_been_packed": "Product has been packed",
    # refund-reasons (US): buyer, seller and reject reasons
    "ecom_order_delivered_refund_reason_not_received": "Package wasn't received",
    "ecom_order_delivered_refund_reason_missing_product": "Package received but missing item",
    "ecom_order_delivered_refund_reason_damaged": "Damaged item or packaging",
    "ecom_order_delivered_refund_reason_defective": "Defective item",
    "ecom_order_delivered_refund_reason_missing_broken_parts": "Missing or broken parts",
    "ecom_order_delivered_refund_reason_not_match_description": "Item doesn't match description",
    "ecom_order_delivered_refund_reason_wrong_product_1": "Wrong item was sent",
    "ecom_order_delivered_refund_and_return_reason_damaged": "Package or product is damaged",
    "ecom_order_delivered_refund_and_return_reason_wrong_product": "Wrong item was sent",
    "ecom_order_delivered_refund_and_return_reason_defective": "Product is defective or doesn't work",
    "ecom_order_delivered_refund_and_return_reason_no_longer_needed_new": "No longer needed",
    "ecom_order_delivered_refund_and_return_reason_not_match_description": "Product doesn't match description",
    "reverse_reject_request_reason_4": "Product delivery is on schedule",
    "reverse_reject_refund_request_correct_item": "Item is correct",
    "reverse_reject_refund_request_package_delivery_multiple_boxes": "Products were shipped in multiple packages",
    "reverse_reject_refund_request_unclear_evidence": "Reason is unclear / lack of evidence",
    "reverse_reject_refund_request_product_function_well": "Product functions well/Incorrect usage by the customer",
    "reverse_reject_refund_request_incorrect_address":
        "The package has been successfully delivered to the shipping address that was provided.",
    "reverse_reject_request_reason_3": "Not eligible for return (e.g. used or broken)",
}
# The spelling of a rejected return's status varies in TikTok's own docs and SDKs; both are accepted in filters.
RETURN_STATUS_ALIASES = {s.value: s for s in ReturnStatus} | {"RETURN_OR_REFUND_REQUEST_REJECT": ReturnStatus.REJECT}
REPLACEMENT_STATUSES = ("REPLACEMENT_REQUEST_PENDING", "REPLACEMENT_REQUEST_REJECT", "REPLACEMENT_REQUEST_REFUND_SUCCESS",
                        "REPLACEMENT_REQUEST_CANCEL", "REPLACEMENT_REQUEST_COMPLETE")


def ts(value: datetime | None) -> int | None:
    """Unix seconds (None stays None)."""
    return int(value.timestamp()) if value is not None else None


def money(value: Decimal) -> str:
    """TikTok money: a decimal string with two places."""
    return f"{value.quantize(Decimal('0.01'))}"


def reason_text(key: str | None) -> str:
    """A readable text for a reason key (documented texts, else the key humanized)."""
    if not key:
        return ""
    base = key[:-3] if key.endswith("_uk") else key
    return REASON_TEXTS.get(base) or base.replace("_", " ").capitalize()


def _live(packages: list[Package]) -> int:
    """Packages that still carry units (one emptied by a partial cancel is CANCELLED, CAN-L1)."""
    return sum(1 for p in packages if p.status != PackageStatus.CANCELLED)


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


class Serializer:
    """Renders orders, packages and cancellations using the shop catalog and the output switches.

    Args:
        catalog: delivery options and warehouses (names, providers, addresses).
        closed_status: spelling of the closed cancellation status (UNCERTAIN in the API doc).
    """

    def __init__(self, catalog: Catalog, closed_status: str = "CANCELLATION_REQUEST_CANCELLED") -> None:
        self.catalog = catalog
        self.closed_status = closed_status
        # Parts fixed once an order is placed (prices, catalogue fields) or released (SLA deadlines):
        # rendered once, reused on every Get Order Detail / Search (the hot read path of an OMS).
        self._payments: dict[str, dict[str, Any]] = {}
        self._lines: dict[str, dict[str, Any]] = {}
        self._slas: dict[tuple[str, Any, Any], dict[str, Any]] = {}

    def cancel_status(self, status: CancelStatus) -> str:
        """The cancellation status as this world spells it."""
        return self.closed_status if status == CancelStatus.CANCEL else status.value

    # -- orders ----------------------------------------------------------------------------------
    def order(self, order: Order, packages: dict[str, Package], *, detail: bool = True) -> dict[str, Any]:
        """The Get Order Detail (``detail``) or Get Order List shape of one order."""
        option = self.catalog.delivery_options.get(order.delivery_option_id)
        pkgs = [packages[p] for p in order.package_ids]
        shipped = next((p for p in pkgs if p.rts_time is not None), None)
        data: dict[str, Any] = {
            "id": order.id, "status": order.status.value, "create_time": ts(order.create_time),
            "update_time": ts(order.update_time), "paid_time": ts(order.paid_time),
            **self._sla(order, option), "rts_time": ts(order.rts_time),
            "collection_time": ts(order.collection_time), "delivery_time": ts(order.delivery_time),
            "cancel_time": ts(order.cancel_time), "cancel_reason": order.cancel_reason,
            "cancellation_initiator": order.cancellation_initiator,
            "request_cancel_time": ts(order.request_cancel_time) if order.pending_cancel_id else None,
            "is_buyer_request_cancel": order.pending_cancel_id is not None,
            "buyer_message": order.buyer_message, "seller_note": "",
            "buyer_email": order.buyer.get("email", ""), "buyer_nickname": order.buyer.get("nickname", ""),
            "user_id": order.buyer.get("user_id", ""),
            "fulfillment_type": "FULFILLMENT_BY_SELLER", "shipping_type": order.shipping_type,
            "delivery_option_id": order.delivery_option_id, "delivery_option_name": order.delivery_option_name,
            "delivery_type": "HOME_DELIVERY", "warehouse_id": order.warehouse_id,
            "shipping_provider": shipped.shipping_provider_name if shipped else None,
            "shipping_provider_id": shipped.shipping_provider_id if shipped else None,
            "tracking_number": shipped.tracking_number if shipped else None,
            "is_on_hold_order": order.is_on_hold_order, "is_cod": False, "is_sample_order": False,
            "is_replacement_order": False, "is_exchange_order": False, "has_updated_recipient_address": False,
            "order_type": "PRE_ORDER" if order.presale_dispatch_days else "NORMAL",
            "split_or_combine_tag": "SPLIT" if _live(pkgs) > 1 else None,
            "handling_duration": {"days": str(order.handling_days), "type": "BUSINESS_DAY"}
            if order.handling_days is not None else None,
            "estimated_delivery_time": ts(order.estimated_delivery_time),
            "commerce_platform": "TIKTOK_SHOP", "packages": [{"id": p.id} for p in pkgs],
            "payment": self._payment(order), "recipient_address": order.recipient_address or None,
            "line_items": [self._line_item(order, li, packages[li.package_id]) for li in order.line_items],
        }
        if detail:
            data.update(payment_method_name="Credit card", payment_method_code="CARD", payment_card_type="VISA",
                        payment_auth_code="")
        if order.status == OrderStatus.ON_HOLD:  # HOLD-2
            for key in HIDDEN_ON_HOLD:
                data.pop(key, None)
        return _compact(data)

    def _sla(self, order: Order, option: DeliveryOption | None) -> dict[str, Any]:
        # rts_sla_time and cancel_order_sla_time come from the engine (SLA-1, SLA-5); the others are
        # derived (UNCERTAIN, simulator choice): in transit one day after the dispatch deadline,
        # delivered after the option's delivery days.
        if order.rts_sla_time is None:
            return {}
        key = (order.id, order.rts_sla_time, order.cancel_order_sla_time)
        cached = self._slas.get(key)
        if cached is None:
            cached = self._slas[key] = self._render_sla(order, option)
        return cached

    def _render_sla(self, order: Order, option: DeliveryOption | None) -> dict[str, Any]:
        assert order.rts_sla_time is not None
        days = option.delivery_days if option else 7
        return {
            "rts_sla_time": ts(order.rts_sla_time),
            "tts_sla_time": ts(order.rts_sla_time + timedelta(days=1)),
            "delivery_sla_time": ts(order.rts_sla_time + timedelta(days=days)),
            "cancel_order_sla_time": ts(order.cancel_order_sla_time),
            "shipping_due_time": ts(order.cancel_order_sla_time),
        }

    def _payment(self, order: Order) -> dict[str, Any]:
        cached = self._payments.get(order.id)
        if cached is None:
            cached = self._payments[order.id] = self._render_payment(order)
        return cached

    def _render_payment(self, order: Order) -> dict[str, Any]:
        sub_total = order.sub_total
        return {
            "currency": order.currency, "sub_total": money(sub_total), "shipping_fee": money(order.shipping_fee),
            "seller_discount": ZERO, "platform_discount": ZERO, "total_amount": money(order.total_amount),
            "original_total_product_price": money(sum((li.original_price for li in order.line_items), Decimal(0))),
            "original_shipping_fee": money(order.shipping_fee), "shipping_fee_seller_discount": ZERO,
            "shipping_fee_platform_discount": ZERO, "shipping_fee_cofunded_discount": ZERO, "tax": ZERO,
            "product_tax": ZERO, "shipping_fee_tax": ZERO, "retail_delivery_fee": ZERO, "buyer_service_fee": ZERO,
        }

    def _line_item(self, order: Order, li: Any, package: Package) -> dict[str, Any]:
        if li.id not in package.line_item_ids:  # cancelled out of its package before it shipped (CAN-L1)
            return {**self._static_line(order, li), "display_status": li.status.value, "package_status": "CANCELLED",
                    **_compact({"cancel_reason": li.cancel_reason, "cancel_user": li.cancel_user})}
        shipped = package.rts_time is not None
        status = li.status.value
        if status == OrderStatus.ON_HOLD:
            status = OrderStatus.AWAITING_SHIPMENT.value  # display_status has no ON_HOLD (API doc)
        static = self._static_line(order, li)
        return {**static, **_compact({
            "display_status": status,
            # API doc: for US/UK local sellers the line's package_id is not returned before shipping.
            "package_id": li.package_id if shipped else None, "package_status": package.status.value,
            "tracking_number": package.tracking_number, "shipping_provider_id": package.shipping_provider_id,
            "shipping_provider_name": package.shipping_provider_name, "rts_time": ts(package.rts_time),
            "cancel_reason": li.cancel_reason, "cancel_user": li.cancel_user,
        })}

    def _static_line(self, order: Order, li: Any) -> dict[str, Any]:
        static = self._lines.get(li.id)
        if static is None:
            static = self._lines[li.id] = {
                "id": li.id, "sku_id": li.sku_id, "product_id": li.product_id, "product_name": li.product_name,
                "sku_name": li.sku_name, "seller_sku": li.seller_sku, "sku_type": "NORMAL",
                "sku_image": f"https://p16-oec-va.ibyteimg.com/tos-maliva-i-o3syd03w52-us/{li.sku_id}"
                             "~tplv-o3syd03w52-origin-jpeg.jpeg",
                "currency": order.currency, "original_price": money(li.original_price),
                "sale_price": money(li.sale_price), "seller_discount": ZERO, "platform_discount": ZERO,
                "is_gift": False, "is_dangerous_good": False,
            }
        return static

    # -- packages --------------------------------------------------------------------------------
    def package(self, package: Package, order: Order) -> dict[str, Any]:
        """Get Package Detail."""
        inside = set(package.line_item_ids)
        items = [li for li in order.line_items if li.id in inside]
        skus: dict[str, int] = {}
        for li in items:
            skus[li.sku_id] = skus.get(li.sku_id, 0) + 1
        warehouse = self.catalog.warehouses.get(order.warehouse_id)
        data = {
            "package_id": package.id, "package_status": package.status.value,
            "order_line_item_ids": list(package.line_item_ids),
            "orders": [{"id": order.id, "skus": [{"id": k, "quantity": v} for k, v in skus.items()]}],
            "tracking_number": package.tracking_number, "shipping_provider_id": package.shipping_provider_id,
            "shipping_provider_name": package.shipping_provider_name, "shipping_type": order.shipping_type,
            "handover_method": package.handover_method, "delivery_option_id": order.delivery_option_id,
            "delivery_option_name": order.delivery_option_name, "create_time": ts(package.create_time),
            "update_time": ts(package.update_time),
            "split_and_combine_tag": "SPLIT" if len(order.package_ids) > 1 else "DEFAULT",
            "has_multi_skus": len(skus) > 1,
            "recipient_address": None if order.status == OrderStatus.ON_HOLD else order.recipient_address or None,
            "sender_address": warehouse.address if warehouse else None,
        }
        return _compact(data)

    def package_summary(self, package: Package) -> dict[str, Any]:
        """A Search Package row."""
        return _compact({
            "id": package.id, "status": package.status.value, "order_line_item_ids": list(package.line_item_ids),
            "orders": [{"id": package.order_id}], "tracking_number": package.tracking_number,
            "shipping_provider_id": package.shipping_provider_id,
            "shipping_provider_name": package.shipping_provider_name,
            "create_time": ts(package.create_time), "update_time": ts(package.update_time),
        })

    # -- cancellations ---------------------------------------------------------------------------
    def cancellation(self, c: Cancellation, order: Order, packages: dict[str, Package]) -> dict[str, Any]:
        """A Search Cancellations row."""
        paid = order.paid_time is not None
        lines = [li for li in order.line_items if li.id in c.line_item_ids]
        # The shipping fee goes back only with the order's last units (CAN-L1): what the refund has beyond them.
        shipping = c.refund_total - sum((li.sale_price for li in lines), Decimal(0)) if paid else Decimal(0)
        refund = {
            "currency": order.currency, "refund_total": money(c.refund_total),
            "refund_subtotal": money(c.refund_total - shipping if paid else Decimal(0)),
            "refund_shipping_fee": money(shipping), "refund_tax": ZERO, "retail_delivery_fee": ZERO,
            "buyer_service_fee": ZERO,
        }
        data: dict[str, Any] = {
            "cancel_id": c.id, "order_id": c.order_id, "cancel_type": c.cancel_type.value,
            "cancel_status": self.cancel_status(c.status), "role": c.role.value, "cancel_reason": c.reason,
            "cancel_reason_text": reason_text(c.reason), "create_time": ts(c.create_time),
            "update_time": ts(c.update_time),
            "should_replenish_stock": all(packages[li.package_id].rts_time is None
                                          or li.id not in packages[li.package_id].line_item_ids for li in lines),
            "refund_amount": refund,
            "cancel_line_items": [{
                "cancel_line_item_id": f"{c.id}{index:02d}", "order_line_item_id": li.id, "sku_id": li.sku_id,
                "sku_name": li.sku_name, "seller_sku": li.seller_sku, "product_name": li.product_name,
                "refund_amount": {"currency": order.currency, "refund_total": money(li.sale_price if paid else
                                                                                    Decimal(0))},
            } for index, li in enumerate(lines)],
        }
        if c.status == CancelStatus.PENDING and c.respond_deadline is not None:
            data["seller_next_action_response"] = [
                {"action": "SELLER_RESPOND_CANCEL", "deadline": ts(c.respond_deadline)}
            ]
        return data

    # -- returns ---------------------------------------------------------------------------------
    def return_order(self, r: Return, order: Order, next_action: str | None) -> dict[str, Any]:
        """A Search Returns row (``return_orders[]``); ``refund_amount`` is what was refunded once complete."""
        lines = {li.id: li for li in order.line_items}
        refunded = r.refund_amount if r.refund_amount is not None else r.refund_total
        shipping = r.refund_shipping_fee if r.refund_amount is None or r.refund_amount == r.refund_total else ZERO_D
        money_of = {"currency": order.currency, "refund_total": money(refunded),
                    "refund_subtotal": money(refunded - shipping), "refund_shipping_fee": money(shipping),
                    "refund_tax": ZERO, "retail_delivery_fee": ZERO, "buyer_service_fee": ZERO}
        platform = r.shipment_type == ShipmentType.PLATFORM
        warehouse = next((w for w in self.catalog.warehouses.values()
                          if w.shop_id == order.shop_id and w.type == "RETURN_WAREHOUSE"), None)
        data: dict[str, Any] = {
            "return_id": r.id, "order_id": r.order_id, "return_type": r.return_type.value,
            "return_status": r.status.value, "role": r.role.value, "return_reason": r.reason,
            "return_reason_text": reason_text(r.reason), "create_time": ts(r.create_time),
            "update_time": ts(r.update_time), "refund_amount": money_of,
            "can_buyer_keep_item": r.return_type == ReturnType.REFUND or r.buyer_keep_item,
            "is_combined_return": False, "is_quick_refund": False,
            "return_line_items": [{
                "return_line_item_id": f"{r.id[:-2]}{index:02d}", "order_line_item_id": li.id,
                "sku_id": li.sku_id, "sku_name": li.sku_name, "seller_sku": li.seller_sku,
                "product_name": li.product_name,
                "refund_amount": {"currency": order.currency, "refund_total": money(li.sale_price)},
            } for index, li in enumerate(lines[i] for i in r.line_item_ids)],
            "discount_amount": [{"currency": order.currency, "product_seller_discount": ZERO,
                                 "product_platform_discount": ZERO, "shipping_fee_seller_discount": ZERO,
                                 "shipping_fee_platform_discount": ZERO}],
        }
        if r.return_type == ReturnType.RETURN_AND_REFUND:
            data.update(shipment_type=r.shipment_type.value, handover_method="DROP_OFF" if platform else None,
                        return_method="PLATFORM_SHIPPED" if platform else "BUYER_SHIPPED",
                        return_tracking_number=r.return_tracking_number,
                        return_provider_name=r.return_provider_name,
                        return_shipping_document_type="SHIPPING_LABEL" if r.label_time else None,
                        return_warehouse_address={"full_address": _full_address(warehouse.address)} if warehouse
                        else None,
                        shipping_fee_amount=[{"currency": order.currency, "buyer_paid_return_shipping_fee": ZERO,
                                              "platform_paid_return_shipping_fee": ZERO,
                                              "seller_paid_return_shipping_fee": ZERO}])
        if r.partial_refund is not None:
            data.update(seller_proposed_return_type="PARTIAL_REFUND",
                        partial_refund={"currency": order.currency, "amount": money(r.partial_refund)},
                        buyer_rejected_partial_refund=bool(r.buyer_rejected_partial_refund))
        if next_action is not None and r.respond_deadline is not None:
            data["seller_next_action_response"] = [{"action": next_action, "deadline": ts(r.respond_deadline)}]
        return _compact(data)

    @staticmethod
    def return_records(r: Return) -> dict[str, Any]:
        """Get Return Records: every step of the return, oldest first (``event`` is always ORDER_RETURN)."""
        return {"records": [_compact({
            "event": "ORDER_RETURN", "role": rec.role.value, "description": rec.description,
            "reason_text": reason_text(rec.reason) or None, "note": rec.note, "images": [], "videos": [],
            "create_time": ts(rec.create_time)}) for rec in r.records]}

    # -- logistics -------------------------------------------------------------------------------
    @staticmethod
    def warehouse(w: Warehouse) -> dict[str, Any]:
        """A Get Warehouse List row."""
        return {"id": w.id, "name": w.name, "effect_status": w.effect_status, "type": w.type,
                "sub_type": w.sub_type, "is_default": w.is_default, "address": w.address}

    @staticmethod
    def delivery_option(d: DeliveryOption) -> dict[str, Any]:
        """A Get Warehouse Delivery Options row."""
        return {"id": d.id, "name": d.name, "type": d.type, "description": d.description,
                "platform": list(d.platform), "weight_limit": d.weight_limit, "dimension_limit": d.dimension_limit}


def _full_address(address: dict[str, Any]) -> str:
    if address.get("full_address"):
        return str(address["full_address"])
    parts = (address.get(k) for k in ("address_line1", "city", "state", "postal_code", "region_code"))
    return ", ".join(str(p) for p in parts if p)


def package_done(package: Package) -> bool:
    """True once the package left the seller (shipped, in transit, delivered)."""
    return package.status in (PackageStatus.PROCESSING, PackageStatus.FULFILLING, PackageStatus.COMPLETED)
