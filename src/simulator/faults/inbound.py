"""Request faults in the input layer: a rule that fires refuses the request in its vendor's envelope, or marks it.

``rate_limit`` and ``server_error`` are input refusals (each vendor's ``inbound`` maps them: TikTok
36009002/429 and 36009003/500, ChannelAdvisor 429/500, OCAPI ``QuotaExceededException``/429 and
``InternalServerErrorException``/500); ``token_expired`` makes the caller's access token expire now and
lets the request meet its own authentication; ``latency`` and ``reset`` mark the request for the world
router, which waits (outside the world lock) or drops the connection after the world has answered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.faults.book import SYSTEMS
from simulator.inbound import Inbound, InputError, Refusal
from simulator.world import World

LATENCY_KEY = "tts_sim.fault.latency_ms"
RESET_KEY = "tts_sim.fault.reset"


def _bearer(inbound: Inbound) -> str | None:
    header = inbound.headers.get("Authorization") or ""
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return next((v for k, v in inbound.query.items() if k.lower() == "access_token"), None)


def _expire_tiktok(world: World, inbound: Inbound) -> bool:
    token = inbound.headers.get("x-tts-access-token")
    return bool(token) and bool(world.systems["tiktok"].tokens.expire(token, world.clock.now()))


def _expire_sfcc(world: World, inbound: Inbound) -> bool:
    token = _bearer(inbound) or inbound.headers.get("x-is-authorization")
    return bool(token) and bool(world.systems["sfcc"].auth.expire(token, world.clock.now()))


def _expire_channeladvisor(world: World, inbound: Inbound) -> bool:
    token = _bearer(inbound)
    return bool(token) and bool(world.systems["channeladvisor"].tokens.expire(token, world.clock.now()))


EXPIRE: dict[str, Callable[[World, Inbound], bool]] = {
    "tiktok": _expire_tiktok, "sfcc": _expire_sfcc, "channeladvisor": _expire_channeladvisor}


def _shop_id(world: World, inbound: Inbound) -> str | None:
    """The shop a TikTok request names (by ``shop_cipher``); other vendors' requests name none."""
    if inbound.system != "tiktok":
        return None
    shop = world.systems["tiktok"].catalog.shops_by_cipher.get(inbound.query.get("shop_cipher", ""))
    return str(shop.id) if shop is not None else None


def check(inbound: Inbound) -> None:
    """The input-layer check (:func:`simulator.inbound.add_check`): apply the first rule that fires."""
    world: World = inbound.world
    if inbound.system not in SYSTEMS or not world.faults.active(inbound.system):
        return
    with world.lock:
        rule = world.faults.decide(inbound.system, inbound.method, inbound.path, _shop_id(world, inbound))
        if rule is None:
            return
        kind = rule.type
        if kind == "token_expired":
            EXPIRE[inbound.system](world, inbound)
        elif kind == "latency":
            inbound.environ[LATENCY_KEY] = rule.fault["ms"]
        elif kind == "reset":
            inbound.environ[RESET_KEY] = True
            if not rule.fault.get("applied"):
                raise InputError(Refusal.SERVER_ERROR, "The connection was reset.")
        elif kind == "rate_limit":
            raise InputError(Refusal.RATE_LIMITED, "Too many requests.")
        else:
            raise InputError(Refusal.SERVER_ERROR, "Internal server error.")


def marks(environ: dict[str, Any]) -> tuple[float, bool]:
    """What the check left for the router: ``(latency in ms, reset the connection)``."""
    return float(environ.get(LATENCY_KEY) or 0), bool(environ.get(RESET_KEY))
