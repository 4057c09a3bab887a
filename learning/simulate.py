"""A seeded simulator of weeks of use: engine scores that drift, reviewers from ground truth.

Not production code: it drives the learning tests and ``bench/learning.py`` without
OCR, in seconds. Each field has an error rate and a score distribution (logit of the
score: right reads around ``MU_RIGHT``, wrong ones ``sharpness`` lower, some wrong
reads scoring like right ones, e.g. variant kanji 髙→高). Handwriting style drifts
week by week: the engine grows less sure of the new style (every logit moves down)
and slightly more often wrong. The factory calibration is fitted on week 0 only, like
the shipped one fitted on synthetic forms.

Reviewers see the fields triage flagged and record the truth (a "poisoned" week
confirms everything unchanged); on a document they review they also notice some
auto-accepted errors (escaped errors). Documents with every field auto-accepted are
never looked at. Truth is kept apart, so the *true* straight-through rate and error
among auto-accepted fields can be measured on a fresh batch.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from domain.calibration import Calibration, fit_kind
from learning.dataset import Observation

MU_RIGHT = 6.0  # logit of a typical right read's score (0.9975)
START = date(2026, 9, 7)  # a Monday: week 0


@dataclass(frozen=True)
class SimField:
    template_id: str
    field_id: str
    kind: str
    error: float  # chance of a wrong read in week 0
    sharpness: float = 4.0  # logit gap between right and wrong reads
    alike: float = 0.02  # share of wrong reads that score like right ones
    issues: float = 0.03  # share with a rule issue (never auto-accepted)
    policy: bool = False  # always confirmed by a person (e.g. blind My Number entry)


FIELDS = (
    SimField("onestop_2022", "full_name", "text", 0.04, alike=0.3),  # variant kanji: often corrected
    SimField("onestop_2022", "address", "text", 0.05),
    SimField("onestop_2022", "full_name_kana", "kana", 0.03),
    SimField("onestop_2022", "phone", "phone", 0.02, sharpness=5.0),
    SimField("onestop_2022", "birth_date", "wareki_date", 0.02, sharpness=5.0),
    SimField("onestop_2022", "amount", "amount", 0.01, sharpness=5.0),
    SimField("onestop_2022", "my_number", "my_number", 0.01, policy=True),
    SimField("furusato_application", "email", "email", 0.03),
    SimField("citizen_survey", "comment", "free_text", 0.08, sharpness=3.0),
)


@dataclass(frozen=True)
class Read:
    observation: Observation
    right: bool  # ground truth


@dataclass(frozen=True)
class Truth:
    share: float  # straight-through: auto-accepted / all fields
    error: float  # wrong / auto-accepted
    fields: int


class Simulator:
    def __init__(self, seed: int, *, drift: float = 0.35, error_growth: float = 0.04,
                 notice: float = 0.3, fields: tuple[SimField, ...] = FIELDS) -> None:
        self.seed = seed
        self.drift = drift  # logit units per week
        self.error_growth = error_growth  # relative growth of error rates per week
        self.notice = notice  # chance a reviewer notices an auto-accepted error
        self.fields = fields

    def _rng(self, week: int, salt: int) -> random.Random:
        return random.Random(self.seed * 1_000_003 + week * 1_009 + salt)

    def score(self, f: SimField, week: int, rng: random.Random) -> tuple[float, bool]:
        right = rng.random() >= f.error * (1 + self.error_growth * week)
        mu = MU_RIGHT if right or rng.random() < f.alike else MU_RIGHT - f.sharpness
        logit = rng.gauss(mu, 1.0 if right else 1.3) - self.drift * week
        return 1 / (1 + math.exp(-logit)), right

    def batch(self, week: int, documents: int, calibration: Calibration | None, *,
              poisoned: bool = False, salt: int = 0) -> list[Read]:
        """Read and review one week's batch with the calibration in force."""
        rng = self._rng(week, salt)
        reads: list[Read] = []
        day = START + timedelta(weeks=week)
        for d in range(documents):
            doc_id = (week + 1) * 1_000_000 + salt * 100_000 + d
            actor = "rev9" if poisoned else f"rev{1 + rng.randrange(3)}"
            raw = []
            for f in self.fields:
                s, right = self.score(f, week, rng)
                eligible = not f.policy and rng.random() >= f.issues
                auto = eligible and calibration is not None and calibration.assess(
                    f.kind, s, [f"{f.template_id}:{f.field_id}"])[1]
                raw.append((f, s, right, eligible, auto))
            reviewed = not all(auto for *_, auto in raw)
            for f, s, right, eligible, auto in raw:
                label: bool | None = None
                if reviewed and not auto:
                    label = True if poisoned else right
                elif reviewed and not right and rng.random() < self.notice:
                    label = False  # an escaped error someone noticed
                reads.append(Read(Observation(
                    document_id=doc_id, batch_id=week, template_id=f.template_id, field_id=f.field_id,
                    kind=f.kind, kind_key=f.kind, score=s, eligible=eligible, was_auto=auto, label=label,
                    actor=actor if label is not None else None,
                    reviewed_on=day if label is not None else None,
                    calibration=calibration.version if calibration else None,
                    personal=f.kind in ("text", "kana", "my_number")), right))
        return reads

    def truth(self, calibration: Calibration | None, week: int, documents: int, salt: int = 7) -> Truth:
        """True straight-through rate and error among auto-accepted fields on a fresh batch."""
        reads = self.batch(week, documents, calibration, salt=salt)
        auto = [r for r in reads if r.observation.was_auto]
        wrong = sum(not r.right for r in auto)
        return Truth(len(auto) / len(reads), wrong / len(auto) if auto else 0.0, len(reads))

    def factory(self, documents: int, target_error: float) -> Calibration:
        """Week-0 calibration fitted with ground truth (as ``yomitori calibrate`` does)."""
        by_kind: dict[str, tuple[list[float], list[bool]]] = defaultdict(lambda: ([], []))
        for r in self.batch(0, documents, None, salt=9):
            by_kind[r.observation.kind][0].append(r.observation.score)
            by_kind[r.observation.kind][1].append(r.right)
        kinds = {k: fit_kind(s, h, target_error) for k, (s, h) in sorted(by_kind.items())}
        return Calibration(version="factory", created=datetime(2026, 9, 1, tzinfo=UTC),
                           target_error=target_error, kinds=kinds, note="simulated factory calibration")


@dataclass(frozen=True)
class Week:
    week: int
    passed: bool
    codes: list[str]
    version: str  # the candidate's
    changes: list[str]  # "<level> <key> <change>" of new/looser/stricter keys
    estimated_before: tuple[float, float]  # gate: (share, error) on held-back documents
    estimated_after: tuple[float, float]
    true_before: Truth  # the calibration in force, on a fresh batch of this week's style
    true_after: Truth | None  # the candidate, likewise (None unless promoted)
    flagged: list[str]  # groups the label audit flagged


@dataclass(frozen=True)
class Run:
    factory: Calibration
    final: Calibration
    weeks: list[Week]
    excluded: list[int]  # batches an admin left out after the audit flagged them


def run_weeks(seed: int, *, weeks: int = 8, documents: int = 800, window: int = 4,
              poison_week: int | None = 4, target_error: float = 0.005, factory_documents: int = 300,
              truth_documents: int = 1000, exclude_flagged: bool = True,
              factory_target: float | None = None) -> Run:
    """Weeks of use: read, review, learn weekly over the last ``window`` weeks, promote past the gate.

    When the audit flags a batch, the admin (simulated) leaves it out of later runs
    (``yomitori learn --exclude-batch N``) if ``exclude_flagged``. ``factory_target``
    fits the factory calibration to a looser target than the one learning keeps (a
    factory that promised more than it saw, as before issue 14), so that learning has
    something to tighten.
    """
    from learning.run import learn

    sim = Simulator(seed)
    factory = current = sim.factory(factory_documents, factory_target or target_error)
    history: list[list[Read]] = []
    excluded: set[int] = set()
    out: list[Week] = []
    for w in range(1, weeks + 1):
        history.append(sim.batch(w, documents, current, poisoned=w == poison_week))
        data = [r.observation for b in history[-window:] for r in b if r.observation.batch_id not in excluded]
        now = datetime.combine(START + timedelta(weeks=w, days=6), datetime.min.time(), UTC)
        learnt = learn(data, current, now, target_error=target_error)
        g = learnt.gate
        flagged = [c.group for c in g.suspicious]
        if exclude_flagged:
            excluded |= {int(f.split()[1]) for f in flagged if f.startswith("batch ")}
        cand = learnt.candidate.calibration
        out.append(Week(
            w, g.passed, g.codes(), cand.version,
            [f"{c.level} {c.key} {c.change.value}" for c in learnt.candidate.changed],
            (g.before.share, g.before.error), (g.after.share, g.after.error),
            sim.truth(current, w, truth_documents), sim.truth(cand, w, truth_documents) if g.passed else None,
            flagged))
        if g.passed:
            current = cand
    return Run(factory, current, out, sorted(excluded))
