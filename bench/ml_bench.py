"""WHACO and Prime: speed figures, and (``--simulate``) the evaluation simulations against baselines.

    .venv/bin/python bench/ml_bench.py              # timings: WHACO process, Prime recommend
    .venv/bin/python bench/ml_bench.py --simulate   # segmentation and bandit simulations (needs scikit-learn)

Targets: WHACO ``process`` < 200 µs per customer, Prime ``recommend`` < 1 ms. The simulation functions are
also what ``tests/ml/whaco`` and ``tests/ml/prime`` assert on, so the printed figures and the tests agree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ml.prime import STRATEGIES, Prime
from ml.prime import synthetic as deals
from ml.whaco import Whaco
from ml.whaco import synthetic as customers
from ml.whaco.features import FEATURES

# -- WHACO: segmentation and outliers against MiniBatchKMeans ----------------------------------------------


def _kmeans_matrix(stream: list[customers.Customer]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The same fixed feature scale WHACO uses; missing fields mean-imputed (KMeans cannot skip them)."""
    rows = np.full((len(stream), len(FEATURES)), np.nan)
    for r, customer in enumerate(stream):
        for i, feature in enumerate(FEATURES):
            value = customer.record.get(feature.name)
            if value is not None:
                rows[r, i] = feature.standardise(float(value))
    means = np.nanmean(rows, axis=0)
    return np.where(np.isnan(rows), means, rows)


def _precision_recall(flagged: np.ndarray[Any, Any], truth: np.ndarray[Any, Any]) -> tuple[float, float]:
    hits = int((flagged & truth).sum())
    return hits / max(1, int(flagged.sum())), hits / max(1, int(truth.sum()))


def whaco_simulation(
    seed: int = 7,
    n: int = 6000,
    drift_at: int | None = None,
    separation: float = 1.0,
    missing_rate: float = 0.08,
) -> dict[str, float]:
    """Prequential WHACO (each customer scored before it is learned) vs MiniBatchKMeans fitted on the stream.

    Scored on the second half of the stream (after warm-up, and after the drift when there is one): adjusted
    Rand index on ordinary customers, outlier precision and recall, and the false-alarm rate on ordinary
    customers. The KMeans baseline flags the 1 % of customers farthest from their centroid (the same alarm
    budget WHACO is calibrated to).
    """
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.metrics import adjusted_rand_score

    stream = customers.stream(seed, n, drift_at=drift_at, separation=separation, missing_rate=missing_rate)
    engine = Whaco(seed=seed)
    results = [engine.process(c.record) for c in stream]

    late = np.arange(n) >= n // 2
    truth_outlier = np.array([c.anomaly is not None for c in stream])
    truth_segment = np.array([c.segment for c in stream])
    ordinary = late & ~truth_outlier
    combination = late & np.array([c.anomaly == "combination" for c in stream])

    flagged = np.array([r.is_outlier for r in results])
    labels = np.array([r.cluster_id for r in results])
    precision, recall = _precision_recall(flagged[late], truth_outlier[late])

    matrix = _kmeans_matrix(stream)
    kmeans = MiniBatchKMeans(n_clusters=5, random_state=seed, n_init=3, batch_size=256).fit(matrix)
    distance = np.linalg.norm(matrix - kmeans.cluster_centers_[kmeans.labels_], axis=1)
    km_flagged = distance > np.quantile(distance, 0.99)
    km_precision, km_recall = _precision_recall(km_flagged[late], truth_outlier[late])

    return {
        "customers": float(n),
        "whaco_ari": float(adjusted_rand_score(truth_segment[ordinary], labels[ordinary])),
        "kmeans_ari": float(adjusted_rand_score(truth_segment[ordinary], kmeans.labels_[ordinary])),
        "whaco_outlier_precision": precision,
        "whaco_outlier_recall": recall,
        "kmeans_outlier_precision": km_precision,
        "kmeans_outlier_recall": km_recall,
        "whaco_combination_recall": float(flagged[combination].mean()),
        "kmeans_combination_recall": float(km_flagged[combination].mean()),
        "whaco_false_alarm_rate": float(flagged[ordinary].mean()),
        "whaco_mean_confidence": float(np.array([r.confidence for r in results])[ordinary].mean()),
        "whaco_accuracy": float((labels[ordinary] == truth_segment[ordinary]).mean()),
        "whaco_smallest_segment_share_late": float(
            np.bincount(labels[late & (labels >= 0)], minlength=5).min() / late.sum()
        ),
    }


# -- Prime: regret against uniform random and context-free Thompson sampling ---------------------------------


class _BetaThompson:
    """Context-free Thompson sampling: one Beta(1, 1) success rate per strategy."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.wins = np.ones(len(STRATEGIES))
        self.losses = np.ones(len(STRATEGIES))

    def choose(self, _deal: dict[str, Any]) -> int:
        return int(np.argmax(self.rng.beta(self.wins, self.losses)))

    def learn(self, _deal_id: str, arm: int, _deal: dict[str, Any], success: bool) -> None:
        if success:
            self.wins[arm] += 1
        else:
            self.losses[arm] += 1


class _Uniform:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def choose(self, _deal: dict[str, Any]) -> int:
        return int(self.rng.integers(len(STRATEGIES)))

    def learn(self, _deal_id: str, arm: int, _deal: dict[str, Any], success: bool) -> None:
        return None


class _PrimePolicy:
    def __init__(self, seed: int, memory: float | None = None) -> None:
        self.engine = Prime(seed=seed) if memory is None else Prime(seed=seed, memory=memory)
        self.duplicates_ignored = 0
        self.covered: list[float] = []  # per deal: share of strategies whose true rate is inside the interval

    def choose(self, deal: dict[str, Any]) -> int:
        result = self.engine.recommend(deal)
        self.last = result
        return STRATEGIES.index(result.strategy)

    def check_intervals(self, probs: np.ndarray[Any, np.dtype[np.float64]]) -> None:
        inside = [
            e.interval[0] <= probs[STRATEGIES.index(e.strategy)] <= e.interval[1] for e in self.last.ranking
        ]
        self.covered.append(sum(inside) / len(inside))

    def learn(self, deal_id: str, arm: int, deal: dict[str, Any], success: bool) -> None:
        if not self.engine.record_outcome(deal_id, STRATEGIES[arm], deal, success):
            self.duplicates_ignored += 1


def _run_bandit(policy: Any, seed: int, n: int, change_at: int, max_delay: int) -> list[float]:
    """Expected regret per deal; outcomes arrive after a random delay, out of order, 10 % of them twice."""
    rng = np.random.default_rng(seed)
    outcome_rng = np.random.default_rng(seed + 1)
    market = deals.Market()
    pending: list[tuple[int, str, int, dict[str, Any], bool]] = []
    regret: list[float] = []
    for t in range(n):
        if t == change_at:
            market = market.change()
        deal = deals.deal(rng)
        probs = market.probabilities(deal)
        arm = policy.choose(deal)
        if isinstance(policy, _PrimePolicy):
            policy.check_intervals(probs)
        regret.append(float(probs.max() - probs[arm]))
        success = bool(outcome_rng.random() < probs[arm])
        due = t + int(outcome_rng.integers(0, max_delay + 1))
        pending.append((due, f"deal-{t}", arm, deal, success))
        if outcome_rng.random() < 0.1:
            pending.append((due + int(outcome_rng.integers(1, 20)), f"deal-{t}", arm, deal, success))
        ready = [p for p in pending if p[0] <= t]
        pending = [p for p in pending if p[0] > t]
        for _, deal_id, chosen, seen_deal, won in ready:
            policy.learn(deal_id, chosen, seen_deal, won)
    return regret


def prime_simulation(seed: int = 11, n: int = 3000, max_delay: int = 25) -> dict[str, float]:
    """Cumulative expected regret before and after a mid-stream lender change.

    Policies: Prime as shipped; Prime without forgetting (to show what forgetting buys after the change);
    uniform random; context-free Thompson sampling (one Beta per strategy).
    """
    change_at = n // 2
    figures: dict[str, float] = {"deals": float(n), "change_at": float(change_at)}
    policies: tuple[tuple[str, Any], ...] = (
        ("prime", _PrimePolicy(seed)),
        ("prime_no_forgetting", _PrimePolicy(seed, memory=1e12)),
        ("uniform", _Uniform(seed)),
        ("context_free_ts", _BetaThompson(seed)),
    )
    for name, policy in policies:
        regret = _run_bandit(policy, seed, n, change_at, max_delay)
        figures[f"{name}_regret_before"] = float(sum(regret[:change_at]))
        figures[f"{name}_regret_after"] = float(sum(regret[change_at:]))
        figures[f"{name}_regret_first_300_after"] = float(sum(regret[change_at : change_at + 300]))
        figures[f"{name}_regret_last_500"] = float(sum(regret[-500:]))
        if isinstance(policy, _PrimePolicy):
            # How often the 90 % interval holds the true rate, over the second half of each phase.
            covered = policy.covered
            figures[f"{name}_interval_coverage_before"] = float(np.mean(covered[change_at // 2 : change_at]))
            figures[f"{name}_interval_coverage_after"] = float(np.mean(covered[n - change_at // 2 :]))
        if name == "prime":
            figures["prime_duplicates_ignored"] = float(policy.duplicates_ignored)
    return figures


# -- timings -------------------------------------------------------------------------------------------------


def _per_call(fn: Callable[[], object], calls: int) -> tuple[float, float, float]:
    """Median and fastest single call (wall), and mean CPU time per call, in microseconds.

    Each call is timed on its own, so the median ignores the calls that waited for a core on a shared
    machine; CPU time leaves out waiting altogether.
    """
    times = []
    start_cpu = time.process_time()
    for _ in range(calls):
        start = time.perf_counter_ns()
        fn()
        times.append((time.perf_counter_ns() - start) / 1000.0)
    cpu = (time.process_time() - start_cpu) / calls * 1e6
    return statistics.median(times), min(times), cpu


def whaco_timing(customers_n: int = 3000) -> tuple[float, float, float]:
    stream = customers.stream(3, 2000 + customers_n)
    engine = Whaco(seed=3)
    for c in stream[:2000]:
        engine.process(c.record)
    records = iter(c.record for c in stream[2000:])
    return _per_call(lambda: engine.process(next(records)), customers_n)


def prime_timing(calls: int = 2000) -> tuple[float, float, float]:
    rng = np.random.default_rng(5)
    engine = Prime(seed=5)
    market = deals.Market()
    for t in range(1000):
        deal = deals.deal(rng)
        arm = STRATEGIES.index(engine.recommend(deal).strategy)
        won = bool(rng.random() < market.probabilities(deal)[arm])
        engine.record_outcome(f"warm-{t}", STRATEGIES[arm], deal, won)
    contexts = [deals.deal(rng) for _ in range(64)]
    counter = iter(range(10**9))
    return _per_call(lambda: engine.recommend(contexts[next(counter) % 64]), calls)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--simulate", action="store_true", help="run the evaluation simulations too")
    args = parser.parse_args()
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; a busy machine slows wall time)")
    for label, target, (median, fastest, cpu) in (
        ("WHACO process (per customer)", 200, whaco_timing()),
        ("Prime recommend (per call)", 1000, prime_timing()),
    ):
        print(f"{label:30s} median {median:6.0f} µs, fastest {fastest:6.0f} µs, CPU {cpu:6.0f} µs "
              f"(target < {target} µs)")
    if args.simulate:
        for label, figures in (
            ("WHACO, stationary stream", whaco_simulation(n=6000)),
            ("WHACO, drift at half-way", whaco_simulation(n=4000, drift_at=2000)),
            ("WHACO, overlapping segments (separation 0.35)", whaco_simulation(n=4000, separation=0.35)),
            ("WHACO, 30 % of every field missing", whaco_simulation(n=4000, missing_rate=0.3)),
            ("Prime bandit, lender change at half-way", prime_simulation()),
        ):
            print(f"\n{label}")
            for key, value in figures.items():
                print(f"  {key:44s} {value:10.4f}")


if __name__ == "__main__":
    main()
