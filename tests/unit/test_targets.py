"""Target files, value transforms, records and credentials (no browser)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bots.credentials import Credentials, MissingCredentials, load_credentials
from bots.records import ENTRY_FIELDS, EntryRecord
from bots.target_files import TargetFileError, available, load_target
from bots.values import FieldRecord, ValueErrorJa, evaluate, same
from store.entries import GENESIS, chain_hash

REC = EntryRecord(document_id=7, receipt_no="2026-000001", full_name="山田 太郎",
                  full_name_kana="ヤマダ タロウ",
                  address="岩手県久慈市", phone="0194-52-2111", birth_date=date(1980, 4, 1),
                  my_number="123456789018", submitted_on=date(2026, 10, 1))
SHIPPED = Path(__file__).parents[2] / "bots/targets"


def test_sandbox_target_reads_back_every_entry_field() -> None:
    t = load_target("sandbox").target
    assert len(t.readback.fields) == len(ENTRY_FIELDS)
    assert {f.value.split("|")[0] for f in t.readback.fields if f.value} == set(ENTRY_FIELDS)
    assert t.takes.templates == ["onestop_2022", "onestop_legacy"]


def test_broken_target_names_the_file_and_each_problem_in_one_line_each(tmp_path: Path) -> None:
    text = (SHIPPED / "sandbox.yaml").read_text(encoding="utf-8")
    p = tmp_path / "city.yaml"
    p.write_text(text.replace("value: birth_date|iso}", "value: birth_date|heisei}", 1)
                 .replace("  user: 利用者ID\n", ""), encoding="utf-8")
    with pytest.raises(TargetFileError) as err:
        load_target(p)
    assert "login.user" in str(err.value) and "city.yaml" in err.value.message_ja
    assert len(str(err.value).splitlines()) == 1  # one line, no traceback
    p.write_text(text.replace("value: birth_date|iso}", "value: birth_date|heisei}", 1), encoding="utf-8")
    with pytest.raises(TargetFileError, match="heisei"):
        load_target(p)
    p.write_text(text.replace("{fill: 氏名,", "{fil: 氏名,"), encoding="utf-8")
    with pytest.raises(TargetFileError, match="fil"):  # a typo in an action is named, not ignored
        load_target(p)


def test_city_targets_dir_wins_over_shipped_files(tmp_path: Path) -> None:
    text = (SHIPPED / "sandbox.yaml").read_text(encoding="utf-8")
    (tmp_path / "sandbox.yaml").write_text(text.replace("title: ", "title: 市の"), encoding="utf-8")
    assert load_target("sandbox", tmp_path).target.title.startswith("市の")
    assert load_target("sandbox", tmp_path).path.parent == tmp_path
    assert not load_target("sandbox").target.title.startswith("市の")
    assert {"sandbox", "admin_demo"} <= set(available(tmp_path))
    with pytest.raises(TargetFileError, match="not_there"):
        load_target("not_there", tmp_path)


@pytest.mark.parametrize(("expr", "value", "want"), [
    ("d|iso", date(2026, 5, 1), "2026-05-01"), ("d|slash", "2026-05-01", "2026/05/01"),
    ("d|wareki", "2026-05-01", "令和8年5月1日"), ("d|wareki", {"iso": "2019-05-01"}, "令和元年5月1日"),
    ("p|postal", "1234567", "123-4567"), ("p|postal_digits", "１２３－４５６７", "1234567"),
    ("a|yen", 10000, "10,000円"), ("a|comma", "10000", "10,000"), ("a|digits", "10,000円", "10000"),
    ("t|half", "ＡＢＣ１２３", "ABC123"), ("t|full", "AB 12", "ＡＢ　１２"), ("b|bool", "否", False),
])
def test_transforms(expr: str, value: object, want: object) -> None:
    assert evaluate({expr.split("|")[0]: value}, expr) == want


def test_transform_of_a_bad_value_names_field_not_value() -> None:
    with pytest.raises(ValueErrorJa) as err:
        evaluate({"postal_code": "12-34<script>"}, "postal_code|postal")
    assert "<script>" not in str(err.value) and err.value.field_name == "postal_code"
    assert evaluate({"c": "可"}, "c|map", table={"可": True, "否": False}) is True
    with pytest.raises(ValueErrorJa):
        evaluate({"c": "たぶん"}, "c|map", table={"可": True})
    assert evaluate({}, "missing|iso") is None and evaluate({}, None, const="固定") == "固定"


def test_records_hide_personal_data() -> None:
    assert "山田" not in repr(REC) and "123456789018" not in str(REC)
    assert REC.screen_values()["birth_date"] == "1980-04-01" and REC.has_key()
    assert not REC.model_copy(update={"receipt_no": None}).has_key()
    fr = FieldRecord(3, "furusato_application", {"full_name": "山田 太郎"})
    assert "山田" not in repr(fr) and fr.data()["full_name"] == "山田 太郎"
    assert same("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ") and same(False, "") and not same(True, "false")


def test_credentials_from_environment_never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YOMITORI_TARGET_USER", raising=False)
    with pytest.raises(MissingCredentials):
        load_credentials()
    monkeypatch.setenv("YOMITORI_TARGET_USER", "clerk")
    monkeypatch.setenv("YOMITORI_TARGET_PASSWORD", "s3cret")
    c = load_credentials()
    assert c == Credentials("clerk", "s3cret") and "s3cret" not in repr(c)


def test_evidence_chain_depends_on_order() -> None:
    a, b = "a" * 64, "b" * 64
    assert chain_hash(chain_hash(GENESIS, a), b) != chain_hash(chain_hash(GENESIS, b), a)


def test_scenario_rejects_ambiguous_locators_steps_and_saves() -> None:
    from pydantic import ValidationError

    from bots.scenario import Loc, Step

    with pytest.raises(ValidationError, match=r"exactly one|one of"):
        Loc.model_validate({"label": "氏名", "css": "#name"})
    with pytest.raises(ValidationError, match="only for a role"):
        Loc.model_validate({"label": "氏名", "name": "x"})
    with pytest.raises(ValidationError, match="exactly one of"):
        Step.model_validate({"fill": "氏名", "click": "保存", "value": "full_name"})
    with pytest.raises(ValidationError, match="needs value"):
        Step.model_validate({"fill": "氏名"})
    assert Loc.model_validate("氏名").describe() == "項目「氏名」"
    text = (SHIPPED / "admin_demo.yaml").read_text(encoding="utf-8")
    data = __import__("yaml").safe_load(text)
    data["entry"][0]["steps"][-1]["save"] = False
    from bots.scenario import Target

    with pytest.raises(ValidationError, match="save: true"):
        Target.model_validate(data)


def test_a_missing_select_option_names_the_value_to_staff_but_not_in_the_log() -> None:
    from bots.errors import TargetConfigError

    err = TargetConfigError("寄附を追加", "項目「支払方法」の選択肢「山田太郎」",
                            log_what="項目「支払方法」の選択肢")
    assert "山田太郎" in err.message_ja and "寄附を追加" in err.message_ja
    assert "山田太郎" not in str(err) and "支払方法" in str(err)
    plain = TargetConfigError("検索画面", "項目「受付番号等」")
    assert "受付番号等" in str(plain)
    assert plain.message_ja == "画面定義の誤り: 検索画面で項目「受付番号等」が見つかりません。"
