"""Long computations shared between the people asking for them, and dropped when nobody is.

A :class:`JobBoard` runs each distinct question (its key) at most once at a time,
on a worker thread, with a :class:`~metrodigital.robustness.budget.Budget`:

- asking the same question while it runs attaches to the running job (one
  computation, however many sessions wait for it);
- an answer is kept in a bounded most-recently-used store, so asking again is free;
- a waiter that leaves detaches; when the last one has left, the job is cancelled
  and stops at its next check (between simulation chunks, between MILPs);
- at most ``max_running`` jobs compute at once; the others wait for a slot
  (reported as the phase ``"queued"``), so no number of links can start more work
  than the machine has cores.

Pure Python and threads: the pages poll :meth:`Job.wait` and draw the progress.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from metrodigital.robustness.budget import Budget, Cancelled

T = TypeVar("T")


@dataclass(eq=False)
class Job(Generic[T]):
    """One computation: its progress, its result or error, and who waits for it."""

    key: Hashable
    cancel: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    fraction: float = 0.0
    phase: str = "starting"
    waiters: int = 0
    value: T | None = None
    error: BaseException | None = None

    def report(self, fraction: float, phase: str) -> None:
        self.fraction, self.phase = fraction, phase

    def wait(self, seconds: float) -> bool:
        """True once the job has finished (result, error or cancellation)."""
        return self.finished.wait(seconds)

    def result(self) -> T:
        """The value, or the job's exception raised again."""
        if self.error is not None:
            raise self.error
        assert self.value is not None
        return self.value


class JobBoard(Generic[T]):
    """Shared, bounded, abandonable computations keyed by the question they answer."""

    def __init__(self, *, max_results: int = 16, max_running: int = 1,
                 seconds: float | None = None) -> None:
        self._lock = threading.Lock()
        self._running: dict[Hashable, Job[T]] = {}
        self._done: OrderedDict[Hashable, Job[T]] = OrderedDict()
        self._slots = threading.Semaphore(max_running)
        self.max_results = max_results
        self.seconds = seconds
        self.started = 0  # computations started (for tests and figures)
        self.cancelled = 0

    def attach(self, key: Hashable, compute: Callable[[Budget], T]) -> Job[T]:
        """The job answering ``key``: finished, running (shared), or started now.

        The caller must :meth:`detach` when it stops waiting (``try/finally``).
        """
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                job = self._done[key]
                job.waiters += 1
                return job
            job = self._running.get(key)
            if job is None:
                job = Job(key=key)
                self._running[key] = job
                self.started += 1
                threading.Thread(target=self._run, args=(job, compute), daemon=True,
                                 name=f"robustness-job-{self.started}").start()
            job.waiters += 1
            return job

    def detach(self, job: Job[T]) -> None:
        """The caller no longer waits: the last one to leave cancels a running job."""
        with self._lock:
            job.waiters -= 1
            if job.waiters <= 0 and not job.finished.is_set():
                job.cancel.set()
                if self._running.get(job.key) is job:
                    del self._running[job.key]  # a new request starts afresh

    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def _run(self, job: Job[T], compute: Callable[[Budget], T]) -> None:
        budget = Budget(seconds=self.seconds, cancel=job.cancel, on_progress=job.report)
        try:
            if not self._slots.acquire(blocking=False):
                job.phase = "queued"  # another computation holds the slot
                self._slots.acquire()
            try:
                job.phase = "simulation"
                budget.check()  # abandoned while queued: give up
                budget.started = time.monotonic()  # the allowance runs from now
                job.value = compute(budget)
            finally:
                self._slots.release()
        except Cancelled as cancelled:
            job.error = cancelled
            with self._lock:
                self.cancelled += 1
        except Exception as error:  # kept for the waiters, who show it
            job.error = error
        finally:
            with self._lock:
                if self._running.get(job.key) is job:
                    del self._running[job.key]
                if job.error is None:
                    self._done[job.key] = job
                    while len(self._done) > self.max_results:
                        self._done.popitem(last=False)
            job.finished.set()
