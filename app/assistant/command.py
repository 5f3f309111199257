"""``autolytiq ask [--demo] "QUESTION"``: one assistant turn without the window, one JSON line out.

The provider comes from the saved settings or ``AUTOLYTIQ_AI_BASE_URL`` / ``AUTOLYTIQ_AI_MODEL`` /
``AUTOLYTIQ_AI_API_KEY``. Without ``--demo`` the question is asked as the user signed in on this
device, in this device's store (``app.assistant.device_user``); with no usable sign-in the command says
to sign in and exits 2. Exit status: 0 answered, 1 the assistant could not answer (the JSON says why),
2 bad usage or settings, or no one signed in.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.exc import SQLAlchemyError

from app.assistant.provider import ProviderConfig, ProviderError, load_provider
from app.assistant.service import AssistantAnswer, AssistantError, AssistantService
from app.config import ConfigError, Settings, data_dir, load_settings
from app.errors import ValidationError

if TYPE_CHECKING:
    from app.auth.secrets import SecretStore  # the keyring loads only for a signed-in ask


def _emit(answer: AssistantAnswer, out: TextIO) -> None:
    out.write(json.dumps(answer.as_json(), default=str) + "\n")
    out.flush()


def _refused(kind: str, message: str, out: TextIO) -> int:
    _emit(AssistantAnswer(message, error=AssistantError(kind, message)), out)
    return 2


def run_ask(
    question: str, *, demo: bool, out: TextIO | None = None, secrets: SecretStore | None = None
) -> int:
    """``secrets``: where the device keeps its sign-in (default: the OS keyring, see ``SecretStore``)."""
    stream = out or sys.stdout
    try:
        settings = load_settings()
        provider = load_provider(settings)
    except (ConfigError, ProviderError) as exc:
        return _refused("settings", str(exc), stream)
    if provider is None:
        # Said before any store is opened: there is nothing to ask with.
        _emit(AssistantService.not_configured(), stream)
        return 1
    if not demo:
        return _ask_signed_in(question, settings, provider, stream, secrets)
    from app.runtime import open_demo

    # A directory of its own: a running `autolytiq --demo` window keeps its store.
    context = open_demo(data_dir() / "ask-demo")
    try:
        service = AssistantService(context.store, context.principal, provider, dealership=context.dealership)
        return _answer(service, question, stream)
    finally:
        context.close()


def _answer(service: AssistantService, question: str, out: TextIO, warnings: Sequence[str] = ()) -> int:
    try:
        answer = service.ask(question)
    except ValidationError as exc:
        return _refused(exc.field, str(exc), out)
    answer.warnings[:0] = warnings
    _emit(answer, out)
    return 0 if answer.error is None else 1


def _ask_signed_in(
    question: str, settings: Settings, provider: ProviderConfig, out: TextIO, secrets: SecretStore | None
) -> int:
    """One turn as the user signed in on this device, in its own store (history syncs from there)."""
    from app.assistant.device_user import NotSignedInError, check_configured, signed_in_user
    from app.auth.secrets import SecretStore

    try:
        check_configured(settings)
    except NotSignedInError as exc:
        return _not_signed_in(str(exc), out)
    from app.runtime import open_device_store

    try:
        store = open_device_store()
    except (OSError, SQLAlchemyError) as exc:
        return _refused("store", f"This computer's Autolytiq data cannot be opened: {exc}", out)
    try:
        try:
            user = signed_in_user(settings, store, secrets or SecretStore())
        except NotSignedInError as exc:
            return _not_signed_in(str(exc), out)
        service = AssistantService(store, user.principal, provider)
        offline = (
            ()
            if user.online
            else (
                "The sync server cannot be reached: answered offline with this computer's data and the "
                "permissions of your last sign-in; the conversation syncs when the app is next online.",
            )
        )
        return _answer(service, question, out, offline)
    finally:
        store.close()


def _not_signed_in(message: str, out: TextIO) -> int:
    print(f"autolytiq ask: {message}", file=sys.stderr)
    return _refused("not_signed_in", message, out)
