"""Second factors: TOTP with replay protection, e-mailed one-time codes, and backup codes."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

import pyotp

TOTP_PERIOD_S = 30
BACKUP_CODE_COUNT = 10
_BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i lookalikes


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def totp_step(when: datetime | None = None) -> int:
    moment = when or datetime.now(UTC)
    return int(moment.timestamp()) // TOTP_PERIOD_S


def match_totp(secret: str, code: str, last_step: int | None, when: datetime | None = None) -> int | None:
    """The time step the code belongs to (one step of drift allowed either way), or None.

    A step at or before ``last_step`` is refused: each code works once, so a code read over someone's
    shoulder or replayed from a captured request is useless.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = totp_step(when)
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if last_step is not None and step <= last_step:
                return None
            return step
    return None


def new_email_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def new_backup_codes() -> list[str]:
    return [
        "-".join("".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(BACKUP_CODE_COUNT)
    ]


def normalise_backup_code(code: str) -> str:
    return code.strip().lower().replace(" ", "").replace("-", "")
