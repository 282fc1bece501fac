"""Step 1: make the criteria's points comparable before they are weighted.

- ``raw``: the points as they are (the source's method);
- ``share``: points as a share of each criterion's maximum (a section's most points,
  the population criterion's top class), given by the caller: the maxima come from
  the wave's survey, never from here;
- ``minmax``: ``(points − min) / (max − min)`` over the wave's entities, per criterion.

A criterion with no range (a maximum of 0 for ``share``, every entity equal for
``minmax``) gives 0 to everyone: it can then decide nothing, and never divides by 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Method = Literal["raw", "share", "minmax"]
METHODS: tuple[Method, ...] = ("raw", "share", "minmax")
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Normalised:
    """Normalised points (``entities × criteria``, read-only) with the parameters used."""

    method: Method
    criteria: tuple[str, ...]
    values: FloatArray
    maxima: tuple[float, ...] | None = None  # share: each criterion's maximum, in order


def as_points(points: npt.ArrayLike, criteria: Sequence[str] | None = None) -> FloatArray:
    """Points as a 2-D float array (with one column per criterion of ``criteria``, when
    given); finite values only."""
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError("points must be a 2-D array: entities × criteria")
    if criteria is not None and p.shape[1] != len(criteria):
        raise ValueError(f"expected {len(criteria)} criteria columns, got {p.shape[1]}")
    if not np.all(np.isfinite(p)):
        raise ValueError("points must be finite")
    return p


def normalise(points: npt.ArrayLike, method: str = "raw", *, criteria: Sequence[str],
              maxima: Mapping[str, float] | None = None) -> Normalised:
    """The points of ``criteria`` (columns in that order) normalised by ``method``.

    ``maxima`` (by criterion key) is required for ``share`` and must name every
    criterion. The result never shares memory with ``points``.
    """
    keys = tuple(criteria)
    p = as_points(points, keys)
    used: tuple[float, ...] | None = None
    if method == "raw":
        values = p.copy()
    elif method == "share":
        if maxima is None or any(k not in maxima for k in keys):
            missing = [k for k in keys if maxima is None or k not in maxima]
            raise ValueError(f"share needs the maximum of every criterion; missing: {missing}")
        used = tuple(float(maxima[k]) for k in keys)
        top = np.array(used, dtype=np.float64)
        values = np.divide(p, top, out=np.zeros_like(p), where=top != 0)
    elif method == "minmax":
        if p.shape[0]:
            low = p.min(axis=0)
            spread = p.max(axis=0) - low
        else:
            low = spread = np.zeros(p.shape[1])
        values = np.divide(p - low, spread, out=np.zeros_like(p), where=spread != 0)
    else:
        raise ValueError(f"unknown normalisation: {method!r}")
    values.setflags(write=False)
    return Normalised(method, keys, values, used)  # type: ignore[arg-type]
