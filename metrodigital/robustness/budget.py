"""What a long analysis may spend, how it reports progress and how it is abandoned.

A :class:`Budget` travels with one computation: a wall-clock allowance, a cancel flag
checked between steps (simulation chunks, MILPs) and an optional progress callback.
Running out of time is not an error: the exact rank bounds not yet proven stay
intervals and the result says so. Cancelling is: :class:`Cancelled` is raised at
the next check, so a computation nobody waits for any more stops within one step.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

ProgressCallback = Callable[[float, str], None]


class Cancelled(Exception):
    """The computation was abandoned before it finished."""


@dataclass
class Budget:
    """Time allowance, cancel flag and progress report of one computation.

    ``seconds`` is the wall-clock allowance from creation (None: no limit).
    ``on_progress(fraction, phase)`` receives a fraction in [0, 1] and a phase key
    (``"simulation"``, ``"bounds"``, ``"tipping"``); it runs on the computing thread.
    """

    seconds: float | None = None
    cancel: threading.Event | None = None
    on_progress: ProgressCallback | None = None
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        if self.seconds is None:
            return math.inf
        return max(0.0, self.seconds - self.elapsed())

    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def check(self) -> None:
        """Raise :class:`Cancelled` if the computation was abandoned."""
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled

    def progress(self, fraction: float, phase: str) -> None:
        """Report progress (and honour a cancel request)."""
        self.check()
        if self.on_progress is not None:
            self.on_progress(min(1.0, max(0.0, fraction)), phase)


def unlimited() -> Budget:
    return Budget()
