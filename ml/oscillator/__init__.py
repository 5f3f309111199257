"""Oscillator engines: the plain Kuramoto model and the sales-floor team network built on it.

- ``KuramotoNetwork(omega, theta0, coupling)``: RK4 integration of the Kuramoto model (``kuramoto``).
- ``TeamNetwork(seed=...)``: routes leads on the live floor, measures reps, reports coherence, bottlenecks
  and mentoring pairs (``team``); its ``to_state()`` is what the app keeps in ``ml_state``.
- ``floor``: a discrete-event showroom simulation comparing routing policies on identical customers.

Typical use by the app (times in local wall-clock minutes)::

    team = TeamNetwork(seed=7, reps=[{"rep_id": "u12", "skill": 0.3, "shift": ("09:00", "17:00")}])
    rep = team.route({"lead_id": "L-881", "at": now})        # None: keep it in the house queue, retry later
    team.lead_started("L-881", at=now)                        # ... lead_finished("L-881", "sold", at=later)
    row = team.to_state()                                     # JSON for ml_state; TeamNetwork.from_state(row)
"""

from ml.oscillator.fields import FieldError
from ml.oscillator.kuramoto import KuramotoNetwork
from ml.oscillator.team import Bottleneck, RepPerformance, TeamNetwork, TeamSettings

__all__ = ["Bottleneck", "FieldError", "KuramotoNetwork", "RepPerformance", "TeamNetwork", "TeamSettings"]
