"""Rule profiles (sfcc, rithum, direct): every documented number and list as data carrying rule IDs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from simulator import yamlfiles
from simulator.calendar import BusinessCalendar

PROFILES = Path(__file__).resolve().parent / "profiles.yaml"  # the packaged profiles, beside this module
PROFILE_NAMES = ("sfcc", "rithum", "direct")
ORDER_STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)
RETURN_STATUSES = (
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "REJECT_RECEIVE_PACKAGE",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
    "AWAITING_BUYER_RESPONSE",
)
_DURATION = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[smhd]\s*)+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class ProfileError(ValueError):
    """Profile data that is missing a quantity, has a bad value or an incomplete mapping."""


def parse_duration(value: object) -> timedelta:
    """Parse ``"15m"``, ``"1h"``, ``"23h 59m"``, ``"15d"`` or a number of seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if not _DURATION.match(str(value)):
        raise ProfileError(f"not a duration: {value!r} (use e.g. 90s, 15m, 1h, 2d 3h)")
    total = timedelta(0)
    for amount, unit in _DURATION_PART.findall(str(value)):
        total += timedelta(**{_UNITS[unit]: float(amount)})
    return total


def format_duration(delta: timedelta) -> str:
    """Render a duration compactly (``1h``, ``15m``, ``2d 3h``)."""
    total = int(delta.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
    return " ".join(parts) or "0s"


@dataclass(frozen=True)
class Quantity:
    """One documented number or list, with the rules it serves and where it comes from."""

    key: str
    value: Any
    rules: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class AutoCancel:
    """Platform auto-cancel limit for an unshipped order (SLA-5): calendar or business days."""

    calendar_days: int | None = None
    business_days: int | None = None

    def deadline(self, start: datetime, calendar: BusinessCalendar) -> datetime:
        """The instant an order unshipped since ``start`` is auto-cancelled."""
        if self.calendar_days is not None:
            return start + timedelta(days=self.calendar_days)
        assert self.business_days is not None
        return calendar.add_business_days(start, self.business_days)

    def describe(self) -> str:
        """Human wording for tables."""
        if self.calendar_days is not None:
            return f"{self.calendar_days} calendar days"
        return f"{self.business_days} business days"


class Profile:
    """The numbers one integration channel runs by, read from ``profiles.yaml``."""

    def __init__(self, name: str, data: Mapping[str, Any], shared: Mapping[str, Any]) -> None:
        self.name = name
        self.description = str(data.get("description", ""))
        self.quantities: dict[str, Quantity] = {}
        for key, entry in data.items():
            if key == "description":
                continue
            if not isinstance(entry, Mapping) or "value" not in entry:
                raise ProfileError(f"profile {name}: {key} needs a mapping with 'value'")
            self.quantities[key] = Quantity(
                key, entry["value"], tuple(entry.get("rules", ())), str(entry.get("source", ""))
            )
        self._shared = shared
        # Validate and pre-parse once: timers read these on hot paths.
        self.hold = parse_duration(self._value("hold"))
        self.cancel_request_window = parse_duration(self._value("cancel_request_window"))
        self.dispatch_sla_business_days = int(self._value("dispatch_sla_business_days"))
        self.campaign_extension_business_days = int(self._value("campaign_extension_business_days"))
        self.ldr_target = float(self._value("ldr_target"))
        self.update_shipping_info_window = parse_duration(self._value("update_shipping_info_window"))
        self.completion_after_delivery = parse_duration(self._value("completion_after_delivery"))
        self.webhook_retry_schedule = tuple(parse_duration(v) for v in self._value("webhook_retry_schedule"))
        self.webhook_timeout_seconds = float(self._value("webhook_timeout_seconds"))
        sync = self._value("sync_interval")
        self.sync_interval = parse_duration(sync) if sync is not None else None
        auto = self._value("auto_cancel")
        if not isinstance(auto, Mapping) or len(auto) != 1 or not auto.keys() <= {"calendar_days", "business_days"}:
            raise ProfileError(f"profile {name}: auto_cancel must be {{calendar_days: N}} or {{business_days: N}}")
        self.auto_cancel = AutoCancel(**{k: int(v) for k, v in auto.items()})
        self.return_response_window = parse_duration(self._value("return_response_window"))
        self.return_ship_window = parse_duration(self._value("return_ship_window"))
        self.return_receive_window = parse_duration(self._value("return_receive_window"))
        self.return_offer_window = parse_duration(self._value("return_offer_window"))
        self.return_restock = bool(self._value("return_restock"))

    def _value(self, key: str) -> Any:
        if key not in self.quantities:
            raise ProfileError(f"profile {self.name}: missing {key}")
        return self.quantities[key].value

    def rules_for(self, key: str) -> tuple[str, ...]:
        """Rule IDs a quantity serves."""
        return self.quantities[key].rules

    def dispatch_deadline(self, released: datetime, placed: datetime, calendar: BusinessCalendar) -> datetime:
        """SLA-1 with SLA-3: business days from hold end, plus the extension of the campaign window the
        order was placed in (the window's own ``extra_business_days``, else this profile's default)."""
        extra = calendar.campaign_extension(placed, self.campaign_extension_business_days) if calendar.campaigns else 0
        return calendar.add_business_days(released, self.dispatch_sla_business_days + extra)

    # shared lists -------------------------------------------------------------------------------
    def approved_carriers(self, region: str) -> dict[str, str]:
        """TikTok-approved carriers for a shop region (FUL-5): display name -> carrier code."""
        table = self._shared["approved_carriers"]
        return dict(table.get(region.upper(), {}))

    def status_mapping(self, system: str) -> dict[str, Any]:
        """TikTok order status -> the system's projection (CA-3 for channeladvisor)."""
        return dict(self._shared["status_mappings"][system]["table"])

    def cancel_reasons(self, who: str, status: str | None = None) -> list[str]:
        """Reason keys ``who`` (seller, buyer, seller_reject) may use in ``status`` (CAN-S2)."""
        table = self._shared["cancel_reasons"][who]
        if status is None:
            return list(table)
        return list(table.get(status, []))

    def return_reasons(self, who: str, region: str, return_type: str | None = None) -> list[str]:
        """Return reason keys: ``buyer`` (per return type), ``seller`` (Create Return), ``seller_reject`` (RET-1/2)."""
        table = self._shared["return_reasons"][who]
        by_region = table.get(region.upper()) or table["US"]
        if return_type is None:
            return list(by_region)
        return list(by_region.get(return_type, []))

    def return_status_mapping(self, system: str) -> dict[str, Any]:
        """Return status -> the system's projection (RET-7 for sfcc)."""
        return dict(self._shared["return_status_mappings"][system]["table"])

    def system_reason(self, cause: str) -> str:
        """The system/operator cancel reason key for a cause (fraud, shipping_timeout, ...)."""
        return str(self._shared["cancel_reasons"]["system"][cause])


class RuleBook:
    """All profiles plus the shared tables, validated when loaded."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        shared = {k: v for k, v in data.items() if k != "profiles"}
        for table_name in ("approved_carriers", "status_mappings", "cancel_reasons", "return_reasons",
                           "return_status_mappings"):
            if table_name not in shared:
                raise ProfileError(f"rule data misses the {table_name} table")
        for system, mapping in shared["status_mappings"].items():
            missing = set(ORDER_STATUSES) - set(mapping.get("table", {}))
            if missing:
                raise ProfileError(f"status mapping {system} is not total: missing {sorted(missing)}")
        for system, mapping in shared["return_status_mappings"].items():
            missing = set(RETURN_STATUSES) - set(mapping.get("table", {}))
            if missing:
                raise ProfileError(f"return status mapping {system} is not total: missing {sorted(missing)}")
        self.profiles = {name: Profile(name, body, shared) for name, body in data["profiles"].items()}
        missing_profiles = set(PROFILE_NAMES) - set(self.profiles)
        if missing_profiles:
            raise ProfileError(f"missing profiles: {sorted(missing_profiles)}")

    def __getitem__(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            raise ProfileError(f"unknown profile {name!r} (known: {', '.join(self.profiles)})") from None

    @classmethod
    def load(cls, path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> RuleBook:
        """Load the packaged ``profiles.yaml`` (or ``path``), applying ``{profile: {key: value}}`` overrides."""
        data = yamlfiles.load(PROFILES if path is None else path)
        for profile, values in (overrides or {}).items():
            target = data["profiles"].get(profile)
            if target is None:
                raise ProfileError(f"override for unknown profile {profile!r}")
            for key, value in values.items():
                if key not in target:
                    raise ProfileError(f"override for unknown quantity {profile}.{key}")
                target[key] = {**target[key], "value": value}
        return cls(data)

    def table(self, profile: str | None = None) -> list[tuple[str, str, str, str, str]]:
        """Rows ``(profile, quantity, value, rule IDs, source)`` for ``tts-sim rules``."""
        rows = []
        for name in [profile] if profile else list(self.profiles):
            prof = self[name]
            for q in prof.quantities.values():
                rows.append((name, q.key, _render(q.key, q.value, prof), ", ".join(q.rules), q.source))
        if profile is None or profile == "rithum":
            carriers = self.data["approved_carriers"]
            for region in ("US", "UK"):
                names = ", ".join(carriers[region])
                rows.append(("*", f"approved_carriers.{region}", f"{len(carriers[region])}: {names}",
                             ", ".join(carriers["rules"]), carriers["source"]))
        for table_name in ("status_mappings", "return_status_mappings"):
            for system, mapping in self.data[table_name].items():
                pairs = "; ".join(f"{k}→{_short(v)}" for k, v in mapping["table"].items())
                rows.append(("*", f"{table_name[:-1]}.{system}", pairs, ", ".join(mapping["rules"]),
                             mapping["source"]))
        return rows


def _short(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Mapping):
        return "/".join(str(v) for v in value.values())
    return str(value)


def _render(key: str, value: Any, profile: Profile) -> str:
    if key == "auto_cancel":
        return profile.auto_cancel.describe()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if value is None:
        return "n/a"
    if key == "ldr_target":
        return f"≤ {float(value):.0%}"
    return str(value)
