"""SFCC jobs on the world clock: TikTok-ExportOrderStatus (feed), UpdateOrderStatus (CSV), GetOrderStatuses (pull)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.clock import Clock, Timer
from simulator.journal import Journal
from simulator.lazyimport import requests
from simulator.sfcc import errors as E
from simulator.sfcc.feed import ORDER_TOKENS, SHIPPING_TOKENS, FeedOrder, read_status_csv, write_orders_xml

if TYPE_CHECKING:
    from simulator.sfcc.backend import SfccBackend

EXPORT_JOB, CSV_JOB, PULL_JOB = "TikTok-ExportOrderStatus", "TikTok-UpdateOrderStatus", "TikTok-GetOrderStatuses"


class RecurringJob:
    """A job that runs every ``interval`` of world time until stopped.

    ``idle`` answers whether a run now would find nothing to do; such runs are skipped by the clock
    (``Clock.every``) and counted in :attr:`skipped_runs`, so a month of quiet costs a few timer
    checks, not 2,880 runs. A run that has work happens at the same cadence instant it always would.
    """

    def __init__(self, clock: Clock, journal: Journal, name: str, interval: timedelta, run: Callable[[], Any],
                 idle: Callable[[], bool] | None = None) -> None:
        self.clock, self.journal, self.name, self.interval, self._run = clock, journal, name, interval, run
        self._idle = idle
        self._timer: Timer | None = None
        self._skipped = 0  # skipped runs of earlier schedules (start() restarts the cadence)

    @property
    def running(self) -> bool:
        """True while scheduled."""
        return self._timer is not None

    @property
    def skipped_runs(self) -> int:
        """Runs skipped because there was nothing to do (an empty export, no status file, no open order)."""
        return self._skipped + (self._timer.skipped if self._timer is not None else 0)

    def describe(self) -> dict[str, Any]:
        """Name, cadence, next run (None when stopped) and skipped runs, as the control plane shows them."""
        return {"name": self.name, "interval_seconds": int(self.interval.total_seconds()), "running": self.running,
                "next_run": self._timer.due.isoformat().replace("+00:00", "Z") if self._timer else None,
                "skipped_runs": self.skipped_runs}

    def start(self) -> None:
        """Schedule runs every interval from now (restarts the cadence)."""
        self.stop()
        self._timer = self.clock.every(self.interval, self.run_now, kind=f"sfcc.job.{self.name}", key=self.name,
                                       idle=self._idle)

    def stop(self) -> None:
        """Cancel the next run."""
        if self._timer is not None:
            self._skipped += self._timer.skipped
        self.clock.cancel(self._timer)
        self._timer = None

    def run_now(self) -> Any:
        """Run once now (the schedule is unchanged); a job failure is journaled, as SFCC marks the job ERROR."""
        try:
            return self._run()
        except Exception as exc:  # noqa: BLE001 - a failing job step must not stop the world's clock
            self.journal.record("sfcc.job.error", job=self.name, error=f"{type(exc).__name__}: {exc}")
            return None


def export_idle(backend: SfccBackend) -> bool:
    """A run of the export job now would write nothing (no READY order, and empty files are not written)."""
    return not backend.orders.ready and not backend.config.jobs.get(EXPORT_JOB, {}).get("write_empty", False)


def export_order_status(backend: SfccBackend) -> dict[str, Any]:
    """FUL-3: write TikTok orders whose ``c_externalExportStatus`` is READY, mark them EXPORTED, notify TikTok."""
    job = backend.config.jobs.get(EXPORT_JOB, {})
    book, now = backend.orders, backend.clock.now()
    if not book.orders:  # nothing has reached the instance yet: no file (see docs/sfcc.md)
        return {"file": None, "orders": []}
    # The READY index, not a scan: a run with nothing to export costs microseconds however many orders exist.
    ready = sorted((book.orders[n] for n in book.ready), key=lambda o: o.order_no, reverse=True)
    if not ready and not job.get("write_empty", False):
        # The cartridge writes a file on every run, even empty; by default the simulator writes none,
        # so an advance over weeks costs no disk I/O (write_empty: true restores the cartridge's
        # behaviour). Scheduled empty runs are skipped altogether (export_idle); one run by hand
        # (the control plane) is journaled so its caller sees it happened.
        backend.journal.record("sfcc.feed.empty", job=EXPORT_JOB, rule="FUL-3")
        return {"file": None, "orders": []}
    folder = str(job.get("folder", "src/feeds/export/social/tiktok/order")).strip("/")
    name = f"{job.get('file_name', 'TikTokOrderStatusUpdate')}_{now:%Y-%m-%dT%H:%M:%SZ}.xml"
    path = backend.impex_dir(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")  # written an order at a time: whole, or not at all
    try:
        with partial.open("wb", buffering=1 << 16) as out:  # a syscall per 64 KiB, not per 8
            records = write_orders_xml(ready, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    for order in ready:
        book.mark_exported(order.order_no)
    numbers = [o.order_no for o in ready]
    backend.journal.record("sfcc.feed.written", job=EXPORT_JOB, file=f"{folder}/{name}", orders=numbers,
                           order_ids=[o.external_order_id for o in ready], rule="FUL-3")
    if numbers and not _notify(backend, job, f"{folder}/{name}", records):
        # TikTok never learnt of the file: the orders stay ready, so the next run carries them again
        # (marking them exported would leave SFCC ahead of TikTok for good).
        for order in ready:
            book.mark_exported(order.order_no, exported=False)
    return {"file": f"{folder}/{name}", "orders": numbers}


def _notify(backend: SfccBackend, job: dict[str, Any], relative: str, records: list[FeedOrder] | None) -> bool:
    url = str(job.get("notify_url") or "https://business-api.tiktok.com/tbp/v2.0/feed/download/")
    file_url = f"https://{backend.config.host}/on/demandware.servlet/webdav/Sites/IMPEX/{relative}"
    body = {"business_platform": "SALESFORCE", "external_business_id": str(job.get("external_business_id", "")),
            "params": {"url": file_url,
                       "feed_type": "order", "update_type": "update"}}
    pickup = backend.in_process_pickup(url)
    for attempt in range(1, 4):  # the cartridge's notifyFeed: 3 tries, job ERROR if all fail
        status: int | None = None
        code: Any = None
        if pickup is not None:  # this world's own TikTok: told directly, as its endpoint would be
            # What the file parses to, known from writing it: this world's pickup need not parse it back.
            code = 0 if "error" not in pickup(file_url, records) else 50001
        else:
            try:
                answer = backend.outbound_session(url).post(url, json=body, timeout=10)
                status = answer.status_code
                code = answer.json().get("code") if answer.headers.get("content-type", "").startswith(
                    "application/json") else None
            except (requests.RequestException, ValueError) as exc:
                code = None
                backend.journal.record("sfcc.feed.notify_failed", attempt=attempt, error=str(exc))
        if code == 0:
            backend.journal.record("sfcc.feed.notified", file=relative, attempt=attempt, url=url, rule="FUL-3")
            return True
        if code is not None or status is not None:
            backend.journal.record("sfcc.feed.notify_failed", attempt=attempt, status=status, code=code)
    backend.journal.record("sfcc.job.error", job=EXPORT_JOB, error="TikTok feed notification failed")
    return False


def _status_files(backend: SfccBackend) -> tuple[str, list[Path]]:
    job = backend.config.jobs.get(CSV_JOB, {})
    folder = str(job.get("folder", "src/feeds/import/oms/status")).strip("/")
    directory = backend.impex_path(folder, create=False)
    if directory is None or not os.path.isdir(directory):  # a stat, not pathlib's
        return folder, []
    return folder, [path for path in sorted(directory.glob(str(job.get("file_pattern", "*.csv")))) if path.is_file()]


def import_idle(backend: SfccBackend) -> bool:
    """A run of the status import now would find no file (files arrive over WebDAV or on disk between runs)."""
    return not _status_files(backend)[1]


def import_status_files(backend: SfccBackend) -> dict[str, Any]:
    """FUL-4 (batch) / CAN-S1: apply every OMS status CSV in the import folder, then archive it."""
    folder, paths = _status_files(backend)
    return {"files": [_import_file(backend, folder, path) for path in paths]}


def _import_file(backend: SfccBackend, folder: str, path: Path) -> dict[str, Any]:
    lines, errors = read_status_csv(path.read_text(encoding="utf-8"))
    applied = []
    for line in lines:
        try:
            order = backend.orders.apply_batch_status(line.order_no, line.order_status, line.shipping_status,
                                                      line.tracking_number, line.carrier)
            applied.append(order.order_no)
        except E.OcapiFault as fault:
            errors.append(f"line {line.line_no}: {fault.fault_type}: {fault.text}")
    archive = path.parent / "archive"
    archive.mkdir(exist_ok=True)
    path.rename(archive / path.name)
    backend.journal.record("sfcc.oms.batch_file", job=CSV_JOB, file=f"{folder}/{path.name}", applied=applied,
                           errors=errors, rule="FUL-4")
    return {"file": path.name, "applied": applied, "errors": errors}


def _open_orders(backend: SfccBackend) -> Iterator[Any]:
    return (o for o in backend.orders.orders.values()
            if o.channel_type == "tiktok" and o.status not in ("cancelled", "completed")
            and o.custom.get("externalChannelOrderStatus") not in (6, 5))


def pull_idle(backend: SfccBackend) -> bool:
    """A run of the OMS pull now would ask nothing (no OMS URL, or no open TikTok order to ask about)."""
    return not backend.config.jobs.get(PULL_JOB, {}).get("url") or next(_open_orders(backend), None) is None


def pull_oms_statuses(backend: SfccBackend) -> dict[str, Any]:
    """FUL-4 (pull): ask the configured OMS for the status of every open TikTok order and apply changes."""
    url = backend.config.jobs.get(PULL_JOB, {}).get("url")
    if not url:
        return {"skipped": "no OMS status URL configured"}
    open_orders = list(_open_orders(backend))
    if not open_orders:
        return {"orders": []}
    numbers = ",".join(sorted(o.order_no for o in open_orders))
    try:
        answer = backend.outbound_session(str(url)).get(str(url), params={"order_no": numbers}, timeout=10)
        answer.raise_for_status()
        rows = answer.json().get("orders", [])
    except (requests.RequestException, ValueError, AttributeError) as exc:
        backend.journal.record("sfcc.oms.pull_failed", job=PULL_JOB, url=url, error=str(exc), rule="FUL-4")
        return {"error": str(exc)}
    applied, errors = [], []
    for row in rows if isinstance(rows, list) else []:
        try:
            applied.append(_apply_pulled(backend, row))
        except (E.OcapiFault, KeyError, TypeError) as exc:
            errors.append(f"{row!r}: {exc}")
    backend.journal.record("sfcc.oms.pulled", job=PULL_JOB, url=url, applied=applied, errors=errors, rule="FUL-4")
    return {"applied": applied, "errors": errors}


def _apply_pulled(backend: SfccBackend, row: dict[str, Any]) -> str:
    order_no = str(row["orderNo"])
    status = ORDER_TOKENS.get(str(row.get("orderStatus")), row.get("orderStatus"))
    shipping = SHIPPING_TOKENS.get(str(row.get("shippingStatus")), row.get("shippingStatus"))
    # GetSOMOrderStatus: a cancelled OMS order sets externalChannelOrderStatus (not the system status).
    if status == "cancelled":
        backend.orders.channel_cancel(order_no)
        status = None
    backend.orders.apply_batch_status(order_no, status or None, shipping or None,
                                      row.get("trackingNumber"), row.get("carrier"))
    return order_no
