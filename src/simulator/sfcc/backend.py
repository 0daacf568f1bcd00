"""SfccBackend: one SFCC instance in a World (config, auth, orders, impex folder, jobs) and its installer."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.lazyimport import requests
from simulator.sfcc.auth import Authenticator
from simulator.sfcc.config import SfccConfig, job_interval, load_config
from simulator.sfcc.jobs import (
    CSV_JOB,
    EXPORT_JOB,
    PULL_JOB,
    RecurringJob,
    export_idle,
    export_order_status,
    import_idle,
    import_status_files,
    pull_idle,
    pull_oms_statuses,
)
from simulator.sfcc.models import EXPORT_READY
from simulator.sfcc.orders import OrderBook
from simulator.sfcc.serializers import order_document

if TYPE_CHECKING:

    from simulator.world import World

TIKTOK_BUSINESS_API = "https://business-api.tiktok.com"


class SfccBackend:
    """The ``sfcc`` system of a world (implements :class:`simulator.systems.System`)."""

    name = "sfcc"

    def __init__(self, world: World) -> None:
        self.world = world
        self.clock, self.journal = world.clock, world.journal
        settings = dict(world.config.get("sfcc") or {})
        self.config: SfccConfig = load_config(world.mocks_dir, settings)
        self.auth = Authenticator(self.config, world.clock, world.seed)
        self.orders = OrderBook(self.config, world.clock, world.journal, self._catalog)
        self._impex_root: Path | None = Path(settings["impex_dir"]) if settings.get("impex_dir") else None
        self._temp_dir: str | None = None
        self._resolved: dict[str, Path] = {}  # relative -> checked absolute path (jobs ask every 15 minutes)
        self._session: requests.Session | None = None
        self._mounts: dict[str, Any] = {}
        self.connector: Any = None  # the TikTok -> SFCC connector (feed pickup), set by its installer
        self.jobs = {
            EXPORT_JOB: RecurringJob(self.clock, self.journal, EXPORT_JOB,
                                     job_interval(self.config.jobs.get(EXPORT_JOB, {}), "15m"),
                                     lambda: export_order_status(self), lambda: export_idle(self)),
            CSV_JOB: RecurringJob(self.clock, self.journal, CSV_JOB,
                                  job_interval(self.config.jobs.get(CSV_JOB, {}), "15m"),
                                  lambda: import_status_files(self), lambda: import_idle(self)),
            PULL_JOB: RecurringJob(self.clock, self.journal, PULL_JOB,
                                   job_interval(self.config.jobs.get(PULL_JOB, {}), "1h"),
                                   lambda: pull_oms_statuses(self), lambda: pull_idle(self)),
        }

    # -- catalogue: the products TikTok knows are SFCC's catalogue (catalog sync, TT-CAT) -----------
    def _catalog(self, product_id: str) -> str | None:
        sku = self.world.inventory.find_code(product_id)
        return f"{sku.product_name} {sku.sku_name}".strip() if sku is not None else None

    # -- impex folder ------------------------------------------------------------------------------
    def impex_path(self, relative: str, *, create: bool = True) -> Path | None:
        """``IMPEX/<relative>`` on disk (a per-world temp folder unless ``sfcc.impex_dir`` is configured)."""
        if self._impex_root is None:
            if not create:
                return None
            self._temp_dir = tempfile.mkdtemp(prefix="tts-sim-sfcc-impex-")
            self._impex_root = Path(self._temp_dir)
        known = self._resolved.get(relative)
        if known is not None:  # resolving costs a stat per path component: 2,880 job runs per 30 days
            return known
        target = (self._impex_root / relative.strip("/")).resolve()
        if not target.is_relative_to(self._impex_root.resolve()):
            raise ValueError(f"path {relative!r} leaves the IMPEX folder")
        self._resolved[relative] = target
        return target

    @property
    def impex_root(self) -> Path:
        """The IMPEX folder (created on first use)."""
        return self.impex_dir("")

    def impex_dir(self, relative: str) -> Path:
        """``IMPEX/<relative>``, creating the IMPEX root if needed."""
        path = self.impex_path(relative)
        if path is None:  # pragma: no cover - create=True always yields a path
            raise RuntimeError("no IMPEX folder")
        return path

    # -- outbound HTTP (feed notification, OMS pull) ----------------------------------------------
    def mount(self, base_url: str, app: Any) -> None:
        """Serve outbound calls to ``base_url`` by a WSGI ``app`` in-process (tests, scenario actors)."""
        self._mounts[base_url.rstrip("/") + "/"] = app
        self._session = None

    def outbound_session(self, url: str) -> requests.Session:
        """A session for the instance's own outbound calls (mounted WSGI apps in-process, else real HTTP)."""
        if self._session is None:
            from simulator.transport import WSGIAdapter  # requests' adapter classes: only once a call goes out

            session = requests.Session()
            for prefix, app in self._mounts.items():
                session.mount(prefix, WSGIAdapter(app))
            self._session = session
        return self._session

    def in_process_pickup(self, url: str) -> Any:
        """How the feed notification reaches this world's own TikTok when ``url`` is its business API.

        The connector's pickup, called directly (no HTTP round trip); without a connector, an answer
        saying pickup is disabled. None when ``url`` is elsewhere or a test mounted its own receiver.
        """
        if not url.startswith(TIKTOK_BUSINESS_API + "/") or TIKTOK_BUSINESS_API + "/" in self._mounts:
            return None
        if self.connector is None:
            return lambda file_url, records=None: {"error": "feed pickup disabled"}
        return self.connector.pickup

    def configure_oms_pull(self, url: str | None, interval: str | float | None = None) -> None:
        """FUL-4 pull: set (or clear) the OMS status URL and the job cadence; the job starts at once."""
        job = self.config.jobs.setdefault(PULL_JOB, {})
        job["url"] = url
        if interval is not None:
            job["interval"] = interval
            self.jobs[PULL_JOB].interval = job_interval(job, "1h")
        if url:
            self.jobs[PULL_JOB].start()
        else:
            self.jobs[PULL_JOB].stop()

    # -- SFCC-3 --------------------------------------------------------------------------------------
    def safeguard_report(self) -> dict[str, Any]:
        """Would-be captures and emails, and those a safeguarded environment would not have let out."""
        records = [{"at": r.at.isoformat(), "kind": r.kind, "site_id": r.site_id, "order_no": r.order_no,
                    "performed": r.performed, "let_out": r.let_out, **r.detail} for r in self.orders.safeguards]
        protected = self.config.environment != "production"
        config_issues = []
        for site in self.config.sites.values():
            for flag, bad in (("storefront_protection", not site.storefront_protection.get("enabled")),
                              ("payment_capture", site.payment_capture),
                              ("order_confirmation_emails", site.order_confirmation_emails)):
                if protected and bad:
                    config_issues.append({"site_id": site.id, "setting": flag})
        return {"environment": self.config.environment, "records": records,
                "violations": [r for r in records if r["let_out"]], "config_issues": config_issues,
                "ok": not config_issues and not any(r["let_out"] for r in records), "rule": "SFCC-3"}

    # -- routing and sync state (connector, invariants) ------------------------------------------------
    def site_for_shop(self, shop_id: str) -> str | None:
        """The site wired to a TikTok shop (``tiktok_shop_id``), if any."""
        return next((s.id for s in self.config.sites.values() if s.tiktok_shop_id == shop_id), None)

    def serves_shop(self, shop_id: str) -> bool:
        """True when a site of this instance is wired to the TikTok shop (only its orders come here)."""
        return self.site_for_shop(shop_id) is not None

    def holds_order(self, order_id: str) -> bool:
        """True when an SFCC order was created for the TikTok order."""
        return self.orders.find_external(order_id) is not None

    def index_problems(self) -> list[str]:
        """Where an order index disagrees with a scan (simulator.invariants)."""
        return self.orders.index_problems()

    @staticmethod
    def awaiting_export(order: Any) -> bool:
        """True when the order changed in SFCC since the feed last carried it to TikTok (SFCC is ahead)."""
        return bool(order.custom.get("externalExportStatus") == EXPORT_READY)

    def pending_work(self, order_id: str) -> list[dict[str, Any]]:
        """The connector's scheduled retries for a TikTok order (shown by ``GET /_sim/orders/{id}``)."""
        return self.connector.pending_work(order_id) if self.connector is not None else []

    # -- System protocol ---------------------------------------------------------------------------
    def owns_path(self, path: str) -> bool:
        """SFCC's URL space: storefront ``/s/``, OCAPI/OAuth ``/dw/``, WebDAV ``/on/demandware.servlet/``."""
        return path.startswith(("/s/", "/dw/", "/dwsso/", "/on/demandware"))

    def project_order(self, order_id: str) -> dict[str, Any] | None:
        """The SFCC order document created for a TikTok order (None: not in SFCC)."""
        order = self.orders.find_external(order_id)
        return order_document(order, "22.6") if order is not None else None

    def credentials(self) -> dict[str, Any]:
        """Instance host, token URLs, sites (CreateExternalOrder URL, storefront login), clients, BM users."""
        cfg = self.config
        return {
            "instance_host": cfg.host, "organization_id": cfg.organization_id, "environment": cfg.environment,
            "client_credentials_token_url": f"https://{cfg.account_manager_host}/dw/oauth2/access_token",
            "bm_user_token_url": f"https://{cfg.host}/dw/oauth2/access_token?client_id={{client_id}}",
            "ocapi_version": cfg.connector.get("ocapi_version", "v22_6"),
            "sites": [{"site_id": s.id, "tiktok_shop_id": s.tiktok_shop_id,
                       "create_order_url": f"https://{cfg.host}/s/{s.id}/CreateExternalOrder",
                       "storefront_protection": dict(s.storefront_protection)} for s in cfg.sites.values()],
            "api_clients": [{"client_id": c.client_id, "client_secret": c.client_secret, "name": c.name}
                            for c in cfg.clients.values()],
            "bm_users": [{"login": u.login, "access_key": u.access_key, "webdav_access_key": u.webdav_access_key}
                         for u in cfg.users.values()],
        }

    def close(self) -> None:
        """Stop the jobs and remove the temp IMPEX folder."""
        for job in self.jobs.values():
            job.stop()
        if self._temp_dir:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = self._impex_root = None
            self._resolved.clear()


def install(world: World) -> SfccBackend:
    """Add the SFCC instance and its jobs to ``world`` (the world wires the TikTok -> SFCC connector)."""
    backend = SfccBackend(world)
    world.systems["sfcc"] = backend
    world.on_close(backend.close)
    backend.jobs[EXPORT_JOB].start()
    backend.jobs[CSV_JOB].start()
    if backend.config.jobs.get(PULL_JOB, {}).get("url"):
        backend.jobs[PULL_JOB].start()
    return backend
