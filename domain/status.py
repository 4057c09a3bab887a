"""Every outcome is a code: statuses, review reasons and rule issue codes.

Logs use the English code; the UI maps codes to Japanese through
:data:`REVIEW_REASON_JA` and :data:`PAGE_STATUS_JA`.
"""

from __future__ import annotations

from enum import StrEnum


class FieldKind(StrEnum):
    """What a field holds; decides normalisation, validation and reading method."""

    TEXT = "text"
    KANA = "kana"
    DIGITS = "digits"
    AMOUNT = "amount"
    WAREKI_DATE = "wareki_date"
    POSTAL_CODE = "postal_code"
    PHONE = "phone"
    EMAIL = "email"
    MY_NUMBER = "my_number"
    CHECKBOX = "checkbox"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    FREE_TEXT = "free_text"

    @property
    def is_mark(self) -> bool:
        """True for fields read by OMR (marks), not by text recognition."""
        return self in (FieldKind.CHECKBOX, FieldKind.CHOICE, FieldKind.MULTI_CHOICE)


FIELD_KIND_JA: dict[FieldKind, str] = {
    FieldKind.TEXT: "文字", FieldKind.KANA: "カナ", FieldKind.DIGITS: "数字", FieldKind.AMOUNT: "金額",
    FieldKind.WAREKI_DATE: "日付（和暦）", FieldKind.POSTAL_CODE: "郵便番号", FieldKind.PHONE: "電話番号",
    FieldKind.EMAIL: "メールアドレス", FieldKind.MY_NUMBER: "個人番号", FieldKind.CHECKBOX: "チェック欄",
    FieldKind.CHOICE: "選択（単一）", FieldKind.MULTI_CHOICE: "選択（複数）", FieldKind.FREE_TEXT: "自由記述",
}


class ReviewPolicy(StrEnum):
    """How a template wants a field to be triaged."""

    AUTO = "auto"  # auto-accept when provably safe
    ALWAYS = "always"  # a person always confirms
    BLIND_DOUBLE_ENTRY = "blind_double_entry"  # a person types it without seeing the machine value


class FieldStatus(StrEnum):
    AUTO_ACCEPTED = "auto_accepted"
    NEEDS_REVIEW = "needs_review"
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"
    UNREADABLE = "unreadable"


class ReviewReason(StrEnum):
    """Why a field goes to a person."""

    LOW_CONFIDENCE = "low_confidence"
    INVALID_FORMAT = "invalid_format"
    CHECK_DIGIT_MISMATCH = "check_digit_mismatch"
    REQUIRED_MISSING = "required_missing"
    MULTIPLE_MARKS = "multiple_marks"
    UNREADABLE = "unreadable"
    POLICY = "policy"
    CROSS_FIELD = "cross_field"
    NOT_CALIBRATED = "not_calibrated"
    IMAGE_QUALITY = "image_quality"  # the page is outside the image quality the calibration covered
    ALIGNMENT = "alignment"  # the page was aligned worse than any calibration page
    NAME_SPLIT = "name_split"  # the surname / given-name space could not be confirmed
    VARIANT_KANJI = "variant_kanji"  # a name holds a kanji the recogniser may read for its 異体字
    NAME_KANA = "name_kana"  # the name and its フリガナ could not be matched through a lexicon reading
    AUDIT_MISMATCH = "audit_mismatch"  # auto-accepted, but a blind audit typed another value
    COPY_MISMATCH = "copy_mismatch"  # the printed ID copy in the envelope says otherwise (issue 19)
    READINGS_DISAGREE = "readings_disagree"  # a third, independent digit classifier read other digits


REVIEW_REASON_JA: dict[ReviewReason, str] = {
    ReviewReason.LOW_CONFIDENCE: "読み取りの確信度が低いため確認が必要です",
    ReviewReason.INVALID_FORMAT: "書式が正しくありません",
    ReviewReason.CHECK_DIGIT_MISMATCH: "個人番号のチェックデジットが一致しません",
    ReviewReason.REQUIRED_MISSING: "必須項目が記入されていません",
    ReviewReason.MULTIPLE_MARKS: "2つ以上に印があります",
    ReviewReason.UNREADABLE: "読み取れませんでした",
    ReviewReason.POLICY: "この項目は必ず職員が確認します",
    ReviewReason.CROSS_FIELD: "他の項目との整合性に問題があります",
    ReviewReason.NOT_CALIBRATED: "信頼度の較正データがないため確認が必要です",
    ReviewReason.IMAGE_QUALITY: "画像の品質（ぼけ・濃淡・印影など）が想定の範囲外のため確認が必要です",
    ReviewReason.ALIGNMENT: "用紙の位置合わせの精度が低いため確認が必要です",
    ReviewReason.NAME_SPLIT: "氏名の姓と名の区切り（空白）を確認してください",
    ReviewReason.VARIANT_KANJI: "氏名に異体字（髙・﨑・邉など）と取り違えやすい文字があるため確認が必要です",
    ReviewReason.NAME_KANA: "氏名とフリガナの読みが一致することを確認できないため確認が必要です",
    ReviewReason.AUDIT_MISMATCH: "抜き取り検査で不一致: 自動確定した値と検査の入力が違います",
    ReviewReason.COPY_MISMATCH: "本人確認書類と一致しません",
    ReviewReason.READINGS_DISAGREE: "別の方法による数字の読み取りと一致しないため確認が必要です",
}


class PageStatus(StrEnum):
    """Outcome of looking at one page image."""

    READ = "read"
    BLANK = "blank"
    NON_FORM = "non_form"  # positively not a form: e.g. a copy of an ID card sent with the form
    UNKNOWN_FORM = "unknown_form"  # a form, but not one of the templates (its QR or marks say so)
    UNIDENTIFIED = "unidentified"  # looks like a form (or might be one) but could not be told which
    UNALIGNED = "unaligned"  # a form, but it could not be mapped safely
    UNREADABLE_IMAGE = "unreadable_image"  # too small, empty, corrupt
    SEPARATOR = "separator"  # a printed yomitori separator sheet between envelopes (domain.envelope)


PAGE_STATUS_JA: dict[PageStatus, str] = {
    PageStatus.READ: "読み取り済み",
    PageStatus.BLANK: "白紙のページです",
    PageStatus.NON_FORM: "帳票ではないページです（本人確認書類の写しなど）",
    PageStatus.UNKNOWN_FORM: "登録されていない帳票です",
    PageStatus.UNIDENTIFIED: "帳票の種類を判定できませんでした（職員が確認します）",
    PageStatus.UNALIGNED: "帳票の位置合わせができませんでした",
    PageStatus.UNREADABLE_IMAGE: "画像が小さすぎるか壊れているため読み取れません",
    PageStatus.SEPARATOR: "封筒の区切り用紙です",
}

# Short labels for table headers and counts (reports, run summaries).
PAGE_STATUS_SHORT_JA: dict[PageStatus, str] = {
    PageStatus.READ: "読み取り済み",
    PageStatus.BLANK: "白紙",
    PageStatus.NON_FORM: "帳票以外",
    PageStatus.UNKNOWN_FORM: "未登録の帳票",
    PageStatus.UNIDENTIFIED: "種類を判定できない",
    PageStatus.UNALIGNED: "位置合わせ不可",
    PageStatus.UNREADABLE_IMAGE: "画像不良",
    PageStatus.SEPARATOR: "区切り用紙",
}


class IssueCode(StrEnum):
    """Codes of problems found by the normalisation and validation rules."""

    EMPTY = "empty"
    REQUIRED_MISSING = "required_missing"
    INVALID_CHARACTERS = "invalid_characters"
    INVALID_FORMAT = "invalid_format"
    WRONG_LENGTH = "wrong_length"
    CHECK_DIGIT_MISMATCH = "check_digit_mismatch"
    NOT_KATAKANA = "not_katakana"
    UNKNOWN_ERA = "unknown_era"
    DATE_OUT_OF_ERA = "date_out_of_era"
    INVALID_DATE = "invalid_date"
    FUTURE_DATE = "future_date"
    DATE_TOO_EARLY = "date_too_early"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    PHONE_INVALID = "phone_invalid"
    POSTAL_INVALID = "postal_invalid"
    EMAIL_INVALID = "email_invalid"
    MULTIPLE_MARKS = "multiple_marks"
    UNKNOWN_OPTION = "unknown_option"
    AMBIGUOUS_MARK = "ambiguous_mark"
    CROSS_FIELD = "cross_field"
    NAME_SPLIT = "name_split"
    VARIANT_KANJI = "variant_kanji"
    NAME_KANA = "name_kana"
    DIGIT_VETO = "digit_veto"  # the third digit classifier (ocr.digit_check) doubts a digit


ISSUE_TO_REASON: dict[IssueCode, ReviewReason] = {
    IssueCode.REQUIRED_MISSING: ReviewReason.REQUIRED_MISSING,
    IssueCode.CHECK_DIGIT_MISMATCH: ReviewReason.CHECK_DIGIT_MISMATCH,
    IssueCode.MULTIPLE_MARKS: ReviewReason.MULTIPLE_MARKS,
    IssueCode.AMBIGUOUS_MARK: ReviewReason.LOW_CONFIDENCE,
    IssueCode.CROSS_FIELD: ReviewReason.CROSS_FIELD,
    IssueCode.NAME_SPLIT: ReviewReason.NAME_SPLIT,
    IssueCode.VARIANT_KANJI: ReviewReason.VARIANT_KANJI,
    IssueCode.NAME_KANA: ReviewReason.NAME_KANA,
    IssueCode.DIGIT_VETO: ReviewReason.READINGS_DISAGREE,
    IssueCode.FUTURE_DATE: ReviewReason.CROSS_FIELD,
    IssueCode.DATE_TOO_EARLY: ReviewReason.CROSS_FIELD,
}


def reason_for_issue(code: IssueCode) -> ReviewReason:
    """Map a rule issue to the review reason a person sees (default: invalid format)."""
    return ISSUE_TO_REASON.get(code, ReviewReason.INVALID_FORMAT)
