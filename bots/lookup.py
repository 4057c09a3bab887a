"""The look-up before writing (exactly-once): search the target, read the result table.

The first ``search`` way whose ``needs`` fields all have a value is used. A result row counts
when every ``match`` column shows the record's value (compared after NFKC, ignoring spaces).
``rows: record`` - each counted row is an existing record; ``rows: parent`` - exactly one
counted row (e.g. the donation) must exist, and holds the links to existing records and the
link that opens a new entry. A missing table or column is a configuration error.
"""

from __future__ import annotations

import re
from typing import Any

from bots.driver import Driver, Row
from bots.errors import TargetConfigError, TargetRejected
from bots.scenario import Search
from bots.values import ValueErrorJa, evaluate, same

NO_KEY_JA = "検索に必要な項目（{0}）のいずれかの組がそろっていません。"


def choose_search(d: Driver, values: dict[str, Any]) -> Search:
    for way in d.t.lookup.search:
        if all(values.get(f) not in (None, "") for f in way.needs):
            return way
    sets = " / ".join("・".join(w.needs) for w in d.t.lookup.search)
    raise TargetRejected(NO_KEY_JA.format(sets), "no_natural_key")


def search(d: Driver, values: dict[str, Any], *, checking: bool = False) -> list[Row]:
    """Rows of the result table that match the record, with the existing records' links."""
    lk = d.t.lookup
    way = choose_search(d, values)
    d.goto(lk.path)
    d.run_steps(way.steps, values, lk.screen, checking=checking)
    res = lk.results
    if res.empty is not None and d.present(res.empty) and not d.raw(res.table).count():
        return []
    table = d.locate(res.table, lk.screen)
    headers = [h.strip() for h in table.get_by_role("columnheader").all_inner_texts()]
    columns: dict[int, Any] = {}
    missing = [h for h in way.match if h not in headers]
    for header in way.match:
        d.note(lk.screen, f"検索結果の列「{header}」", header in headers)
    if missing:
        raise TargetConfigError(lk.screen, "、".join(f"検索結果の列「{h}」" for h in missing))
    for header, expr in way.match.items():
        try:
            columns[headers.index(header)] = evaluate(values, expr)
        except ValueErrorJa as exc:
            raise TargetRejected(f"「{exc.field_name}」を検索用の形式にできません。",
                                 "value_transform") from None
    rows = table.locator("tr:has(td)")
    link_rx, by_href = res.record_link, res.record_link.startswith("href:")
    pattern = re.compile(link_rx[5:] if by_href else link_rx)
    found: list[Row] = []
    for i in range(rows.count()):
        row = rows.nth(i)
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        if not all(idx < len(cells) and same(cells[idx], want) for idx, want in columns.items()):
            continue
        links: list[tuple[str, str]] = []
        anchors = row.get_by_role("link")
        for k in range(anchors.count()):
            a = anchors.nth(k)
            href, text = a.get_attribute("href") or "", a.inner_text().strip()
            m = pattern.search(href) if by_href else pattern.fullmatch(text)
            if m is not None and href:
                links.append(((m.group(1) if m.groups() else m.group(0)), href))
        found.append(Row(i, links))
    return found


def existing(d: Driver, rows: list[Row]) -> list[tuple[str, str]]:
    """The records already in the target for this record (parent rows: exactly one parent)."""
    res = d.t.lookup.results
    if res.rows == "parent":
        if not rows:
            raise TargetRejected(res.not_found_ja, "not_found")
        if len(rows) > 1:
            raise TargetRejected(res.ambiguous_ja, "ambiguous")
        return rows[0].links
    return [link for r in rows for link in r.links]


def open_new(d: Driver, rows: list[Row]) -> None:
    """Parent rows: follow the row's new-entry link (record rows: the first entry screen has a goto)."""
    res = d.t.lookup.results
    if res.rows != "parent" or res.new_link is None:
        return
    table = d.locate(res.table, d.t.lookup.screen)
    row = table.locator("tr:has(td)").nth(rows[0].index)
    d.click(res.new_link, d.t.lookup.screen, within=row)
