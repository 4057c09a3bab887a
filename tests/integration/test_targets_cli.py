"""``yomitori targets check`` and ``targets draft`` against both demo systems, real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bots.target_files import SHIPPED_DIR
from sandbox.admin_db import AdminDB
from sandbox.config import SandboxConfig
from sandbox.db import BackOfficeDB
from sandbox.server import running

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture
def systems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    cfg = SandboxConfig(data_dir=tmp_path / "systems")
    monkeypatch.setenv("YOMITORI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("YOMITORI_TARGET_USER", cfg.user)
    monkeypatch.setenv("YOMITORI_TARGET_PASSWORD", cfg.password)
    with running(cfg) as sandbox_url, running(cfg, system="admin") as admin_url:
        yield {"sandbox": sandbox_url, "admin": admin_url, "sandbox_db": str(cfg.db_path),
               "admin_db": str(cfg.admin_db_path)}


def cli(*args: str) -> tuple[int, str]:
    from yomitori.cli.main import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_check_passes_on_both_demo_systems_and_saves_nothing(systems: dict[str, str]) -> None:
    receipt = BackOfficeDB(Path(systems["sandbox_db"])).add_donation("確認 用子", "2026-05-01", 10000)
    code, out = cli("targets", "check", "sandbox", "--url", systems["sandbox"],
                    "--sample", f"receipt_no={receipt}")
    assert code == 0, out
    for line in ("✓ ログイン画面: 誤ったパスワードでのエラー表示", "✓ 検索画面: 検索結果の列「寄附受付No」",
                 "✓ ワンストップ申請内容の入力: 項目「個人番号」",
                 "✓ ワンストップ申請内容の確認: ボタン「登録する」",
                 "保存ボタンの手前で停止しました", "結果: すべて確認できました。"):
        assert line in out, out
    assert BackOfficeDB(Path(systems["sandbox_db"])).onestop_count() == 0
    code, out = cli("targets", "check", "admin_demo", "--url", systems["admin"])
    assert code == 0, out
    assert "✓ 寄附を追加: 項目「寄附金の使い道」の候補" in out
    assert "✓ 寄附を追加: 項目「支払方法」の選択肢「銀行振込」" in out
    assert "✓ 寄附を追加: ボタン「保存」" in out and "－ 寄附を変更: 見本が未登録" in out
    assert AdminDB(Path(systems["admin_db"])).count() == 0
    assert "確認 用子" not in out and "314159265352" not in out  # no values printed


def test_check_fails_with_a_precise_list_on_a_broken_copy(systems: dict[str, str], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    text = (SHIPPED_DIR / "admin_demo.yaml").read_text(encoding="utf-8")
    for old, new in (("{fill: 氏名, value: full_name}", "{fill: 氏名（漢字）, value: full_name}"),
                     ("郵便番号: postal_code|postal, 寄附金額", "〒: postal_code|postal, 寄附金額"),
                     ("{check: 受領証明書を送付する, const: true}", "{check: 領収書を送付する, const: true}"),
                     ("errors: {css: \"ul.errorlist li\"}", "errors: {css: \"div.alert\"}")):
        assert old in text
        text = text.replace(old, new)
    (tmp_path / "city").mkdir()
    (tmp_path / "city" / "admin_demo.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("YOMITORI_TARGETS_DIR", str(tmp_path / "city"))

    code, out = cli("targets", "check", "admin_demo", "--url", systems["admin"])

    assert code == 1, out
    misses = [line.strip() for line in out.splitlines() if line.strip().startswith("✗")]
    assert misses == ["✗ ログイン画面: 誤ったパスワードでのエラー表示（要素（div.alert））",
                      "✗ 検索画面: 検索結果の列「〒」",
                      "✗ 寄附を追加: 項目「氏名（漢字）」",
                      "✗ 寄附を追加: 項目「領収書を送付する」"], out
    assert "✓ 寄附を追加: 項目「フリガナ」" in out and "結果: 4 件が見つかりません（✗）。" in out
    assert AdminDB(Path(systems["admin_db"])).count() == 0


def test_draft_lists_labelled_inputs_buttons_and_tables_as_yaml(systems: dict[str, str],
                                                                 tmp_path: Path) -> None:
    admin = systems["admin"]
    code, out = cli("targets", "draft", f"{admin}/admin/donations/add/", "--login", f"{admin}/admin/login/")
    assert code == 0, out
    doc = yaml.safe_load(out)
    steps = doc["entry"][0]["steps"]
    assert {"fill": "郵便番号", "value": "FIXME"} in steps
    assert {"select": "支払方法", "value": "FIXME"} in steps
    assert {"choose": "寄附金の使い道", "value": "FIXME"} in steps
    assert {"check": "ワンストップ特例申請書を送付する", "value": "FIXME"} in steps
    assert {"click": {"role": "button", "name": "保存"}} in steps
    assert "選択肢: ゆうちょ振替 / 銀行振込 / 現金書留 / クレジットカード決済" in out
    code, out = cli("targets", "draft", f"{admin}/admin/donations/", "--login", f"{admin}/admin/login/",
                    "--out", str(tmp_path / "list.yaml"))
    assert code == 0, out
    doc = yaml.safe_load((tmp_path / "list.yaml").read_text(encoding="utf-8"))
    tables = {str(t["table"]): t["columns"] for t in doc["tables"]}
    assert tables["{'css': 'table.result-list'}"][:3] == ["氏名", "フリガナ", "郵便番号"]
    code, out = cli("targets", "draft", f"{systems['sandbox']}/login")
    assert code == 0 and {"fill": "パスワード", "value": "FIXME"} in yaml.safe_load(out)["entry"][0]["steps"]
