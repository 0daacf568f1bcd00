"""``tts-sim serve``: every mock plus /_sim on one port under granian (one worker: the world lives in memory)."""

from __future__ import annotations

import argparse
import os
import threading
from pathlib import Path
from typing import Any

ENV = {"seed": "TTS_SIM_SEED", "mocks": "TTS_SIM_MOCKS", "clock": "TTS_SIM_CLOCK", "speed": "TTS_SIM_SPEED",
       "strict": "TTS_SIM_STRICT_WEBHOOKS"}


def _settings() -> dict[str, Any]:
    mocks = os.environ.get(ENV["mocks"])
    return {
        "seed": int(os.environ.get(ENV["seed"], "0")),
        "mocks_dir": Path(mocks) if mocks else None,
        "config": {"tiktok": {"timestamp_clock": "wall", "webhook_dispatch": "thread",
                              "strict_webhooks": os.environ.get(ENV["strict"]) == "1"}},
    }


def build_app() -> Any:
    """The WSGI app of a server worker, built from the ``TTS_SIM_*`` environment (granian factory)."""
    from simulator.app import create_app

    app = create_app(**_settings())
    if os.environ.get(ENV["clock"], "manual") == "realtime":
        _start_realtime(app, float(os.environ.get(ENV["speed"], "1")))
    return app


def system_ports(first: int) -> dict[str, int]:
    """``--port-per-system``: each registered system on its own port, in registry order from ``first``."""
    from simulator.systems import SYSTEMS

    return {spec.name: first + index for index, spec in enumerate(SYSTEMS)}


def build_port_apps(first: int) -> Any:
    """One WSGI app dispatching by the port a request arrived on to that system's app (one shared world).

    Each port serves one vendor API and its own not-found envelope, plus the control plane; all
    apps share one world holder, so ``/_sim/reset`` on any port resets the world behind every port.
    """
    from simulator.app import create_app
    from simulator.web import WorldHolder
    from simulator.world import World

    settings = _settings()
    holder = WorldHolder(World.create(**settings), factory_kwargs=settings)
    apps = {port: create_app(names=[name], holder=holder) for name, port in system_ports(first).items()}
    if os.environ.get(ENV["clock"], "manual") == "realtime":
        _start_realtime(next(iter(apps.values())), float(os.environ.get(ENV["speed"], "1")))

    def dispatch(environ: dict[str, Any], start_response: Any) -> Any:
        return apps[int(environ["SERVER_PORT"])](environ, start_response)

    return dispatch


def _start_realtime(app: Any, speed: float) -> None:
    from simulator.clock import RealtimeTicker

    holder = app.extensions["tts_sim"]
    stop = threading.Event()

    def run() -> None:
        world, ticker = None, None
        while not stop.wait(0.05):
            if holder.world is not world:  # /_sim/reset swapped the world: follow the new clock
                world = holder.world
                ticker = RealtimeTicker(world.clock, world.advance_to, speed=speed)
            assert ticker is not None
            ticker.tick()

    threading.Thread(target=run, name="tts-sim-realtime", daemon=True).start()


def banner(host: str, port: int, args: argparse.Namespace) -> str:
    """Startup text: URLs for every system and the seeded credentials."""
    from simulator.world import World

    world = World.create(seed=args.seed, mocks_dir=args.mocks)
    creds = world.control.credentials()
    world.close()
    base = f"http://{host}:{port}"
    ports = system_ports(port) if getattr(args, "port_per_system", False) else dict.fromkeys(creds, port)
    url = {name: f"http://{host}:{p}" for name, p in ports.items()}
    tiktok_base = url.get("tiktok", base)
    lines = [f"tts-sim serving on {base}  (clock: {args.clock}" + (f", speed x{args.speed}" if args.clock ==
                                                                    "realtime" else "") + ")",
             f"  TikTok Shop API   {tiktok_base}/order/202309/...  (signed; host open-api.tiktokglobalshop.com)",
             f"  TikTok auth host  {tiktok_base}/api/v2/token/get | /api/v2/token/refresh",
             f"  control plane     {base}/_sim/  (on every port; GET /_sim/credentials for everything below)"]
    for name in creds:
        if name != "tiktok":
            lines.append(f"  {name:<17} {url.get(name, base)}  (see /_sim/credentials)")
    tiktok = creds.get("tiktok", {})
    for app in tiktok.get("apps", []):
        lines.append(f"  app_key={app['app_key']}  app_secret={app['app_secret']}")
    for auth in tiktok.get("authorizations", []):
        lines.append(f"  x-tts-access-token={auth['access_token']}  shops={len(auth['shop_ids'])}  "
                     f"auth_code={auth['auth_code']}")
    for shop in tiktok.get("shops", []):
        lines.append(f"  shop {shop['id']}  cipher={shop['cipher']}  {shop['region']}  {shop['profile']}")
    lines.append("Ctrl-C to stop.")
    return "\n".join(lines)


def serve(args: argparse.Namespace) -> int:
    """Run granian (one worker) until Ctrl-C."""
    from granian import Granian
    from granian.constants import Interfaces

    os.environ[ENV["seed"]] = str(args.seed)
    os.environ[ENV["clock"]] = args.clock
    os.environ[ENV["speed"]] = str(args.speed)
    os.environ[ENV["strict"]] = "1" if args.strict_webhooks else "0"
    if args.mocks:
        os.environ[ENV["mocks"]] = str(Path(args.mocks).resolve())
    print(banner(args.host, args.port, args), flush=True)  # noqa: T201
    if args.port_per_system:
        return _serve_waitress(args)
    server = Granian("simulator.server:build_app", address=args.host, port=args.port, interface=Interfaces.WSGI,
                     workers=1, factory=True, blocking_threads=args.threads or 1, log_access=False)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    return 0


def _serve_waitress(args: argparse.Namespace) -> int:
    # granian binds one address per server and runs the app in worker processes, which cannot share
    # one in-memory world across ports; waitress listens on several sockets in this process.
    import waitress

    listen = " ".join(f"{args.host}:{p}" for p in system_ports(args.port).values())
    try:
        waitress.serve(build_port_apps(args.port), listen=listen, threads=args.threads or 2, _quiet=True)
    except KeyboardInterrupt:
        pass
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``tts-sim serve`` to the CLI."""
    p = sub.add_parser("serve", help="serve every mock and the /_sim control plane over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7070)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mocks", type=Path, default=None, help="a mocks directory (default: the built-in one)")
    p.add_argument("--clock", choices=("manual", "realtime"), default="manual")
    p.add_argument("--speed", type=float, default=1.0, help="virtual seconds per real second (realtime)")
    p.add_argument("--strict-webhooks", action="store_true", help="only HTTPS domain webhook addresses")
    p.add_argument("--threads", type=int, default=None,
                   help="server threads (granian default 1: the world is one process's memory behind one lock, so "
                        "more threads only contend; measured in benchmarks/tiktok_http.py)")
    p.add_argument("--port-per-system", action="store_true",
                   help="each system on its own port from --port (tiktok, sfcc, channeladvisor), served by waitress")
    p.set_defaults(func=serve)
