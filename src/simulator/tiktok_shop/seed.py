"""Deterministic generator of the TikTok Shop mock data (products, logistics, authorizations) from a seed.

Run ``python -m simulator.tiktok_shop.seed --seed 0 --out mocks/tiktok_shop``; ``shops.yaml`` is
read (never rewritten): shop ids, ciphers and regions are fixed data other systems rely on.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

import yaml
from faker import Faker

from simulator.rules import RuleBook

LOCALES = {"US": "en_US", "UK": "en_GB"}
CURRENCIES = {"US": "USD", "UK": "GBP"}
GOODS = ["Mug", "Tote Bag", "Candle", "Notebook", "Scarf", "Water Bottle", "Phone Case", "Hoodie", "Beanie", "Lamp"]
VARIANTS = [["Small", "Large"], ["Red", "Blue"], ["Matte", "Gloss"], ["Single", "Twin Pack"]]
OPTIONS = [  # (name, type, description, days, share of the region's approved carriers)
    ("Standard Shipping", "STANDARD", "Delivered in 3-7 business days", 7, 1.0),
    ("Express Shipping", "EXPRESS", "Delivered in 1-3 business days", 3, 0.34),
    ("Economy Shipping", "ECONOMY", "Delivered in 7-12 business days", 12, 0.5),
]


STYLES = {  # a style word per kind of good: faker's random words read as nonsense in a catalogue
    "Mug": ("Stoneware", "Ceramic", "Enamel"), "Tote Bag": ("Canvas", "Recycled", "Organic Cotton"),
    "Candle": ("Hand-Poured", "Soy Wax", "Scented"), "Notebook": ("Dotted", "Linen-Bound", "Recycled Paper"),
    "Scarf": ("Wool-Blend", "Cashmere-Feel", "Silk"), "Water Bottle": ("Insulated", "Stainless", "Glass"),
    "Phone Case": ("Slim", "Shockproof", "Leather"), "Hoodie": ("Heavyweight", "Organic Cotton", "Vintage-Wash"),
    "Beanie": ("Ribbed", "Merino", "Cable-Knit"), "Lamp": ("Ceramic", "Rattan", "Brass"),
}


def _numeric_id(fake: Faker, prefix: str, digits: int = 19) -> str:
    return prefix + fake.numerify("#" * (digits - len(prefix)))


def _token(seed: int, label: str, prefix: str) -> str:
    return prefix + hashlib.sha256(f"{seed}:{label}".encode()).hexdigest()[:40]


def _address(fake: Faker, region: str) -> dict[str, Any]:
    line1 = fake.street_address()
    city = fake.city()
    state = fake.state() if region == "US" else fake.county()
    postal = fake.postcode()
    return {
        "region": "United States" if region == "US" else "United Kingdom", "region_code": region,
        "state": state, "city": city, "distict": "", "town": "", "postal_code": postal,
        "address_line1": line1, "address_line2": "", "address_line3": "", "address_line4": "",
        "full_address": f"{line1}, {city}, {state} {postal}",
        "contact_person": fake.name(), "phone_number": fake.phone_number(),
    }


def generate(seed: int, shops: list[dict[str, Any]], rules: RuleBook) -> dict[str, Any]:
    """All generated documents: ``{"products": ..., "logistics": ..., "auth": ...}``."""
    carriers = rules["direct"]
    options: list[dict[str, Any]] = []
    for region in ("US", "UK"):
        fake = Faker(LOCALES[region])
        fake.seed_instance(f"{seed}:logistics:{region}")
        names = list(carriers.approved_carriers(region))
        providers = [{"id": _numeric_id(fake, "69"), "name": name} for name in names]
        for name, kind, description, days, share in OPTIONS:
            options.append({
                "id": _numeric_id(fake, "70"), "region": region, "name": name, "type": kind,
                "description": description, "delivery_days": days, "platform": ["TIKTOK_SHOP"],
                "weight_limit": {"max_weight": 30000, "min_weight": 1, "unit": "GRAM"},
                "dimension_limit": {"max_length": 120, "max_width": 80, "max_height": 80, "unit": "CM"},
                "shipping_providers": providers[: max(3, round(len(providers) * share))],
            })
    warehouses: list[dict[str, Any]] = []
    products: list[dict[str, Any]] = []
    for shop in shops:
        region = str(shop["region"])
        fake = Faker(LOCALES[region])
        fake.seed_instance(f"{seed}:shop:{shop['id']}")
        for index, kind in enumerate(("SALES_WAREHOUSE", "RETURN_WAREHOUSE")):
            warehouses.append({
                "id": _numeric_id(fake, "72"), "shop_id": str(shop["id"]),
                "name": f"{fake.city()} {'Fulfillment Center' if index == 0 else 'Returns Center'}",
                "type": kind, "sub_type": "DOMESTIC_WAREHOUSE", "effect_status": "ENABLED",
                "is_default": index == 0, "address": _address(fake, region),
                "delivery_option_ids": [o["id"] for o in options if o["region"] == region] if index == 0 else [],
            })
        for number in range(4):
            good = GOODS[(number + int(str(shop["id"])[-1])) % len(GOODS)]
            title = f"{fake.safe_color_name().title()} {fake.random_element(STYLES[good])} {good}"
            product_id = _numeric_id(fake, "173")
            skus = []
            for variant in VARIANTS[number % len(VARIANTS)]:
                price = fake.pydecimal(left_digits=2, right_digits=2, min_value=6, max_value=89)
                skus.append({
                    "id": _numeric_id(fake, "172"), "seller_sku": f"{shop['code']}-{number + 1:02d}-{variant[:3].upper()}",
                    "name": variant, "price": str(price), "currency": CURRENCIES[region], "stock": 1000,
                })
            products.append({"id": product_id, "shop_id": str(shop["id"]), "title": title, "skus": skus})
    main_fake = Faker("en_US")
    main_fake.seed_instance(f"{seed}:auth")
    every = [str(s["id"]) for s in shops]
    single = [str(s["id"]) for s in shops if s["profile"] == "direct"][:1]
    authorizations = [
        {"auth_code": _token(seed, "code:all", "TTP_code_"), "open_id": _numeric_id(main_fake, "7", 19),
         "seller_name": main_fake.company(), "seller_base_region": "US", "shop_ids": every,
         "access_token": _token(seed, "access:all", "TTP_"), "refresh_token": _token(seed, "refresh:all", "TTP_r")},
        {"auth_code": _token(seed, "code:one", "TTP_code_"), "open_id": _numeric_id(main_fake, "7", 19),
         "seller_name": main_fake.company(), "seller_base_region": "US", "shop_ids": single,
         "access_token": _token(seed, "access:one", "TTP_"), "refresh_token": _token(seed, "refresh:one", "TTP_r")},
    ]
    return {
        "products": {"products": products},
        "logistics": {"delivery_options": options, "warehouses": warehouses},
        "auth": {"access_token_ttl": "7d", "refresh_token_ttl": "365d", "authorizations": authorizations},
    }


HEADER = "# Generated by `python -m simulator.tiktok_shop.seed --seed {seed}`; edit the generator, not this file.\n"


def write(seed: int, out: Path) -> list[Path]:
    """Generate from ``out/shops.yaml`` and write ``products.yaml``, ``logistics.yaml``, ``auth.yaml``."""
    shops = yaml.safe_load((out / "shops.yaml").read_text(encoding="utf-8"))["shops"]
    written = []
    for name, doc in generate(seed, shops, RuleBook.load()).items():
        path = out / f"{name}.yaml"
        path.write_text(HEADER.format(seed=seed) + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("mocks/tiktok_shop"))
    args = parser.parse_args(argv)
    for path in write(args.seed, args.out):
        print(f"wrote {path}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
