"""Template side files (edit journal, retired list) are replaced whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from forms.yaml_file import write_yaml_atomically


def test_rule_a_written_file_reads_back_with_japanese_kept(tmp_path: Path) -> None:
    path = tmp_path / "retired.yaml"
    write_yaml_atomically(path, {"retired": [{"version": 2, "by": "山田"}]})
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {"retired": [{"version": 2, "by": "山田"}]}
    assert "山田" in path.read_text(encoding="utf-8")  # not escaped
    assert [p.name for p in tmp_path.iterdir()] == ["retired.yaml"]


def test_rule_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "edits.yaml"
    write_yaml_atomically(path, {"edits": [{"version": 1}]})
    with pytest.raises(yaml.YAMLError):
        write_yaml_atomically(path, {"edits": [object()]})  # safe_dump refuses arbitrary objects
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {"edits": [{"version": 1}]}
    assert [p.name for p in tmp_path.iterdir()] == ["edits.yaml"]
