// yomitori template editor: the mouse — dragging a box or option to move or resize it, and
// drawing a band on empty page to add a new field. wireMouse() adds the listeners on the
// layer and is called once by the entry module template_editor.js.
import { $, MIN, S, clamp, el, layer, r1, snap } from "./template_editor_state.js";
import { changed, focusBox, place, rebuild, refreshSummary, select, update } from "./template_editor_boxes.js";

export function startDrag(ev, f, mode, optIndex) {
  if (ev.button !== 0) { return; }
  ev.preventDefault();
  ev.stopPropagation();
  select(f, true);
  const target = mode.startsWith("opt") ? f.options[optIndex].box : f.box;
  S.drag = { f, mode, optIndex, x0: ev.clientX, y0: ev.clientY, orig: { ...target },
    origOpts: f.options.map((o) => ({ ...o.box })), moved: false };
  layer.setPointerCapture(ev.pointerId);
}
function mmAt(ev) {
  const r = layer.getBoundingClientRect();
  return { x: snap((ev.clientX - r.left) / S.scale), y: snap((ev.clientY - r.top) / S.scale) };
}
function startBand(ev) {
  if (ev.target !== layer || ev.button !== 0) { return; }
  ev.preventDefault();
  const band = el("div", "te-band");
  layer.append(band);
  S.drag = { mode: "new", start: mmAt(ev), x0: ev.clientX, y0: ev.clientY, band, moved: false };
  layer.setPointerCapture(ev.pointerId);
}
function bandBox(d, ev) {
  const a = d.start;
  const b = mmAt(ev);
  const x = clamp(Math.min(a.x, b.x), 0, S.pageW);
  const y = clamp(Math.min(a.y, b.y), 0, S.pageH);
  return { x: r1(x), y: r1(y), w: r1(Math.min(Math.max(a.x, b.x), S.pageW) - x),
    h: r1(Math.min(Math.max(a.y, b.y), S.pageH) - y) };
}
function onPointerMove(ev) {
  const drag = S.drag;
  if (!drag) { return; }
  if (!drag.moved && Math.abs(ev.clientX - drag.x0) < 3 && Math.abs(ev.clientY - drag.y0) < 3) { return; }
  drag.moved = true;
  if (drag.mode === "new") { place(drag.band, bandBox(drag, ev)); return; }
  const dx = snap((ev.clientX - drag.x0) / S.scale);
  const dy = snap((ev.clientY - drag.y0) / S.scale);
  const { f, orig } = drag;
  const { pageW, pageH } = S;
  if (drag.mode === "move") {
    const x = r1(clamp(orig.x + dx, 0, pageW - orig.w));
    const y = r1(clamp(orig.y + dy, 0, pageH - orig.h));
    f.box = { ...orig, x, y };
    f.options = f.options.map((o, i) => ({ ...o, box: { ...drag.origOpts[i],
      x: r1(drag.origOpts[i].x + x - orig.x), y: r1(drag.origOpts[i].y + y - orig.y) } }));
  } else if (drag.mode === "resize") {
    f.box = { ...orig, w: r1(clamp(orig.w + dx, MIN, pageW - orig.x)), h: r1(clamp(orig.h + dy, MIN, pageH - orig.y)) };
  } else {
    const o = f.options[drag.optIndex];
    o.box = drag.mode === "opt-move"
      ? { ...orig, x: r1(clamp(orig.x + dx, 0, pageW - orig.w)), y: r1(clamp(orig.y + dy, 0, pageH - orig.h)) }
      : { ...orig, w: r1(clamp(orig.w + dx, MIN, pageW - orig.x)), h: r1(clamp(orig.h + dy, MIN, pageH - orig.y)) };
  }
  update(f);
}
function endDrag(ev, cancelled) {
  if (!S.drag) { return; }
  const d = S.drag;
  S.drag = null;
  if (layer.hasPointerCapture(ev.pointerId)) { layer.releasePointerCapture(ev.pointerId); }
  if (d.mode === "new") {
    d.band.remove();
    const b = bandBox(d, ev);
    if (!cancelled && d.moved && b.w >= 2 && b.h >= 2) { addField(b); }
    return;
  }
  if (d.moved) { changed(d.f, d.mode.startsWith("opt") ? "options" : "box"); }
  focusBox(d.f);
}
function addField(box) {
  let n = S.data.fields.length + 1;
  const ids = new Set(S.data.fields.map((f) => f.id));
  while (ids.has("field_" + n)) { n += 1; }
  const f = { id: "field_" + n, label: "新しい項目", kind: "text", page: S.pageNo, box, required: false,
    review: "auto", cells: null, options: [], mark_style: "box", personal: false, guessed: [] };
  S.data.fields.push(f);
  $("te-dirty").hidden = false;
  rebuild();
  select(f, true);
  refreshSummary();
  $("te-f-label").focus();
  $("te-f-label").select();
}

export function wireMouse() {
  layer.addEventListener("pointerdown", startBand);
  layer.addEventListener("pointermove", onPointerMove);
  layer.addEventListener("pointerup", (ev) => endDrag(ev, false));
  layer.addEventListener("pointercancel", (ev) => endDrag(ev, true));
}
