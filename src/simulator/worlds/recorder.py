"""A durable world's inputs, written to its log before they are acknowledged, and replayed to restore it exactly.

A world changes only through inputs, each applied under its lock, in an order the log keeps:

- ``http``: one request (method, path, headers, the bytes of its body), with every wall-clock reading
  the request made (the TikTok timestamp window and rate limiter read the wall under serve);
- ``step``: one move of the clock (``Clock.advance_to``, called only by ``World.advance_to``, from an
  advance or the realtime ticker), with whether it stops at instants that have webhooks in flight;
- ``webhook``: a receiver's answer to one attempt, when it was settled.

Everything else (timers, connectors, fault decisions from the world's seeded random source) follows
from these deterministically. Replaying the log into a world built from the same params therefore
rebuilds it exactly; each command also records the virtual instant it met and the journal's length
after it, so a replay that diverges stops at the first command that does, instead of serving a
world that only looks restored. Replay never sends webhooks (their answers come from the log) and
never sleeps (latency faults are the router's, after the lock).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.clock import Fired, parse_instant, wall_time
from simulator.worlds.store import Command, StorageError, WorldLog

if TYPE_CHECKING:
    from simulator.tiktok_shop.webhooks import Delivery
    from simulator.world import World

Serve = Callable[[dict[str, Any], bytes], object]


class ReplayDiverged(Exception):
    """The replayed world stopped agreeing with its log (a determinism bug; the world is not served)."""


class Recorder:
    """Hooks one world's input seams to its :class:`WorldLog`; callers hold the world lock around ``http``."""

    def __init__(self, world: World, log: WorldLog) -> None:
        self.world = world
        self.log = log
        self.active = False  # inside an http command: nested steps and readings belong to it
        self.replaying = False
        self.closed = False
        self.failed: StorageError | None = None
        self._observed: list[Any] = []
        self._replayed: deque[Any] = deque()
        self._empty_step = False  # the newest command is a step that fired nothing
        self._last_at = world.clock.now()  # the instant that step started from
        self._step = world.clock.advance_to
        world.clock.advance_to = self._clock_step  # type: ignore[method-assign]
        self.tiktok = world.systems.get("tiktok")
        if self.tiktok is not None:
            self._answer = self.tiktok.webhooks.answer
            self.tiktok.webhooks.answer = self._webhook_answer
            self.tiktok.wall = self._wall

    # -- recording -------------------------------------------------------------------------------
    def http(self, env: dict[str, Any], body: bytes, call: Callable[[], Any]) -> Any:
        """Apply one request (``call``) and log it durably before returning what it answered.

        Raises:
            StorageError: the log could not be written (the answer must not reach the client).
        """
        at = self.world.clock.now()
        self.active, self._observed = True, []
        try:
            return call()
        finally:
            self.active = False
            self._append("http", at, {"env": env, "obs": self._observed}, body)

    def _clock_step(self, target: datetime, stop: Callable[[], bool] | None = None) -> list[Fired]:
        if self.replaying or self.active or self.closed:
            return self._step(target, stop)
        at = self.world.clock.now()
        fired: list[Fired] = []
        done = False
        try:
            fired = self._step(target, stop)
            done = True
        finally:
            data = {"to": target.isoformat(), "stop": stop is not None}
            if done and not fired and self._empty_step and self.failed is None:
                self._write(lambda: self.log.replace_last("step", self._last_at, len(self.world.journal), data))
            else:
                self._append("step", at, data)
                self._last_at = at
            self._empty_step = done and not fired
        return fired

    def _webhook_answer(self, delivery: Delivery, result: tuple[int, str]) -> None:
        if self.replaying or self.closed:
            self._answer(delivery, result)
            return
        at, attempts = self.world.clock.now(), delivery.attempts
        try:
            self._answer(delivery, result)
        finally:
            self._append("webhook", at, {"nid": delivery.notification_id, "n": attempts, "status": result[0],
                                         "error": result[1]})

    def _wall(self) -> float:
        if self.replaying:
            if not self._replayed:
                raise ReplayDiverged("a request read the wall clock more often than when it was recorded")
            value: float = self._replayed.popleft()
            return value
        value = wall_time()
        if self.active:
            self._observed.append(value)
        return value

    def _append(self, kind: str, at: datetime, data: dict[str, Any], body: bytes = b"") -> None:
        if self.closed:
            return
        self._empty_step = False
        self._write(lambda: self.log.append(kind, at, len(self.world.journal), data, body))

    def _write(self, write: Callable[[], object]) -> None:
        if self.failed is not None:
            raise self.failed
        try:
            write()
        except StorageError as exc:
            self.failed = exc  # the world is now ahead of its log: refuse everything until a restart
            raise

    # -- replaying -------------------------------------------------------------------------------
    def replay(self, commands: Iterable[Command], serve: Serve) -> int:
        """Apply ``commands`` in order (``serve(env, body)`` answers an http command); returns how many.

        Raises:
            ReplayDiverged: a command met another virtual instant, or left another journal length.
        """
        self.replaying = True
        if self.tiktok is not None:
            self.tiktok.webhooks.hold()
        count = 0
        try:
            for command in commands:
                self._replay_one(command, serve)
                count += 1
        finally:
            self.replaying = False
        return count

    def _replay_one(self, command: Command, serve: Serve) -> None:
        world = self.world
        with world.lock:
            if world.clock.now() != command.at:
                raise ReplayDiverged(f"command {command.seq} ({command.kind}) was applied at "
                                     f"{command.at.isoformat()}, the replay is at {world.clock.now().isoformat()}")
            if command.kind == "http":
                self._replayed = deque(command.data["obs"])
                serve(command.data["env"], command.body)
            elif command.kind == "step":
                stop = world.outbox_pending if command.data["stop"] else None
                try:
                    self._step(parse_instant(command.data["to"]), stop)
                except Exception:  # the live step raised the same way; what it changed before is the state
                    pass
            elif command.kind == "webhook":
                delivery = self.tiktok.webhooks.in_flight(command.data["nid"], command.data["n"]) \
                    if self.tiktok is not None else None
                if delivery is None:
                    raise ReplayDiverged(f"command {command.seq}: no attempt of {command.data['nid']} in flight")
                self._answer(delivery, (command.data["status"], command.data["error"]))
            else:
                raise ReplayDiverged(f"command {command.seq}: unknown kind {command.kind!r}")
            if len(world.journal) != command.jseq:
                raise ReplayDiverged(f"command {command.seq} ({command.kind}) left the journal at "
                                     f"{len(world.journal)} entries, {command.jseq} when it was recorded")

    def resume(self) -> None:
        """Replay done: webhooks that were in flight go out now."""
        if self.tiktok is not None:
            self.tiktok.webhooks.release()

    def close(self) -> None:
        """Stop recording (the world was reset, restored or deleted) and close the file."""
        if not self.closed:
            self.closed = True
            self.log.close()
