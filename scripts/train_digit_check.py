"""Build ``ocr/data/digit_check.npz``, the third digit classifier (:mod:`ocr.digit_check`).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python scripts/train_digit_check.py
    .venv/bin/python scripts/train_digit_check.py --eval          # evaluate the shipped file

Training data: real MNIST digits of columns 0-24 of the shared ``digits_dev.png`` only
(as scanned thick strokes and written with the synthesiser's pen, augmented), digits
rendered from the synthesiser's fonts, and non-digits (separators, kanji, kana, Latin)
for the "not a digit" class: the generators of ``scripts/train_digits.py`` with other
seeds. Model: Nyström RBF features (landmarks drawn from the training glyphs) and a
multinomial logistic regression (scikit-learn), folded into plain arrays. Deterministic
(fixed seeds, fixed zip timestamps). Columns 25-37 choose gamma and C (``--select``);
columns 38-49 are only measured.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from train_digits import (  # noqa: E402
    EVAL_COLS,
    KANA,
    KANJI,
    LATIN,
    SEPARATORS,
    TRAIN_COLS,
    _glyphs,
    font_set,
    load_sheet,
    mnist_crop,
    pen_crop,
    real_set,
    sheet_path,
    write_npz,
)

from ocr.digit_check import CLASSES, MODEL_PATH, DigitCheck, features  # noqa: E402
from ocr.digits import DIGITS, PRIOR, DigitReader  # noqa: E402

CALIB_COLS = range(25, 38)
OTHER = len(DIGITS)  # class index of "not a digit"
LANDMARKS = 2000
GAMMA = 0.5
C = 30.0


def training_set(cells: np.ndarray, labels: np.ndarray, seed: int = 41) -> tuple[np.ndarray, np.ndarray]:
    digit_label = {d: i for i, d in enumerate(DIGITS)}
    parts = [
        real_set(cells, labels, TRAIN_COLS, copies=9, seed=seed),
        font_set(DIGITS, digit_label, per_char=40, seed=seed + 1),
        font_set(SEPARATORS + KANJI + KANA + LATIN, {}, per_char=2, seed=seed + 2),
    ]
    g = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts]).astype(np.int64)
    y[y >= OTHER] = OTHER  # font_set labels non-digits with the MLP's "other" class
    return g, y


def fit(x: np.ndarray, y: np.ndarray, gamma: float, c: float, n_landmarks: int, seed: int = 7
        ) -> dict[str, np.ndarray]:
    from sklearn.kernel_approximation import Nystroem
    from sklearn.linear_model import LogisticRegression

    ny = Nystroem(kernel="rbf", gamma=gamma, n_components=n_landmarks, random_state=seed).fit(x)
    z = ny.transform(x)
    lr = LogisticRegression(C=c, max_iter=400, tol=1e-5).fit(z, y)
    # transform(x) = K(x, landmarks) @ normalization_.T: fold it into the weights
    weights = ny.normalization_.T @ lr.coef_.T
    return {"landmarks": ny.components_.astype(np.float32), "gamma": np.array(gamma, np.float32),
            "weights": weights.astype(np.float32), "bias": lr.intercept_.astype(np.float32)}


def save(model: dict[str, np.ndarray], path: Path, meta: dict[str, object]) -> None:
    """Plain arrays (no pickle), byte-identical for identical weights."""
    arrays = {**model, "classes": np.array(CLASSES),
              "meta": np.array(json.dumps(meta, sort_keys=True, ensure_ascii=False))}
    write_npz(path, arrays)


def singles(cells: np.ndarray, labels: np.ndarray, cols: range, seed: int = 0
            ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Single digits of ``cols``: scanned thick strokes and the synthesiser's pen."""
    rng = np.random.default_rng(seed)
    thick = [(mnist_crop(cells[r, c], rng, augment=False, scale=2.0), labels[r])
             for r in range(50) for c in cols]
    pen = [(pen_crop(cells[r, c], rng), labels[r]) for r in range(50) for c in cols]
    out = {}
    for name, crops in (("thick", thick), ("pen", pen)):
        g, keep = _glyphs([c for c, _ in crops])
        out[name] = (g, np.array([lab for _, lab in crops])[keep])
    return out


def evaluate(check: DigitCheck, cells: np.ndarray, labels: np.ndarray, cols: range) -> dict[str, float]:
    """Accuracy of the third classifier and how it covers the MLP's errors on ``cols``."""
    mlp = DigitReader()
    res: dict[str, float] = {}
    for name, (g, y) in singles(cells, labels, cols).items():
        p3 = check.probabilities(g)
        p2 = mlp.probabilities(g)
        k3 = p3.argmax(axis=1)
        k2 = (p2 * PRIOR).argmax(axis=1)
        res[f"{name}_acc"] = round(float((k3 == y).mean()), 4)
        res[f"{name}_mlp_acc"] = round(float((k2 == y).mean()), 4)
        wrong2 = (k2 != y) & (k2 < OTHER)
        p_of_mlp = p3[np.arange(len(y)), np.minimum(k2, OTHER)]
        res[f"{name}_mlp_wrong"] = int(wrong2.sum())
        res[f"{name}_both_wrong_same"] = int((wrong2 & (k3 == k2)).sum())
        for t in (0.3, 0.5, 0.7):  # veto: the third gives the MLP's digit less than t
            res[f"{name}_veto{t}_catches"] = int((wrong2 & (p_of_mlp < t)).sum())
            res[f"{name}_veto{t}_false"] = round(float(((k2 == y) & (p_of_mlp < t)).mean()), 4)
        res[f"{name}_n"] = len(y)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sheet", help="digits_dev.png (default: the shared real data)")
    ap.add_argument("--out", default=str(MODEL_PATH))
    ap.add_argument("--eval", action="store_true", help="evaluate the model file only")
    ap.add_argument("--select", action="store_true", help="try gamma/C on columns 25-37, write nothing")
    args = ap.parse_args()
    cells, labels = load_sheet(sheet_path(args.sheet))
    if args.eval:
        print(json.dumps({"eval_cols_38_49": evaluate(DigitCheck(args.out), cells, labels, EVAL_COLS)}))
        return
    g, y = training_set(cells, labels)
    x = features(g)
    print(f"training on {len(y)} glyphs ({int((y < OTHER).sum())} digits), {x.shape[1]} features", flush=True)
    if args.select:
        calib = {k: (features(gg), yy) for k, (gg, yy) in singles(cells, labels, CALIB_COLS, seed=3).items()}
        for gamma in (0.5, 1.0, 2.0):
            for c in (3.0, 10.0, 30.0):
                m = fit(x, y, gamma, c, 1000)
                tmp = Path("/tmp/yomitori_digit_check_select.npz")
                save(m, tmp, {})
                chk = DigitCheck(tmp)
                accs = {k: round(float((chk.probabilities_from_features(xx).argmax(1) == yy).mean()), 4)
                        for k, (xx, yy) in calib.items()}
                print(f"gamma={gamma} C={c}: calib cols 25-37 {accs}", flush=True)
        return
    model = fit(x, y, GAMMA, C, LANDMARKS)
    meta = {"training_columns": "0-24", "samples": len(y), "landmarks": LANDMARKS, "gamma": GAMMA, "C": C,
            "features": "deskewed glyph: 4x4x16 gradient directions (Hellinger) + 7x7 ink"}
    save(model, Path(args.out), meta)
    print(json.dumps({"eval_cols_38_49": evaluate(DigitCheck(args.out), cells, labels, EVAL_COLS)}))


if __name__ == "__main__":
    main()
