"""Loads ``mocks/sfcc/`` (instance, sites, clients, BM users, OCAPI settings, attribute meta, jobs)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from simulator import yamlfiles
from simulator.rules import parse_duration
from simulator.sfcc.models import ApiClient, BmUser, Site

VERSION_RE = re.compile(r"^v(\d{2})_(\d{1,2})$")


@dataclass(frozen=True, slots=True)
class AttributeDef:
    """A custom attribute definition: ``type`` string|text|int|enum_int|boolean, enum ``values``."""

    id: str
    type: str
    values: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Permission:
    """One OCAPI settings ``resources`` entry."""

    resource_id: str
    methods: frozenset[str]

    def allows(self, resource: str, method: str) -> bool:
        """True when ``resource`` matches ``resource_id`` (``*`` = one path segment) and the method is listed."""
        pattern_parts, parts = self.resource_id.strip("/").split("/"), resource.strip("/").split("/")
        if len(pattern_parts) != len(parts):
            return False
        return method.lower() in self.methods and all(
            fnmatchcase(part, pat) for pat, part in zip(pattern_parts, parts, strict=True)
        )


@dataclass
class SfccConfig:
    """Everything a new SFCC instance starts with."""

    host: str
    account_manager_host: str
    organization_id: str
    environment: str
    token_lifetimes: dict[str, timedelta]
    version_range: tuple[tuple[int, int], tuple[int, int]]
    sites: dict[str, Site]
    clients: dict[str, ApiClient]
    users: dict[str, BmUser]
    shop_permissions: dict[str, list[Permission]]
    data_permissions: dict[str, list[Permission]]
    attributes: dict[str, dict[str, AttributeDef]]
    jobs: dict[str, dict[str, Any]]
    connector: dict[str, Any]

    def version_supported(self, version: str) -> bool:
        """True for ``vYY_R`` within the served range."""
        match = VERSION_RE.match(version)
        if not match:
            return False
        key = (int(match.group(1)), int(match.group(2)))
        return self.version_range[0] <= key <= self.version_range[1]

    def site_for_shop(self, shop_id: str) -> Site | None:
        """The site wired to a TikTok shop."""
        return next((s for s in self.sites.values() if s.tiktok_shop_id == shop_id), None)


def _version_key(text: str) -> tuple[int, int]:
    match = VERSION_RE.match(text)
    if not match:
        raise ValueError(f"bad OCAPI version {text!r} in mocks/sfcc/instance.yaml")
    return int(match.group(1)), int(match.group(2))


def _permissions(path: Path) -> dict[str, list[Permission]]:
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"clients": []}
    return {
        c["client_id"]: [Permission(r["resource_id"], frozenset(m.lower() for m in r["methods"]))
                         for r in c.get("resources", [])]
        for c in data.get("clients", [])
    }


def _site(raw: dict[str, Any]) -> Site:
    guards = raw.get("safeguards") or {}
    return Site(
        id=str(raw["id"]), name=str(raw.get("name", raw["id"])), currency=str(raw.get("currency", "USD")),
        tiktok_shop_id=str(raw["tiktok_shop_id"]) if raw.get("tiktok_shop_id") else None,
        preferences=dict(raw.get("preferences") or {}),
        shipping_methods={str(m["id"]): str(m.get("name", m["id"])) for m in raw.get("shipping_methods", [])},
        payment_methods={str(m["id"]): {k: str(v) for k, v in m.items()} for m in raw.get("payment_methods", [])},
        storefront_protection=dict(guards.get("storefront_protection") or {"enabled": False}),
        payment_capture=bool(guards.get("payment_capture", False)),
        order_confirmation_emails=bool(guards.get("order_confirmation_emails", False)),
        cancel_sets_order_status=bool(raw.get("cancel_sets_order_status", False)),
    )


def load_config(mocks_dir: Path, overrides: dict[str, Any] | None = None) -> SfccConfig:
    """Read ``mocks_dir/sfcc``; ``overrides`` (``world.config['sfcc']``) may replace ``environment``,
    per-site ``safeguards`` (``{"safeguards": {"RefArch": {...}}}``) and ``jobs`` settings."""
    folder = mocks_dir / "sfcc"
    data = yamlfiles.load(folder / "instance.yaml") or {}
    overrides = overrides or {}
    inst = data["instance"]
    lifetimes = inst.get("token_lifetime_seconds") or {}
    versions = inst.get("ocapi_versions") or {"min": "v15_1", "max": "v25_6"}
    sites = {s.id: s for s in (_site(raw) for raw in data.get("sites", []))}
    for site_id, guards in (overrides.get("safeguards") or {}).items():
        site = sites[site_id]
        site.payment_capture = bool(guards.get("payment_capture", site.payment_capture))
        site.order_confirmation_emails = bool(guards.get("order_confirmation_emails", site.order_confirmation_emails))
        if "storefront_protection" in guards:
            site.storefront_protection = {**site.storefront_protection, "enabled": bool(guards["storefront_protection"])}
    meta = yamlfiles.load(folder / "attributes.yaml") or {}
    attributes = {
        obj: {aid: AttributeDef(aid, str(d["type"]), {int(k): str(v) for k, v in (d.get("values") or {}).items()})
              for aid, d in defs.items()}
        for obj, defs in meta.items()
    }
    jobs = {name: dict(body or {}) for name, body in (data.get("jobs") or {}).items()}
    for name, body in (overrides.get("jobs") or {}).items():
        jobs.setdefault(name, {}).update(body)
    return SfccConfig(
        host=str(inst["host"]), account_manager_host=str(inst.get("account_manager_host", "account.demandware.com")),
        organization_id=str(inst.get("organization_id", "")),
        environment=str(overrides.get("environment", inst.get("environment", "staging"))),
        token_lifetimes={
            "client_credentials": timedelta(seconds=int(lifetimes.get("client_credentials", 1799))),
            "bm_user_grant": timedelta(seconds=int(lifetimes.get("bm_user_grant", 900))),
        },
        version_range=(_version_key(versions["min"]), _version_key(versions["max"])),
        sites=sites,
        clients={str(c["client_id"]): ApiClient(str(c["client_id"]), str(c["client_secret"]), str(c.get("name", "")))
                 for c in data.get("api_clients", [])},
        users={str(u["login"]): BmUser(str(u["login"]), str(u["access_key"]), str(u.get("webdav_access_key", "")),
                                       bool(u.get("disabled", False)), bool(u.get("locked", False)))
               for u in data.get("bm_users", [])},
        shop_permissions=_permissions(folder / "ocapi_shop.json"),
        data_permissions=_permissions(folder / "ocapi_data.json"),
        attributes=attributes,
        jobs=jobs,
        connector=dict(data.get("tiktok_connector") or {}),
    )


def job_interval(job: dict[str, Any], default: str) -> timedelta:
    """A job's cadence (``interval`` as a duration string or seconds)."""
    value = job.get("interval", default)
    return timedelta(seconds=float(value)) if isinstance(value, int | float) else parse_duration(value)
