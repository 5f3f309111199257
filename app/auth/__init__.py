"""Signing in: online with a second factor, offline within a grace period, secrets in the OS keyring."""
