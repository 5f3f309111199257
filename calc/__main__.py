"""Entry point of ``python -m calc`` (see :mod:`calc.cli`)."""

from calc.cli import main

raise SystemExit(main())
