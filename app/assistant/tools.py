"""Tools the model may call: each has a JSON Schema, a permission, and runs here against the real store.

A call is refused (never run) when the tool is unknown or not permitted for the user, when its
arguments are not valid JSON or do not fit the schema, or when an id names a record outside the
user's dealership (the tenant-scoped store does not find it). A refusal becomes the tool's result,
``{"error": {"field", "message"}}``, so the model can correct itself and the panel can show it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.assistant.arg_schema import validate
from app.assistant.knowledge import KnowledgeBase
from app.errors import AppError, ConflictError, IllegalTransitionError, NotFoundError, ValidationError
from app.policy import PermissionDeniedError, Principal
from app.store.database import Store
from calc.errors import CalcInputError

log = logging.getLogger(__name__)

ID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
ID_SCHEMA: dict[str, Any] = {"type": "string", "pattern": ID_PATTERN, "description": "a record id (UUID)"}


class ToolRefusedError(AppError):
    """Raised by a tool for a request it will not serve; ``field`` names the argument at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(slots=True)
class ToolContext:
    """What a tool runs with: the store, who asks (tenant and permissions), and the knowledge base."""

    store: Store
    principal: Principal
    # Built on first use (about a second), so opening the window never waits for the index.
    knowledge_source: Callable[[], KnowledgeBase]
    engines: dict[str, Any] = field(default_factory=dict)  # ML engines loaded once per assistant

    @property
    def knowledge(self) -> KnowledgeBase:
        return self.knowledge_source()


ToolFunction = Callable[[ToolContext, Mapping[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    parameters: Mapping[str, Any]
    run: ToolFunction
    permission: str | None = None

    def spec(self) -> dict[str, Any]:
        """The OpenAI ``tools`` entry."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


@dataclass(slots=True)
class ToolCallRecord:
    """One call as the panel and the ``ask`` command show it."""

    name: str
    arguments: Any
    result: Any
    ok: bool
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments, "result": self.result}


def refusal(field_name: str, message: str) -> dict[str, Any]:
    return {"error": {"field": field_name, "message": message}}


class ToolBox:
    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools = {tool.name: tool for tool in tools}

    def names(self) -> list[str]:
        return list(self._tools)

    def available(self, principal: Principal) -> list[Tool]:
        """Only tools the user may run are offered to the model."""
        return [t for t in self._tools.values() if t.permission is None or principal.can(t.permission)]

    def call(self, context: ToolContext, name: str, raw_arguments: str | Mapping[str, Any]) -> ToolCallRecord:
        started = time.perf_counter()
        arguments: Any = raw_arguments
        try:
            if isinstance(raw_arguments, str):
                try:
                    arguments = json.loads(raw_arguments) if raw_arguments.strip() else {}
                except json.JSONDecodeError as exc:
                    raise ToolRefusedError("arguments", f"not valid JSON ({exc.msg})") from None
            result = self._run(context, name, arguments)
            ok = True
        except (ToolRefusedError, ValidationError, ConflictError, CalcInputError) as exc:
            result, ok = refusal(exc.field, exc.message), False
        except NotFoundError as exc:
            result = refusal(
                f"{exc.entity}_id", f"no {exc.entity} with id {exc.entity_id} in your dealership"
            )
            ok = False
        except PermissionDeniedError as exc:
            result, ok = refusal("permission", f"your role does not allow this ({exc.permission})"), False
        except IllegalTransitionError as exc:
            result, ok = refusal(exc.field, str(exc)), False
        except Exception:  # a tool bug must not end the conversation; the log keeps the trace
            log.exception("assistant tool %s failed", name)
            result, ok = refusal("tool", f"{name} failed unexpectedly; the error is in the log"), False
        return ToolCallRecord(name, arguments, result, ok, time.perf_counter() - started)

    def _run(self, context: ToolContext, name: str, arguments: Any) -> Any:
        tool = self._tools.get(name)
        if tool is None:
            raise ToolRefusedError("name", f"there is no tool called {name!r}")
        if tool.permission is not None:
            context.principal.require(tool.permission)
        validate(arguments, tool.parameters)
        return tool.run(context, arguments)
