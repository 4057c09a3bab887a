"""The target file format: ordered steps per screen of a back-office system (pydantic).

A target file says which template's confirmed records it takes, how to log in, how to look
a record up before writing (exactly-once), the steps of each entry screen, how to take the
record id, and how to read a saved record back. Locators are, in order of preference, an
accessible label, a role plus name, then CSS / test-id for sites without labels. Values come
from record fields through declared transforms (``bots.values``). A step may name a Python
class instead (``adapter:``, see ``bots.adapters``). Loading lives in ``bots.targets``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_ROLES_JA = {"button": "ボタン", "link": "リンク", "table": "表", "heading": "見出し", "alert": "エラー表示",
             "combobox": "入力候補欄", "option": "候補", "checkbox": "チェック欄"}
ACTIONS = ("goto", "fill", "select", "check", "choose", "click", "wait_for", "adapter")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Loc(_Strict):
    """Where an element is. A plain string in YAML is a label."""

    label: str | None = None
    role: str | None = None
    name: str | None = None
    term: str | None = None  # the value (<dd>) next to the term (<dt>) with this text
    text: str | None = None
    css: str | None = None
    test_id: str | None = None
    url: str | None = None  # regex on the page URL (markers only: "this is the login screen")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        return {"label": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _one_way(self) -> Loc:
        ways = [k for k in ("label", "role", "term", "text", "css", "test_id", "url") if getattr(self, k)]
        if len(ways) != 1:
            raise ValueError(f"a locator needs one of label/role/term/text/css/test_id/url, got {ways}")
        if self.name is not None and not self.role:
            raise ValueError("name is only for a role locator")
        return self

    def describe(self) -> str:
        """How staff recognise it on screen (Japanese, for checklists and error messages)."""
        if self.label:
            return f"項目「{self.label}」"
        if self.role:
            kind = _ROLES_JA.get(self.role, self.role)
            return f"{kind}「{self.name}」" if self.name else kind
        if self.term:
            return f"表示項目「{self.term}」"
        if self.text:
            return f"文言「{self.text}」"
        if self.url:
            return f"URL（{self.url}）"
        return f"要素（{self.css or 'test-id ' + str(self.test_id)}）"


class Step(_Strict):
    """One action. ``value`` is an expression: ``field`` or ``field|transform|...``."""

    goto: str | None = None
    fill: Loc | None = None
    select: Loc | None = None
    check: Loc | None = None
    choose: Loc | None = None  # autocomplete: type the value, then pick the option named like it
    click: Loc | None = None
    wait_for: Loc | None = None
    adapter: str | None = None  # "module:Class" (module next to the target file) or entry-point name
    value: str | None = None
    const: str | bool | int | None = None
    map: dict[str, Any] | None = None  # transform "map": record value -> screen value / checkbox state
    option: Loc | None = None  # choose: the option to pick (default: role option named like the value)
    probe: str | None = None  # choose: text that always brings up candidates (bad value vs broken widget)
    navigates: bool = True  # click: a page load follows (its HTTP status and the site's errors are checked)
    save: bool = False  # click: this saves the record (`targets check` stops before it)
    when: str | None = None  # only when this record field has a value
    args: dict[str, Any] = Field(default_factory=dict)  # adapter arguments

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        acts = [a for a in ACTIONS if getattr(self, a) is not None]
        if len(acts) != 1:
            raise ValueError(f"a step needs exactly one of {', '.join(ACTIONS)}, got {acts}")
        needs_value = acts[0] in ("fill", "select", "check", "choose")
        if needs_value and self.value is None and self.const is None:
            raise ValueError(f"step {acts[0]} needs value: or const:")
        return self

    @property
    def action(self) -> str:
        return next(a for a in ACTIONS if getattr(self, a) is not None)

    @property
    def target(self) -> Loc | None:
        act = getattr(self, self.action)
        return act if isinstance(act, Loc) else None


class Screen(_Strict):
    name: str
    steps: list[Step]


class Takes(_Strict):
    """Which confirmed records the target takes and how they become record fields."""

    templates: list[str]
    fields: dict[str, str] = Field(default_factory=dict)  # record field -> template field (default: same)
    required: list[str] = Field(default_factory=list)  # a record without these goes back to staff
    keys: list[list[str]] = Field(default_factory=list)  # one of these field sets must be complete


class Login(_Strict):
    path: str
    user: Loc
    password: Loc
    submit: Loc
    screen: str = "ログイン画面"


class Search(_Strict):
    """One way to search: used when every field in ``needs`` has a value."""

    needs: list[str]
    steps: list[Step]
    match: dict[str, str]  # result column header -> value expression; matching rows count


class Results(_Strict):
    table: Loc
    empty: Loc | None = None  # shown instead of the table when nothing matched
    rows: Literal["record", "parent"] = "record"
    # record: each matching row is an existing record (a candidate "already entered");
    # parent: exactly one matching row (e.g. the donation) holds links to existing records
    record_link: str  # regex on a link's text, or "href:<regex>" on its address (group 1 = the id)
    new_link: Loc | None = None  # parent rows: the link that opens a new entry
    not_found_ja: str = "検索しても該当がありません。"
    ambiguous_ja: str = "検索結果が複数該当し、特定できません。"


class Lookup(_Strict):
    screen: str = "検索画面"
    path: str
    search: list[Search]
    results: Results


class RecordId(_Strict):
    url: str | None = None  # regex on the URL after saving (group 1, or the whole match)
    read: Loc | None = None  # or an element's text ...
    pattern: str = ".+"  # ... that fully matches this

    @model_validator(mode="after")
    def _one(self) -> RecordId:
        if (self.url is None) == (self.read is None):
            raise ValueError("record_id needs exactly one of url: or read:")
        return self


class ReadField(_Strict):
    read: Loc
    value: str | None = None
    const: str | bool | int | None = None
    map: dict[str, Any] | None = None


class Readback(_Strict):
    screen: str = "詳細画面"
    fields: list[ReadField]


class Target(_Strict):
    target: str
    title: str = ""
    takes: Takes
    session_lost: Loc  # marks the login screen (a lost session lands there)
    errors: Loc  # where the site shows its validation messages
    login: Login
    lookup: Lookup
    entry: list[Screen]  # the first screen is opened by the look-up (new_link) or by its own goto
    record_id: RecordId
    readback: Readback
    sample: dict[str, Any] = Field(default_factory=dict)  # `targets check`: a record to walk with

    @model_validator(mode="after")
    def _one_save(self) -> Target:
        saves = [s for sc in self.entry for s in sc.steps if s.save]
        if len(saves) != 1:
            raise ValueError(f"exactly one entry step must be marked save: true (found {len(saves)})")
        return self
