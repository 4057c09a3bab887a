"""Learning from staff corrections: recalibration, per-field thresholds, report (issue 9).

Pure logic, small modules:

* :mod:`learning.dataset` — what a checked field tells us (labels), held-back split
* :mod:`learning.extract` — the work store → observations, confusions, page alignment
* :mod:`learning.fit` — candidate calibration per kind and per ``template:field``
* :mod:`learning.thresholds` — keep, loosen or tighten an entry (only on evidence)
* :mod:`learning.audit` — batches / reviewer-weeks whose confirmations look unreal
* :mod:`learning.gate` — the promotion gate on held-back documents
* :mod:`learning.confusions`, :mod:`learning.report` — the admins' corrections report
* :mod:`learning.run` — one run (CLI ``yomitori learn``, flow ``flows/learn.py``)
* :mod:`learning.simulate` — seeded weeks-of-use simulator for tests and the benchmark

Lexicons learnt from confirmed data (e.g. the city's 町名) are not built yet.
"""
