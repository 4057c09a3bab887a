"""A scripted recogniser for fast pipeline tests (no model, no images read)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from ocr.recognizer import TextResult, check_batch

Answer = TextResult | str | tuple[str, float]
AnswerFn = Callable[[int, np.ndarray, str | None], Answer]


def as_result(answer: Answer) -> TextResult:
    """``"text"`` (confidence 1.0), ``("text", conf)`` or a TextResult -> TextResult."""
    if isinstance(answer, TextResult):
        return answer
    text, conf = (answer, 1.0) if isinstance(answer, str) else answer
    if not text:
        return TextResult("", 0.0, (), 0.0)
    return TextResult(text, conf, (conf,) * len(text), conf)


class FakeRecognizer:
    """Answers from a callable ``(call_index, crop, alphabet) -> answer`` or a dict.

    A dict is keyed by the running crop index over all calls (0, 1, 2, ...);
    missing keys read as ``default``. ``calls`` records ``(crop shape, alphabet)``
    for every crop seen, so tests can assert what the pipeline asked for.
    """

    def __init__(self, answers: AnswerFn | Mapping[int, Answer], default: Answer = "") -> None:
        self._answers = answers
        self._default = default
        self.calls: list[tuple[tuple[int, ...], str | None]] = []

    def recognize(self, crops: Sequence[np.ndarray], alphabets: Sequence[str | None]) -> list[TextResult]:
        check_batch(crops, alphabets)
        out: list[TextResult] = []
        for crop, alphabet in zip(crops, alphabets, strict=True):
            n = len(self.calls)
            self.calls.append((tuple(np.asarray(crop).shape), alphabet))
            if callable(self._answers):
                answer = self._answers(n, crop, alphabet)
            else:
                answer = self._answers.get(n, self._default)
            out.append(as_result(answer))
        return out
