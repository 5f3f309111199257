"""The assistant as the app uses it: guardrails, context, retrieval, the turn, history and accounting.

``AssistantService.ask`` never raises for things that go wrong with the provider or the guardrails:
the answer then carries an ``error`` (kind and a plain message) and nothing else in the app is touched.
Tools stay usable directly through :meth:`AssistantService.run_tool`, with or without a provider.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import openai
from sqlalchemy import select

from app.assistant.catalog import default_toolbox
from app.assistant.figures import unverified_figures
from app.assistant.history import ForeignConversationError
from app.assistant.knowledge import KnowledgeBase, Passage, shared_knowledge
from app.assistant.ledger import (
    GuardrailError,
    Ledger,
    Limits,
    Spend,
    TurnRecord,
    cache_key,
    limits_from_settings,
)
from app.assistant.provider import ProviderConfig, ProviderError, load_provider
from app.assistant.record_tools import customer_summary, deal_details
from app.assistant.redaction import redact
from app.assistant.tools import ToolBox, ToolCallRecord, ToolContext
from app.assistant.turn import (
    EventSink,
    ProviderUnavailableError,
    SendClock,
    TurnEvent,
    TurnOutcome,
    TurnRunner,
)
from app.errors import NotFoundError, ValidationError
from app.ids import new_id
from app.policy import Permission, PermissionDeniedError, Principal
from app.runtime import AppContext
from app.services.customers import CustomerService
from app.store.database import Actor, Store
from app.store.models import Dealership

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4000
HISTORY_MESSAGES = 10
KNOWLEDGE_PASSAGES = 3

SYSTEM_PROMPT = """You are the assistant inside Autolytiq, the showroom software of {dealership}, a car \
dealership in {dealer_state}. You help salespeople and managers in the moment. Today is {today}.
Rules:
- Never state a figure (payment, tax, price, rate, count, days) unless it comes from a tool result in \
this conversation or from the user. For any number, call a tool: quote_deal, payment_grid, explain_tax, \
search_inventory, deal_details, and so on. Use dealer_state "{dealer_state}" and as_of "{today}" in quotes \
unless told otherwise. Rates are decimal fractions (6.9 % APR is "0.069").
- If a tool returns an error, fix the arguments or tell the user what is missing; do not guess.
- Personal data may appear as placeholders such as [PHONE] or [EMAIL]; leave them as they are.
- Be brief and concrete. When you use the knowledge passages below, cite their source id in brackets.
{context}
Knowledge passages:
{knowledge}"""


@dataclass(frozen=True, slots=True)
class AskContext:
    """What is open on screen: the deal and/or customer, passed to the model automatically."""

    deal_id: str | None = None
    customer_id: str | None = None


@dataclass(frozen=True, slots=True)
class AssistantError:
    kind: str  # not_configured | permission | rate_limit | budget | offline | timeout | auth | ...
    message: str


@dataclass(slots=True)
class AssistantAnswer:
    answer: str
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: AssistantError | None = None
    cached: bool = False
    cancelled: bool = False
    conversation_id: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = Decimal("0")
    redacted: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The ``autolytiq ask`` output: the contract's fields first, then the extras."""
        return {
            "answer": self.answer,
            "tool_calls": [call.as_dict() for call in self.tool_calls],
            "sources": self.sources,
            "warnings": self.warnings,
            "error": None if self.error is None else {"kind": self.error.kind, "message": self.error.message},
            "cached": self.cached,
            "cancelled": self.cancelled,
            "conversation_id": self.conversation_id,
            "usage": {
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "cost_usd": f"{self.cost:.6f}",
            },
        }


class Outbound:
    """What goes on the wire: redacted unless the provider runs on this machine; counts what it hid."""

    def __init__(self, *, redacting: bool) -> None:
        self.redacting = redacting
        self.counts: dict[str, int] = {}

    def __call__(self, value: str) -> str:
        if not self.redacting:
            return value
        result = redact(value)
        for kind, count in result.counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + count
        return result.text


def _failed(kind: str, message: str, conversation_id: str = "") -> AssistantAnswer:
    return AssistantAnswer(message, error=AssistantError(kind, message), conversation_id=conversation_id)


class AssistantService:
    def __init__(
        self,
        store: Store,
        principal: Principal,
        provider: ProviderConfig | None,
        *,
        limits: Limits | None = None,
        knowledge: KnowledgeBase | None = None,
        toolbox: ToolBox | None = None,
        dealership: str | None = None,
    ) -> None:
        self.store = store
        self.principal = principal
        self.provider = provider
        self._knowledge = knowledge
        self.toolbox = toolbox or default_toolbox()
        self.tool_context = ToolContext(store, principal, lambda: self.knowledge)
        self._dealer_name, self._dealer_state, dealer_settings = self._dealership(dealership)
        self.settings_problem: str | None = None
        if limits is None:
            try:
                limits = limits_from_settings(dealer_settings.get("assistant"))
            except ValidationError as exc:
                # A bad setting must not take the assistant down: defaults apply and every answer says so.
                log.error("assistant settings ignored: %s", exc)
                self.settings_problem = f"The dealership's assistant settings were ignored ({exc})."
                limits = Limits()
        self.ledger = Ledger(store, principal, limits)
        self.conversations = self.ledger.history
        self._client: openai.OpenAI | None = None
        self._clock = SendClock()
        self._usage_in_stream = True
        self._client_lock = threading.Lock()

    @property
    def knowledge(self) -> KnowledgeBase:
        if self._knowledge is None:
            self._knowledge = shared_knowledge()
        return self._knowledge

    def warm_up(self) -> None:
        """Build the knowledge index ahead of the first question (call it off the GUI thread)."""
        _ = self.knowledge

    # --- configuration ----------------------------------------------------------------------------

    def _dealership(self, name: str | None) -> tuple[str, str, dict[str, Any]]:
        actor = Actor(self.principal.tenant_id, self.principal.user_id, self.store.device_id)
        with self.store.session(actor, capture_changes=False) as session:
            row = session.scalars(select(Dealership).limit(1)).first()
            if row is None:
                return name or "the dealership", "unknown state", {}
            settings = dict(row.settings) if isinstance(row.settings, dict) else {}
            return name or row.name or "the dealership", row.state or "unknown state", settings

    def configure(self, provider: ProviderConfig | None) -> None:
        with self._client_lock:
            self.provider = provider
            self._usage_in_stream = True
            if self._client is not None:
                self._client.close()
            self._client = None

    def _openai(self, provider: ProviderConfig) -> openai.OpenAI:
        with self._client_lock:
            if self._client is None:
                timeout = httpx.Timeout(provider.timeout_seconds, connect=min(5.0, provider.timeout_seconds))
                self._client = openai.OpenAI(
                    base_url=provider.base_url,
                    api_key=provider.effective_api_key(),
                    timeout=timeout,
                    http_client=httpx.Client(timeout=timeout, event_hooks={"request": [self._clock.mark]}),
                    max_retries=0,  # someone is waiting: say the provider is down, do not retry silently
                )
            return self._client

    @staticmethod
    def not_configured(conversation_id: str = "") -> AssistantAnswer:
        return _failed(
            "not_configured",
            "No AI provider is configured, so nothing was sent. A manager can choose OpenAI or a local "
            "model server in the assistant settings.",
            conversation_id,
        )

    @property
    def configured(self) -> bool:
        return self.provider is not None

    # --- direct tool use (works without a provider) ------------------------------------------------

    def run_tool(self, name: str, arguments: Mapping[str, Any] | str) -> ToolCallRecord:
        return self.toolbox.call(self.tool_context, name, arguments)

    def tool_names(self) -> list[str]:
        return [tool.name for tool in self.toolbox.available(self.principal)]

    def history(self, conversation_id: str) -> list[dict[str, Any]]:
        """The lines of one of the user's own conversations ([] for anyone else's)."""
        return [
            {"role": m.role, "content": m.content, "tool_calls": m.tool_calls, "sources": m.sources}
            for m in self.conversations.lines(conversation_id, limit=200)
        ]

    # --- one question -----------------------------------------------------------------------------

    def context_summary(self, context: AskContext | None) -> dict[str, Any]:
        """The open deal/customer as the model sees it (permission-checked like any tool)."""
        if context is None or not (context.deal_id or context.customer_id):
            return {}
        summary: dict[str, Any] = {}
        if context.deal_id:
            summary["open_deal"] = deal_details(self.tool_context, context.deal_id)
        if context.customer_id and "customer" not in summary.get("open_deal", {}):
            customer = CustomerService(self.store, self.principal).get(context.customer_id)
            summary["open_customer"] = customer_summary(customer)
        return summary

    def ask(
        self,
        question: str,
        *,
        context: AskContext | None = None,
        conversation_id: str | None = None,
        on_event: EventSink | None = None,
        cancel: threading.Event | None = None,
    ) -> AssistantAnswer:
        started = time.perf_counter()
        conversation = conversation_id or new_id()
        text = " ".join(question.split())
        if not text:
            raise ValidationError("question", "is empty")
        if len(text) > MAX_QUESTION_CHARS:
            raise ValidationError("question", f"is longer than {MAX_QUESTION_CHARS} characters")
        if not self.principal.can(Permission.ASSISTANT_USE):
            return _failed("permission", "Your role does not include the assistant.", conversation)
        provider = self.provider
        if provider is None:
            return self.not_configured(conversation)
        try:
            summary = self.context_summary(context)
        except (NotFoundError, PermissionDeniedError, ValidationError) as exc:
            return _failed("context", f"The open record cannot be used: {exc}", conversation)
        earlier: list[tuple[str, str]] = []
        if conversation_id is not None:
            try:
                lines = self.conversations.earlier(conversation, HISTORY_MESSAGES)
            except ForeignConversationError as exc:
                return _failed("permission", str(exc), conversation)
            earlier = [(m.role, m.content) for m in lines]
        passages = self.knowledge.search(text, k=KNOWLEDGE_PASSAGES)
        # Per user: tool results depend on what the user may see (a salesperson's own deals).
        key = cache_key(
            {
                "q": text.lower(),
                "user": self.principal.user_id,
                "context": summary,
                "history": earlier,
                "permissions": sorted(self.principal.permissions),
                "provider": [provider.base_url, provider.model],
                "knowledge": self.knowledge.version,
            }
        )
        try:
            spent, warnings = self.ledger.admit()
        except GuardrailError as exc:
            return _failed(exc.reason, exc.message, conversation)
        hit = self.ledger.cached(key)
        if hit is not None:
            return self._from_cache(hit, text, conversation, warnings, on_event, started)
        messages = self._messages(text, summary, passages, earlier)
        outbound = Outbound(redacting=provider.redacts)
        runner = TurnRunner(
            self._openai(provider),
            provider.model,
            base_url=provider.base_url,
            timeout=provider.timeout_seconds,
            outbound=outbound,
            clock=self._clock,
            usage_in_stream=self._usage_in_stream,
        )
        try:
            outcome = runner.run(
                messages,
                self.toolbox,
                self.tool_context,
                on_event=on_event,
                cancel=cancel,
                offer_tools=provider.supports_tools,
            )
            self._usage_in_stream = runner.usage_in_stream
        except (ProviderUnavailableError, ProviderError) as exc:
            self.ledger.record_usage(provider.model, 0, 0, Decimal("0"), outcome="error")
            kind = exc.kind if isinstance(exc, ProviderUnavailableError) else "not_configured"
            failed = _failed(kind, exc.message, conversation)
            if isinstance(exc, ProviderUnavailableError) and exc.partial is not None:
                # Tools that ran before the provider failed still show their (real) results.
                failed.tool_calls = exc.partial.tool_calls
            return failed
        return self._finish(
            outcome, provider, text, summary, passages, conversation, spent, key, outbound, started
        )

    def _messages(
        self,
        text: str,
        summary: Mapping[str, Any],
        passages: list[Passage],
        earlier: list[tuple[str, str]],
    ) -> list[dict[str, Any]]:
        knowledge = "\n\n".join(f"[{p.id}] {p.title}\n{p.text}" for p in passages) or "(none)"
        context = (
            "What is open on screen (use these ids with the tools):\n" + json.dumps(summary, default=str)
            if summary
            else "Nothing is open on screen."
        )
        system = SYSTEM_PROMPT.format(
            dealership=self._dealer_name,
            dealer_state=self._dealer_state,
            today=date.today().isoformat(),
            context=context,
            knowledge=knowledge,
        )
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        messages.extend({"role": role, "content": content} for role, content in earlier)
        messages.append({"role": "user", "content": text})
        return messages

    def _finish(
        self,
        outcome: TurnOutcome,
        provider: ProviderConfig,
        text: str,
        summary: Mapping[str, Any],
        passages: list[Passage],
        conversation: str,
        spent: Spend,
        key: str,
        outbound: Outbound,
        started: float,
    ) -> AssistantAnswer:
        cost = provider.cost(outcome.prompt_tokens, outcome.completion_tokens)
        sources = [p.source() for p in passages]
        for call in outcome.tool_calls:
            if call.name == "search_knowledge" and call.ok:
                for passage in call.result.get("passages", []):
                    entry = {"id": passage["source"], "title": passage["title"]}
                    if entry not in sources:
                        sources.append(entry)
        answer = AssistantAnswer(
            outcome.answer,
            tool_calls=outcome.tool_calls,
            sources=sources,
            warnings=[
                *self.ledger.budget_warnings(spent.plus(cost)),
                *([self.settings_problem] if self.settings_problem else []),
            ],
            cancelled=outcome.cancelled,
            conversation_id=conversation,
            prompt_tokens=outcome.prompt_tokens,
            completion_tokens=outcome.completion_tokens,
            cost=cost,
            redacted=dict(outbound.counts),
        )
        evidence: list[Any] = [text, summary, *(c.result for c in outcome.tool_calls)]
        evidence.extend(p.text for p in passages)
        evidence.extend(c.arguments for c in outcome.tool_calls)
        unverified = unverified_figures(outcome.answer, evidence)
        if unverified:
            answer.warnings.append(
                "Not from any tool result — check on the desk before quoting: " + ", ".join(unverified)
            )
        if outcome.cancelled:
            answer.warnings.append("Cancelled: the answer is incomplete.")
        cache = None
        if not answer.cancelled and answer.answer:
            payload = {
                "answer": answer.answer,
                "tool_calls": [{**c.as_dict(), "ok": c.ok} for c in answer.tool_calls],
                "sources": answer.sources,
                "warnings": [w for w in answer.warnings if "budget" not in w],
            }
            cache = (key, payload)
        self.ledger.record_turn(
            TurnRecord(
                conversation,
                text,
                answer.answer,
                provider.model,
                outcome.prompt_tokens,
                outcome.completion_tokens,
                cost,
                outcome="cancelled" if outcome.cancelled else "ok",
                tool_calls=[c.as_dict() for c in answer.tool_calls],
                sources=answer.sources,
            ),
            cache=cache,
        )
        total = time.perf_counter() - started
        answer.timings = {
            "total_s": total,
            "model_s": outcome.model_seconds,
            "tools_s": outcome.tool_seconds,
            "overhead_s": max(0.0, total - outcome.model_seconds),
        }
        return answer

    def _from_cache(
        self,
        hit: Mapping[str, Any],
        text: str,
        conversation: str,
        warnings: list[str],
        on_event: EventSink | None,
        started: float,
    ) -> AssistantAnswer:
        calls = [
            ToolCallRecord(c["name"], c["arguments"], c["result"], bool(c.get("ok", True)))
            for c in hit.get("tool_calls", [])
        ]
        answer = AssistantAnswer(
            str(hit.get("answer", "")),
            tool_calls=calls,
            sources=list(hit.get("sources", [])),
            warnings=[*warnings, *hit.get("warnings", [])],
            cached=True,
            conversation_id=conversation,
        )
        if on_event is not None:
            for call in calls:
                on_event(TurnEvent("tool_finished", call.name, call))
            on_event(TurnEvent("text", answer.answer))
        self.ledger.record_turn(
            TurnRecord(
                conversation,
                text,
                answer.answer,
                self.provider.model if self.provider else "",
                cached=True,
                tool_calls=[c.as_dict() for c in calls],
                sources=answer.sources,
            )
        )
        total = time.perf_counter() - started
        answer.timings = {"total_s": total, "model_s": 0.0, "tools_s": 0.0, "overhead_s": total}
        return answer


def open_assistant(context: AppContext) -> AssistantService:
    """The assistant for the signed-in user, on the provider from the settings (None when unset or bad).

    A provider setting that cannot be used leaves the assistant unconfigured, with the reason in
    ``settings_problem``; the window never fails to open because of it.
    """
    problem: str | None = None
    try:
        provider = load_provider(context.settings)
    except ProviderError as exc:
        log.error("assistant provider setting ignored: %s", exc)
        provider, problem = None, f"The assistant's provider setting cannot be used ({exc})."
    service = AssistantService(context.store, context.principal, provider, dealership=context.dealership)
    service.settings_problem = service.settings_problem or problem
    return service


__all__ = [
    "AskContext",
    "AssistantAnswer",
    "AssistantError",
    "AssistantService",
    "open_assistant",
]
