"""Synthetic customer stream with known segments and injected anomalies, against MiniBatchKMeans.

The figures are printed (run with ``-s``) and come from ``bench/ml_bench.py``, which prints the same ones
with ``--simulate``. Seeds are fixed; the margins asserted are far inside what the runs show.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "ml_bench.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ml_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stationary() -> dict[str, float]:
    figures: dict[str, float] = _bench().whaco_simulation(seed=7, n=6000)
    print("\nWHACO stationary stream:", {k: round(v, 4) for k, v in figures.items()})
    return figures


@pytest.fixture(scope="module")
def drifting() -> dict[str, float]:
    figures: dict[str, float] = _bench().whaco_simulation(seed=7, n=4000, drift_at=2000)
    print("\nWHACO stream with drift at 2000:", {k: round(v, 4) for k, v in figures.items()})
    return figures


@pytest.fixture(scope="module")
def overlapping() -> dict[str, float]:
    figures: dict[str, float] = _bench().whaco_simulation(seed=7, n=4000, separation=0.35)
    print("\nWHACO overlapping segments:", {k: round(v, 4) for k, v in figures.items()})
    return figures


@pytest.fixture(scope="module")
def sparse() -> dict[str, float]:
    figures: dict[str, float] = _bench().whaco_simulation(seed=7, n=4000, missing_rate=0.3)
    print("\nWHACO with 30 % of every field missing:", {k: round(v, 4) for k, v in figures.items()})
    return figures


def test_segments_are_recovered_better_than_kmeans(stationary: dict[str, float]) -> None:
    assert stationary["whaco_ari"] >= 0.9
    assert stationary["whaco_ari"] >= stationary["kmeans_ari"] + 0.05


def test_outliers_are_found_with_a_calibrated_alarm_rate(stationary: dict[str, float]) -> None:
    # ~1 % of ordinary customers flagged (alpha = 0.01), not the quarter the original flagged.
    assert 0.002 <= stationary["whaco_false_alarm_rate"] <= 0.03
    assert stationary["whaco_outlier_precision"] >= stationary["kmeans_outlier_precision"] + 0.1
    assert stationary["whaco_outlier_recall"] >= stationary["kmeans_outlier_recall"] + 0.2
    # "Normal values, wrong combination": distance to a centroid cannot see these at all.
    assert stationary["whaco_combination_recall"] >= 0.2
    assert stationary["whaco_combination_recall"] > stationary["kmeans_combination_recall"] + 0.15


def test_confidence_tracks_accuracy(stationary: dict[str, float]) -> None:
    assert abs(stationary["whaco_mean_confidence"] - stationary["whaco_accuracy"]) < 0.05


def test_drift_is_followed_and_no_segment_dies(drifting: dict[str, float]) -> None:
    assert drifting["whaco_ari"] >= 0.85
    assert drifting["whaco_ari"] >= drifting["kmeans_ari"] + 0.1
    assert drifting["whaco_false_alarm_rate"] <= 0.05
    assert drifting["whaco_smallest_segment_share_late"] >= 0.05


def test_overlapping_segments_neither_merge_nor_die(overlapping: dict[str, float]) -> None:
    # Segments much closer than their prototypes: one would swallow another without the revival split.
    assert overlapping["whaco_ari"] >= 0.85
    assert overlapping["whaco_ari"] >= overlapping["kmeans_ari"] + 0.3
    assert overlapping["whaco_smallest_segment_share_late"] >= 0.05
    assert 0.002 <= overlapping["whaco_false_alarm_rate"] <= 0.03
    assert abs(overlapping["whaco_mean_confidence"] - overlapping["whaco_accuracy"]) < 0.05


def test_missing_fields_are_marginalised_not_imputed(sparse: dict[str, float]) -> None:
    # KMeans needs the gaps filled (mean imputation); WHACO scores on the fields it has.
    assert sparse["whaco_ari"] >= 0.9
    assert sparse["whaco_ari"] >= sparse["kmeans_ari"] + 0.1
    # The chi-square law on the observed dimensions keeps the alarm rate calibrated despite the gaps.
    assert 0.002 <= sparse["whaco_false_alarm_rate"] <= 0.03
    assert sparse["whaco_outlier_recall"] >= sparse["kmeans_outlier_recall"] + 0.2
