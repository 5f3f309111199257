"""The sync service in a process of its own, for fault tests that kill it (SIGKILL) and start it again."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from multiprocessing.process import BaseProcess
from pathlib import Path

import httpx
import uvicorn

from sync.server.app import create_app
from sync.server.context import ServerContext
from sync.server.settings import ServerSettings


def serve(settings: ServerSettings, service_conninfo: str, port: int) -> None:
    """The child's entry point (module level, so a spawned process can import it)."""
    ctx = ServerContext.build(settings, service_conninfo)
    uvicorn.run(create_app(ctx), host="127.0.0.1", port=port, log_config=None)


class ServiceProcess:
    """One service on a fixed loopback port; ``kill`` is a crash (no graceful shutdown), ``start`` again
    a restart."""

    def __init__(self, settings: ServerSettings, service_conninfo: str, port: int) -> None:
        self._settings = settings
        self._service = service_conninfo
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._process: BaseProcess | None = None

    def start(self, timeout: float = 60.0) -> None:
        self._process = multiprocessing.get_context("spawn").Process(
            target=serve, args=(self._settings, self._service, self.port), daemon=True
        )
        # The child imports this module by name: tests run with --import-mode=importlib, which leaves
        # the repository root off sys.path, so lend it for the start (the child copies sys.path then).
        root = str(Path(__file__).resolve().parents[2])
        sys.path.append(root)
        try:
            self._process.start()
        finally:
            sys.path.remove(root)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if not self._process.is_alive():
                raise RuntimeError("the sync service exited while starting")
            time.sleep(0.05)
        raise RuntimeError("the sync service did not start")

    def kill(self) -> None:
        """SIGKILL: the process dies at once, in the middle of whatever it was doing."""
        assert self._process is not None and self._process.pid is not None
        os.kill(self._process.pid, signal.SIGKILL)
        self._process.join(10)

    def stop(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join(10)
