"""The deal state machine: which status may follow which, and what permission each move takes."""

from __future__ import annotations

from enum import StrEnum

from app.errors import IllegalTransitionError
from app.policy import Permission


class DealStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    CLOSED = "closed"
    LOST = "lost"


# (from, to) -> permission the move needs. Returning a submitted or approved deal to draft is how a
# manager sends it back with a reason; closed and lost are final.
TRANSITIONS: dict[tuple[DealStatus, DealStatus], Permission] = {
    (DealStatus.DRAFT, DealStatus.SUBMITTED): Permission.DEALS_SUBMIT,
    (DealStatus.SUBMITTED, DealStatus.APPROVED): Permission.DEALS_APPROVE,
    (DealStatus.SUBMITTED, DealStatus.DRAFT): Permission.DEALS_APPROVE,
    (DealStatus.APPROVED, DealStatus.DRAFT): Permission.DEALS_APPROVE,
    (DealStatus.APPROVED, DealStatus.CLOSED): Permission.DEALS_CLOSE,
    (DealStatus.DRAFT, DealStatus.LOST): Permission.DEALS_EDIT,
    (DealStatus.SUBMITTED, DealStatus.LOST): Permission.DEALS_EDIT,
    (DealStatus.APPROVED, DealStatus.LOST): Permission.DEALS_EDIT,
}

# Moves that must say why (shown to the salesperson, kept on the deal and in the audit log).
REASON_REQUIRED: frozenset[tuple[DealStatus, DealStatus]] = frozenset(
    {
        (DealStatus.SUBMITTED, DealStatus.DRAFT),
        (DealStatus.APPROVED, DealStatus.DRAFT),
        (DealStatus.DRAFT, DealStatus.LOST),
        (DealStatus.SUBMITTED, DealStatus.LOST),
        (DealStatus.APPROVED, DealStatus.LOST),
    }
)


def parse_status(value: str) -> DealStatus:
    try:
        return DealStatus(value)
    except ValueError:
        raise IllegalTransitionError("?", value) from None


def required_permission(current: str, requested: str) -> Permission:
    """The permission for ``current → requested``; raises ``IllegalTransitionError`` if no such move."""
    move = (parse_status(current), parse_status(requested))
    permission = TRANSITIONS.get(move)
    if permission is None:
        raise IllegalTransitionError(current, requested)
    return permission


def next_statuses(current: str) -> list[DealStatus]:
    status = parse_status(current)
    return [to for (frm, to) in TRANSITIONS if frm == status]
