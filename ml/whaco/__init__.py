"""WHACO customer segmentation: ``Whaco(seed=...)``, ``process(customer) -> WhacoResult``.

Save/load: ``engine.save(path)`` and the classmethod ``Whaco.load(path)``; for the app's ``ml_state`` table,
``engine.to_state() -> dict`` and the classmethod ``Whaco.from_state(dict)``.
"""

from ml.whaco.engine import Reason, Whaco, WhacoResult
from ml.whaco.features import NAMES as FEATURE_NAMES
from ml.whaco.segments import NAMES as SEGMENT_NAMES
from ml.whaco.segments import UNASSIGNED

__all__ = ["FEATURE_NAMES", "SEGMENT_NAMES", "UNASSIGNED", "Reason", "Whaco", "WhacoResult"]
