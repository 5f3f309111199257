"""Fixtures for the installer and release tests: throwaway Ed25519 keys."""

from __future__ import annotations

import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.installer.release_builds import INSTALLER

# The installer scripts import their siblings by plain name, as they do when run from the shell.
if str(INSTALLER) not in sys.path:
    sys.path.insert(0, str(INSTALLER))


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()
