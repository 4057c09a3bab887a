"""Declarative screen mapping, records and credentials (no browser)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bots.credentials import Credentials, MissingCredentials, load_credentials
from bots.mapping import ENTRY_FIELDS, load_mapping
from bots.records import EntryRecord, same
from domain.errors import TemplateError
from store.entries import GENESIS, chain_hash

REC = EntryRecord(document_id=7, receipt_no="2026-000001", full_name="山田 太郎",
                  full_name_kana="ヤマダ タロウ",
                  address="岩手県久慈市", phone="0194-52-2111", birth_date=date(1980, 4, 1),
                  my_number="123456789018", submitted_on=date(2026, 10, 1))


def test_sandbox_mapping_covers_every_entry_field() -> None:
    m = load_mapping("sandbox")
    assert set(m.fields) == set(ENTRY_FIELDS) and m.fields["my_number"] == "個人番号"
    assert m.search.receipt_no == "寄附受付No"


def test_broken_mapping_is_a_template_error(tmp_path: Path) -> None:
    p = tmp_path / "city.yaml"
    text = (Path(__file__).parents[2] / "bots/targets/sandbox.yaml").read_text(encoding="utf-8")
    p.write_text(text.replace("  my_number: 個人番号\n", ""), encoding="utf-8")
    with pytest.raises(TemplateError, match="missing fields"):
        load_mapping(p)


def test_record_repr_and_values_hide_nothing_they_should_not() -> None:
    assert "山田" not in repr(REC) and "123456789018" not in str(REC)
    assert REC.screen_values()["birth_date"] == "1980-04-01" and REC.has_key()
    assert not REC.model_copy(update={"receipt_no": None}).has_key()
    assert same("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ")


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
