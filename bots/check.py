"""``yomitori targets check``: walk a target's screens up to (not including) saving.

Logs in (after one deliberately wrong login, which must show the site's error locator),
searches with the target's ``sample`` record, walks every entry screen filling the sample
(the non-saving buttons are pressed, e.g. to a confirmation step), and stops at the save
button, which it only finds. When the sample is already in the system, the read-back screen
is checked too. Every locator used is a line of the checklist; any miss makes ``ok`` false.
Nothing is saved and no value is printed.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots import lookup
from bots.credentials import Credentials
from bots.driver import Driver
from bots.errors import LoginRefused, TargetConfigError, TargetRejected, TargetUnavailable
from bots.session import BotSession
from bots.target_files import LoadedTarget
from domain.errors import ApplicationError


@dataclass
class Checklist:
    lines: list[tuple[str, str, str]] = field(default_factory=list)  # (mark, screen, what)

    def add(self, screen: str, what: str, ok: bool | None) -> None:
        mark = "✓" if ok else ("－" if ok is None else "✗")
        if (mark, screen, what) not in self.lines:
            self.lines.append((mark, screen, what))

    @property
    def ok(self) -> bool:
        return not any(m == "✗" for m, _, _ in self.lines)

    def render(self, title: str) -> str:
        out = [f"画面定義の確認: {title}"]
        out += [f"  {m} {screen}: {what}" for m, screen, what in self.lines]
        misses = sum(m == "✗" for m, _, _ in self.lines)
        out.append("結果: すべて確認できました。" if self.ok else f"結果: {misses} 件が見つかりません（✗）。")
        return "\n".join(out)


def check_target(loaded: LoadedTarget, base_url: str, creds: Credentials, failures_dir: Path, *,
                 sample: dict[str, Any] | None = None, timeout_ms: int = 8000) -> Checklist:
    t, cl = loaded.target, Checklist()
    values = {**t.sample, **(sample or {})}
    with BotSession(base_url, failures_dir, timeout_ms=timeout_ms, trace=False) as session:
        d = Driver(session.page, t, base_dir=loaded.base_dir, locate_ms=timeout_ms, checklist=cl.add)
        try:
            _walk(d, t.login.screen, creds, values, cl)
        except TargetConfigError:
            cl.add("確認", "これより先の画面は確認できませんでした", False)
        except LoginRefused:
            cl.add(t.login.screen, "ログインが拒否されました（利用者ID・パスワードを確認）", False)
        except TargetRejected as exc:
            cl.add("確認", f"見本の値で画面がエラーを表示しました: {exc.message_ja}", False)
        except (ApplicationError, TargetUnavailable) as exc:
            cl.add("確認", f"基幹システムに接続できません（{type(exc).__name__}）", False)
    return cl


def _walk(d: Driver, login_screen: str, creds: Credentials, values: dict[str, Any], cl: Checklist) -> None:
    t = d.t
    # 1. a wrong password must be refused with the site's message (the error locator)
    d.goto(t.login.path, check=False)
    d.locate(t.login.user, login_screen).fill(creds.user)
    d.locate(t.login.password, login_screen).fill(f"wrong-{secrets.token_hex(4)}")
    d.click(t.login.submit, login_screen, check=False)
    cl.add(login_screen, f"誤ったパスワードでのエラー表示（{t.errors.describe()}）", bool(d.error_text()))
    cl.add(login_screen, f"ログイン画面の目印（{t.session_lost.describe()}）", d.present(t.session_lost))
    # 2. the real login
    d.login(creds)
    cl.add(login_screen, "ログイン", True)
    # 3. look-up with the sample record (record rows: the entry screens are checked even if it fails)
    res = t.lookup.results
    try:
        rows = lookup.search(d, values, checking=True)
    except TargetConfigError:
        if res.rows == "parent":
            raise
        rows = []
    found = lookup.existing(d, rows) if rows or res.rows == "record" else []
    if found:
        d.goto(found[0][1])
        for f in t.readback.fields:
            with contextlib.suppress(TargetConfigError):  # noted as ✗ by the driver
                d.read(f.read, t.readback.screen)
    else:
        cl.add(t.readback.screen, "見本が未登録のため読み返し画面は未確認", None)
    if res.rows == "parent":
        lookup.existing(d, rows)  # not found / ambiguous → TargetRejected: the sample is not in the system
        d.goto(t.lookup.path)
        rows = lookup.search(d, values, checking=True)
        lookup.open_new(d, rows)
    # 4. entry screens up to the save button
    for screen in t.entry:
        if not d.run_steps(screen.steps, values, screen.name, checking=True):
            cl.add(screen.name, "保存ボタンの手前で停止しました（保存はしていません）", None)
            break
