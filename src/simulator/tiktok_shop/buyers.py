"""Buyer and recipient address generation by market locale (en_US / en_GB) from the world's seeded faker."""

from __future__ import annotations

from typing import Any


def fake_buyer(fake: Any, region: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(buyer, recipient_address)`` in TikTok's shapes; the same faker state gives the same buyer."""
    first, last = fake.first_name(), fake.last_name()
    buyer = {
        "user_id": fake.numerify("70" + "#" * 17),
        "nickname": fake.user_name(),
        # TikTok hands sellers an anonymized relay address, never the buyer's real one.
        "email": fake.lexify("v0??????????????") + "@scs2.tiktok.com",
        "name": f"{first} {last}",
    }
    line1, city, postcode = fake.street_address(), fake.city(), fake.postcode()
    if region == "UK":
        county = fake.county()
        districts = [("L0", "Country", "United Kingdom"), ("L1", "County", county), ("L3", "Post town", city)]
        full = f"{line1}, {city}, {county}, {postcode}"
        region_code = "GB"
    else:
        state = fake.state_abbr(include_territories=False)
        districts = [("L0", "Country", "United States"), ("L1", "State", state), ("L3", "City", city)]
        full = f"{line1}, {city}, {state} {postcode}"
        region_code = "US"
    address = {
        "name": buyer["name"], "first_name": first, "last_name": last,
        "phone_number": fake.numerify("(+1)###-###-####" if region == "US" else "(+44)7#########"),
        "address_detail": fake.secondary_address() if region == "US" else "",
        "address_line1": line1, "address_line2": "", "address_line3": "", "address_line4": "",
        "full_address": full, "postal_code": postcode, "region_code": region_code,
        "post_town": city if region == "UK" else "",
        "district_info": [{"address_level": lvl, "address_level_name": name, "address_name": value}
                          for lvl, name, value in districts],
        "delivery_preferences": {"drop_off_location": ""},
    }
    return buyer, address
