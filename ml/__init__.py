"""Online learning engines that run inside the desktop client (numpy only, no I/O beyond save/load).

- ``ml.whaco``: customer segmentation with calibrated outlier detection (``Whaco``).
- ``ml.prime``: deal-strategy recommendation by contextual Thompson sampling (``Prime``).
- ``ml.oscillator``: Kuramoto model and team routing.

Shared pieces: ``ml.validation`` (input checks that name the field) and ``ml.persistence`` (the one owner of
saved-state envelopes: format, version and migrations, seed and the random generator's exact state; seeded
engines get ``to_state`` / ``from_state`` / ``save`` / ``load`` from ``persistence.SeededEngine``).
Subpackages are imported on demand, not here, so importing one engine never loads the others.
"""
