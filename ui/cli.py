"""The ``autolytiq`` command: the desktop, and (later) tools that run without a window.

It lives in ``ui`` because it starts the window; Qt is imported only when a window is needed, so
``--version`` and the window-less commands start fast.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

# Imported before Qt, in this order, when the desktop starts: once PySide6 is loaded, its import hook
# reads the source of every module imported after it (looking for "PySide6"), which costs ~50 ms over
# SQLAlchemy, the store and what the first screen (the desk) uses. A module missing here is only
# imported later, not lost.
CORE_BEFORE_QT = (
    "app.runtime",
    "sqlalchemy.dialects.sqlite",  # the store's engine loads these two on open
    "sqlite3",
    "app.desk",
    "app.desk_advice",
    "app.services.customers",
    "app.services.deals",
    "app.services.inventory",
    "app.services.search",
    "html",
)


def app_version() -> str:
    # importlib.metadata costs ~40 ms to import and read, so only the commands that print the version use it.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("autolytiq")
    except PackageNotFoundError:
        return "0.0.0+unknown"


class _VersionAction(argparse.Action):
    """``--version``, with the version looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self, parser: argparse.ArgumentParser, _ns: argparse.Namespace, _values: Any, _opt: str | None = None
    ) -> NoReturn:
        print(f"autolytiq {app_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autolytiq", description="Autolytiq showroom desktop")
    parser.add_argument("--version", action=_VersionAction, help="show the version and exit")
    parser.add_argument("--demo", action="store_true", help="open a fresh local store with a demo dealership")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the main window, wait until it is painted and accepts input, print timings as JSON, exit",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    verify = commands.add_parser("verify", help="check an installed build against its signed manifest")
    verify.add_argument("path", nargs="?", type=Path, help="install directory (default: this build)")
    verify.add_argument("--public-key", type=Path, help="PEM public key (default: the pinned release key)")
    verify.add_argument("--json", action="store_true", help="print the report as one JSON line")
    update = commands.add_parser("check-update", help="look for a newer signed build on the update channel")
    update.add_argument("--channel", help="directory or URL (default: update_channel from the config)")
    update.add_argument("--public-key", type=Path, help="PEM public key (default: the pinned release key)")
    update.add_argument("--json", action="store_true", help="print the result as one JSON line")
    ask = commands.add_parser("ask", help="one assistant turn without the window; prints one JSON line")
    ask.add_argument(
        "--demo",
        dest="ask_demo",
        action="store_true",
        help="ask about the demo dealership (without it: as the user signed in on this computer)",
    )
    ask.add_argument("question", help="the question, in quotes")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "verify":
        from app.release.commands import run_verify

        return run_verify(args.path, args.public_key, as_json=args.json)
    if args.command == "check-update":
        from app.release.commands import run_check_update

        return run_check_update(args.channel, app_version(), args.public_key, as_json=args.json)
    from app.release.self_check import start_self_check

    # A frozen build checks its files against its signed manifest while the app's modules load; no
    # command runs and no window opens before the verdict (refusal below).
    self_check = start_self_check()
    from app.config import configure_logging, load_settings

    settings = load_settings()
    configure_logging(settings.log_level)
    if args.command == "ask":
        from app.assistant.command import run_ask

        start: Callable[[], int] = partial(run_ask, args.question, demo=args.demo or args.ask_demo)
    else:
        # Start-up allocates hundreds of thousands of long-lived objects (modules, classes, mappers), and
        # the collector would walk them again and again for nothing (~15% of start-up); the window turns
        # it back on once it has painted (ui.application).
        gc.disable()
        for name in CORE_BEFORE_QT:
            importlib.import_module(name)
        from ui.application import run_desktop

        start = partial(run_desktop, demo=args.demo, self_test=args.self_test)
    refusal = self_check.refusal() if self_check is not None else None
    if refusal:
        print(refusal, file=sys.stderr)
        return 3
    return start()


if __name__ == "__main__":
    sys.exit(main())
