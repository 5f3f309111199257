"""The desktop half of sync: push the outbox, pull the dealership's changes, keep going through outages.

The engine talks to the local store only through :class:`sync.client.replica.LocalReplica`, which the
application implements; this package knows HTTP and the protocol, not SQLite.
"""
