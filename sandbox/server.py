"""Run the sandbox with uvicorn: in the foreground, or in a background thread (tests, demo, bench)."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from sandbox.app import create_app
from sandbox.config import SandboxConfig

HOST = "127.0.0.1"  # never another interface: it is a demo system


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def running(cfg: SandboxConfig, port: int | None = None) -> Iterator[str]:
    """Serve the sandbox in a daemon thread; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(cfg), host=HOST, port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, name="sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("sandbox did not start")
        time.sleep(0.02)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def serve(cfg: SandboxConfig, port: int) -> None:
    uvicorn.run(create_app(cfg), host=HOST, port=port, log_level="warning")


def main(argv: list[str] | None = None) -> int:
    from config.settings import get_settings

    s = get_settings()
    ap = argparse.ArgumentParser(prog="python -m sandbox", description="Run the demo back-office system.")
    ap.add_argument("--port", type=int, default=s.sandbox_port)
    ap.add_argument("--chaos", action="store_true", help="inject failures (see YOMITORI_SANDBOX_CHAOS_*)")
    args = ap.parse_args(argv)
    if args.chaos:
        s = s.model_copy(update={"sandbox_chaos": True})
    cfg = SandboxConfig.from_settings(s)
    print(f"sandbox: http://{HOST}:{args.port}  data: {cfg.data_dir}  chaos: {cfg.chaos.active}")
    serve(cfg, args.port)
    return 0
