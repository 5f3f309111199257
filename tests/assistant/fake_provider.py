"""A scripted OpenAI-compatible chat server on 127.0.0.1 for the assistant's tests.

It speaks the real wire format (JSON, and server-sent events when ``stream`` is set, with tool calls
split across chunks as OpenAI sends them) and records every request body, so tests can check what
actually left the app. Each request takes the next scripted reply; a reply may be a function of the
request (to answer with a number taken from the tool result the app sent back).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    text: str = ""
    tool_calls: list[tuple[str, Any]] = field(default_factory=list)  # (name, arguments dict or raw JSON)
    status: int = 200
    delay: float = 0.0  # before the response starts
    chunk_delay: float = 0.0  # between streamed chunks
    pieces: int = 3  # how many chunks the text is split into
    usage: tuple[int, int] | None = (120, 30)
    error: str = ""  # the error message sent with a non-200 status


Script = Reply | Callable[[dict[str, Any]], Reply]


def _split(text: str, pieces: int) -> list[str]:
    if not text:
        return []
    size = max(1, -(-len(text) // pieces))
    return [text[i : i + size] for i in range(0, len(text), size)]


def tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The tool results the app sent back in this request, newest last."""
    return [json.loads(m["content"]) for m in body["messages"] if m["role"] == "tool"]


class FakeProvider:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.raw_bodies: list[str] = []
        self.headers: list[dict[str, str]] = []
        self._script: deque[Script] = deque()
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length).decode("utf-8")
                body = json.loads(raw)
                with owner._lock:
                    owner.requests.append(body)
                    owner.raw_bodies.append(raw)
                    owner.headers.append(dict(self.headers.items()))
                    step = owner._script.popleft() if owner._script else None
                if step is None:
                    self._json(500, {"error": {"message": "fake provider: script exhausted"}})
                    return
                reply = step(body) if callable(step) else step
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    message = reply.error or f"scripted status {reply.status}"
                    self._json(reply.status, {"error": {"message": message}})
                    return
                try:
                    if body.get("stream"):
                        self._stream(body, reply)
                    else:
                        self._json(200, _completion(body, reply))
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client cancelled and closed the connection

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                for chunk in _chunks(body, reply):
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    if reply.chunk_delay:
                        time.sleep(reply.chunk_delay)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *steps: Script) -> None:
        with self._lock:
            self._script.extend(steps)

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _base(body: dict[str, Any]) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "created": int(time.time()), "model": body.get("model", "fake-model")}


def _arguments(raw: Any) -> str:
    return raw if isinstance(raw, str) else json.dumps(raw)


def _chunks(body: dict[str, Any], reply: Reply) -> list[dict[str, Any]]:
    base = {**_base(body), "object": "chat.completion.chunk"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": piece}) for piece in _split(reply.text, reply.pieces)]
    for index, (name, raw) in enumerate(reply.tool_calls):
        arguments = _arguments(raw)
        half = len(arguments) // 2
        chunks.append(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": f"call_{len(body['messages'])}_{index}",
                            "type": "function",
                            "function": {"name": name, "arguments": ""},
                        }
                    ]
                }
            )
        )
        for part in (arguments[:half], arguments[half:]):
            chunks.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": part}}]}))
    chunks.append(chunk({}, "tool_calls" if reply.tool_calls else "stop"))
    if reply.usage is not None and (body.get("stream_options") or {}).get("include_usage"):
        prompt, completion = reply.usage
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        chunks.append({**base, "choices": [], "usage": usage})
    return chunks


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": f"call_{i}", "type": "function", "function": {"name": n, "arguments": _arguments(a)}}
            for i, (n, a) in enumerate(reply.tool_calls)
        ]
    prompt, completion = reply.usage or (0, 0)
    return {
        **_base(body),
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if reply.tool_calls else "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }
