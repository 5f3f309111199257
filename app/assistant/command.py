"""``autolytiq ask [--demo] "QUESTION"``: one assistant turn without the window, one JSON line out.

The provider comes from the saved settings or ``AUTOLYTIQ_AI_BASE_URL`` / ``AUTOLYTIQ_AI_MODEL`` /
``AUTOLYTIQ_AI_API_KEY``. Exit status: 0 answered, 1 the assistant could not answer (the JSON says
why), 2 bad usage or settings.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from app.assistant.provider import ProviderError, load_provider
from app.assistant.service import AssistantAnswer, AssistantError, AssistantService
from app.config import ConfigError, data_dir, load_settings
from app.errors import ValidationError


def _emit(answer: AssistantAnswer, out: TextIO) -> None:
    out.write(json.dumps(answer.as_json(), default=str) + "\n")
    out.flush()


def _refused(kind: str, message: str, out: TextIO) -> int:
    _emit(AssistantAnswer(message, error=AssistantError(kind, message)), out)
    return 2


def run_ask(question: str, *, demo: bool, out: TextIO | None = None) -> int:
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
        return _refused(
            "not_signed_in",
            "Signing in to a dealership arrives with the sync client; run `autolytiq ask --demo ...` "
            "to ask about the demo dealership.",
            stream,
        )
    from app.runtime import open_demo

    # A directory of its own: a running `autolytiq --demo` window keeps its store.
    context = open_demo(data_dir() / "ask-demo")
    try:
        service = AssistantService(context.store, context.principal, provider, dealership=context.dealership)
        try:
            answer = service.ask(question)
        except ValidationError as exc:
            return _refused(exc.field, str(exc), stream)
        _emit(answer, stream)
        return 0 if answer.error is None else 1
    finally:
        context.close()
