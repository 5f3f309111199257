"""Online learning engines that run inside the desktop client (numpy/scipy only, no I/O beyond save/load).

- ``ml.whaco``: customer segmentation with calibrated outlier detection (``Whaco``).
- ``ml.prime``: deal-strategy recommendation by contextual Thompson sampling (``Prime``).
- ``ml.oscillator``: Kuramoto model and team routing.

Shared pieces: ``ml.validation`` (input checks that name the field) and ``ml.persistence`` (versioned JSON
state with the random generator's exact state). Subpackages are imported on demand, not here, so importing one
engine never loads the others.
"""
