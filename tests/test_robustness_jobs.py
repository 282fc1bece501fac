"""Analyses a viewer can start: shared between sessions, bounded, abandoned when nobody waits."""

from __future__ import annotations

import threading

import pytest

from metrodigital.robustness import Budget, Cancelled
from metrodigital.robustness.jobs import JobBoard


def slow_count(started: list[int], gate: threading.Event):
    """A computation that reports progress until ``gate`` opens, honouring cancel."""

    def compute(budget: Budget) -> int:
        started.append(1)
        step = 0
        while not gate.wait(0.01):
            step += 1
            budget.progress(min(0.99, step / 100), "bounds")
        return 42

    return compute


def test_identical_requests_share_one_computation_and_its_answer() -> None:
    board: JobBoard[int] = JobBoard()
    started: list[int] = []
    gate = threading.Event()
    first = board.attach("q", slow_count(started, gate))
    second = board.attach("q", slow_count(started, gate))
    assert first is second
    gate.set()
    assert first.wait(10) and first.result() == 42
    board.detach(first)
    board.detach(second)
    third = board.attach("q", slow_count(started, gate))  # answered from the kept results
    assert third.finished.is_set() and third.result() == 42
    board.detach(third)
    assert len(started) == 1 and board.started == 1


def test_the_last_waiter_leaving_cancels_the_computation() -> None:
    board: JobBoard[int] = JobBoard()
    started: list[int] = []
    gate = threading.Event()  # never opened: only a cancel ends it
    one = board.attach("q", slow_count(started, gate))
    two = board.attach("q", slow_count(started, gate))
    board.detach(one)
    assert not two.wait(0.2)  # somebody still waits: it goes on
    assert two.phase == "bounds" and two.fraction > 0
    board.detach(two)
    assert two.wait(10)
    with pytest.raises(Cancelled):
        two.result()
    assert board.cancelled == 1 and board.running() == 0
    # a new request for the same question starts afresh
    gate.set()
    again = board.attach("q", slow_count(started, gate))
    assert again is not two and again.wait(10) and again.result() == 42
    board.detach(again)


def test_kept_answers_are_bounded_and_work_waits_for_a_slot() -> None:
    board: JobBoard[int] = JobBoard(max_results=2, max_running=1)
    gate = threading.Event()
    started: list[int] = []
    busy = board.attach("busy", slow_count(started, gate))
    queued = board.attach("queued", lambda budget: 7)
    assert not queued.wait(0.2) and queued.phase == "queued"  # one at a time
    gate.set()
    assert busy.wait(10) and queued.wait(10) and queued.result() == 7
    for job in (busy, queued):
        board.detach(job)
    for key in ("a", "b", "c"):
        job = board.attach(key, lambda budget, k=key: len(k))
        assert job.wait(10)
        board.detach(job)
    board.attach("a", lambda budget: 0).wait(10)
    assert board.started == 6  # "a" was dropped (two kept): computed again


def test_a_time_budget_reaches_the_computation() -> None:
    board: JobBoard[float] = JobBoard(seconds=5.0)
    job = board.attach("t", lambda budget: budget.remaining())
    assert job.wait(10) and 0 < job.result() <= 5.0
    board.detach(job)
