"""The control-plane CLI for a running ``tts-sim serve``: clock, orders, journal, credentials (over /_sim/).

Plain HTTP through ``requests``; no Flask and no world in this process. Every refusal is one line
on stderr and exit status 1 (no server there, or the server's ``{"error", "message"}``).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

DEFAULT_URL = "http://127.0.0.1:7070"
URL_ENV = "TTS_SIM_URL"


class RemoteError(Exception):
    """A control-plane call that failed: printed as one line, exit status ``status``."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class Remote:
    """``/_sim/`` of the server at ``url``."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        import requests  # here, not at import: `tts-sim serve` starts without it

        self.session = requests.Session()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        """One call; the parsed JSON answer, or :class:`RemoteError` with the server's message."""
        import requests

        target = f"{self.url}/_sim/{path}"
        try:
            answer = self.session.request(method, target, json=body, timeout=self.timeout,
                                          params={k: v for k, v in params.items() if v is not None})
        except requests.ConnectionError:
            raise RemoteError(f"no tts-sim server at {self.url} (start one with `tts-sim serve`, or pass --url "
                              f"/ set {URL_ENV})") from None
        except requests.Timeout:
            raise RemoteError(f"{method} {target}: no answer within {self.timeout:g} s") from None
        try:
            data = answer.json()
        except ValueError:
            raise RemoteError(f"{method} {target}: HTTP {answer.status_code}, not a tts-sim answer") from None
        if answer.status_code >= 400:
            error = data.get("error", "error") if isinstance(data, dict) else "error"
            message = data.get("message", answer.text) if isinstance(data, dict) else answer.text
            raise RemoteError(f"{error}: {message}")
        return data


# -- commands ------------------------------------------------------------------------------------
def _emit(args: argparse.Namespace, data: Any, human: Callable[[Any], Iterator[str]]) -> int:
    lines = [json.dumps(data, indent=2)] if args.json else list(human(data))
    for line in lines:
        print(line)
    return 0


def _clock_lines(data: Any) -> Iterator[str]:
    yield f"now {data['now']}  (pending timers: {data['pending_timers']}, next due {data['next_due'] or '-'})"
    fired = data.get("fired")
    if fired is not None:
        yield f"fired {len(fired)} timer(s)"
        for timer in fired:
            yield f"  {timer['at']}  {timer['kind']}  {timer['key'] or ''}".rstrip()


def cmd_clock(args: argparse.Namespace) -> int:
    """``tts-sim clock`` / ``tts-sim clock advance 1h`` / ``--to ISO``."""
    remote = Remote(args.url)
    if args.action is None:
        return _emit(args, remote.call("GET", "clock"), _clock_lines)
    if bool(args.duration) == (args.to is not None):
        raise RemoteError("clock advance: give a duration (90s, 15m, 1h 30m, 7d) or --to ISO8601", status=2)
    body = {"to": args.to} if args.to else {"duration": " ".join(args.duration)}
    return _emit(args, remote.call("POST", "clock/advance", body), _clock_lines)


def _placed_lines(data: Any) -> Iterator[str]:
    order = data.get("order", data)
    yield f"{order['id']}  {order.get('status', '')}  shop {data.get('shop_id', '-')} ({data.get('profile', '-')})"


def _order_lines(data: Any) -> Iterator[str]:
    yield f"order {data['order_id']}  {data['status']}" + ("  (dispatch missed)" if data.get("dispatch_missed") else "")
    for name, view in data["systems"].items():
        yield f"  {name:<15} {_summary(view)}"
    for name, value in data["deadlines"].items():
        if value:
            yield f"  {name:<15} {value}"
    for key, timer in data["timers"].items():
        yield f"  timer {key}: {timer['kind']} due {timer['due']}"
    for entry in data["timeline"]:
        yield _entry_line(entry)


def _summary(view: Any) -> str:
    if view is None:
        return "absent"
    if isinstance(view, dict):
        keys = [k for k in view if "status" in k.lower() and not isinstance(view[k], dict | list)]
        shown = ", ".join(f"{k}={view[k]}" for k in keys[:4])
        return shown or "present"
    return str(view)


def cmd_orders(args: argparse.Namespace) -> int:
    """``tts-sim orders place ...`` / ``tts-sim orders show ID``."""
    remote = Remote(args.url)
    if args.action == "show":
        return _emit(args, remote.call("GET", f"orders/{args.order_id}"), _order_lines)
    items = [_item(text) for text in args.sku or []]
    body: dict[str, Any] = {"profile": args.profile, "shop_id": args.shop, "paid": not args.unpaid,
                            "split_packages": args.split_packages}
    if items:
        body["items"] = items
    return _emit(args, remote.call("POST", "buyer/orders", {k: v for k, v in body.items() if v is not None}),
                 _placed_lines)


def _item(text: str) -> dict[str, Any]:
    sku, _, quantity = text.partition(":")
    if not sku or (quantity and not quantity.isdigit()):
        raise RemoteError(f"--sku {text}: write SKU_ID or SKU_ID:QUANTITY", status=2)
    return {"sku_id": sku, "quantity": int(quantity or 1)}


def _entry_line(entry: dict[str, Any]) -> str:
    data = " ".join(f"{k}={json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v}"
                    for k, v in entry.get("data", {}).items() if v is not None and k != "traceback")
    return f"{entry['seq']:>6}  {entry['at']}  {entry['kind']}  {data}".rstrip()


def cmd_journal(args: argparse.Namespace) -> int:
    """``tts-sim journal [--kind K] [--since N] [--follow]``: one line per entry."""
    remote = Remote(args.url)
    since, pause = args.since, threading.Event()
    try:
        while True:
            data = remote.call("GET", "journal", since=since, kind=args.kind)
            for entry in data["entries"]:
                print(json.dumps(entry) if args.json else _entry_line(entry), flush=True)
            # Evicted request entries leave gaps; last_seq still moves the cursor past them.
            since = max(since or 0, data.get("last_seq") or 0)
            if not args.follow:
                return 0
            pause.wait(args.interval)
    except KeyboardInterrupt:  # the way to stop --follow
        return 0


def _credentials_lines(data: Any) -> Iterator[str]:
    yield json.dumps(data, indent=2)


def cmd_credentials(args: argparse.Namespace) -> int:
    """``tts-sim credentials``: every seeded credential of the running world."""
    return _emit(args, Remote(args.url).call("GET", "credentials"), _credentials_lines)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``clock``, ``orders``, ``journal`` and ``credentials`` to the CLI."""
    from simulator.rules import PROFILE_NAMES

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--url", default=os.environ.get(URL_ENV, DEFAULT_URL),
                       help=f"base URL of the running tts-sim serve (env {URL_ENV})")
        p.add_argument("--json", action="store_true", help="print the server's JSON answer instead of a summary")

    clock = sub.add_parser("clock", help="show or advance the virtual clock of a running server",
                           description="Show the virtual clock, or advance it: `tts-sim clock advance 1h 30m`, "
                                       "`tts-sim clock advance --to 2026-11-03T09:00:00Z`.")
    common(clock)
    clock.add_argument("action", nargs="?", choices=("advance",), help="advance the clock (omit to show it)")
    clock.add_argument("duration", nargs="*", default=None, help="how far: 90s, 15m, 1h 30m, 7d")
    clock.add_argument("--to", default=None, metavar="ISO8601", help="advance to this instant instead")
    clock.set_defaults(func=cmd_clock)

    orders = sub.add_parser("orders", help="place or inspect orders on a running server")
    actions = orders.add_subparsers(dest="action", required=True)
    place = actions.add_parser("place", help="a buyer places (and pays) an order",
                               description="A buyer places an order: `tts-sim orders place --profile rithum`.")
    common(place)
    place.add_argument("--profile", choices=PROFILE_NAMES, default=None,
                       help="the first shop of this profile (default: the server's first shop)")
    place.add_argument("--shop", default=None, metavar="SHOP_ID", help="this shop instead of a profile's")
    place.add_argument("--sku", action="append", metavar="SKU_ID[:QTY]",
                       help="an item (repeatable; default: one seeded SKU of the shop)")
    place.add_argument("--unpaid", action="store_true", help="leave the order UNPAID")
    place.add_argument("--split-packages", action="store_true", help="one package per item (webhook 4)")
    place.set_defaults(func=cmd_orders)
    show = actions.add_parser("show", help="one order across TikTok, SFCC and ChannelAdvisor, with its timeline")
    common(show)
    show.add_argument("order_id", metavar="ID", help="the TikTok order id")
    show.set_defaults(func=cmd_orders)

    journal = sub.add_parser("journal", help="print (or follow) the journal of a running server")
    common(journal)
    journal.add_argument("--kind", default=None, help="only entries whose kind starts with this (e.g. webhook)")
    journal.add_argument("--since", type=int, default=None, metavar="SEQ", help="only entries after this sequence")
    journal.add_argument("--follow", "-f", action="store_true", help="keep printing new entries until Ctrl-C")
    journal.add_argument("--interval", type=float, default=0.5, metavar="SECONDS", help="poll interval with --follow")
    journal.set_defaults(func=cmd_journal)

    credentials = sub.add_parser("credentials", help="print the seeded credentials of a running server")
    common(credentials)
    credentials.set_defaults(func=cmd_credentials)

