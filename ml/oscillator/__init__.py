"""Oscillator engines: the plain Kuramoto model and the sales-floor team network built on it."""

from ml.oscillator.fields import FieldError
from ml.oscillator.kuramoto import KuramotoNetwork
from ml.oscillator.team import Bottleneck, RepPerformance, TeamNetwork, TeamSettings

__all__ = ["Bottleneck", "FieldError", "KuramotoNetwork", "RepPerformance", "TeamNetwork", "TeamSettings"]
