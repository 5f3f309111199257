"""Test-wide setup: headless Qt, a throwaway data dir, no OS keyring, no network beyond loopback."""

from __future__ import annotations

import os
import tempfile

from hypothesis import settings

# Set before anything imports Qt or keyring.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("AUTOLYTIQ_DATA_DIR", tempfile.mkdtemp(prefix="autolytiq-test-"))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

# CI runs the property tests on a fixed sequence of examples, so a run can be repeated exactly;
# locally they explore new examples every run (and keep failures in .hypothesis/).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
