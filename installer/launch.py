"""PyInstaller's entry script: the frozen ``autolytiq`` runs the same ``main`` as the console script.

One extra, for the build's own smoke test: ``autolytiq --check-imports`` imports every bundled module
of ours (engines, pages, sync client) and reports those that fail, so a missing module or a broken
library (numpy, scipy) in the bundle is found at build time, not when a user first opens a screen that
needs it. It runs after the start-up self-verification like any other start.
"""

import importlib
import json
import pkgutil
import sys

from ui.cli import main

PACKAGES = ("app", "calc", "ml", "ui", "sync")
SKIPPED = ("sync.server",)  # a separate service, not part of the desktop bundle


def check_imports() -> int:
    from app.release.self_check import startup_refusal

    refusal = startup_refusal()
    if refusal:
        print(refusal, file=sys.stderr)
        return 3
    names, failed = [], {}
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if module.name.startswith(SKIPPED) or module.name.endswith(".__main__"):
                continue
            names.append(module.name)
            try:
                importlib.import_module(module.name)
            except Exception as exc:  # report every failure, not just the first
                failed[module.name] = repr(exc)
    print(json.dumps({"modules": len(names), "failed": failed}))
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--check-imports"]:
        sys.exit(check_imports())
    sys.exit(main())
