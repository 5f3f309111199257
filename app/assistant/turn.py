"""One assistant turn against an OpenAI-compatible server: stream, run tools, repeat, until an answer.

Runs on a worker thread (the panel) or the main thread (the ``ask`` command). Events are delivered
through ``on_event`` as they happen; ``cancel`` is checked between streamed chunks, so a cancelled turn
stops reading at once and nothing more is shown. Provider failures become :class:`ProviderUnavailableError`
with a message a salesperson can act on.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai

from app.assistant.tools import ToolBox, ToolCallRecord, ToolContext
from app.errors import AppError

MAX_TOOL_RESULT_CHARS = 12_000
STEP_TIMEOUT_FACTOR = 4  # one streamed step may last this many read timeouts


class ProviderUnavailableError(AppError):
    """The model server could not answer; ``kind``: offline, timeout, auth, rate_limited, model, server."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.partial: TurnOutcome | None = None  # what the turn did before the provider failed


class SendClock:
    """When the HTTP request actually left (an httpx request hook), per thread.

    It splits the time inside the SDK call into the SDK's own request building, which counts as
    the assistant's overhead, and the wait for the server, which is the model's time.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def mark(self, _request: httpx.Request) -> None:
        self._local.sent_at = time.perf_counter()

    def sent_since(self, moment: float) -> float | None:
        sent: float | None = getattr(self._local, "sent_at", None)
        return sent if sent is not None and sent >= moment else None


@dataclass(frozen=True, slots=True)
class TurnEvent:
    kind: str  # text | tool_started | tool_finished
    text: str = ""
    call: ToolCallRecord | None = None


EventSink = Callable[[TurnEvent], None]


@dataclass(slots=True)
class TurnOutcome:
    answer: str = ""
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    usage_reported: bool = True
    cancelled: bool = False
    model_seconds: float = 0.0
    tool_seconds: float = 0.0
    steps: int = 0


def provider_error(exc: Exception, base_url: str, model: str, timeout: float) -> ProviderUnavailableError:
    """A message for each way a provider fails; the app itself is unaffected in every case."""
    rest = " The desk, inventory and customer search keep working without the assistant."
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return ProviderUnavailableError(
            "timeout", f"The assistant's provider at {base_url} did not answer within {timeout:g} s." + rest
        )
    if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
        return ProviderUnavailableError(
            "offline",
            f"The assistant's provider at {base_url} cannot be reached (offline, or the server is not "
            "running)." + rest,
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ProviderUnavailableError(
            "auth",
            "The provider refused the API key. A manager can enter a new key in the assistant settings.",
        )
    if isinstance(exc, openai.RateLimitError):
        return ProviderUnavailableError(
            "rate_limited",
            "The provider is limiting requests right now (HTTP 429). Try again in a minute." + rest,
        )
    if isinstance(exc, openai.NotFoundError):
        return ProviderUnavailableError(
            "model", f"The provider at {base_url} does not offer the model {model!r}. Check the model name."
        )
    if isinstance(exc, openai.APIStatusError):
        return ProviderUnavailableError(
            "server", f"The provider had an error (HTTP {exc.status_code}). Try again later." + rest
        )
    return ProviderUnavailableError(
        "server", f"The provider sent an answer that could not be read ({exc})." + rest
    )


def _tool_message(call_id: str, record: ToolCallRecord) -> dict[str, Any]:
    content = json.dumps(record.result, default=str)
    if len(content) > MAX_TOOL_RESULT_CHARS:
        content = content[:MAX_TOOL_RESULT_CHARS] + " …(truncated)"
    return {"role": "tool", "tool_call_id": call_id, "content": content}


@dataclass(slots=True)
class _StepResult:
    text: str = ""
    calls: dict[int, dict[str, str]] = field(default_factory=dict)
    finish_reason: str | None = None


class TurnRunner:
    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        *,
        base_url: str,
        timeout: float,
        outbound: Callable[[str], str] = lambda text: text,
        max_steps: int = 6,
        clock: SendClock | None = None,
        usage_in_stream: bool = True,
    ) -> None:
        self.client = client
        self.model = model
        self.base_url = base_url
        self.timeout = timeout
        self.outbound = outbound  # redaction of everything that goes on the wire
        self.max_steps = max_steps
        self.clock = clock
        self.usage_in_stream = usage_in_stream  # turned off for servers that refuse stream_options

    def _wire(self, messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        wire: list[dict[str, Any]] = []
        for message in messages:
            copy = dict(message)
            if isinstance(copy.get("content"), str):
                copy["content"] = self.outbound(copy["content"])
            wire.append(copy)
        return wire

    def run(
        self,
        messages: list[dict[str, Any]],
        toolbox: ToolBox,
        context: ToolContext,
        *,
        on_event: EventSink | None = None,
        cancel: threading.Event | None = None,
        offer_tools: bool = True,
    ) -> TurnOutcome:
        emit = on_event or (lambda _event: None)
        stop = cancel or threading.Event()
        specs = [tool.spec() for tool in toolbox.available(context.principal)] if offer_tools else []
        outcome = TurnOutcome()
        texts: list[str] = []
        for step in range(self.max_steps):
            outcome.steps = step + 1
            last = step == self.max_steps - 1
            try:
                result = self._stream(messages, [] if last else specs, outcome, emit, stop)
            except ProviderUnavailableError as exc:
                outcome.answer = "".join(texts).strip()
                exc.partial = outcome
                raise
            texts.append(result.text)
            if stop.is_set():
                outcome.cancelled = True
                break
            if not result.calls:
                break
            ordered = [result.calls[i] for i in sorted(result.calls)]
            messages.append(
                {
                    "role": "assistant",
                    "content": result.text or None,
                    "tool_calls": [
                        {
                            "id": call["id"] or f"call_{step}_{n}",
                            "type": "function",
                            "function": {"name": call["name"], "arguments": call["arguments"]},
                        }
                        for n, call in enumerate(ordered)
                    ],
                }
            )
            for n, call in enumerate(ordered):
                if stop.is_set():
                    break
                emit(TurnEvent("tool_started", call["name"]))
                record = toolbox.call(context, call["name"], call["arguments"])
                outcome.tool_seconds += record.seconds
                outcome.tool_calls.append(record)
                emit(TurnEvent("tool_finished", call["name"], record))
                messages.append(_tool_message(call["id"] or f"call_{step}_{n}", record))
            if stop.is_set():
                outcome.cancelled = True
                break
        outcome.answer = "".join(texts).strip()
        return outcome

    def _stream(
        self,
        messages: Sequence[Mapping[str, Any]],
        specs: list[dict[str, Any]],
        outcome: TurnOutcome,
        emit: EventSink,
        stop: threading.Event,
    ) -> _StepResult:
        result = _StepResult()
        request: dict[str, Any] = {
            "model": self.model,
            "messages": self._wire(messages),
            "stream": True,
        }
        if self.usage_in_stream:
            request["stream_options"] = {"include_usage": True}
        if specs:
            # As extra body: the SDK would otherwise walk every JSON Schema node to "transform" it (a
            # no-op for plain dicts) on every request — the largest part of the assistant's own time.
            request["extra_body"] = {"tools": specs}
        waited = time.perf_counter()
        usage_seen = False
        try:
            try:
                stream = self.client.chat.completions.create(**request)
            except openai.BadRequestError as exc:
                if "stream_options" not in str(exc) or "stream_options" not in request:
                    raise
                # Older OpenAI-compatible servers refuse the usage option: ask again without it and
                # estimate the tokens instead (see below).
                self.usage_in_stream = False
                del request["stream_options"]
                stream = self.client.chat.completions.create(**request)
            answered = time.perf_counter()
            sent = self.clock.sent_since(waited) if self.clock is not None else None
            outcome.model_seconds += answered - (sent if sent is not None else waited)
            try:
                chunks: Iterator[Any] = iter(stream)
                # The read timeout bounds each wait; this bounds a server that trickles bytes forever.
                deadline = answered + STEP_TIMEOUT_FACTOR * self.timeout
                while not stop.is_set():
                    if time.perf_counter() > deadline:
                        raise ProviderUnavailableError(
                            "timeout",
                            f"The assistant's provider at {self.base_url} kept streaming for over "
                            f"{STEP_TIMEOUT_FACTOR * self.timeout:g} s; the answer was stopped.",
                        )
                    waited = time.perf_counter()
                    chunk = next(chunks, None)
                    outcome.model_seconds += time.perf_counter() - waited
                    if chunk is None or stop.is_set():
                        break
                    if chunk.usage is not None:
                        usage_seen = True
                        outcome.prompt_tokens += chunk.usage.prompt_tokens or 0
                        outcome.completion_tokens += chunk.usage.completion_tokens or 0
                    for choice in chunk.choices:
                        self._take(choice, result, emit)
            finally:
                stream.close()
        except (openai.OpenAIError, httpx.HTTPError) as exc:
            raise provider_error(exc, self.base_url, self.model, self.timeout) from exc
        if not usage_seen:
            # Servers that do not report usage: estimate at ~4 characters a token so budgets still count.
            outcome.usage_reported = False
            sent_chars = sum(len(json.dumps(m, default=str)) for m in messages) + len(json.dumps(specs))
            received = len(result.text) + sum(
                len(c["arguments"]) + len(c["name"]) for c in result.calls.values()
            )
            outcome.prompt_tokens += sent_chars // 4
            outcome.completion_tokens += max(1, received // 4)
        return result

    @staticmethod
    def _take(choice: Any, result: _StepResult, emit: EventSink) -> None:
        delta = choice.delta
        if delta is not None:
            if delta.content:
                result.text += delta.content
                emit(TurnEvent("text", delta.content))
            for piece in delta.tool_calls or ():
                slot = result.calls.setdefault(piece.index, {"id": "", "name": "", "arguments": ""})
                if piece.id:
                    slot["id"] = piece.id
                if piece.function is not None:
                    slot["name"] += piece.function.name or ""
                    slot["arguments"] += piece.function.arguments or ""
        if choice.finish_reason:
            result.finish_reason = choice.finish_reason
