"""Stock per SKU: available, reserved for paid-but-unshipped orders, shipped, and returned to sale (HOLD-4)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from simulator.engine.errors import InvalidRequest, NotFound


@dataclass(slots=True)
class Sku:
    """A sellable SKU with its stock counters; ``available + reserved + shipped`` is what was received plus
    what buyers sent back and went on sale again (``returned``, RET-3)."""

    sku_id: str
    product_id: str
    product_name: str
    sku_name: str
    seller_sku: str
    price: Decimal
    currency: str
    available: int
    reserved: int = 0
    shipped: int = 0
    presale_dispatch_days: int | None = None
    received: int = -1  # what entered the SKU (seed + restocks); -1: take the counters given
    returned: int = 0  # units buyers returned that went back on sale (shipped stays: those units did leave)

    def __post_init__(self) -> None:
        if self.received < 0:
            self.received = self.available + self.reserved + self.shipped

    @property
    def total(self) -> int:
        """The conserved quantity: ``received + returned`` (changes only by restock and received returns)."""
        return self.available + self.reserved + self.shipped


class Inventory:
    """All SKUs of a world, by id."""

    def __init__(self) -> None:
        self.skus: dict[str, Sku] = {}
        self._codes: dict[str, Sku] | None = None  # find_code's index, rebuilt after a change
        self._coded = 0  # how many SKUs it was built from

    def add(self, sku: Sku) -> Sku:
        """Register a SKU (replacing one with the same id)."""
        self.skus[sku.sku_id] = sku
        self._codes = None
        return sku

    def find_code(self, code: str) -> Sku | None:
        """The first SKU, in registration order, whose seller SKU or SKU id is ``code`` (None: none, or ``code`` is
        empty); an index, not a scan (an SFCC create asks it for every line)."""
        codes = self._codes
        if codes is None or self._coded != len(self.skus):  # a SKU put in ``skus`` by hand is seen too
            codes = {}
            for sku in self.skus.values():
                codes.setdefault(sku.seller_sku, sku)
                codes.setdefault(sku.sku_id, sku)
            self._codes, self._coded = codes, len(self.skus)
        return codes.get(code) if code else None

    def get(self, sku_id: str) -> Sku:
        """The SKU, or :class:`NotFound`."""
        try:
            return self.skus[sku_id]
        except KeyError:
            raise NotFound("sku", sku_id) from None

    def check_available(self, wanted: dict[str, int]) -> None:
        """Refuse (changing nothing) unless every SKU has the wanted quantity available."""
        for sku_id, qty in wanted.items():
            sku = self.get(sku_id)
            if qty <= 0:
                raise InvalidRequest(f"quantity for {sku_id} must be positive", reason="bad_quantity")
            if sku.available < qty:
                raise InvalidRequest(
                    f"SKU {sku_id} has {sku.available} available, {qty} wanted", reason="out_of_stock", rule="HOLD-4"
                )

    def reserve(self, sku_id: str, qty: int) -> None:
        """Move ``qty`` from available to reserved (payment, HOLD-4)."""
        sku = self.skus[sku_id]
        sku.available -= qty
        sku.reserved += qty

    def release(self, sku_id: str, qty: int) -> None:
        """Move ``qty`` from reserved back to available (cancellation, HOLD-4)."""
        sku = self.skus[sku_id]
        sku.reserved -= qty
        sku.available += qty

    def consume(self, sku_id: str, qty: int) -> None:
        """Move ``qty`` from reserved to shipped (ship, HOLD-4)."""
        sku = self.skus[sku_id]
        sku.reserved -= qty
        sku.shipped += qty

    def put_back(self, sku_id: str, qty: int) -> None:
        """Returned units go back on sale (RET-3): available and ``returned`` grow, ``shipped`` keeps its history."""
        sku = self.skus[sku_id]
        sku.available += qty
        sku.returned += qty

    def restock(self, sku_id: str, qty: int) -> None:
        """Add stock (the only change to a SKU's conserved total)."""
        sku = self.skus[sku_id]
        sku.available += qty
        sku.received += qty
