"""Prime deal-strategy recommendation: ``Prime(seed=...)``, ``recommend(context) -> PrimeResult``.

Save/load: ``engine.save(path)`` and the classmethod ``Prime.load(path)``; for the app's ``ml_state`` table,
``engine.to_state() -> dict`` and the classmethod ``Prime.from_state(dict)``.
"""

from ml.prime.engine import STRATEGIES, Prime, PrimeResult, StrategyEstimate

__all__ = ["STRATEGIES", "Prime", "PrimeResult", "StrategyEstimate"]
