"""The AI assistant: answers with the dealership's real numbers through local tools.

Entry point: :class:`app.assistant.service.AssistantService` (``ask``, ``run_tool``). Providers are
OpenAI-compatible servers configured in :mod:`app.assistant.provider`; nothing is sent until one is.
"""
