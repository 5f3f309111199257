"""What every request handler needs, built once per app: settings, database, hashing, tokens, mail."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from sync.server.auth.passwords import PasswordHasher
from sync.server.auth.ratelimit import RateLimiter
from sync.server.auth.tokens import TokenIssuer
from sync.server.db.pool import Database
from sync.server.mail import Mailer
from sync.server.settings import ServerSettings


@dataclass(slots=True)
class ServerContext:
    settings: ServerSettings
    db: Database
    hasher: PasswordHasher
    tokens: TokenIssuer
    mailer: Mailer
    limiter: RateLimiter

    @classmethod
    def build(cls, settings: ServerSettings, service_conninfo: str) -> ServerContext:
        return cls(
            settings=settings,
            db=Database(service_conninfo, min_size=settings.pool_min_size, max_size=settings.pool_max_size),
            hasher=PasswordHasher(settings.bcrypt_cost),
            tokens=TokenIssuer(settings.jwt_secret, settings.access_token_ttl_s, settings.step_token_ttl_s),
            mailer=Mailer(settings.smtp),
            limiter=RateLimiter(settings.rate_limit_requests, settings.rate_limit_window_s),
        )


def server_context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx
