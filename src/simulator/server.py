"""``tts-sim serve``: every mock plus /_sim over HTTP (granian, one worker) and the serving process's lifecycle.

Start-up refusals (a port in use, a bad port, unloadable mocks) are one line and a non-zero exit
(:class:`simulator.lifecycle.StartupError`). The granian worker dies with its server, even after
``kill -9``. Shutdown (SIGTERM, Ctrl-C) journals every webhook it drops and writes them to stderr,
since the journal ends with the process.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from simulator.clock import ClockError, parse_instant
from simulator.lazyimport import yaml
from simulator.lifecycle import StartupError, check_port, claim_port, die_with_parent
from simulator.rules import PROFILE_NAMES, parse_duration
from simulator.runtime import paused, settle

if TYPE_CHECKING:  # keeps Flask out of the CLI's import time
    from simulator.web import WorldHolder
    from simulator.worlds.params import WorldParams
    from simulator.worlds.registry import WorldRegistry

ENV = {"seed": "TTS_SIM_SEED", "mocks": "TTS_SIM_MOCKS", "clock": "TTS_SIM_CLOCK", "speed": "TTS_SIM_SPEED",
       "strict": "TTS_SIM_STRICT_WEBHOOKS", "webhook_timeout": "TTS_SIM_WEBHOOK_TIMEOUT",
       "parent": "TTS_SIM_SERVER_PID", "start": "TTS_SIM_START", "log": "TTS_SIM_LOG", "data": "TTS_SIM_DATA",
       "max_worlds": "TTS_SIM_MAX_WORLDS", "world_idle": "TTS_SIM_WORLD_IDLE", "sync": "TTS_SIM_SYNC",
       "validate": "TTS_SIM_VALIDATE"}
# Seconds granian waits for its worker to stop: in-flight webhook attempts end within their deadline.
WORKER_STOP_TIMEOUT = 30
MOCKS_ERRORS = (OSError, ValueError, LookupError, TypeError, AttributeError)  # and yaml.YAMLError, where caught
TEAM_THREADS = 4  # with --data: one world's long advance must not hold the only request thread
DATA_LOCK_WAIT = 30.0  # seconds a worker waits for the previous one (dying after kill -9) to let go of --data


def settings(env: Any = None) -> dict[str, Any]:
    """World arguments of a server process, from the ``TTS_SIM_*`` environment (``tts-sim serve`` sets it)."""
    env = os.environ if env is None else env
    mocks = env.get(ENV["mocks"])
    timeout = env.get(ENV["webhook_timeout"])
    start = env.get(ENV["start"])
    return {
        "seed": int(env.get(ENV["seed"], "0")),
        "start": parse_instant(start) if start else None,
        "mocks_dir": Path(mocks) if mocks else None,
        "config": {"tiktok": {"timestamp_clock": "wall", "webhook_dispatch": "thread",
                              "strict_webhooks": env.get(ENV["strict"]) == "1"}},
        "profile_overrides": {name: {"webhook_timeout_seconds": float(timeout)} for name in PROFILE_NAMES}
        if timeout else None,
    }


def base_params(env: Any = None) -> WorldParams:
    """The params of the default world, and what new worlds start from (``POST /_sim/worlds``)."""
    from simulator.worlds.params import WorldParams

    env = os.environ if env is None else env
    kwargs = settings(env)
    return WorldParams(kwargs["seed"], kwargs["start"], env.get(ENV["clock"], "manual"),
                       float(env.get(ENV["speed"], "1")), kwargs["profile_overrides"], kwargs["config"],
                       str(kwargs["mocks_dir"]) if kwargs["mocks_dir"] else None)


def build_registry(env: Any = None) -> WorldRegistry:
    """The worlds of a server process: durable in ``--data`` (its lock held by this process) or in memory."""
    from simulator.worlds.registry import WorldRegistry
    from simulator.worlds.store import Store

    env = os.environ if env is None else env
    data = env.get(ENV["data"])
    store = None
    if data:
        store = Store(Path(data), sync=env.get(ENV["sync"], "normal"))
        store.lock(wait=DATA_LOCK_WAIT)
    idle = env.get(ENV["world_idle"])
    registry = WorldRegistry(base_params(env), store=store, max_worlds=int(env.get(ENV["max_worlds"], "100")),
                             idle_seconds=float(idle) if idle else None)
    registry.open()
    return registry


_SERVED: list[WorldRegistry] = []  # the worlds this process serves (process lifecycle, not simulation state)


def _serving(registry: WorldRegistry, serve: Any) -> None:
    """Restore the stored worlds through ``serve`` (the stack requests go through) and start their clocks."""
    registry.attach(serve)
    registry.restore(report=_report)
    _SERVED.append(registry)
    settle()  # the seeded and restored worlds are long-lived: no collection scans them again


def _report(line: str) -> None:
    sys.stderr.write(f"tts-sim: {line}\n")
    sys.stderr.flush()


def build_app() -> Any:
    """The WSGI app of a server worker, built from the ``TTS_SIM_*`` environment (granian factory)."""
    from simulator.app import create_app

    registry = build_registry()
    app = _validated(create_app(registry=registry))
    _serving(registry, app)
    return _logged(app, registry.default.holder)


def _validated(app: Any) -> Any:
    """``--validate``: every request checked against its API's contract (simulator.contracts.validation)."""
    if os.environ.get(ENV["validate"]) == "1":
        from simulator.contracts.validation import enable

        enable(app)
    return app


def _logged(app: Any, holder: WorldHolder) -> Any:
    """``--log``: the app inside the request-log middleware (one line per request on stdout)."""
    if os.environ.get(ENV["log"]) != "1":
        return app
    from simulator.requestlog import RequestLog

    return RequestLog(app, holder)


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

    registry = build_registry()
    apps = {port: _validated(create_app(names=[name], registry=registry)) for name, port in system_ports(first).items()}

    def dispatch(environ: dict[str, Any], start_response: Any) -> Any:
        return apps[int(environ["SERVER_PORT"])](environ, start_response)

    _serving(registry, dispatch)
    return _logged(dispatch, registry.default.holder)


def shutdown_served(stream: IO[str] | None = None) -> list[dict[str, Any]]:
    """Stop every world this process serves; journal and report (stderr) the webhooks that were dropped.

    In-flight attempts finish first (each within its deadline); queued deliveries and scheduled
    retries are journaled ``webhook.dropped`` and listed on ``stream``, one line each.
    """
    dropped: list[dict[str, Any]] = []
    kept = 0
    for registry in _SERVED:
        for _, dropped_entry, durable in registry.close():
            if durable:
                kept += 1
            else:
                dropped.append(dropped_entry.as_dict())
    _SERVED.clear()
    out = sys.stderr if stream is None else stream
    if kept:
        out.write(f"tts-sim: {kept} undelivered webhook(s) stay in --data and go out when the server restarts\n")
        out.flush()
    if dropped:
        out.write(f"tts-sim: shutdown dropped {len(dropped)} undelivered webhook(s) "
                  "(journal kind webhook.dropped):\n")
        for entry in dropped:
            data = entry["data"]
            due = f", next attempt was due {data['next_attempt_at']}" if data["next_attempt_at"] else ""
            out.write(f"tts-sim:   {data['notification_id']} type {data['type']} order {data['order_id']} "
                      f"to {data['address']} after {data['attempts']} attempt(s){due}\n")
        out.flush()
    return dropped


def _granian_worker(*args: Any, **kwargs: Any) -> None:
    """granian's WSGI worker, tied to its server's life, with the shutdown report when it stops."""
    from granian import Granian

    die_with_parent(int(os.environ.get(ENV["parent"], os.getpid())))
    try:
        Granian._spawn_wsgi_worker(*args, **kwargs)
    finally:
        shutdown_served()


def banner(host: str, port: int, args: argparse.Namespace) -> str:
    """Startup text: URLs for every system and the seeded credentials."""
    from simulator.world import World

    stored = _stored_default(args)
    seed, start, mocks = args.seed, getattr(args, "start", None), args.mocks
    if stored is not None:  # the data directory's default world wins over --seed / --start / --mocks
        seed, start, mocks = stored.seed, stored.start, Path(stored.mocks_dir) if stored.mocks_dir else None
    try:
        world = World.create(seed=seed, mocks_dir=mocks, start=start)
    except (*MOCKS_ERRORS, yaml.YAMLError) as exc:  # PyYAML imported only if a bad file reaches here
        where = f"--mocks {args.mocks}" if args.mocks else "the built-in mocks"
        raise StartupError(f"cannot load {where}: {exc}") from exc
    creds = world.control.credentials()
    world.close()
    base = f"http://{host}:{port}"
    ports = system_ports(port) if getattr(args, "port_per_system", False) else dict.fromkeys(creds, port)
    url = {name: f"http://{host}:{p}" for name, p in ports.items()}
    tiktok_base = url.get("tiktok", base)
    speed = f", speed x{args.speed}" if args.clock == "realtime" else ""
    lines = [f"tts-sim serving on {base}  (clock: {args.clock}{speed}, virtual time "
             f"{world.start.isoformat().replace('+00:00', 'Z')}" + (", request log on" if getattr(args, "log", False) else "") + ")",
             f"  TikTok Shop API   {tiktok_base}/order/202309/...  (signed; host open-api.tiktokglobalshop.com)",
             f"  TikTok auth host  {tiktok_base}/api/v2/token/get | /api/v2/token/refresh",
             f"  control plane     {base}/_sim/  (on every port; GET /_sim/credentials for everything below)",
             f"  more worlds       POST {base}/_sim/worlds -> {{world_id, base_url}}; every API under "
             f"{base}/w/{{world_id}}/  (at most {getattr(args, 'max_worlds', 100)})"]
    if getattr(args, "data", None):
        lines.append(f"  data              {args.data}  (durable: every acknowledged change survives a crash"
                     + (f"; restored default world, seed {seed}" if stored is not None else "") + ")")
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


def _stored_default(args: argparse.Namespace) -> WorldParams | None:
    """The default world's params kept in ``--data`` (None: no data directory, or a new one)."""
    from simulator.worlds.store import Store

    data = getattr(args, "data", None)
    if not data or not (Path(data) / "worlds").is_dir():
        return None
    return Store(Path(data)).params("default")


def _check_data(args: argparse.Namespace) -> None:
    """``--data``: a directory this process can write, used by no other server; the worlds' limits."""
    from simulator.worlds.store import Store

    if args.max_worlds < 1:
        raise StartupError(f"--max-worlds {args.max_worlds}: must be at least 1")
    if args.world_idle is not None:
        try:
            args.world_idle = parse_duration(args.world_idle).total_seconds()
        except ValueError as exc:
            raise StartupError(f"--world-idle {args.world_idle}: {exc}") from exc
        if args.world_idle <= 0:
            raise StartupError("--world-idle: must be positive")
    if args.data is None:
        return
    try:
        store = Store(Path(args.data))
        store.lock(wait=0)
    except TimeoutError:  # before OSError, its base class
        raise StartupError(f"--data {args.data}: in use by another tts-sim serve; stop it or choose another "
                           "directory", status=1) from None
    except OSError as exc:
        raise StartupError(f"--data {args.data}: {exc.strerror or exc}", status=1) from exc
    store.unlock()


def serve(args: argparse.Namespace) -> int:
    """Check the arguments, claim the port(s), print the banner and serve until SIGTERM / Ctrl-C."""
    with paused():  # start-up builds what lives as long as the process: no collection until it is frozen
        guards, text = _start(args)
    os.environ[ENV["seed"]] = str(args.seed)
    os.environ[ENV["clock"]] = args.clock
    os.environ[ENV["speed"]] = str(args.speed)
    os.environ[ENV["strict"]] = "1" if args.strict_webhooks else "0"
    os.environ[ENV["parent"]] = str(os.getpid())
    os.environ[ENV["log"]] = "1" if args.log else "0"
    os.environ[ENV["validate"]] = "1" if args.validate else "0"
    if args.start is not None:
        os.environ[ENV["start"]] = args.start.isoformat()
    if args.webhook_timeout is not None:
        os.environ[ENV["webhook_timeout"]] = str(args.webhook_timeout)
    if args.mocks:
        os.environ[ENV["mocks"]] = str(Path(args.mocks).resolve())
    os.environ[ENV["max_worlds"]] = str(args.max_worlds)
    os.environ[ENV["sync"]] = args.sync
    if args.world_idle is not None:
        os.environ[ENV["world_idle"]] = str(args.world_idle)
    if args.data is not None:
        os.environ[ENV["data"]] = str(Path(args.data).resolve())
    print(text, flush=True)  # noqa: T201
    try:
        return _serve_waitress(args) if args.port_per_system else _serve_granian(args)
    finally:
        for guard in guards:
            if guard is not None:
                guard.close()


def _start(args: argparse.Namespace) -> tuple[list[socket.socket | None], str]:
    """The checks, the claimed port(s) and the banner, with what start-up built frozen (:func:`settle`)."""
    ports = list(system_ports(args.port).values()) if args.port_per_system else [args.port]
    check_port(args.port, len(ports))
    if args.speed <= 0:
        raise StartupError(f"--speed {args.speed}: must be positive")
    if args.webhook_timeout is not None and args.webhook_timeout <= 0:
        raise StartupError(f"--webhook-timeout {args.webhook_timeout}: must be positive")
    if args.mocks is not None and not Path(args.mocks).is_dir():
        raise StartupError(f"--mocks {args.mocks}: not a directory")
    if isinstance(args.start, str):
        try:
            args.start = parse_instant(args.start)
        except ClockError as exc:
            raise StartupError(f"--start {args.start}: {exc}") from exc
    _check_data(args)
    # waitress binds right away without SO_REUSEPORT, so only granian's slow worker start needs a guard.
    guards = [claim_port(args.host, port, guard=not args.port_per_system) for port in ports]
    text = banner(args.host, args.port, args)
    # What start-up built (every module a world needs, the parsed mocks) lives as long as the process:
    # frozen before granian forks its worker, no young collection scans it on the way to the first
    # answer (a 50,000-object one was 15-20 ms of it) and copy-on-write pages stay shared.
    settle()
    return guards, text


def _serve_granian(args: argparse.Namespace) -> int:
    from granian import Granian
    from granian.constants import Interfaces

    server = Granian("simulator.server:build_app", address=args.host, port=args.port, interface=Interfaces.WSGI,
                     workers=1, factory=True, blocking_threads=_threads(args, 1), log_access=False,
                     workers_kill_timeout=WORKER_STOP_TIMEOUT)
    try:
        server.serve(spawn_target=_granian_worker)
    except KeyboardInterrupt:
        pass
    return 0


def _serve_waitress(args: argparse.Namespace) -> int:
    # granian binds one address per server and runs the app in worker processes, which cannot share
    # one in-memory world across ports; waitress listens on several sockets in this process.
    from waitress.server import create_server

    listen = " ".join(f"{args.host}:{p}" for p in system_ports(args.port).values())
    app = build_port_apps(args.port)
    try:
        server = create_server(app, listen=listen, threads=_threads(args, 2))
    except OSError as exc:  # taken between the port check and here
        shutdown_served()
        raise StartupError(f"cannot listen on {listen}: {exc.strerror or exc}", status=1) from exc
    previous = signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM's default would skip the shutdown report
    try:
        server.run()  # returns on KeyboardInterrupt (Ctrl-C, or SIGTERM through _interrupt)
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutdown_served()
    return 0


def _threads(args: argparse.Namespace, single: int) -> int:
    """Server threads: ``--threads``, else enough for a team's worlds with ``--data``, else ``single``."""
    return int(args.threads or (TEAM_THREADS if args.data else single))


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``tts-sim serve`` to the CLI."""
    p = sub.add_parser("serve", help="serve every mock and the /_sim control plane over HTTP",
                       description="Serve TikTok Shop, SFCC and ChannelAdvisor mocks and the /_sim control plane "
                                   "on one port (or one port per system), sharing one world.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=7070, help="TCP port (the first of three with --port-per-system)")
    p.add_argument("--seed", type=int, default=0, help="world seed: ids, tokens and faker data replay identically")
    p.add_argument("--start", default=None, metavar="ISO8601",
                   help="virtual start instant, e.g. 2026-11-27T09:00:00Z (default: 2026-11-02T09:00:00Z, a Monday)")
    p.add_argument("--mocks", type=Path, default=None, metavar="DIR",
                   help="a folder of mocks files overlaid on the built-in ones (tts-sim mocks export DIR writes "
                        "those to start from; default: only the built-in data)")
    p.add_argument("--clock", choices=("manual", "realtime"), default="manual",
                   help="manual: time moves only through /_sim/clock/advance; realtime: with the wall clock")
    p.add_argument("--speed", type=float, default=1.0, help="virtual seconds per real second (--clock realtime)")
    p.add_argument("--log", action="store_true",
                   help="print one line per request: virtual time, system, method, path, status, vendor code "
                        "(and the expected string-to-sign for a TikTok 106001)")
    p.add_argument("--validate", action="store_true",
                   help="check every request against its API's contract: a non-conforming one gets the vendor's "
                        "validation error and an x-tts-sim-violation header naming the rule and location")
    p.add_argument("--strict-webhooks", action="store_true",
                   help="accept only HTTPS domain webhook addresses (TikTok's rule; off: any http(s) URL)")
    p.add_argument("--webhook-timeout", type=float, default=None, metavar="SECONDS",
                   help="total deadline of one webhook attempt, connect to whole answer (default: the "
                        "profiles' webhook_timeout_seconds, 3)")
    p.add_argument("--threads", type=int, default=None,
                   help="server threads (default: 1 with granian, 2 with waitress, 4 with --data; a world is one "
                        "process's memory behind one lock, so more threads only contend within one world, but let "
                        "worlds proceed side by side; measured in benchmarks/tiktok_http.py)")
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="keep every world in SQLite files in DIR: each acknowledged change is durable before the "
                        "answer, and a restart (even after kill -9) restores every world exactly (docs/worlds.md)")
    p.add_argument("--sync", choices=("normal", "full"), default="normal",
                   help="with --data: normal survives the process dying at any instant; full also an OS crash or "
                        "power loss (an fsync per change)")
    p.add_argument("--max-worlds", type=int, default=100, metavar="N",
                   help="worlds POST /_sim/worlds may create besides the default one")
    p.add_argument("--world-idle", default=None, metavar="DURATION",
                   help="delete a created world after this long without requests, e.g. 2h (default: never)")
    p.add_argument("--port-per-system", action="store_true",
                   help="each system on its own port from --port (tiktok, sfcc, channeladvisor), served by waitress")
    p.set_defaults(func=serve)
