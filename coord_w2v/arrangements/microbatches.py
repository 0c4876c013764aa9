"""Microbatches: the sets of positive examples that an arrangement scheme draws.

An arrangement draws independent microbatches from a distribution over subsets of
the nonzeros of `kappa`. Every scheme here gives the positive (i, j) the marginal
frequency kappa_ij / K among the positives it produces, and the schemes differ only
in which positives are drawn together.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Protocol, runtime_checkable

import numpy as np


class Designation(enum.IntEnum):
    """Embedding side that a minibatch updates."""

    FOCUS = 0  # The minibatch updates focus vectors and the biases of its positives' contexts.
    CONTEXT = 1  # The minibatch updates context vectors and context biases.


@dataclasses.dataclass(frozen=True)
class Microbatches:
    """A sequence of microbatches, stored as one stream of positives.

    Microbatch t consists of positives `sum(sizes[:t])` to `sum(sizes[:t + 1]) - 1`.

    Attributes:
        focus: int64[m] focus index of each positive, in stream order.
        context: int64[m] context index of each positive, in stream order.
        sizes: int64[k] size of each microbatch in order; sums to m.
    """

    focus: np.ndarray
    context: np.ndarray
    sizes: np.ndarray

    def __post_init__(self):
        for name in ("focus", "context", "sizes"):
            array = getattr(self, name)
            if not isinstance(array, np.ndarray) or array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
                raise TypeError(f"Microbatches.{name} must be a 1-D integer numpy array, got "
                                f"{type(array).__name__} {getattr(array, 'dtype', '')} "
                                f"{getattr(array, 'shape', '')}.")
        if self.focus.shape != self.context.shape:
            raise ValueError(f"Microbatches.focus has {self.focus.size} positives but context has "
                             f"{self.context.size}; both must list the same positives.")
        if self.sizes.size and self.sizes.min() < 0:
            raise ValueError(f"Microbatches.sizes contains the negative size {self.sizes.min()}.")
        total = int(self.sizes.sum())
        if total != self.focus.size:
            raise ValueError(f"Microbatches.sizes sums to {total} but there are {self.focus.size} positives.")

    @property
    def num_positives(self) -> int:
        """Number of positives m."""
        return self.focus.size

    @property
    def num_microbatches(self) -> int:
        """Number of microbatches k."""
        return self.sizes.size

    def microbatch_ids(self) -> np.ndarray:
        """Returns int64[m], the index in 0..k-1 of the microbatch of each positive."""
        return np.repeat(np.arange(self.num_microbatches, dtype=np.int64), self.sizes)

    @classmethod
    def empty(cls) -> "Microbatches":
        """Returns a sequence of no microbatches."""
        nothing = np.zeros(0, dtype=np.int64)
        return cls(focus=nothing, context=nothing.copy(), sizes=nothing.copy())


@runtime_checkable
class MicrobatchSource(Protocol):
    """A distribution over microbatches."""

    def draw(self, rng: np.random.Generator, min_positives: int) -> Microbatches:
        """Draws whole, independent microbatches until they hold at least min_positives positives.

        Only the last microbatch may take the total past min_positives.
        """
        ...


def check_generator(rng: object, name: str = "rng") -> None:
    """Raises TypeError unless rng is a numpy.random.Generator."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator, got {type(rng).__name__}; "
                        "create one with np.random.default_rng(seed).")


def check_integer(value: object, name: str, minimum: int) -> int:
    """Returns value as an int after checking that it is an integer >= minimum.

    Raises:
        TypeError: if value is not an int or numpy integer (bool is rejected).
        ValueError: if value < minimum.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)
