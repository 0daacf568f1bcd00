"""The worlds one server hosts: create, list, delete, reset, snapshot and restore them, durable when a store is given.

Each world has its own lock, clock (manual, or realtime with its own speed and ticker thread), seed,
credentials and journal, so worlds never see each other and one world's long advance never holds
another's lock. The default world (``world_id`` ``default``) serves requests without a ``/w/{id}``
prefix and can be neither deleted nor expired. With a :class:`~simulator.worlds.store.Store`, every
world is recorded (:mod:`simulator.worlds.recorder`) and restored from its log when the server starts.
"""

from __future__ import annotations

import io
import re
import secrets
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from simulator.clock import RealtimeTicker, wall_monotonic
from simulator.inbound import Limits
from simulator.journal import Entry
from simulator.web import WorldHolder
from simulator.world import World
from simulator.worlds.params import DEFAULT_ID, WorldParams
from simulator.worlds.recorder import Recorder
from simulator.worlds.store import Store, WorldLog

REPLAY_KEY = "tts_sim.replay"  # environ key: this request is a replayed command (holder to serve it)
SNAPSHOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
INPUT_SYSTEMS = ("tiktok", "sfcc", "channeladvisor", "control")
SWEEP_INTERVAL = 1.0  # seconds between idle-expiry sweeps (requests trigger them)
WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class WorldRefused(Exception):
    """A registry call refused: ``slug``, a message that says what to do, and an HTTP status."""

    def __init__(self, slug: str, message: str, status: int) -> None:
        super().__init__(message)
        self.slug, self.message, self.status = slug, message, status


class _RegistryHolder(WorldHolder):
    """A registry world's holder: ``/_sim/reset`` goes through the registry, so the log starts over too."""

    def __init__(self, world: World, registry: WorldRegistry, world_id: str) -> None:
        super().__init__(world)
        self._registry, self._world_id = registry, world_id

    def reset(self, **overrides: Any) -> World:
        return self._registry.reset(self._world_id, overrides.get("seed"))


class Realtime:
    """One world's realtime clock: a ticker thread following whichever world its holder holds (resets swap it)."""

    def __init__(self, holder: WorldHolder, speed: float) -> None:
        self.holder, self.speed = holder, speed
        self.stopped = threading.Event()
        threading.Thread(target=self._run, name="tts-sim-realtime", daemon=True).start()

    def _run(self) -> None:
        world: World | None = None
        ticker: RealtimeTicker | None = None
        while not self.stopped.wait(0.05):
            if self.holder.world is not world:  # reset or restored: follow the new clock
                world = self.holder.world
                ticker = RealtimeTicker(world.clock, world.advance_to, speed=self.speed)
            assert ticker is not None
            try:
                ticker.tick()
            except Exception as exc:  # a closed world or a full disk: stop ticking, say why
                sys.stderr.write(f"tts-sim: realtime clock stopped: {type(exc).__name__}: {exc}\n")
                return

    def stop(self) -> None:
        """Stop ticking."""
        self.stopped.set()


@dataclass
class Slot:
    """One hosted world: its id, holder, params (None: built by a caller, not the registry), recorder, clock."""

    world_id: str
    holder: WorldHolder
    params: WorldParams | None
    recorder: Recorder | None = None
    realtime: Realtime | None = None
    touched: float = field(default_factory=wall_monotonic)
    broken: str | None = None  # why the world refuses requests (its log could not be replayed or written)
    body_cap: int = 0  # the largest body any of its systems accepts, plus one (the router reads no more)

    @property
    def world(self) -> World:
        """The world served now."""
        return self.holder.world


def body_cap(world: World) -> int:
    """One byte more than the largest body a system of ``world`` accepts (so the refusal stays the app's)."""
    return max(Limits.for_system(world.config, s).max_body_bytes for s in INPUT_SYSTEMS) + 1


class WorldRegistry:
    """The worlds of one server (or one in-process app); thread-safe."""

    def __init__(self, base: WorldParams, *, store: Store | None = None, max_worlds: int = 100,
                 idle_seconds: float | None = None, default: WorldHolder | None = None) -> None:
        self.base, self.store = base, store
        self.max_worlds, self.idle_seconds = max_worlds, idle_seconds
        self._slots: dict[str, Slot] = {}
        self._creating: set[str] = set()
        self._discarding: set[str] = set()
        self._expired: deque[str] = deque(maxlen=1000)
        self._lock = threading.RLock()
        self._last_sweep = wall_monotonic()
        self.attached: WSGI | None = None
        if default is not None:
            self._slots[DEFAULT_ID] = Slot(DEFAULT_ID, default, None, body_cap=body_cap(default.world))

    @classmethod
    def around(cls, holder: WorldHolder) -> WorldRegistry:
        """A registry whose default world is ``holder``'s (in-process apps); new worlds share its settings."""
        kwargs, world = holder.factory_kwargs, holder.world
        mocks = kwargs.get("mocks_dir")
        base = WorldParams(seed=world.seed, start=kwargs.get("start"), profile_overrides=kwargs.get("profile_overrides"),
                           config=dict(world.config), mocks_dir=str(mocks) if mocks else None)
        return cls(base, default=holder)

    # -- lookup ----------------------------------------------------------------------------------
    @property
    def default(self) -> Slot:
        """The default world (built by :meth:`open` when the registry built it)."""
        return self._slots[DEFAULT_ID]

    @property
    def durable(self) -> bool:
        """Worlds are kept in a data directory."""
        return self.store is not None

    def get(self, world_id: str) -> Slot:
        """A world by id; refused ``world_not_found`` (404) or ``world_expired`` (410)."""
        slot = self._slots.get(world_id)
        if slot is not None:
            return slot
        if world_id in self._expired:
            raise WorldRefused("world_expired", f"world {world_id} expired after {self.idle_seconds:g} s without "
                                                "requests (serve --world-idle); create a new one", 410)
        raise WorldRefused("world_not_found", f"no world {world_id} on this server (GET /_sim/worlds lists them)", 404)

    def slots(self) -> list[Slot]:
        """Every world, the default first, then by id."""
        with self._lock:
            return sorted(self._slots.values(), key=lambda s: (s.world_id != DEFAULT_ID, s.world_id))

    def attach(self, serve: WSGI) -> None:
        """The WSGI callable a replayed request goes through (the server's whole stack, minus request logging)."""
        self.attached = serve

    # -- lifecycle -------------------------------------------------------------------------------
    def open(self) -> Slot:
        """Build the default world: from the store when it holds one (the stored params win), else from ``base``."""
        params = (self.store.params(DEFAULT_ID) if self.store is not None else None) or self.base
        world = World.create(**params.world_kwargs())
        slot = Slot(DEFAULT_ID, _RegistryHolder(world, self, DEFAULT_ID), params, body_cap=body_cap(world))
        self._slots[DEFAULT_ID] = slot
        return slot

    def restore(self, report: Callable[[str], None] | None = None) -> None:
        """Restore every stored world from its log and start the realtime clocks (server start-up)."""
        stored = self.store.ids() if self.store is not None else []
        for world_id in stored:
            slot = self._slots.get(world_id)
            if slot is None:
                assert self.store is not None
                params = self.store.params(world_id)
                if params is None:
                    continue
                world = World.create(**params.world_kwargs())
                slot = self._slots[world_id] = Slot(world_id, _RegistryHolder(world, self, world_id), params,
                                                    body_cap=body_cap(world))
            self._replay_into(slot, report)
        if self.store is not None and DEFAULT_ID not in stored and DEFAULT_ID in self._slots:
            default = self._slots[DEFAULT_ID]
            if default.params is not None:
                default.recorder = Recorder(default.world, self.store.create(DEFAULT_ID, default.params))
        for slot in self._slots.values():
            self._start_clock(slot)

    def _replay_into(self, slot: Slot, report: Callable[[str], None] | None) -> None:
        assert self.store is not None
        started = wall_monotonic()
        log = self.store.open(slot.world_id)
        recorder = Recorder(slot.world, log)
        try:
            count = recorder.replay(log.commands(), self._replayer(slot.holder))
        except Exception as exc:  # never serve a world that only looks restored
            slot.broken = f"its log could not be replayed ({type(exc).__name__}: {exc})"
            recorder.close()
            if report is not None:
                report(f"world {slot.world_id} NOT restored: {slot.broken}")
            return
        recorder.resume()
        slot.recorder = recorder
        if report is not None:
            report(f"world {slot.world_id} restored: {count} commands in {wall_monotonic() - started:.2f} s")

    def _replayer(self, holder: WorldHolder) -> Callable[[dict[str, Any], bytes], object]:
        serve = self.attached
        if serve is None:
            raise RuntimeError("attach() the app before restoring worlds")

        def replay(env: dict[str, Any], body: bytes) -> object:
            environ = {**env, "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
                       "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
                       REPLAY_KEY: holder}
            result = serve(environ, lambda status, headers, exc_info=None: None)
            try:
                for _ in result:
                    pass
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            return None

        return replay

    def _start_clock(self, slot: Slot) -> None:
        if slot.params is not None and slot.params.clock == "realtime" and slot.realtime is None:
            slot.realtime = Realtime(slot.holder, slot.params.speed)

    def create(self, world_id: str | None, params: WorldParams) -> Slot:
        """A new world; refused ``too_many_worlds`` (409) at the limit, ``world_exists`` (409) for a taken id.

        Raises:
            WorldRefused: as above.
            ValueError, LookupError, TypeError: the params do not build a world (the caller says 400).
        """
        with self._lock:
            self.sweep(force=True)
            hosted = len([i for i in self._slots if i != DEFAULT_ID]) + len(self._creating)
            if hosted >= self.max_worlds:
                raise WorldRefused("too_many_worlds", f"this server hosts its maximum of {self.max_worlds} worlds "
                                                      "(serve --max-worlds); DELETE /_sim/worlds/{id} one first", 409)
            world_id = world_id or self._new_id()
            if world_id in self._slots or world_id in self._creating | self._discarding or world_id == DEFAULT_ID:
                raise WorldRefused("world_exists", f"a world {world_id} already exists", 409)
            self._creating.add(world_id)
        try:
            world = World.create(**params.world_kwargs())
            try:
                cap = body_cap(world)
                log = self.store.create(world_id, params) if self.store is not None else None
            except Exception:
                world.close()
                raise
            slot = Slot(world_id, _RegistryHolder(world, self, world_id), params, body_cap=cap,
                        recorder=Recorder(world, log) if log is not None else None)
            self._start_clock(slot)
            with self._lock:
                self._slots[world_id] = slot
            return slot
        finally:
            with self._lock:
                self._creating.discard(world_id)

    def _new_id(self) -> str:
        while True:  # not derived from any seed: ids only name worlds, they are not simulation state
            world_id = secrets.token_hex(5)
            if world_id not in self._slots:
                return world_id

    def delete(self, world_id: str) -> None:
        """Close a world and remove its data; the default world is refused (409)."""
        if world_id == DEFAULT_ID:
            raise WorldRefused("default_world", "the default world cannot be deleted (POST /_sim/reset starts it over)",
                               409)
        with self._lock:
            slot = self.get(world_id)
            del self._slots[world_id]
        self._close(slot)
        if self.store is not None:
            self.store.remove(world_id)

    def _close(self, slot: Slot) -> list[Entry]:
        if slot.realtime is not None:
            slot.realtime.stop()
        world = slot.world
        seq = world.journal.last_seq
        world.close()
        with world.lock:
            if slot.recorder is not None:
                slot.recorder.close()
            return world.journal.entries(since=seq, kind="webhook.dropped")

    def sweep(self, *, force: bool = False) -> None:
        """Expire worlds idle longer than ``idle_seconds`` (at most twice per idle period unless ``force``).

        An expired world is refused at once; it is closed and its data removed on a thread of its own,
        so a request that happens to sweep never waits for another world's webhooks to finish.
        """
        now = wall_monotonic()
        if self.idle_seconds is None or (
                not force and now - self._last_sweep < min(SWEEP_INTERVAL, self.idle_seconds / 2)):
            return
        with self._lock:
            self._last_sweep = now
            idle = [s for i, s in self._slots.items() if i != DEFAULT_ID and now - s.touched > self.idle_seconds]
            for slot in idle:
                del self._slots[slot.world_id]
                self._expired.append(slot.world_id)
                self._discarding.add(slot.world_id)  # the id stays taken until its data is gone
        if idle:
            threading.Thread(target=self._discard, args=(idle,), name="tts-sim-expiry", daemon=True).start()

    def _discard(self, slots: list[Slot]) -> None:
        for slot in slots:
            try:
                self._close(slot)
                if self.store is not None:
                    self.store.remove(slot.world_id)
            finally:
                with self._lock:
                    self._discarding.discard(slot.world_id)

    def reset(self, world_id: str, seed: int | None) -> World:
        """``POST /_sim/reset``: the world starts over from its params (another ``seed`` if given)."""
        slot = self.get(world_id)
        assert slot.params is not None
        params = slot.params.with_seed(seed)
        old = slot.world
        with old.lock:
            old.close()
            world = World.create(**params.world_kwargs())
            if slot.recorder is not None:
                log = slot.recorder.log
                slot.recorder.closed = True  # the old world's inputs are no longer this world's
                log.rebase(params)
                slot.recorder = Recorder(world, log)
            slot.params, slot.holder.world = params, world
        return world

    # -- snapshots -------------------------------------------------------------------------------
    def _log(self, slot: Slot) -> WorldLog:
        if slot.recorder is None or slot.params is None:
            raise WorldRefused("not_durable", "snapshots need a durable world: start the server with --data DIR", 409)
        return slot.recorder.log

    def save(self, world_id: str, name: str) -> dict[str, Any]:
        """Save the world's present as snapshot ``name`` (replacing one of that name)."""
        if not SNAPSHOT_NAME.match(name):
            raise WorldRefused("invalid_request", "'name' must be 1-64 letters, digits, '.', '_' or '-'", 400)
        slot = self.get(world_id)
        log = self._log(slot)
        with slot.world.lock:
            assert slot.params is not None
            replaced = log.save_snapshot(name, slot.params, slot.world.clock.now())
            return {"world_id": world_id, "name": name, "commands": log.last_seq,
                    "virtual_time": slot.world.clock.now().isoformat(), "replaced": replaced}

    def snapshots(self, world_id: str) -> list[dict[str, Any]]:
        """The world's named snapshots."""
        slot = self.get(world_id)
        log = self._log(slot)
        with slot.world.lock:
            return log.snapshots()

    def load(self, world_id: str, name: str) -> dict[str, Any]:
        """Return the world to snapshot ``name``: rebuilt by replay, then swapped in (later changes are gone)."""
        slot = self.get(world_id)
        log = self._log(slot)
        with slot.world.lock:
            found = log.snapshot(name)
            commands = list(log.commands(snapshot=name)) if found is not None else []
        if found is None:
            raise WorldRefused("snapshot_not_found", f"world {world_id} has no snapshot {name!r}", 404)
        params, _ = found
        world = World.create(**params.world_kwargs())
        recorder = Recorder(world, log)
        recorder.replay(commands, self._replayer(WorldHolder(world)))
        old = slot.world
        with old.lock:
            log.adopt_snapshot(name)
            if slot.recorder is not None:
                slot.recorder.closed = True
            old.close()
            slot.params, slot.recorder, slot.holder.world = params, recorder, world
        recorder.resume()
        return {"world_id": world_id, "name": name, "commands": len(commands), "now": world.clock.now().isoformat()}

    # -- shutdown --------------------------------------------------------------------------------
    def close(self) -> list[tuple[str, Entry, bool]]:
        """Stop every world; ``(world_id, webhook.dropped entry, durable)`` for each delivery it did not make."""
        dropped: list[tuple[str, Entry, bool]] = []
        for slot in self.slots():
            dropped += [(slot.world_id, e, slot.recorder is not None) for e in self._close(slot)]
        with self._lock:
            self._slots.clear()
        return dropped
