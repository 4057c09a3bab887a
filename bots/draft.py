"""``yomitori targets draft URL``: a page's labelled inputs, buttons and tables as starting YAML.

Reads what a screen reader would announce (labels, roles, accessible names, table headers),
not element ids. Inputs without a label get a CSS fallback and a comment saying so. The
output is a start for a target file: values are ``FIXME`` until a person maps them to
record fields. Nothing is typed or clicked.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page

_SCAN_JS = """() => {
  const name = el => (el.labels && el.labels.length ? el.labels[0].innerText : '')
      || el.getAttribute('aria-label') || '';
  const vis = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const skip = ['hidden', 'submit', 'button'];
  const inputs = [...document.querySelectorAll('input, select, textarea')]
      .filter(el => !skip.includes(el.type) && vis(el)).map(el => ({
    label: name(el).trim(), tag: el.tagName.toLowerCase(), type: el.type || '',
    role: el.getAttribute('role') || '',
    name: el.name || '',
    options: el.tagName === 'SELECT' ? [...el.options].map(o => o.textContent.trim()) : []}));
  const buttons = [...document.querySelectorAll('button, input[type=submit], input[type=button]')]
      .filter(vis).map(el => (el.innerText || el.value || el.getAttribute('aria-label') || '').trim());
  const caption = t => t.caption ? t.caption.innerText : '';
  const tables = [...document.querySelectorAll('table')].filter(vis).map((t, i) => ({
    name: (t.getAttribute('aria-label') || caption(t)).trim(),
    cls: t.className || '', index: i,
    headers: [...t.querySelectorAll('th')].map(h => h.innerText.trim())}));
  const errors = ['[role=alert]', '.errorlist', '.error', '.errornote']
      .filter(s => document.querySelector(s));
  return {title: document.title, inputs, buttons, tables, errors};
}"""


def scan(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(_SCAN_JS)
    return result


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def draft_yaml(url: str, found: dict[str, Any]) -> str:
    out = [f"# yomitori targets draft {url}", f"# 画面: {found.get('title', '')}",
           "# 下書きです: value の FIXME を記録の項目名（と変換）に置き換え、不要な行を消してください。",
           "entry:", f"  - name: {_q(found.get('title') or '入力画面')}", "    steps:"]
    for el in found["inputs"]:
        label, loc, note = el["label"], "", ""
        if label:
            loc = _q(label)
        else:
            loc = "{css: " + _q(f"{el['tag']}[name={el['name']}]" if el["name"] else el["tag"]) + "}"
            note = "  # ラベルなし: CSS で指定"
        if el["tag"] == "select":
            act = "select"
            note += "  # 選択肢: " + " / ".join(o for o in el["options"] if o.strip("-"))
        elif el["type"] in ("checkbox", "radio"):
            act = "check"
        elif el["role"] == "combobox":
            act, note = "choose", note + "  # 入力候補から選ぶ欄"
        else:
            act = "fill"
        if el["type"] == "password":
            note += "  # パスワード欄（login: に使う）"
        out.append(f"      - {{{act}: {loc}, value: FIXME}}{note}")
    for b in found["buttons"]:
        if b:
            out.append(f"      - {{click: {{role: button, name: {_q(b)}}}}}  # 保存するボタンには save: true")
    out.append("tables:  # lookup.results.table の候補（列名は match: に使う）")
    for t in found["tables"]:
        css = f"table.{t['cls'].split()[0]}" if t["cls"] else f"table >> nth={t['index']}"
        loc = "{role: table, name: " + _q(t["name"]) + "}" if t["name"] else "{css: " + _q(css) + "}"
        out.append(f"  - table: {loc}")
        out.append(f"    columns: [{', '.join(_q(h) for h in t['headers'])}]")
    errors = ", ".join(found["errors"]) or "見つかりません（入力エラーを出した画面で再実行）"
    out.append(f"# エラー表示の候補 (errors:): {errors}")
    return "\n".join(out) + "\n"
