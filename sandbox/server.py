"""Run the sandbox with uvicorn: in the foreground, or in a background thread (tests, demo, bench)."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from sandbox.admin_app import create_admin_app
from sandbox.app import create_app
from sandbox.config import SandboxConfig

HOST = "127.0.0.1"  # never another interface: it is a demo system
SYSTEMS: dict[str, Callable[[SandboxConfig], FastAPI]] = {
    "sandbox": create_app,  # ふるさと納税管理システム: ワンストップ受付登録
    "admin": create_admin_app,  # 寄附管理 (admin-site shape): 寄附の登録
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def running(cfg: SandboxConfig, port: int | None = None, system: str = "sandbox") -> Iterator[str]:
    """Serve a demo system (``SYSTEMS``) in a daemon thread; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(SYSTEMS[system](cfg), host=HOST, port=port, log_level="warning",
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


def serve(cfg: SandboxConfig, port: int, system: str = "sandbox") -> None:
    uvicorn.run(SYSTEMS[system](cfg), host=HOST, port=port, log_level="warning")


def main(argv: list[str] | None = None) -> int:
    from config.settings import get_settings

    s = get_settings()
    ap = argparse.ArgumentParser(prog="python -m sandbox", description="Run the demo back-office system.")
    ap.add_argument("--port", type=int, default=s.sandbox_port)
    ap.add_argument("--chaos", action="store_true", help="inject failures (see YOMITORI_SANDBOX_CHAOS_*)")
    ap.add_argument("--system", choices=sorted(SYSTEMS), default="sandbox",
                    help="sandbox: ワンストップ受付登録; admin: 寄附管理 (admin-site shape)")
    args = ap.parse_args(argv)
    if args.chaos:
        s = s.model_copy(update={"sandbox_chaos": True})
    cfg = SandboxConfig.from_settings(s)
    print(f"{args.system}: http://{HOST}:{args.port}  data: {cfg.data_dir}  chaos: {cfg.chaos.active}")
    serve(cfg, args.port, args.system)
    return 0
