"""Honest failure classes, in real Chromium against the sandbox (issue 16, item 4).

Configuration error (the target file does not fit the site) → the run stops at once, exits
non-zero, names the screen and the label, sends nothing back. Business error (the site's own
validation message) → that record back to staff with the site's words, the others entered.
Login refused → says so and stops. Application errors (5xx, slow pages, lost sessions) are
retried: see test_bots.py (chaos, expiry, breaker).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.credentials import Credentials
from bots.target_files import SHIPPED_DIR, load_target
from store import entries

from test_bots import World, _statuses, make_records, world_factory  # noqa: F401  # isort: skip

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def broken_copy(tmp: Path, old: str, new: str, name: str = "sandbox") -> Path:
    folder = tmp / "city-targets"
    folder.mkdir(exist_ok=True)
    text = (SHIPPED_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert old in text
    (folder / f"{name}.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return folder


@pytest.mark.parametrize(("old", "new", "screen", "what"), [
    ("{fill: 氏名, value: full_name}", "{fill: 氏名（漢字）, value: full_name}",
     "ワンストップ申請内容の入力", "項目「氏名（漢字）」"),
    ("{fill: 寄附受付No, value: receipt_no}", "{fill: 受付番号等, value: receipt_no}", "検索画面",
     "項目「受付番号等」"),
    ("match: {寄附受付No: receipt_no}", "match: {受付No: receipt_no}", "検索画面", "検索結果の列「受付No」"),
    ("{click: {role: button, name: 登録する}, save: true}", "{click: {role: button, name: 保存}, save: true}",
     "ワンストップ申請内容の確認", "ボタン「保存」"),
])
def test_configuration_error_stops_at_once_names_screen_and_label_sends_nothing_back(
        world_factory, tmp_path: Path, old: str, new: str, screen: str, what: str) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    world: World = world_factory()
    records = make_records(world, 3)
    target = load_target("sandbox", broken_copy(tmp_path, old, new))

    stats = world.enter(records, target=target, timeout_ms=15_000, max_retries=3)

    assert stats.stop_kind == "config", stats.summary()
    assert stats.stop_message_ja and screen in stats.stop_message_ja and what in stats.stop_message_ja
    assert len(stats.outcomes) == 1 and stats.retried == 0  # stopped at once: no retry, no next record
    assert set(_statuses(world, records)) == {"read"}  # never a business send-back
    assert world.backoffice.onestop_count() == 0


def test_site_validation_message_goes_back_to_staff_in_the_sites_words(world_factory) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    world: World = world_factory()
    records = make_records(world, 3)
    records[1] = records[1].model_copy(update={"full_name_kana": "<script>alert(1)</script>"})

    stats = world.enter(records)

    assert [o.outcome for o in stats.outcomes] == ["entered", "rejected", "entered"], stats.summary()
    assert stats.outcomes[1].message_ja == "フリガナは全角カタカナで入力してください。"
    assert stats.stopped is None and stats.retried == 0
    assert _statuses(world, records) == ["entered", "needs_review", "entered"]
    assert world.backoffice.onestop_count() == 2


def test_wrong_password_says_login_refused_and_stops(world_factory) -> None:  # type: ignore[no-untyped-def] # noqa: F811
    world: World = world_factory()
    records = make_records(world, 3)

    stats = world.enter(records, credentials=Credentials("clerk", "wrong-password"), breaker=10)

    assert stats.stop_kind == "login" and "ログインが拒否されました" in (stats.stop_message_ja or "")
    assert "refused" in (stats.stopped or "") and stats.retried == 0 and len(stats.outcomes) == 1
    assert set(_statuses(world, records)) == {"read"}
    assert "wrong-password" not in str(stats.summary())


def test_enter_command_exits_non_zero_and_prints_the_label(world_factory, tmp_path: Path,  # type: ignore[no-untyped-def] # noqa: F811
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from test_enter_flow import (  # (tests/integration is on sys.path, the repo root is not)
        _values,
        add_document,
    )
    from typer.testing import CliRunner

    from yomitori.cli.main import app

    world: World = world_factory()
    v = _values(1)
    world.backoffice.add_donation(v["full_name"], v["donation_date"], v["amount"], "",
                                  receipt_no=v["reference_no"])
    home = tmp_path / "home"
    home.mkdir()
    from store import make_engine, session_factory, upgrade

    upgrade(f"sqlite:///{home / 'yomitori.db'}")
    sf = session_factory(make_engine(f"sqlite:///{home / 'yomitori.db'}"))
    doc = add_document(sf, "read", "onestop_2022", v)
    folder = broken_copy(tmp_path, "{fill: 住所, value: address}", "{fill: 現住所, value: address}")
    for k, val in {"YOMITORI_HOME": str(home), "YOMITORI_TARGET_URL": world.url,
                   "YOMITORI_TARGETS_DIR": str(folder),
                   "YOMITORI_TARGET_USER": "clerk", "YOMITORI_TARGET_PASSWORD": "sandbox-pass",
                   "YOMITORI_BOT_TIMEOUT_MS": "15000"}.items():
        monkeypatch.setenv(k, val)

    result = CliRunner().invoke(app, ["enter", "--no-prefect"])

    assert result.exit_code == 2, result.output
    assert "ワンストップ申請内容の入力" in result.output and "項目「現住所」" in result.output
    assert v["full_name"] not in result.output and v["my_number"] not in result.output
    with sf() as s:
        from store.models import Document

        assert s.get(Document, doc).status == "read"  # type: ignore[union-attr]
    assert entries.attempts(sf, doc)[0].outcome == "failed"


def test_enter_command_with_a_broken_target_file_names_it_and_exits_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from yomitori.cli.main import app

    folder = broken_copy(tmp_path, "  submit: {role: button, name: ログイン}\n",
                         "  submit: {role: button}\n  x: 1\n")
    monkeypatch.setenv("YOMITORI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("YOMITORI_TARGETS_DIR", str(folder))

    result = CliRunner().invoke(app, ["enter", "--no-prefect"])

    assert result.exit_code == 2
    assert "画面定義ファイルに誤りがあります: sandbox.yaml" in result.output and "login.x" in result.output
    assert "Traceback" not in result.output
