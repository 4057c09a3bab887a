"""Guesses from printed words: field kind, ASCII id, personal data, eras, circled options.

Pure tables and functions (no images). Every rule is a row in a table so a
city's vocabulary can be added without touching the logic; the order of
:data:`KIND_RULES` matters (電話番号 must hit 電話 before 番号).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from domain.status import FieldKind

ERAS: dict[str, str] = {"明": "明治", "大": "大正", "昭": "昭和", "平": "平成", "令": "令和"}
ERA_NAMES = tuple(ERAS.values())
SEPARATORS = " 　・･·、,/／|｜"
# Sets of printed options people circle (besides the eras).
CIRCLE_SETS: tuple[tuple[str, ...], ...] = (
    ("男", "女"),
    ("有", "無"),
    ("はい", "いいえ"),
    ("可", "否"),
    ("あり", "なし"),
)

# (words in the label, kind) — first match wins.
KIND_RULES: tuple[tuple[tuple[str, ...], FieldKind], ...] = (
    (("個人番号", "マイナンバー"), FieldKind.MY_NUMBER),
    (("郵便番号", "〒"), FieldKind.POSTAL_CODE),
    (("電話", "TEL", "携帯", "連絡先"), FieldKind.PHONE),
    (("メール", "MAIL"), FieldKind.EMAIL),
    (("フリガナ", "ふりがな", "カナ"), FieldKind.KANA),
    (("生年月日", "年月日", "日付", "提出日", "申請日", "届出日", "交付日", "記入日"), FieldKind.WAREKI_DATE),
    (("金額", "円", "額"), FieldKind.AMOUNT),
    (("意見", "要望", "備考", "自由", "理由", "感想", "内容"), FieldKind.FREE_TEXT),
    (("番号", "コード", "NO.", "№"), FieldKind.DIGITS),
    (("氏名", "名前", "住所", "所在地", "名称", "勤務先", "世帯主"), FieldKind.TEXT),
)

# (words in the label, id) — first match wins; ids get _2, _3 ... when taken.
ID_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("生年月日(元号)",), "birth_era"),
    (("元号",), "era"),
    (("個人番号", "マイナンバー"), "my_number"),
    (("郵便番号", "〒"), "postal_code"),
    (("電話", "TEL", "携帯"), "phone"),
    (("メール", "MAIL"), "email"),
    (("フリガナ", "ふりがな"), "full_name_kana"),
    (("生年月日",), "birth_date"),
    (("提出日",), "submitted_on"),
    (("申請日",), "applied_on"),
    (("年月日", "日付"), "date"),
    (("氏名", "名前"), "full_name"),
    (("住所", "所在地"), "address"),
    (("性別",), "sex"),
    (("年齢",), "age"),
    (("金額",), "amount"),
    (("整理番号",), "reference_no"),
    (("コード",), "code"),
    (("意見", "要望", "感想"), "comment"),
    (("備考",), "remarks"),
)
PERSONAL_WORDS = ("氏名", "名前", "住所", "所在地", "生年月日", "性別", "フリガナ", "ふりがな",
                  "電話", "メール", "個人番号", "郵便番号")
PERSONAL_KINDS = (FieldKind.MY_NUMBER, FieldKind.PHONE, FieldKind.POSTAL_CODE, FieldKind.EMAIL,
                  FieldKind.KANA)
FREE_TEXT_MIN_H_MM = 18.0  # room for two lines of handwriting (a one-line box is 8-16 mm)
_QUESTION = re.compile(r"^(問|Q|F)\s*(\d{1,2})")


def norm(text: str) -> str:
    """NFKC, upper case, no spaces: the form rules compare against."""
    return "".join(unicodedata.normalize("NFKC", text).upper().split())


def has_word(text: str, word: str) -> bool:
    """Japanese words match anywhere; Latin ones (TEL, MAIL) only as whole words."""
    if not word.isascii():
        return word in head(text)
    return re.search(rf"(?<![A-Z]){re.escape(word)}(?![A-Z])", head_spaced(text)) is not None


def head_spaced(label: str) -> str:
    """Like :func:`head`, keeping spaces (word boundaries of Latin text)."""
    n = unicodedata.normalize("NFKC", label).upper()
    return n.rsplit("の", 1)[-1] or n


def head(label: str) -> str:
    """The head noun of 'AのB' (B): Japanese puts it last (氏名の公表 is about 公表, not a name)."""
    n = norm(label)
    tail = n.rsplit("の", 1)[-1]
    return tail if tail else n


def clean_label(text: str) -> str:
    """A printed label as shown to staff: trimmed, without a trailing colon or ※ marks."""
    out = text.strip().strip("※*＊").strip()
    return out.rstrip(":：").strip() or text.strip()


def split_fixed_era(label: str) -> tuple[str, str | None]:
    """('提出日', '令和') from '提出日令和' / '提出日 令和'; (label, None) when no era ends it."""
    stripped = label.rstrip(SEPARATORS)
    for era in ERA_NAMES:
        if stripped.endswith(era):
            return stripped[: -len(era)].rstrip(SEPARATORS), era
    return label, None


def era_value(text: str) -> str | None:
    """'令和' for '令' or '令和'; None for anything else."""
    t = norm(text).strip(SEPARATORS)
    if t in ERAS:
        return ERAS[t]
    return t if t in ERA_NAMES else None


def circle_options(text: str) -> list[str] | None:
    """The options of a printed circle-one list ('明・大・昭・平・令', '男・女'), else None."""
    t = unicodedata.normalize("NFKC", text)
    tokens = [tok for tok in re.split(f"[{re.escape(SEPARATORS)}]+", t) if tok]
    if len(tokens) == 1:  # '明大昭平令' printed without separators
        tokens = list(tokens[0]) if all(c in ERAS for c in tokens[0]) else tokens
    if len(tokens) < 2 or len(set(tokens)) != len(tokens):
        return None
    eras = [era_value(tok) for tok in tokens]
    if all(eras):
        return [e for e in eras if e]
    for group in CIRCLE_SETS:
        if set(tokens) <= set(group):
            return tokens
    return None


def is_date_frame(text: str) -> bool:
    """True for text printed inside a date box: '年 月 日', '令和 年 月 日'."""
    t = norm(text)
    for era in ERA_NAMES:
        t = t.replace(era, "")
    return bool(t) and set(t) <= set("年月日" + SEPARATORS) and "年" in t


@dataclass(frozen=True)
class KindGuess:
    kind: FieldKind
    reason: str  # English, for the summary table
    sure: bool  # an explicit word or shape decided it, not the fallback


def guess_kind(label: str, *, cells: int | None = None, fixed_era: str | None = None,
               yen_after: bool = False, height_mm: float = 10.0, japanese: bool = True) -> KindGuess:
    """The kind of a writable area from its label and shape.

    12 / 7 character boxes with no telling label are a 個人番号 / 郵便番号 on a Japanese
    form only (``japanese``); elsewhere they are digits."""
    if fixed_era:
        return KindGuess(FieldKind.WAREKI_DATE, f"era {fixed_era} printed", True)
    for words, kind in KIND_RULES:
        hit = next((w for w in words if has_word(label, w)), None)
        if hit is None:
            continue
        if kind is FieldKind.MY_NUMBER and cells not in (None, 12):
            continue
        return KindGuess(kind, f"label has {hit}", True)
    if cells == 12 and japanese:
        return KindGuess(FieldKind.MY_NUMBER, "12 character boxes", False)
    if cells == 7 and japanese:
        return KindGuess(FieldKind.POSTAL_CODE, "7 character boxes", False)
    if yen_after:
        return KindGuess(FieldKind.AMOUNT, "円 printed after the box", True)
    if head(label).endswith("日"):
        return KindGuess(FieldKind.WAREKI_DATE, "label ends in 日", False)
    if height_mm >= FREE_TEXT_MIN_H_MM:
        return KindGuess(FieldKind.FREE_TEXT, "tall box", False)
    if cells:
        return KindGuess(FieldKind.DIGITS, f"{cells} character boxes", False)
    return KindGuess(FieldKind.TEXT, "default", False)


_HIRA = ("あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
         "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽ")
_ROMA = re.findall(r"[a-z]+", "a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to "
                   "na ni nu ne no ha hi fu he ho ma mi mu me mo ya yu yo ra ri ru re ro wa o n "
                   "ga gi gu ge go za ji zu ze zo da ji zu de do ba bi bu be bo pa pi pu pe po")
KANA_ROMAJI = dict(zip(_HIRA, _ROMA, strict=True))


def romaji(text: str) -> str | None:
    """Hepburn-ish romanisation of a kana-only text, None when it holds other letters."""
    hira = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text if c not in SEPARATORS)
    out = ""
    for c in hira:
        if c in KANA_ROMAJI:
            out += KANA_ROMAJI[c]
        elif c in "ゃゅょ" and out.endswith("i"):
            out = out[:-1] + {"ゃ": "ya", "ゅ": "yu", "ょ": "yo"}[c]
        elif c == "っ":
            out += "#"
        elif c == "ー":
            continue
        else:
            return None
    out = re.sub(r"#(.)", r"\1\1", out).replace("#", "")
    return out or None


def guess_id(label: str, kind: FieldKind, taken: set[str]) -> str:
    """An ASCII field id from the label (問1 → q1, 電話 → phone, kana → romaji) or the kind."""
    base: str | None = None
    q = _QUESTION.match(norm(label))
    if q:
        base = ("f" if q.group(1) == "F" else "q") + q.group(2)
    if base is None:
        base = next((fid for words, fid in ID_RULES if any(has_word(label, w) for w in words)), None)
    if base is None:
        r = romaji(label)
        base = re.sub(r"[^a-z0-9]+", "_", r)[:30].strip("_") if r else None
    if not base:
        base = str(kind)
    if not base[0].isalpha():
        base = "f_" + base
    fid, k = base, 2
    while fid in taken:
        fid, k = f"{base}_{k}", k + 1
    taken.add(fid)
    return fid


def is_personal(label: str, kind: FieldKind) -> bool:
    """Personal data (masked in logs and exports): names, addresses, numbers, birth dates."""
    return kind in PERSONAL_KINDS or any(w in label for w in PERSONAL_WORDS)
