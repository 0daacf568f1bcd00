"""FUL-5: validate an OMS carrier/class against the account's list and resolve the TikTok-approved carrier."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.channeladvisor.errors import CaError
from simulator.channeladvisor.seed import Account


class InvalidCarrier(CaError):
    """The carrier/class pair is not in the account's list, or maps to no TikTok-approved carrier."""

    code = "InvalidShippingCarrier"


@dataclass(frozen=True)
class ResolvedCarrier:
    """The TikTok carrier a CA shipment is relayed with: its code (Rithum doc) and display name."""

    code: str
    name: str
    mapped: bool


def resolve_carrier(account: Account, approved: dict[str, str], carrier: str, shipping_class: str) -> ResolvedCarrier:
    """Check ``carrier``/``shipping_class`` and return the TikTok carrier (FUL-5).

    Args:
        account: the profile whose Carrier/Class list and Outbound Shipping Mappings apply.
        approved: TikTok-approved carriers for the shop's region, display name -> code.
        carrier: the ``ShippingCarrier`` code the OMS sent.
        shipping_class: the ``ShippingClass`` code the OMS sent.

    Raises:
        InvalidCarrier: unknown carrier or class for the account, or a carrier TikTok does not accept
            in the region and no Outbound Shipping Mapping translates.
    """
    if not carrier or not shipping_class:
        raise InvalidCarrier("ShippingCarrier and ShippingClass are both required (sent as a pair).")
    known = _find(account.carriers, carrier)
    if known is None:
        raise InvalidCarrier(
            f"ShippingCarrier '{carrier}' is not in the Carrier/Class list of profile "
            f"{account.profile_id} ({', '.join(account.carriers)})."
        )
    classes = account.carriers[known]
    if _find(dict.fromkeys(classes, ()), shipping_class) is None:
        raise InvalidCarrier(
            f"ShippingClass '{shipping_class}' is not a class of carrier '{known}' in profile "
            f"{account.profile_id} ({', '.join(classes)})."
        )
    by_code = {code.lower(): (name, code) for name, code in approved.items()}
    for mapping in account.mappings:
        if mapping.carrier.lower() == known.lower() and (
            mapping.shipping_class is None or mapping.shipping_class.lower() == shipping_class.lower()
        ):
            target = by_code.get(mapping.tiktok_carrier.lower())
            if target is None:
                raise InvalidCarrier(
                    f"The Outbound Shipping Mapping of '{known}' points to "
                    f"'{mapping.tiktok_carrier}', which TikTok Shop does not accept in "
                    f"{account.region}."
                )
            return ResolvedCarrier(target[1], target[0], mapped=True)
    direct = by_code.get(known.lower()) or next(
        ((n, c) for n, c in approved.items() if n.lower() == known.lower()), None
    )
    if direct is None:
        raise InvalidCarrier(
            f"ShippingCarrier '{carrier}' is not a TikTok Shop approved carrier for "
            f"{account.region} shops and has no Outbound Shipping Mapping (accepted: "
            f"{', '.join(approved.values())})."
        )
    return ResolvedCarrier(direct[1], direct[0], mapped=False)


def _find(table: dict[str, tuple[str, ...]], value: str) -> str | None:
    return next((k for k in table if k.lower() == value.strip().lower()), None)
