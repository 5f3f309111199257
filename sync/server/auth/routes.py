"""/auth endpoints: sign-in steps, token refresh, sessions, password reset, second factors."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status

from sync.server import audit
from sync.server.accounts import check_email
from sync.server.auth import flows, mfa
from sync.server.auth.models import (
    BackupCodes,
    ChangePasswordRequest,
    CodeRequest,
    EmailRequest,
    InitialPasswordRequest,
    LoginRequest,
    LoginResponse,
    MeOut,
    MfaVerifyRequest,
    RefreshRequest,
    SessionOut,
    StepRequest,
    TokenPair,
    TokenPasswordRequest,
    TotpEnrolment,
)
from sync.server.auth.principal import Claims, load_caller
from sync.server.auth.sessions import DeviceInfo, RefreshRefusedError, revoke, revoke_all, rotate
from sync.server.auth.tokens import InvalidTokenError, Stage, StepClaims, tenant_of
from sync.server.context import ServerContext, server_context
from sync.server.db import rows
from sync.server.db.pool import set_tenant
from sync.server.errors import (
    ApiError,
    ForbiddenError,
    InvalidInputError,
    NotAuthenticatedError,
    NotFoundError,
    TooManyRequestsError,
)
from sync.server.mail import Mail

router = APIRouter(prefix="/auth", tags=["auth"])
Ctx = Annotated[ServerContext, Depends(server_context)]


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limited(request: Request, ctx: Ctx) -> None:
    """Per-address cap on unauthenticated attempts (sign-in, codes, resets)."""
    wait = ctx.limiter.check(_address(request))
    if wait is not None:
        raise TooManyRequestsError("too many attempts from this address; wait and retry", wait)


Limited = Depends(limited)


def _step(ctx: ServerContext, token: str, stage: Stage) -> StepClaims:
    try:
        return ctx.tokens.read_step(token, stage)
    except InvalidTokenError as exc:
        raise NotAuthenticatedError(str(exc)) from None


def _finish(ctx: ServerContext, outcome: flows.Outcome) -> LoginResponse:
    ctx.mailer.send_later(outcome.mails or [])
    if outcome.error is not None:
        raise outcome.error
    assert outcome.response is not None
    return outcome.response


@router.post("/login", response_model=LoginResponse, dependencies=[Limited])
def login(body: LoginRequest, request: Request, ctx: Ctx) -> LoginResponse:
    """First step of sign-in. Locks the account for 15 minutes after 5 wrong passwords."""
    return _finish(ctx, flows.login(ctx, body, _address(request)))


@router.post("/password/initial", response_model=LoginResponse, dependencies=[Limited])
def initial_password(body: InitialPasswordRequest, request: Request, ctx: Ctx) -> LoginResponse:
    """Replace a one-time password (new admin, or reset by an administrator) during sign-in."""
    claims = _step(ctx, body.step_token, "password_change")
    with ctx.db.tenant(claims.tenant_id) as conn:
        cred = flows.read_step(ctx, conn, claims)
        flows.set_password(
            ctx, conn, cred, body.new_password, actor=claims.user_id, action="auth.password_set"
        )
        cred = flows.credential(conn, claims.user_id)
        device = DeviceInfo(claims.device_id, claims.device_name, _address(request))
        return flows.next_step(ctx, conn, cred, device, mfa_done=False)


@router.post("/mfa/totp/enroll", response_model=TotpEnrolment, dependencies=[Limited])
def totp_enroll(body: StepRequest, ctx: Ctx) -> TotpEnrolment:
    """Start TOTP set-up: a new secret and its otpauth:// URI (for a QR code). Confirm with a code."""
    claims = _step(ctx, body.step_token, "mfa_enroll")
    with ctx.db.tenant(claims.tenant_id) as conn:
        cred = flows.read_step(ctx, conn, claims)
        secret = mfa.new_totp_secret()
        conn.execute(
            "UPDATE user_credential SET totp_secret = %s, totp_enabled = false, totp_last_step = NULL "
            "WHERE user_id = %s",
            (secret, claims.user_id),
        )
        with rows.sequence(conn) as seq:
            audit.record(
                conn,
                seq,
                actor=claims.user_id,
                action="auth.totp_enrolment_started",
                entity="app_user",
                entity_id=claims.user_id,
                device=claims.device_id,
            )
        return TotpEnrolment(
            secret=secret,
            provisioning_uri=mfa.provisioning_uri(secret, cred["email"], ctx.settings.public_name),
        )


@router.post("/mfa/totp/confirm", response_model=LoginResponse, dependencies=[Limited])
def totp_confirm(body: CodeRequest, request: Request, ctx: Ctx) -> LoginResponse:
    """Finish TOTP set-up with a current code; returns tokens and 10 one-time backup codes (shown once)."""
    claims = _step(ctx, body.step_token, "mfa_enroll")
    with ctx.db.tenant(claims.tenant_id) as conn:
        cred = flows.read_step(ctx, conn, claims)
        step = mfa.match_totp(cred["totp_secret"], body.code, None) if cred["totp_secret"] else None
        if step is None:
            raise InvalidInputError("code: not the current code of the authenticator app", field="code")
        conn.execute(
            "UPDATE user_credential SET totp_enabled = true, totp_last_step = %s WHERE user_id = %s",
            (step, claims.user_id),
        )
        codes = flows.store_backup_codes(ctx, conn, claims.user_id)
        with rows.sequence(conn) as seq:
            audit.record(
                conn,
                seq,
                actor=claims.user_id,
                action="auth.totp_enabled",
                entity="app_user",
                entity_id=claims.user_id,
            )
        cred = flows.credential(conn, claims.user_id)
        device = DeviceInfo(claims.device_id, claims.device_name, _address(request))
        response = flows.next_step(ctx, conn, cred, device, mfa_done=True)
        response.backup_codes = codes
        return response


@router.post("/mfa/email-code", status_code=status.HTTP_202_ACCEPTED, dependencies=[Limited])
def email_code(body: StepRequest, ctx: Ctx) -> dict[str, str]:
    """Send a 6-digit one-time code by e-mail (fallback when the authenticator is not at hand)."""
    claims = _step(ctx, body.step_token, "mfa")
    code = mfa.new_email_code()
    with ctx.db.tenant(claims.tenant_id) as conn:
        cred = flows.read_step(ctx, conn, claims)
        flows.new_one_time_token(
            ctx,
            conn,
            claims.tenant_id,
            claims.user_id,
            "mfa_email",
            ctx.settings.email_code_ttl_s,
            secret=code,
        )
        with rows.sequence(conn) as seq:
            audit.record(
                conn,
                seq,
                actor=claims.user_id,
                action="auth.email_code_sent",
                entity="app_user",
                entity_id=claims.user_id,
                device=claims.device_id,
            )
    minutes = ctx.settings.email_code_ttl_s // 60
    ctx.mailer.send(
        Mail(
            to=cred["email"],
            subject=f"{ctx.settings.public_name} sign-in code",
            body=f"Your sign-in code is {code}. It works once, for {minutes} minutes.",
        )
    )
    return {"detail": "code sent"}


@router.post("/mfa/verify", response_model=LoginResponse, dependencies=[Limited])
def mfa_verify(body: MfaVerifyRequest, request: Request, ctx: Ctx) -> LoginResponse:
    """Second step for users with a second factor: a TOTP code, an e-mailed code or a backup code."""
    claims = _step(ctx, body.step_token, "mfa")
    outcome = flows.Outcome(mails=[])
    with ctx.db.tenant(claims.tenant_id) as conn:
        cred = flows.read_step(ctx, conn, claims)
        if flows._locked(cred):
            outcome.error = NotAuthenticatedError(flows.GENERIC_FAILURE)
        elif flows.check_second_factor(ctx, conn, cred, body.method, body.code):
            device = DeviceInfo(claims.device_id, claims.device_name, _address(request))
            outcome.response = flows.next_step(ctx, conn, cred, device, mfa_done=True)
        else:
            outcome.mails = flows.record_failure(ctx, conn, cred, f"wrong {body.method} code")
            outcome.error = InvalidInputError("code: not accepted", field="code")
    return _finish(ctx, outcome)


@router.post("/refresh", response_model=TokenPair, dependencies=[Limited])
def refresh(body: RefreshRequest, ctx: Ctx) -> TokenPair:
    """Trade a refresh token for a new pair. Each refresh token works once; reuse ends the session."""
    try:
        tenant_id = tenant_of(body.refresh_token)
    except InvalidTokenError as exc:
        raise NotAuthenticatedError(str(exc).replace("token:", "refresh_token:")) from None
    error: ApiError | None = None
    with ctx.db.tenant(tenant_id) as conn:
        try:
            return rotate(ctx, conn, tenant_id, body.refresh_token)
        except RefreshRefusedError as exc:
            error = NotAuthenticatedError(str(exc))  # raised after the revocation is committed
    raise error


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(claims: Claims, ctx: Ctx) -> Response:
    """End this device's session."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims, allow_without_mfa=True)
        revoke(conn, claims.session_id, "logout", actor=claims.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
def logout_all(claims: Claims, ctx: Ctx) -> Response:
    """End every session of this user, on every device."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims, allow_without_mfa=True)
        revoke_all(conn, claims.user_id, "logout everywhere", actor=claims.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/sessions", response_model=list[SessionOut])
def sessions(claims: Claims, ctx: Ctx) -> list[SessionOut]:
    """This user's live sessions, one per signed-in device."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims, allow_without_mfa=True)
        found = conn.execute(
            "SELECT id, device_id, device_name, client_address, created_at, last_seen_at FROM auth_session "
            "WHERE user_id = %s AND revoked_at IS NULL ORDER BY created_at",
            (claims.user_id,),
        ).fetchall()
    return [SessionOut(**r, current=r["id"] == claims.session_id) for r in found]


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def end_session(session_id: UUID, claims: Claims, ctx: Ctx) -> Response:
    """End one of this user's sessions (e.g. a lost laptop)."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims, allow_without_mfa=True)
        mine = conn.execute(
            "SELECT 1 FROM auth_session WHERE id = %s AND user_id = %s AND revoked_at IS NULL",
            (session_id, claims.user_id),
        ).fetchone()
        if mine is None:
            raise NotFoundError("session_id: no such live session of yours", field="session_id")
        revoke(conn, session_id, "ended by user", actor=claims.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password-reset/request", status_code=status.HTTP_202_ACCEPTED, dependencies=[Limited])
def request_reset(body: EmailRequest, ctx: Ctx) -> dict[str, str]:
    """E-mail a one-time reset token (valid 30 minutes).

    Answers the same whether or not the address exists.
    """
    try:
        email = check_email(body.email)
    except ApiError:
        email = ""
    mails: list[Mail] = []
    if email:
        with ctx.db.login_lookup(email) as conn:
            found = conn.execute(
                "SELECT tenant_id, user_id FROM user_credential WHERE email = %s LIMIT 5", (email,)
            ).fetchall()
            for row in found:
                set_tenant(conn, row["tenant_id"])
                active = conn.execute(
                    "SELECT 1 FROM app_user WHERE id = %s AND active AND NOT deleted", (row["user_id"],)
                ).fetchone()
                if not active:
                    continue
                token = flows.new_one_time_token(
                    ctx,
                    conn,
                    row["tenant_id"],
                    row["user_id"],
                    "password_reset",
                    ctx.settings.reset_token_ttl_s,
                )
                with rows.sequence(conn) as seq:
                    audit.record(
                        conn,
                        seq,
                        actor=None,
                        action="auth.reset_requested",
                        entity="app_user",
                        entity_id=row["user_id"],
                    )
                mails.append(
                    Mail(
                        to=email,
                        subject=f"{ctx.settings.public_name} password reset",
                        body="Someone asked to reset your password. If it was you, enter this reset token "
                        f"(valid {ctx.settings.reset_token_ttl_s // 60} minutes, once):\n\n{token}\n\n"
                        "If it was not you, ignore this message.",
                    )
                )
    ctx.mailer.send_later(mails)
    return {"detail": "if the address has an account, a reset token was sent"}


def _token_tenant(token: str) -> UUID:
    try:
        return tenant_of(token)
    except InvalidTokenError:
        raise InvalidInputError(
            "token: invalid, already used or expired; request a new one", field="token"
        ) from None


@router.post("/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Limited])
def confirm_reset(body: TokenPasswordRequest, ctx: Ctx) -> Response:
    """Set a new password with an e-mailed reset token; ends every session of the account."""
    with ctx.db.tenant(_token_tenant(body.token)) as conn:
        user_id = flows.spend_one_time_token(ctx, conn, body.token, "password_reset")
        cred = flows.credential(conn, user_id)
        flows.set_password(ctx, conn, cred, body.new_password, actor=user_id, action="auth.password_reset")
        revoke_all(conn, user_id, "password reset", actor=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/invite/accept", status_code=status.HTTP_204_NO_CONTENT, dependencies=[Limited])
def accept_invite(body: TokenPasswordRequest, ctx: Ctx) -> Response:
    """Choose a password with the token from an invitation e-mail; then sign in normally."""
    with ctx.db.tenant(_token_tenant(body.token)) as conn:
        user_id = flows.spend_one_time_token(ctx, conn, body.token, "invite")
        cred = flows.credential(conn, user_id)
        flows.set_password(ctx, conn, cred, body.new_password, actor=user_id, action="auth.invite_accepted")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password/change", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: ChangePasswordRequest, claims: Claims, ctx: Ctx) -> Response:
    """Change the password while signed in; other devices are signed out."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims)
        cred = flows.credential(conn, claims.user_id)
        if not ctx.hasher.verify(body.current_password, cred["password_hash"]):
            raise ForbiddenError("current_password: not accepted", field="current_password")
        flows.set_password(
            ctx, conn, cred, body.new_password, actor=claims.user_id, action="auth.password_changed"
        )
        revoke_all(conn, claims.user_id, "password changed", actor=claims.user_id, keep=claims.session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/mfa/backup-codes", response_model=BackupCodes)
def regenerate_backup_codes(claims: Claims, ctx: Ctx) -> BackupCodes:
    """Replace the backup codes (the old ones stop working).

    Needs a session signed in with a second factor.
    """
    if not claims.mfa:
        raise ForbiddenError("mfa: sign in with a second factor first")
    with ctx.db.tenant(claims.tenant_id) as conn:
        load_caller(conn, claims)
        codes = flows.store_backup_codes(ctx, conn, claims.user_id)
        with rows.sequence(conn) as seq:
            audit.record(
                conn,
                seq,
                actor=claims.user_id,
                action="auth.backup_codes_renewed",
                entity="app_user",
                entity_id=claims.user_id,
            )
    return BackupCodes(backup_codes=codes)


@router.get("/me", response_model=MeOut)
def me(claims: Claims, ctx: Ctx) -> MeOut:
    """Who the token belongs to and what they may do (the desktop hides what they may not)."""
    with ctx.db.tenant(claims.tenant_id) as conn:
        caller = load_caller(conn, claims, allow_without_mfa=True)
        cred = flows.credential(conn, claims.user_id)
    return MeOut(
        user_id=claims.user_id,
        tenant_id=claims.tenant_id,
        email=caller.email,
        permissions=sorted(caller.principal.permissions),
        mfa_required=caller.principal.mfa_required,
        mfa_verified=claims.mfa,
        totp_enabled=cred["totp_enabled"],
    )
