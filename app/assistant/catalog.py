"""The assistant's full tool list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.assistant.desk_tools import GRID_TOOL, QUOTE_TOOL, TAX_TOOL
from app.assistant.engine_tools import PRIME_TOOL, TEAM_TOOL, WHACO_TOOL
from app.assistant.record_tools import CUSTOMER_DEALS_TOOL, CUSTOMER_TOOL, DEAL_TOOL, INVENTORY_TOOL
from app.assistant.tools import Tool, ToolBox, ToolContext


def _search_knowledge(context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
    hits = context.knowledge.search(arguments["query"], k=int(arguments.get("k", 4)))
    return {"passages": [{"source": p.id, "title": p.title, "text": p.text} for p in hits]}


KNOWLEDGE_TOOL = Tool(
    "search_knowledge",
    "Search the product guide, desking and objection-handling guidance and each state's tax rules. "
    "Cite the passages' source ids in the answer.",
    {
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 2, "maxLength": 300},
            "k": {"type": "integer", "minimum": 1, "maximum": 6},
        },
        "required": ["query"],
        "additionalProperties": False,
    },
    _search_knowledge,
)


def default_toolbox() -> ToolBox:
    return ToolBox(
        [
            QUOTE_TOOL,
            GRID_TOOL,
            TAX_TOOL,
            INVENTORY_TOOL,
            CUSTOMER_TOOL,
            CUSTOMER_DEALS_TOOL,
            DEAL_TOOL,
            WHACO_TOOL,
            PRIME_TOOL,
            TEAM_TOOL,
            KNOWLEDGE_TOOL,
        ]
    )
