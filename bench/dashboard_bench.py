"""Manager dashboard figures on the demo dealership: the first read (learns the floor model from the
dealership's ended deals and saves it in ml_state) and later reads (resume from the saved model).

Run: ``.venv/bin/python bench/dashboard_bench.py``. Target: the whole dashboard well under 200 ms.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, select  # noqa: E402

from app.demo.generator import build_demo  # noqa: E402
from app.policy import Principal, permissions_for_roles  # noqa: E402
from app.services.dashboard import DashboardService  # noqa: E402
from app.store.database import Actor, open_store  # noqa: E402
from app.store.models import AppUser, MlState  # noqa: E402

TARGET_MS = 200.0
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.sqlite3", "bench")
        summary = build_demo(store, seed=7, today=date(2026, 11, 24))
        actor = Actor(summary.tenant_id, None, "bench")
        with store.session(actor) as session:
            user = session.scalars(select(AppUser).where(AppUser.roles == ["sales_manager"])).first()
            assert user is not None
        principal = Principal(user.id, summary.tenant_id, permissions_for_roles(user.roles))
        service = DashboardService(store, principal)

        first: list[float] = []
        for _ in range(10):
            with store.session(actor, capture_changes=False) as session:
                session.execute(delete(MlState))
            started = time.perf_counter()
            service.overview(now=NOW)
            first.append((time.perf_counter() - started) * 1000)

        later: list[float] = []
        for _ in range(50):
            started = time.perf_counter()
            board = service.overview(now=NOW)
            later.append((time.perf_counter() - started) * 1000)
        store.close()

    print(f"demo dealership: {sum(p.count for p in board.pipeline)} deals, {len(board.routing.reps)} reps")
    for name, samples in (("first read (learn + save model)", first), ("later reads (saved model)", later)):
        p95 = sorted(samples)[int(len(samples) * 0.95) - 1]
        verdict = "ok" if statistics.median(samples) < TARGET_MS else "SLOW"
        print(
            f"{name:34s} median {statistics.median(samples):7.1f} ms  p95 {p95:7.1f} ms  "
            f"(target < {TARGET_MS:.0f} ms: {verdict})"
        )


if __name__ == "__main__":
    main()
