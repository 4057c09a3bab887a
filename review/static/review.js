// yomitori review: keyboard-only confirmation. No inline script anywhere (CSP).
"use strict";
(function () {
  const form = document.getElementById("confirm-form");
  if (!form) { return; }
  const inputs = Array.from(form.querySelectorAll("input.rv-input"));
  const flagged = inputs.filter((el) => el.classList.contains("rv-flagged"));
  const WEIGHTS = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

  function toHalf(s) {
    return s.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  }
  function hint(el) {
    const id = el.id.slice(2);
    const out = document.getElementById("hint-" + id);
    if (!out) { return; }
    const v = toHalf(el.value).replace(/[\s-]/g, "");
    let msg = "";
    const kind = el.dataset.kind;
    if (kind === "my_number" && v) {
      if (!/^\d{12}$/.test(v)) { msg = "個人番号は12桁の数字です"; } else {
        const r = WEIGHTS.reduce((a, w, i) => a + w * Number(v[i]), 0) % 11;
        if ((r <= 1 ? 0 : 11 - r) !== Number(v[11])) { msg = "個人番号のチェックデジットが一致しません"; }
      }
    } else if ((kind === "digits" || kind === "postal_code") && v && !/^[\d〒]+$/.test(v)) {
      msg = "数字で入力してください";
    } else if (kind === "phone" && v && !/^[\d()]+$/.test(v)) {
      msg = "電話番号は数字とハイフンで入力してください";
    }
    out.textContent = msg;
  }
  function row(el) { return document.getElementById("row-" + el.id.slice(2)); }
  function next(el, dir) {
    const list = el.classList.contains("rv-flagged") ? flagged : inputs;
    const i = list.indexOf(el) + dir;
    if (i >= 0 && i < list.length) { list[i].focus(); return; }
    if (dir > 0) { form.requestSubmit(); }
  }
  inputs.forEach((el) => {
    el.addEventListener("focus", () => {
      el.select();  // typing replaces the value
      row(el).classList.add("current");
      showBox(el);
    });
    el.addEventListener("blur", () => row(el).classList.remove("current"));
    el.addEventListener("input", () => { hint(el); document.getElementById("a_" + el.id.slice(2)).value = ""; });
    el.addEventListener("keydown", (ev) => {
      const opts = el.dataset.options ? el.dataset.options.split("|") : null;
      if (ev.key === "Enter") {
        ev.preventDefault();
        row(el).classList.add("accepted");
        next(el, 1);
      } else if (ev.key === "Escape") {
        el.value = el.dataset.original || "";
        document.getElementById("a_" + el.id.slice(2)).value = "";
        row(el).classList.remove("unreadable");
        hint(el);
      } else if (ev.key === "F8") {
        ev.preventDefault();
        el.value = "";
        document.getElementById("a_" + el.id.slice(2)).value = "unreadable";
        row(el).classList.add("unreadable");
        next(el, 1);
      } else if (opts && /^[1-9]$/.test(ev.key) && !ev.ctrlKey && !ev.altKey) {
        const n = Number(ev.key);
        if (n <= opts.length) { ev.preventDefault(); el.value = opts[n - 1]; hint(el); }
      }
    });
  });
  const pageView = document.getElementById("page-view");
  function showBox(el) {
    const r = row(el);
    if (!pageView || pageView.hidden || !r.dataset.bbox) { return; }
    const img = pageView.querySelector("img");
    const box = pageView.querySelector(".box");
    if (!img || !box || !img.naturalWidth) { return; }
    const [x, y, w, h] = r.dataset.bbox.split(",").map(Number);
    const s = img.clientWidth / img.naturalWidth;
    Object.assign(box.style, { left: x * s + "px", top: y * s + "px", width: w * s + "px", height: h * s + "px" });
  }
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "F9") {
      ev.preventDefault();
      if (window.confirm("この書類を差し戻しますか？")) { document.getElementById("return-form").requestSubmit(); }
    } else if (ev.key === "F4" && pageView) {
      ev.preventDefault();
      pageView.hidden = !pageView.hidden;
      if (document.activeElement instanceof HTMLInputElement) { showBox(document.activeElement); }
      if (!pageView.hidden) { pageView.scrollIntoView({ block: "nearest" }); }
    }
  });
  if (pageView) {  // F4 pressed before the page image arrived: draw the box once it has
    const img = pageView.querySelector("img");
    if (img) {
      img.addEventListener("load", () => {
        if (document.activeElement instanceof HTMLInputElement) { showBox(document.activeElement); }
      });
    }
  }
  const firstError = form.querySelector(".invalid input.rv-input");
  (firstError || flagged[0] || inputs[0] || document.getElementById("submit")).focus();
  inputs.forEach(hint);
})();
