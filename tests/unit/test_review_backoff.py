"""Per-client login back-off (review.auth.LoginBackoff) on a fake clock: no sleeping."""

from __future__ import annotations

from review.auth import LoginBackoff


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_few_attempts_are_free_then_the_wait_doubles_up_to_the_cap() -> None:
    clock = Clock()
    backoff = LoginBackoff(free=3, first=1.0, cap=8.0, clock=clock)
    assert [backoff.admit("10.0.0.5") for _ in range(3)] == [0.0, 0.0, 0.0]
    waits = []
    for _ in range(6):
        wait = backoff.admit("10.0.0.5")
        assert wait > 0  # refused: the attempt is not checked and not counted
        assert backoff.admit("10.0.0.5") == wait  # asking again does not shorten (or lengthen) it
        waits.append(wait)
        clock.now += wait
        assert backoff.admit("10.0.0.5") == 0.0
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_addresses_are_apart_and_a_success_clears_only_its_own() -> None:
    clock = Clock()
    backoff = LoginBackoff(free=2, clock=clock)
    for _ in range(2):
        backoff.admit("attacker")
        backoff.admit("owner")
    assert backoff.admit("attacker") > 0 and backoff.admit("owner") > 0
    assert backoff.admit("someone else") == 0.0
    backoff.succeeded("owner")
    assert backoff.admit("owner") == 0.0 and backoff.admit("attacker") > 0


def test_a_quiet_address_starts_afresh() -> None:
    clock = Clock()
    backoff = LoginBackoff(free=2, first=1.0, cap=60.0, forget=900.0, clock=clock)
    for _ in range(6):
        clock.now += 61
        backoff.admit("10.0.0.7")
    assert backoff.admit("10.0.0.7") == 16.0
    clock.now += 901
    assert [backoff.admit("10.0.0.7") for _ in range(2)] == [0.0, 0.0]
    assert backoff.admit("10.0.0.7") == 1.0


def test_memory_stays_bounded() -> None:
    clock = Clock()
    backoff = LoginBackoff(free=1, max_clients=100, clock=clock)
    for i in range(1000):
        clock.now += 0.001
        backoff.admit(f"10.1.{i // 256}.{i % 256}")
    assert len(backoff._clients) <= 100
    assert backoff.admit("10.1.3.231") > 0  # the most recent addresses are kept
