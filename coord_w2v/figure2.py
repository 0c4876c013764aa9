"""Monte Carlo estimate of how much one shared positive update raises the cosine similarity of two focus vectors.

Two focus vectors f1, f2 and a context vector c are drawn i.i.d. from
N(0, 1)^d. Both focus vectors take one positive SGNS step toward c,

  f' = f + eta * sigmoid(-f . c) * c,

and the estimate is the mean of cossim(f1', f2') - cossim(f1, f2) over the
samples. This is the effect of placing the examples (1, j) and (2, j) in the
same focus minibatch, which coordinated (COO) arrangements do.

For large d the expected increase approaches eta^2 / 4: then
sigmoid(-f . c) is close to 0 or 1 with probability 1/2 each, and the shared
term eta^2 * s1 * s2 * |c|^2 / (|f1| |f2|) dominates. For small d it is lower,
so it does not decrease with d. With 4M samples per d (seed 1) the estimates
were 0.18 and 0.20 eta^2 at d = 2, 0.22 and 0.23 eta^2 at d = 5, and 0.249 and
0.251 eta^2 at d = 200, for eta = 0.02 and 0.05.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np
from absl import logging
from scipy.special import expit

# Values per random array of a chunk (chunk_samples x d). Three float64 arrays of 4M values take about 100 MB.
_MAX_CHUNK_VALUES = 1 << 22


@dataclasses.dataclass(frozen=True)
class CosineIncrease:
    """Monte Carlo estimates of E[cossim(f1', f2') - cossim(f1, f2)].

    Attributes:
      dims: int64[num_dims] the dimensions d.
      learning_rates: float64[num_rates] the step sizes eta.
      mean: float64[num_rates, num_dims] the sample mean of the increase.
      standard_error: float64[num_rates, num_dims] the standard error of `mean`.
      num_samples: samples (f1, f2, c) per dimension, shared by all learning rates.
    """

    dims: np.ndarray
    learning_rates: np.ndarray
    mean: np.ndarray
    standard_error: np.ndarray
    num_samples: int


def expected_cosine_increase(dims: Sequence[int], learning_rates: Sequence[float], num_samples: int,
                             rng: np.random.Generator) -> CosineIncrease:
    """Estimate the expected increase of cossim(f1, f2) after one shared positive update, per d and eta.

    All learning rates use the same samples, so their difference has less
    noise than two separate estimates. The work is done in chunks of at most
    about 4M random values per array.

    Args:
      dims: the dimensions d, each at least 1.
      learning_rates: the step sizes eta.
      num_samples: samples of (f1, f2, c) per dimension, at least 2.
      rng: the source of the Gaussian samples.

    Returns:
      The estimates with their standard errors.

    Raises:
      ValueError: a dimension is below 1, num_samples is below 2 or no
        learning rate is given.
      TypeError: rng is not a numpy Generator.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}; "
                        "use numpy.random.default_rng(seed).")
    dims = np.asarray(dims, dtype=np.int64)
    learning_rates = np.asarray(learning_rates, dtype=np.float64)
    if dims.ndim != 1 or dims.size == 0 or np.any(dims < 1):
        raise ValueError(f"dims must be a non-empty list of integers >= 1, got {dims.tolist()}.")
    if learning_rates.ndim != 1 or learning_rates.size == 0:
        raise ValueError(f"learning_rates must be a non-empty list, got {learning_rates.tolist()}.")
    if num_samples < 2:
        raise ValueError(f"num_samples must be at least 2 for a standard error, got {num_samples}.")

    mean = np.zeros((learning_rates.size, dims.size))
    standard_error = np.zeros((learning_rates.size, dims.size))
    for column, dim in enumerate(dims):
        chunk = max(1, _MAX_CHUNK_VALUES // int(dim))
        count = 0
        chunk_mean = np.zeros(learning_rates.size)
        squares = np.zeros(learning_rates.size)  # sum of squared deviations from the running mean
        for start in range(0, num_samples, chunk):
            size = min(chunk, num_samples - start)
            increase = _sample_increase(int(dim), learning_rates, size, rng)  # [num_rates, size]
            # Merge the chunk's mean and sum of squared deviations into the running ones (pairwise update).
            new_mean = increase.mean(axis=1)
            new_squares = ((increase - new_mean[:, None]) ** 2).sum(axis=1)
            delta = new_mean - chunk_mean
            total = count + size
            chunk_mean = chunk_mean + delta * size / total
            squares = squares + new_squares + delta ** 2 * count * size / total
            count = total
        mean[:, column] = chunk_mean
        standard_error[:, column] = np.sqrt(squares / (count - 1) / count)
        logging.info("d=%d: mean increase %s, standard error %s over %d samples.", dim, mean[:, column],
                     standard_error[:, column], count)
    return CosineIncrease(dims, learning_rates, mean, standard_error, num_samples)


def _sample_increase(dim: int, learning_rates: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Return float64[num_rates, size] samples of cossim(f1', f2') - cossim(f1, f2)."""
    focus1 = rng.standard_normal((size, dim))
    focus2 = rng.standard_normal((size, dim))
    context = rng.standard_normal((size, dim))
    # Every updated dot product is a combination of these, so the updated vectors are never formed.
    dot12 = np.einsum("nd,nd->n", focus1, focus2)
    dot1c = np.einsum("nd,nd->n", focus1, context)
    dot2c = np.einsum("nd,nd->n", focus2, context)
    norm1 = np.einsum("nd,nd->n", focus1, focus1)
    norm2 = np.einsum("nd,nd->n", focus2, focus2)
    norm_c = np.einsum("nd,nd->n", context, context)
    step1 = expit(-dot1c)  # sigmoid(-f1 . c), [size]
    step2 = expit(-dot2c)
    before = dot12 / np.sqrt(norm1 * norm2)

    increases = []
    for eta in learning_rates:
        # f1' . f2' = f1.f2 + eta s2 f1.c + eta s1 f2.c + eta^2 s1 s2 c.c, and |f'|^2 likewise.
        dot = dot12 + eta * step2 * dot1c + eta * step1 * dot2c + eta ** 2 * step1 * step2 * norm_c
        new_norm1 = norm1 + 2 * eta * step1 * dot1c + eta ** 2 * step1 ** 2 * norm_c
        new_norm2 = norm2 + 2 * eta * step2 * dot2c + eta ** 2 * step2 ** 2 * norm_c
        increases.append(dot / np.sqrt(new_norm1 * new_norm2) - before)
    return np.stack(increases)
