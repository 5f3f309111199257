"""Central persistence: the only code that talks to the server's PostgreSQL."""
