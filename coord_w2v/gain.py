"""Training gain: how much less training one method needs than another to reach a quality level.

For a quality curve (training amount, quality) the time to reach level L is
the first amount at which the curve reaches L, linearly interpolated between
the two evaluations around the crossing. With `peak` the maximum quality of
the method's curve, the gain at fraction q is

  gain(q) = 100 * (t_reference(q * peak) - t_method(q * peak)) / t_reference(q * peak).

`bootstrap_gains` adds percentile intervals by resampling the runs that are
averaged into each mean curve.
"""

from __future__ import annotations

import dataclasses
from typing import Hashable, Optional, Sequence

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


@dataclasses.dataclass(frozen=True)
class BootstrapGain:
    """A training gain at one fraction of the peak, with bootstrap percentile intervals.

    The point estimates come from the mean curves of all runs. Each interval is
    the central `confidence` percentile range over the resamples in which the
    quantity could be computed. The `*_unreached_share` fields give the share
    of resamples in which it could not. When that share is not zero, the
    interval is conditional on reaching the level, so callers should show the
    share beside it.

    Attributes:
      point: the Gain of the mean curves (fraction, level, both amounts, percent).
      peak: the peak of the mean curve the fractions refer to.
      percent_interval: (low, high) of the gain in percent, or None when no
        resample gave a gain.
      reference_amount_interval: (low, high) of the reference's time to reach
        the level, or None.
      method_amount_interval: (low, high) of the method's time, or None.
      percent_undefined_share: share of resamples without a gain, because
        either curve never reached the level or the reference reached it at
        amount 0.
      reference_unreached_share: share of resamples in which the reference
        never reached the level.
      method_unreached_share: share of resamples in which the method never
        reached it.
      num_resamples: the number of bootstrap resamples.
      paired: whether runs were resampled in (split, seed) pairs.
    """

    point: Gain
    peak: float
    percent_interval: Optional[tuple[float, float]]
    reference_amount_interval: Optional[tuple[float, float]]
    method_amount_interval: Optional[tuple[float, float]]
    percent_undefined_share: float
    reference_unreached_share: float
    method_unreached_share: float
    num_resamples: int
    paired: bool

    @property
    def fraction(self) -> float:
        return self.point.fraction

    @property
    def percent(self) -> Optional[float]:
        return self.point.percent


Curve = tuple[Sequence[float], Sequence[float]]


def bootstrap_gains(reference_runs: Sequence[Curve], method_runs: Sequence[Curve], fractions: Sequence[float],
                    num_resamples: int, rng: np.random.Generator, *,
                    reference_keys: Optional[Sequence[Hashable]] = None,
                    method_keys: Optional[Sequence[Hashable]] = None,
                    peak_runs: Optional[Sequence[Curve]] = None,
                    peak_keys: Optional[Sequence[Hashable]] = None,
                    confidence: float = 0.95) -> list[BootstrapGain]:
    """Estimate the gain of a method over a reference, with bootstrap intervals over runs.

    Each resample draws runs with replacement and averages them into a mean
    curve per side. The peak is the maximum of the resampled mean curve of
    `peak_runs`, and the times to reach each fraction of it and the gain are
    computed as in `training_gains`. The point estimates use the mean curves of
    all runs.

    When keys are given for every side and all sides have the same set of
    distinct keys (typically (split, seed)), the resample draws keys and takes
    the run with that key on every side (a paired bootstrap). This keeps the
    split and initialization shared by runs of the same seed in both curves.
    Otherwise each side is resampled independently.

    NOTE: runs are treated as independent draws. With several runs per data
    split and unpaired sides, the split-to-split variation is not resampled as
    a cluster, so the intervals may be too narrow.

    Args:
      reference_runs: the reference's runs (e.g. IND), each (amounts
        float[n_ref], qualities float[n_ref]); all with the same amounts.
      method_runs: the method's runs (e.g. COO), each (amounts float[n_method],
        qualities float[n_method]); all with the same amounts.
      fractions: the q values; the levels are q * peak.
      num_resamples: bootstrap resamples, at least 1.
      rng: the source of the resampling indices.
      reference_keys: [len(reference_runs)] pairing key per reference run.
      method_keys: [len(method_runs)] pairing key per method run.
      peak_runs: the runs whose mean curve gives the peak, resampled
        separately from `method_runs` unless paired by keys. None takes the
        peak of the method's own resampled mean curve. Table 2 uses COO's
        peak for every method.
      peak_keys: [len(peak_runs)] pairing keys; default `method_keys` when
        `peak_runs` is None.
      confidence: the central probability of each interval.

    Returns:
      One BootstrapGain per fraction, in the order of `fractions`.

    Raises:
      ValueError: a side has no runs, its runs differ in their amounts, keys and
        runs differ in number, num_resamples < 1 or confidence is not in (0, 1).
      TypeError: rng is not a numpy Generator.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}; "
                        "use numpy.random.default_rng(seed).")
    if num_resamples < 1:
        raise ValueError(f"num_resamples must be at least 1, got {num_resamples}.")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}.")
    peak_from_method = peak_runs is None
    if peak_from_method:
        peak_runs, peak_keys = method_runs, method_keys
    sides = [_stack_runs("reference_runs", reference_runs, reference_keys),
             _stack_runs("method_runs", method_runs, method_keys),
             _stack_runs("peak_runs", peak_runs, peak_keys)]

    peak = float(np.max(sides[2].qualities.mean(axis=0)))
    point_gains = training_gains((sides[0].amounts, sides[0].qualities.mean(axis=0)),
                                 (sides[1].amounts, sides[1].qualities.mean(axis=0)), fractions, peak=peak)

    paired = _can_pair(sides)
    if paired:
        keys = sorted(sides[0].keys, key=repr)
        drawn = rng.integers(0, len(keys), size=(num_resamples, len(keys)))  # [num_resamples, num_keys]
        indices = [np.array([side.keys.index(key) for key in keys])[drawn] for side in sides]
    else:
        indices = [rng.integers(0, side.num_runs, size=(num_resamples, side.num_runs)) for side in sides]
    if peak_from_method:
        # The peak is that of the method's resampled mean curve itself.
        indices[2] = indices[1]
    # Mean curves of the resamples, [num_resamples, n] per side.
    reference_means, method_means, peak_means = (side.qualities[index].mean(axis=1)
                                                 for side, index in zip(sides, indices))
    peaks = np.max(peak_means, axis=1)  # [num_resamples]

    tail = 100.0 * (1.0 - confidence) / 2.0
    results = []
    for point, fraction in zip(point_gains, fractions):
        levels = fraction * peaks
        reference_times = times_to_reach(sides[0].amounts, reference_means, levels)
        method_times = times_to_reach(sides[1].amounts, method_means, levels)
        defined = np.isfinite(reference_times) & np.isfinite(method_times) & (reference_times > 0)
        percents = np.full(num_resamples, np.nan)
        percents[defined] = 100.0 * (reference_times[defined] - method_times[defined]) / reference_times[defined]
        results.append(BootstrapGain(
            point=point,
            peak=peak,
            percent_interval=_percentile_interval(percents, tail),
            reference_amount_interval=_percentile_interval(reference_times, tail),
            method_amount_interval=_percentile_interval(method_times, tail),
            percent_undefined_share=float(np.mean(~defined)),
            reference_unreached_share=float(np.mean(~np.isfinite(reference_times))),
            method_unreached_share=float(np.mean(~np.isfinite(method_times))),
            num_resamples=num_resamples,
            paired=paired,
        ))
    return results


def times_to_reach(amounts: Sequence[float], curves: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Apply `time_to_reach` to many curves at once.

    Args:
      amounts: float[n] strictly increasing training amounts shared by the curves.
      curves: float[num_curves, n] qualities.
      levels: float[num_curves] the level each curve must reach.

    Returns:
      float64[num_curves] interpolated amounts; NaN where a curve never reaches its level.
    """
    amounts = np.asarray(amounts, dtype=np.float64)
    curves = np.asarray(curves, dtype=np.float64)
    levels = np.asarray(levels, dtype=np.float64)
    reached = curves >= levels[:, None]  # [num_curves, n]
    any_reached = reached.any(axis=1)
    first = np.argmax(reached, axis=1)
    previous = np.maximum(first - 1, 0)
    rows = np.arange(curves.shape[0])
    x0, x1 = amounts[previous], amounts[first]
    y0, y1 = curves[rows, previous], curves[rows, first]
    with np.errstate(divide="ignore", invalid="ignore"):
        interpolated = x0 + (levels - y0) * (x1 - x0) / (y1 - y0)
    times = np.where(first == 0, amounts[first], interpolated)
    return np.where(any_reached, times, np.nan)


@dataclasses.dataclass(frozen=True)
class _Runs:
    amounts: np.ndarray  # float64[n]
    qualities: np.ndarray  # float64[num_runs, n]
    keys: Optional[list[Hashable]]

    @property
    def num_runs(self) -> int:
        return self.qualities.shape[0]


def _stack_runs(name: str, runs: Sequence[Curve], keys: Optional[Sequence[Hashable]]) -> _Runs:
    if len(runs) == 0:
        raise ValueError(f"{name} is empty; each side needs at least one run.")
    amounts = np.asarray(runs[0][0], dtype=np.float64)
    if amounts.ndim != 1 or amounts.size == 0 or np.any(np.diff(amounts) <= 0):
        raise ValueError(f"{name}[0] amounts must be a non-empty, strictly increasing 1-D array.")
    qualities = []
    for index, (run_amounts, run_qualities) in enumerate(runs):
        run_amounts = np.asarray(run_amounts, dtype=np.float64)
        run_qualities = np.asarray(run_qualities, dtype=np.float64)
        if not np.array_equal(run_amounts, amounts):
            raise ValueError(f"{name}[{index}] has other amounts than {name}[0]; interpolate the runs onto shared "
                             "amounts first (coord_w2v.results.mean_curves does).")
        if run_qualities.shape != amounts.shape:
            raise ValueError(f"{name}[{index}] has {run_qualities.shape} qualities for {amounts.shape} amounts.")
        qualities.append(run_qualities)
    if keys is not None:
        keys = list(keys)
        if len(keys) != len(runs):
            raise ValueError(f"{name} has {len(runs)} runs but {len(keys)} keys; give one key per run.")
    return _Runs(amounts, np.stack(qualities), keys)


def _can_pair(sides: Sequence[_Runs]) -> bool:
    """Return whether every side has unique keys and all sides have the same key set."""
    key_sets = []
    for side in sides:
        if side.keys is None or len(set(side.keys)) != len(side.keys):
            return False
        key_sets.append(set(side.keys))
    return all(key_set == key_sets[0] for key_set in key_sets)


def _percentile_interval(values: np.ndarray, tail: float) -> Optional[tuple[float, float]]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)
