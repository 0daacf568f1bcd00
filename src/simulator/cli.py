"""Command line: tts-sim rules | run | serve | validate (subcommands register themselves here)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from simulator.lifecycle import StartupError
from simulator.rules import PROFILE_NAMES, RuleBook
from simulator.runtime import tune_gc
from simulator.scenarios.cli import explain_rules
from simulator.scenarios.cli import register as register_scenarios
from simulator.server import register as register_serve

Command = Callable[[argparse.Namespace], int]


def _cmd_rules(args: argparse.Namespace) -> int:
    if args.explain or args.markdown:
        return explain_rules(args)
    rows = RuleBook.load().table(args.profile)
    headers = ("profile", "quantity", "value", "rules", "source")
    widths = [max(len(h), *(min(len(r[i]), 60) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(_clip(c, 60).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    return 0


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="tts-sim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rules = sub.add_parser("rules", help="print the rule profiles (numbers, lists, mappings) with rule IDs")
    rules.add_argument("--profile", choices=PROFILE_NAMES, help="only this profile")
    rules.add_argument("--explain", metavar="ID", help="one rule in words: its numbers, sources and proving scenarios")
    rules.add_argument("--markdown", action="store_true", help="print docs/rules.md (generated from rules.yaml)")
    rules.set_defaults(func=_cmd_rules)
    for register in _EXTRA:
        register(sub)
    return parser


# Subcommands living in their own modules register themselves here.
_EXTRA: list[Callable[[argparse._SubParsersAction], None]] = [register_scenarios, register_serve]  # type: ignore[type-arg]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tts-sim`` console script."""
    args = build_parser().parse_args(argv)
    tune_gc()
    func: Command = args.func
    try:
        return func(args)
    except StartupError as exc:  # one line, no traceback: the user's arguments or environment
        print(f"tts-sim {args.command}: {exc}", file=sys.stderr)
        return exc.status


if __name__ == "__main__":
    sys.exit(main())
