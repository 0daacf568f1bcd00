"""Command line: tts-sim serve | run | contract | validate | rules | init | mocks | clock | orders | journal | credentials."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from simulator.runtime import paused, tune_gc

# The subcommands' modules (a world's rules, the server, contracts, scenarios) are imported by build_parser,
# which main() calls with the collector paused (simulator.runtime.paused): nothing they build is garbage.
Command = Callable[[argparse.Namespace], int]


class HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default (unless the help already says it, or there is none)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (action.option_strings and default not in (None, False, argparse.SUPPRESS)
                and "default" not in text.lower()):
            text += f" (default: {' '.join(map(str, default)) if isinstance(default, list) else default})"
        return text


class Parser(argparse.ArgumentParser):
    """Every (sub)command uses :class:`HelpFormatter`; the subcommand modules need not ask for it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def package_version() -> str:
    """The installed distribution's version."""
    from importlib.metadata import PackageNotFoundError, version  # ~0.1 s: only when asked

    try:
        return version("tts-sim")
    except PackageNotFoundError:  # a bare source tree on sys.path
        return "unknown (not installed)"


def _cmd_rules(args: argparse.Namespace) -> int:
    from simulator.rules import RuleBook
    from simulator.scenarios.cli import explain_rules

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


class _Version(argparse.Action):
    """``--version``: the distribution's version, looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:  # noqa: A002 - argparse's name
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        print(f"tts-sim {package_version()}")
        parser.exit()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@contextmanager
def _one_line(*errors: type[Exception]) -> Iterator[None]:
    """Turn ``errors`` into the one-line refusal (exit status 1) :func:`main` prints."""
    from simulator.lifecycle import StartupError

    try:
        yield
    except errors as exc:
        raise StartupError(str(exc), status=1) from exc


def _cmd_init(args: argparse.Namespace) -> int:
    from simulator.scaffold import ScaffoldError, write

    with _one_line(ScaffoldError):
        written = write(Path(args.directory), force=args.force)
    print(f"wrote {len(written)} files under {args.directory}/: a conftest, an example OMS per profile "
          f"(oms/direct.py, oms/sfcc.py, oms/rithum.py) and their tests")
    print(f"run them: pytest {args.directory}")
    return 0


def _cmd_mocks_export(args: argparse.Namespace) -> int:
    from simulator.mocksdata import MocksError, export

    with _one_line(MocksError):
        written = export(Path(args.directory), force=args.force)
    print(f"wrote {len(written)} built-in mocks files under {args.directory}/; keep the ones you change and "
          f"serve them with: tts-sim serve --mocks {args.directory}")
    return 0


def _cmd_mocks_check(args: argparse.Namespace) -> int:
    from simulator.mocksdata import MocksError, check_folder

    with _one_line(MocksError):
        files = check_folder(Path(args.directory))
    print(f"{len(files)} mocks file(s) valid: {', '.join(files)}")
    return 0


def _register_local(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from simulator.rules import PROFILE_NAMES

    rules = sub.add_parser("rules", help="print the rule profiles (numbers, lists, mappings) with rule IDs")
    rules.add_argument("--profile", choices=PROFILE_NAMES, help="only this profile (default: all)")
    rules.add_argument("--explain", metavar="ID", help="one rule in words: its numbers, sources and proving scenarios")
    rules.add_argument("--markdown", action="store_true", help="print docs/rules.md (generated from rules.yaml)")
    rules.set_defaults(func=_cmd_rules)
    init = sub.add_parser("init", help="write a partner test suite: conftest, an example OMS per profile, tests",
                          description="Scaffold a pytest suite that runs against the mocks in-process; "
                                      "`pytest DIR` passes as generated.")
    init.add_argument("directory", metavar="DIR", help="where to write the suite (created if missing)")
    init.add_argument("--force", action="store_true", help="overwrite files that already exist")
    init.set_defaults(func=_cmd_init)
    mocks = sub.add_parser("mocks", help="export or check mocks data (what a new world starts with)")
    actions = mocks.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write the built-in mocks files to start your own from",
                                description="Write the built-in mocks; keep only the files you change: "
                                            "`--mocks DIR` overlays them on the built-in ones.")
    export.add_argument("directory", metavar="DIR", help="where to write them (created if missing)")
    export.add_argument("--force", action="store_true", help="overwrite files that already exist")
    export.set_defaults(func=_cmd_mocks_export)
    check = actions.add_parser("check", help="check a mocks folder's files (one line naming file and field)")
    check.add_argument("directory", metavar="DIR", help="the folder given to --mocks")
    check.set_defaults(func=_cmd_mocks_check)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = Parser(prog="tts-sim", description=__doc__)
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for register in _registrars():
        register(sub)
    return parser


def _registrars() -> list[Callable[[argparse._SubParsersAction], None]]:  # type: ignore[type-arg]
    """What adds each subcommand: those living in their own modules register themselves."""
    from simulator.contracts.cli import register as register_contract
    from simulator.control.remote import register as register_remote
    from simulator.scenarios.cli import register as register_scenarios
    from simulator.server import register as register_serve

    return [register_serve, register_scenarios, register_contract, _register_local, register_remote]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tts-sim`` console script."""
    tune_gc()  # the long-running commands' thresholds
    with paused():  # the subcommands' modules import with no collection (serve pauses on to its banner)
        args = build_parser().parse_args(argv)
    func: Command = args.func
    from simulator.control.remote import RemoteError
    from simulator.lifecycle import StartupError

    try:
        return func(args)
    except (StartupError, RemoteError) as exc:  # one line, no traceback: the user's arguments or environment
        print(f"tts-sim {args.command}: {exc}", file=sys.stderr)
        return exc.status


if __name__ == "__main__":
    sys.exit(main())
