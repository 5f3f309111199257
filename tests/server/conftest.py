"""Server tests run against a real PostgreSQL and a real SMTP server; the fixtures live in ``fixtures.py``.

Other test packages reuse them the same way: ``from tests.server.fixtures import *`` in their conftest
(``pytest_plugins`` is only honoured in the top-level conftest).
"""

from tests.server.fixtures import *  # noqa: F403
