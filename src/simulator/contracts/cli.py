"""``tts-sim contract``: run an API's contract checks against any server (the mocks or a partner's own)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simulator.contracts.apis import APIS

CREDENTIALS = {
    "tiktok-shop": ("app_key", "app_secret", "access_token", "shop_cipher"),
    "sfcc": ("client_id", "client_secret", "bm_user", "bm_access_key", "token_url", "site_id", "oms_client_id",
             "oms_client_secret", "oms_user", "oms_access_key", "storefront_user", "storefront_password",
             "webdav_user", "webdav_key"),
    "channeladvisor": ("application_id", "shared_secret", "refresh_token", "access_token", "token_url"),
}
HELP = {
    "app_key": "TikTok app key", "app_secret": "TikTok app secret (signs every request)",
    "access_token": "TikTok x-tts-access-token, or a ChannelAdvisor access token (skips the refresh grant)",
    "shop_cipher": "TikTok shop_cipher of the shop to test",
    "client_id": "SFCC API client id", "client_secret": "SFCC API client secret",
    "bm_user": "SFCC Business Manager login (BM user grant; without it: client credentials)",
    "bm_access_key": "SFCC Business Manager access key", "token_url": "OAuth token URL (default: on --base-url)",
    "site_id": "SFCC site id", "oms_client_id": "SFCC client for the Data API order resources (default: --client-id)",
    "oms_client_secret": "its secret", "oms_user": "its BM login", "oms_access_key": "its BM access key",
    "storefront_user": "SFCC storefront protection user", "storefront_password": "storefront protection password",
    "webdav_user": "SFCC WebDAV login", "webdav_key": "SFCC WebDAV access key",
    "application_id": "ChannelAdvisor application id", "shared_secret": "ChannelAdvisor shared secret",
    "refresh_token": "ChannelAdvisor refresh token",
}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``contract`` to the ``tts-sim`` subcommands."""
    parser = sub.add_parser(
        "contract", help="check a server against an API contract (schemathesis, every check)",
        description="Run the contract of one API against a server with every schemathesis check, derandomized. "
                    "Against a tts-sim server with no credential options the seeded credentials are used. "
                    "Exit status 1 when any check fails (each failure is listed with a curl that reproduces it).")
    parser.add_argument("--api", required=True, choices=sorted(APIS), help="which contract")
    parser.add_argument("--base-url", required=True, metavar="URL", help="the server, e.g. http://127.0.0.1:7070")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report")
    parser.add_argument("--max-examples", type=int, metavar="N", help="cases per operation and phase "
                        "(default: the contract's conformance settings)")
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful",
                        help="comma-separated phases to run")
    parser.add_argument("--seed", type=int, default=0, help="generation seed (runs are derandomized)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines, only the summary")
    group = parser.add_argument_group("credentials (each API reads its own)")
    for name in dict.fromkeys(n for names in CREDENTIALS.values() for n in names):
        group.add_argument("--" + name.replace("_", "-"), dest=name, metavar="VALUE", help=HELP[name])
    parser.set_defaults(func=_cmd_contract)


def _credentials(args: argparse.Namespace) -> dict[str, str]:
    from simulator.contracts import auth

    given = {name: getattr(args, name) for name in CREDENTIALS[args.api] if getattr(args, name)}
    if given:
        return given
    seeded = auth.simulator_credentials(args.base_url.rstrip("/"))
    if seeded is None:
        return {}
    print(f"{args.base_url} is a tts-sim server: using its seeded {args.api} credentials", flush=True)
    return auth.from_simulator(args.api, seeded)


def _cmd_contract(args: argparse.Namespace) -> int:
    from simulator.contracts import auth, report, runner
    from simulator.lifecycle import StartupError

    phases = tuple(p.strip() for p in args.phases.split(",") if p.strip())
    unknown = [p for p in phases if p not in runner.PHASES]
    if unknown:
        raise StartupError(f"unknown phase {unknown[0]!r} (phases: {', '.join(runner.PHASES)})", status=2)
    try:
        resolved = auth.resolve(args.api, args.base_url, _credentials(args))
    except auth.AuthError as exc:
        raise StartupError(str(exc), status=2) from exc
    api = APIS[args.api]
    print(f"tts-sim contract: {api.title} ({api.contract.name}) against {args.base_url}; {resolved.summary}",
          flush=True)
    progress: Any = None if args.quiet else (lambda line: print(line, flush=True))
    result = runner.run(args.api, args.base_url, resolved, progress=progress, max_examples=args.max_examples,
                        phases=phases, seed=args.seed)
    print(report.summary(result), flush=True)
    if args.junit:
        report.junit(result, args.junit)
        print(f"JUnit report: {args.junit}", flush=True)
    if not result.ok:
        print(f"tts-sim contract: {args.api} does not conform ({len(result.failures)} failures)", file=sys.stderr)
    return 0 if result.ok else 1
