"""Test-wide setup: headless Qt, a throwaway data dir, no OS keyring, no network beyond loopback."""

from __future__ import annotations

import os
import tempfile

# Set before anything imports Qt or keyring.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("AUTOLYTIQ_DATA_DIR", tempfile.mkdtemp(prefix="autolytiq-test-"))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
