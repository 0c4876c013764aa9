"""Training gain: how much less training one method needs than another to reach a quality level.

For a quality curve (training amount, quality) the time to reach level L is
the first amount at which the curve reaches L, linearly interpolated between
the two evaluations around the crossing. With `peak` the maximum quality of
the method's curve, the gain at fraction q is

  gain(q) = 100 * (t_reference(q * peak) - t_method(q * peak)) / t_reference(q * peak).
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

import numpy as np


def time_to_reach(amounts: Sequence[float], qualities: Sequence[float], level: float) -> Optional[float]:
    """Return the first training amount at which the curve reaches `level`.

    Args:
      amounts: float[n] increasing training amounts of the evaluations.
      qualities: float[n] quality at each evaluation.
      level: the quality to reach.

    Returns:
      The interpolated amount, amounts[0] if the first evaluation already
      reaches the level, or None if the curve never reaches it.

    Raises:
      ValueError: the arrays differ in length, are empty, or amounts do not
        increase.
    """
    amounts = np.asarray(amounts, dtype=np.float64)
    qualities = np.asarray(qualities, dtype=np.float64)
    if amounts.shape != qualities.shape or amounts.ndim != 1 or amounts.size == 0:
        raise ValueError(f"amounts and qualities must be non-empty 1-D arrays of one length, got shapes "
                         f"{amounts.shape} and {qualities.shape}.")
    if np.any(np.diff(amounts) <= 0):
        raise ValueError("amounts must be strictly increasing.")
    reached = np.flatnonzero(qualities >= level)
    if reached.size == 0:
        return None
    index = reached[0]
    if index == 0:
        return float(amounts[0])
    x0, x1 = amounts[index - 1], amounts[index]
    y0, y1 = qualities[index - 1], qualities[index]
    return float(x0 + (level - y0) * (x1 - x0) / (y1 - y0))


@dataclasses.dataclass(frozen=True)
class Gain:
    """The training gain of a method over a reference at one fraction of the peak.

    Attributes:
      fraction: q, the fraction of the peak.
      level: q * peak.
      reference_amount: training the reference needs to reach `level`, or None.
      method_amount: training the method needs to reach `level`, or None.
    """

    fraction: float
    level: float
    reference_amount: Optional[float]
    method_amount: Optional[float]

    @property
    def percent(self) -> Optional[float]:
        """100 * (reference - method) / reference, or None when either never reaches the level."""
        if self.reference_amount is None or self.method_amount is None or self.reference_amount <= 0:
            return None
        return 100.0 * (self.reference_amount - self.method_amount) / self.reference_amount


def training_gains(reference: tuple[Sequence[float], Sequence[float]], method: tuple[Sequence[float], Sequence[float]],
                   fractions: Sequence[float] = (0.75, 0.95, 0.99),
                   peak: Optional[float] = None) -> list[Gain]:
    """Compute the gain of `method` over `reference` at each fraction of the peak.

    Args:
      reference: (amounts, qualities) of the reference curve, e.g. IND.
      method: (amounts, qualities) of the method's curve, e.g. COO.
      fractions: the q values.
      peak: the quality the fractions refer to; default: the maximum of the
        method's curve.

    Returns:
      One Gain per fraction.
    """
    if peak is None:
        peak = float(np.max(method[1]))
    gains = []
    for fraction in fractions:
        level = fraction * peak
        gains.append(Gain(fraction, level, time_to_reach(*reference, level), time_to_reach(*method, level)))
    return gains
