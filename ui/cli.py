"""The ``autolytiq`` command: the desktop, and (later) tools that run without a window.

It lives in ``ui`` because it starts the window; Qt is imported only when a window is needed, so
``--version`` and the window-less commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version


def app_version() -> str:
    try:
        return version("autolytiq")
    except PackageNotFoundError:
        return "0.0.0+unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autolytiq", description="Autolytiq showroom desktop")
    parser.add_argument("--version", action="version", version=f"autolytiq {app_version()}")
    parser.add_argument("--demo", action="store_true", help="open a fresh local store with a demo dealership")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the main window, wait until it is painted and accepts input, print timings as JSON, exit",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from app.config import configure_logging, load_settings

    settings = load_settings()
    configure_logging(settings.log_level)
    if not args.demo:
        print(
            "autolytiq: signing in to a dealership server arrives with the sync client; "
            "run `autolytiq --demo` to open the demo dealership.",
            file=sys.stderr,
        )
        return 2
    from ui.application import run_desktop

    return run_desktop(demo=True, self_test=args.self_test)


if __name__ == "__main__":
    sys.exit(main())
