"""Template versions: saving a change keeps every older version loadable and unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from domain.errors import TemplateError
from domain.model import FormTemplate, PageSpec
from forms.loader import default_templates_dir, load_template_versions, load_templates
from forms.versions import save_new_version


@pytest.fixture()
def tdir(tmp_path: Path) -> Path:
    shutil.copytree(default_templates_dir() / "onestop_2022", tmp_path / "onestop_2022")
    return tmp_path


def test_new_version_keeps_the_old_one(tdir: Path) -> None:
    old = load_templates(tdir)["onestop_2022"]
    changed = old.model_copy(update={"title": old.title + "（改）"})
    new = save_new_version(tdir, changed)
    assert new.version == old.version + 1
    versions = load_template_versions(tdir)
    assert versions[("onestop_2022", old.version)].title == old.title
    assert versions[("onestop_2022", new.version)].title.endswith("（改）")
    assert load_templates(tdir)["onestop_2022"].version == new.version
    again = save_new_version(tdir, new)
    assert again.version == new.version + 1
    assert len([k for k in load_template_versions(tdir) if k[0] == "onestop_2022"]) == 3


def test_invalid_change_leaves_disk_untouched(tdir: Path) -> None:
    old = load_templates(tdir)["onestop_2022"]
    before = (tdir / "onestop_2022" / "template.yaml").read_bytes()
    f0 = old.fields[0]
    bad = old.model_copy(update={"fields": [f0, f0]})  # duplicate ids
    with pytest.raises((TemplateError, ValueError)):
        save_new_version(tdir, bad)
    assert (tdir / "onestop_2022" / "template.yaml").read_bytes() == before
    assert not (tdir / "onestop_2022" / "versions").exists()


def test_scanned_form_reference_images_are_per_version(tdir: Path) -> None:
    base = load_templates(tdir)["onestop_2022"]
    page = PageSpec(number=1, form_code="CITY-FORM-1", reference_image="reference/missing.png")
    scanned = FormTemplate.model_validate({
        **base.model_dump(), "id": "city_form", "family": "city_form", "source": "scanned",
        "pages": [page.model_dump()],
        "fields": [f.model_dump() for f in base.fields if f.page == 1],
    })
    blank1 = np.full((400, 300), 255, np.uint8)
    png1 = cv2.imencode(".png", blank1)[1].tobytes()
    v1 = save_new_version(tdir, scanned, {1: png1})
    blank2 = blank1.copy()
    blank2[100:110, :] = 0
    v2 = save_new_version(tdir, v1, {1: cv2.imencode(".png", blank2)[1].tobytes()})
    versions = load_template_versions(tdir)
    p1 = versions[("city_form", v1.version)].reference_path(1)
    p2 = versions[("city_form", v2.version)].reference_path(1)
    assert p1 is not None and p2 is not None and p1 != p2
    assert p1.read_bytes() == png1  # the old version still sees its own blank page


def test_reference_image_may_not_leave_the_folder() -> None:
    with pytest.raises(ValueError):
        PageSpec(number=1, form_code="CITY-FORM-1", reference_image="../../etc/passwd.png")


def test_two_marks_are_refused_but_none_is_fine() -> None:
    PageSpec(number=1, form_code="CITY-FORM-1")
    with pytest.raises(ValueError):
        PageSpec(number=1, form_code="CITY-FORM-1",
                 marks=[{"x": 5, "y": 5}, {"x": 200, "y": 5}])  # type: ignore[list-item]
