"""Test data for the review app: real pipeline, scripted recogniser, real SQLite + content store.

Not a test module (no ``test_`` prefix): imported by tests/integration/test_review_*.py
and by bench/review.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from config.settings import Settings
from domain.model import FormTemplate
from ocr.engines.fake import FakeRecognizer
from ocr.reader import Reader
from services.compose import load_calibration, render_blank
from services.worker import run_worker
from store import ContentStore, Repository, make_engine, session_factory, upgrade
from synth.generate import SynthOptions, generate_document, write_document

TODAY = date(2026, 11, 20)
CLEAN = SynthOptions(degrade=False, rotate180_prob=0.0, id_copy_prob=0.0, blank_page_prob=0.0,
                     style="printed")
# onestop_2022: the order in which the pipeline hands text crops to the recogniser
# (names are read as surname + given name); reference_no is blank and not asked.
ONESTOP_CROPS = ["submitted_on", "address", "phone", "full_name_kana:0", "full_name_kana:1",
                 "full_name:0", "full_name:1", "my_number", "birth_date", "donation_date", "amount"]
LOW = 0.30
# seeds whose address fits one crop (so the scripted answers line up with the crops)
GOOD_SEEDS = (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 17, 18, 19, 22, 23, 24)


def make_repo(home: Path) -> tuple[Repository, str]:
    url = f"sqlite:///{home / 'yomitori.db'}"
    upgrade(url)
    return Repository(session_factory(make_engine(url)), ContentStore(home / "files")), url


def _answers(truth: dict[str, Any], low: set[str], override: dict[str, str]) -> list[tuple[str, float]]:
    fields = truth["pages"][0]["fields"]
    out: list[tuple[str, float]] = []
    keys = (["reference_no"] if fields["reference_no"]["text"] else []) + ONESTOP_CROPS
    for key in keys:
        fid, _, part = key.partition(":")
        text = str(fields[fid]["text"] or "")
        if part:
            bits = text.replace("\u3000", " ").split(" ")
            text = bits[int(part)] if int(part) < len(bits) else ""
        text = override.get(key, override.get(fid, text)) if not part or part == "0" else (
            "" if fid in override else text)
        out.append((text, LOW if fid in low else 0.999))
    return out


def fill_onestop(repo: Repository, templates: dict[str, FormTemplate], out: Path, seeds: Sequence[int],
                 low: Sequence[str] = ("address", "phone"), override: dict[str, str] | None = None,
                 batch_name: str = "test") -> list[int]:
    """Generate onestop_2022 scans, receive them as one batch, read them; document ids."""
    t = templates["onestop_2022"]
    batch = repo.create_batch(batch_name, "test")
    calibration = load_calibration(Settings())
    ids = []
    for seed in seeds:
        doc = generate_document(t, seed, CLEAN, document_id=f"onestop_{seed}")
        path = write_document(doc, out, "png")[0]
        answers = _answers(doc.truth, set(low), override or {})
        ids.append(repo.receive(batch, path.name, path).document_id)

        def answer(i: int, crop: np.ndarray, alphabet: str | None,
                   answers: list[tuple[str, float]] = answers) -> tuple[str, float]:
            return answers[i] if i < len(answers) else ("", 0.0)

        reader = Reader(templates=templates, recognizer=FakeRecognizer(answer),
                        blank_renderer=render_blank, today=TODAY, calibration=calibration)
        run_worker(repo, repo.files, reader, batch_size=1, lease_seconds=60)
    return ids


# --- a running review app ----------------------------------------------------------------
PASSWORD = "correct horse battery staple"
USERS = {"admin1": "admin", "rev1": "reviewer", "rev2": "reviewer", "rev3": "reviewer", "clerk1": "clerk"}


def truth_of(templates: dict[str, FormTemplate], seed: int) -> dict[str, Any]:
    doc = generate_document(templates["onestop_2022"], seed, CLEAN, document_id=f"onestop_{seed}")
    fields: dict[str, Any] = doc.truth["pages"][0]["fields"]
    return fields


def add_users(url: str) -> dict[str, int]:
    from store.users import UserStore

    users = UserStore(session_factory(make_engine(url)))
    return {name: users.add_user(name, PASSWORD, role, f"{name}さん") for name, role in USERS.items()}


class LiveServer:
    """uvicorn in a thread on a free 127.0.0.1 port."""

    def __init__(self, app: Any) -> None:
        import socket
        import threading

        import uvicorn

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


REPO = Path(__file__).resolve().parents[2]


@contextmanager
def review_process(args: list[str], env: dict[str, str], log_path: Path, ready_url: str
                   ) -> Iterator[subprocess.Popen[bytes]]:
    """``yomitori review ARGS`` as a real process of this checkout, once ``ready_url`` answers 200.

    Start-up (and certificate creation) is bounded by 90 s only to catch a hang; the
    server's log tail is raised if it does not come up. Terminated on exit.
    """
    env = {**os.environ, **env, "PYTHONPATH": str(REPO)}  # this checkout, whatever is installed
    log = log_path.open("wb")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "yomitori"), "review", *args],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(ready_url, verify=False, timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            raise RuntimeError("yomitori review did not start: "
                               + log_path.read_text(errors="replace")[-2000:])
        time.sleep(0.3)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
