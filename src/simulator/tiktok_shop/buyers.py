"""Buyer and recipient address generation by market locale (en_US / en_GB) from the world's seeded faker."""

from __future__ import annotations

from collections.abc import Sequence
from sys import intern
from typing import Any

_SEP = "\x1f"  # ASCII unit separator: never in a faker value (checked when packing)
_EMAIL_DOMAIN = "@scs2.tiktok.com"  # TikTok hands sellers an anonymized relay address, never the buyer's real one


class FakeBuyer(bytes):
    """A drawn buyer and recipient address packed in one UTF-8 byte string; the dicts are built on each read.

    An order keeps only the drawn values (one small object instead of five dicts and two dozen
    strings; bytes, because a str subclass keeps its characters in a second block); everything derived from them (the name, the full address, the district list, the
    constant fields) is rebuilt, so every read gives the same dicts :func:`fake_buyer` returned.
    Fields: region, user_id, nickname, email local part, first and last name, phone, secondary
    address, street address, city, state (US) or county (UK), postcode.
    """

    __slots__ = ()

    @classmethod
    def pack(cls, *fields: str) -> FakeBuyer | None:
        """The packed buyer, or None when a value holds the separator (the caller keeps plain dicts)."""
        if any(_SEP in value for value in fields):
            return None
        return cls(_SEP.join(fields).encode("utf-8"))

    def buyer(self) -> dict[str, Any]:
        """The buyer in TikTok's shape (``user_id``, ``nickname``, ``email``, ``name``)."""
        return _buyer(self.decode("utf-8").split(_SEP))

    def address(self) -> dict[str, Any]:
        """The recipient address in TikTok's shape."""
        return _address(self.decode("utf-8").split(_SEP))

    def address_text(self) -> dict[str, str]:
        """The recipient address's string fields: :meth:`address` without its two structured ones, cheaper to build."""
        return _address_text(self.decode("utf-8").split(_SEP))

    def fields(self) -> list[str]:
        """The drawn values, in the order the class lists them (what every read above derives from)."""
        return self.decode("utf-8").split(_SEP)

    def user_id(self) -> str:
        """The buyer's ``user_id`` (the second field)."""
        return self.decode("utf-8").split(_SEP, 2)[1]

    def email(self) -> str:
        """The buyer's ``email`` without building the buyer."""
        return self.decode("utf-8").split(_SEP, 4)[3] + _EMAIL_DOMAIN

    def __repr__(self) -> str:
        return f"FakeBuyer({self.buyer()!r}, {self.address()!r})"


def _buyer(fields: Sequence[str]) -> dict[str, Any]:
    _, user_id, nickname, email, first, last, *_ = fields
    return {"user_id": user_id, "nickname": nickname, "email": email + _EMAIL_DOMAIN, "name": f"{first} {last}"}


def _address(fields: Sequence[str]) -> dict[str, Any]:
    address: dict[str, Any] = _address_text(fields)
    area, city = intern(fields[10]), fields[9]
    if fields[0] == "UK":
        districts = [("L0", "Country", "United Kingdom"), ("L1", "County", area), ("L3", "Post town", city)]
    else:
        districts = [("L0", "Country", "United States"), ("L1", "State", area), ("L3", "City", city)]
    address["district_info"] = [{"address_level": lvl, "address_level_name": name, "address_name": value}
                                for lvl, name, value in districts]
    address["delivery_preferences"] = {"drop_off_location": ""}
    return address


def _address_text(fields: Sequence[str]) -> dict[str, str]:
    region, _, _, _, first, last, phone, detail, line1, city, area, postcode = fields
    # Names and states come from faker's word lists: interned, the copies a system keeps are shared.
    first, last, area = intern(first), intern(last), intern(area)
    uk = region == "UK"
    return {
        "name": f"{first} {last}", "first_name": first, "last_name": last,
        "phone_number": phone, "address_detail": detail,
        "address_line1": line1, "address_line2": "", "address_line3": "", "address_line4": "",
        "full_address": f"{line1}, {city}, {area}, {postcode}" if uk else f"{line1}, {city}, {area} {postcode}",
        "postal_code": postcode, "region_code": "GB" if uk else "US", "post_town": city if uk else "",
    }


def draw_buyer(fake: Any, region: str) -> FakeBuyer | tuple[dict[str, Any], dict[str, Any]]:
    """Draw a buyer and address from ``fake`` (the same faker state gives the same buyer), packed when it can be.

    The draws are made in the order they always were, so a seeded world's buyers stay the same.
    """
    first, last = fake.first_name(), fake.last_name()
    user_id = fake.numerify("70" + "#" * 17)
    nickname = fake.user_name()
    email = fake.lexify("v0??????????????")
    line1, city, postcode = fake.street_address(), fake.city(), fake.postcode()
    area = fake.county() if region == "UK" else fake.state_abbr(include_territories=False)
    phone = fake.numerify("(+1)###-###-####" if region == "US" else "(+44)7#########")
    detail = fake.secondary_address() if region == "US" else ""
    fields = (region, user_id, nickname, email, first, last, phone, detail, line1, city, area, postcode)
    packed = FakeBuyer.pack(*fields)
    return packed if packed is not None else (_buyer(fields), _address(fields))


def fake_buyer(fake: Any, region: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(buyer, recipient_address)`` in TikTok's shapes; the same faker state gives the same buyer."""
    drawn = draw_buyer(fake, region)
    return drawn if isinstance(drawn, tuple) else (drawn.buyer(), drawn.address())
