"""The Autolytiq sync service: sign-in, dealership administration, and the desktops' meeting point.

Run it::

    autolytiq-server migrate                      # roles + schema (idempotent; `serve` runs it too)
    autolytiq-server create-tenant --name "Lakeside Motors" --admin-email boss@lakeside.example
    autolytiq-server serve [--host 127.0.0.1] [--port 8765] [--workers 1]

Without ``DATABASE_URL`` an embedded PostgreSQL is started in ``$AUTOLYTIQ_DATA_DIR/server/pgdata``
(stopped again when the service exits). With ``DATABASE_URL`` it must name a role that may create roles
and schemas; `migrate` creates ``autolytiq_owner`` (owns the tables, cannot log in) and
``autolytiq_service`` (logs in; not superuser, no BYPASSRLS, not owner), and the service connects as the
latter (password from ``AUTOLYTIQ_SERVICE_DB_PASSWORD`` or a generated one kept in the data dir; or give
the whole ``AUTOLYTIQ_SERVICE_DATABASE_URL``).

Other settings (environment): ``AUTOLYTIQ_JWT_SECRET`` (else generated and kept in the data dir — set it
when running several replicas), ``AUTOLYTIQ_BCRYPT_COST`` (12), ``AUTOLYTIQ_AUTH_RATE_LIMIT`` (sign-in
requests per address per minute, 30), ``AUTOLYTIQ_REQUEST_THREADS`` (4), ``AUTOLYTIQ_SMTP_HOST`` /
``_PORT`` / ``_SENDER`` / ``_USERNAME`` / ``_PASSWORD`` / ``_STARTTLS``.

Layout: ``db/`` (connections, migrations, row access — the only code that talks to PostgreSQL),
``auth/`` (passwords, tokens, sessions, second factors, the /auth routes), ``admin/`` (/admin routes),
``replication/`` (push merge, pull, conflicts: the /sync routes), ``audit``, ``mail``, ``app`` (FastAPI
app, request ids, error mapping), ``cli``. The wire models of push and pull are in ``sync.protocol``;
permissions come from ``app.policy``.
"""
