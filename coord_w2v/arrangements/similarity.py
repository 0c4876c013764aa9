"""Weighted Jaccard similarity of vectors and of rows or columns of sampled positives.

The weighted Jaccard similarity of non-negative vectors u and v is
J(u, v) = sum_k min(u_k, v_k) / sum_k max(u_k, v_k). For a multiset of sampled
positives, X_ij counts the occurrences of (i, j), and the empirical similarity of
rows i and i2 is J(X_i., X_i2.). Coordinated (COO) microbatches keep its
expectation equal to J(kappa_i., kappa_i2.), even for a small fraction of an epoch.
"""

from __future__ import annotations

from typing import Union

import numpy as np
import scipy.sparse

Vector = Union[np.ndarray, scipy.sparse.spmatrix, scipy.sparse.sparray]


def weighted_jaccard(u: Vector, v: Vector) -> float:
    """Returns sum_k min(u_k, v_k) / sum_k max(u_k, v_k).

    Args:
        u: float[n] non-negative vector, dense or a scipy sparse 1 x n or n x 1 matrix.
        v: the same length as u, dense or sparse.

    Returns:
        The similarity in [0, 1], or NaN when both vectors are all zero, since the
        similarity is then undefined.

    Raises:
        ValueError: if the vectors differ in length, are not vectors, or contain a
            negative or non-finite entry.
    """
    if scipy.sparse.issparse(u) or scipy.sparse.issparse(v):
        u_row = _as_sparse_row(u, "u")
        v_row = _as_sparse_row(v, "v")
        if u_row.shape != v_row.shape:
            raise ValueError(f"u has {u_row.shape[1]} entries but v has {v_row.shape[1]}; pass vectors of "
                             "equal length.")
        _check_entries(u_row.data, "u")
        _check_entries(v_row.data, "v")
        numerator = float(u_row.minimum(v_row).sum())
        denominator = float(u_row.maximum(v_row).sum())
    else:
        u_dense = _as_dense_vector(u, "u")
        v_dense = _as_dense_vector(v, "v")
        if u_dense.shape != v_dense.shape:
            raise ValueError(f"u has {u_dense.size} entries but v has {v_dense.size}; pass vectors of equal length.")
        _check_entries(u_dense, "u")
        _check_entries(v_dense, "v")
        numerator = float(np.minimum(u_dense, v_dense).sum())
        denominator = float(np.maximum(u_dense, v_dense).sum())
    if denominator == 0.0:
        return float("nan")
    return numerator / denominator


def multiplicities(focus: np.ndarray, context: np.ndarray, num_focus: int,
                   num_context: int) -> scipy.sparse.csr_matrix:
    """Counts the occurrences of each (i, j) among a multiset of positives.

    Args:
        focus: int[m] focus index of each positive.
        context: int[m] context index of each positive.
        num_focus: number of rows of the result.
        num_context: number of columns of the result.

    Returns:
        float64[num_focus, num_context] CSR matrix X with X_ij = #{t : (focus[t], context[t]) = (i, j)}.

    Raises:
        ValueError: if focus and context differ in length or an index is out of range.
    """
    focus, context = _check_positives(focus, context, num_focus, num_context)
    counts = scipy.sparse.csr_matrix((np.ones(focus.size), (focus, context)), shape=(num_focus, num_context))
    counts.sum_duplicates()
    return counts


def empirical_row_jaccard(focus: np.ndarray, context: np.ndarray, num_focus: int, num_context: int, i: int,
                          i2: int) -> float:
    """Returns J(X_i., X_i2.) for the multiplicities X of a multiset of positives.

    Args:
        focus: int[m] focus index of each positive.
        context: int[m] context index of each positive.
        num_focus: number of focus entities.
        num_context: number of context entities.
        i: first row, in [0, num_focus).
        i2: second row, in [0, num_focus).

    Returns:
        The similarity in [0, 1], or NaN when neither row occurs among the positives.

    Raises:
        ValueError: if the positives or a row index are out of range.
    """
    focus, context = _check_positives(focus, context, num_focus, num_context)
    _check_index(i, num_focus, "i")
    _check_index(i2, num_focus, "i2")
    first = np.bincount(context[focus == i], minlength=num_context)
    second = np.bincount(context[focus == i2], minlength=num_context)
    return weighted_jaccard(first, second)


def empirical_column_jaccard(focus: np.ndarray, context: np.ndarray, num_focus: int, num_context: int, j: int,
                             j2: int) -> float:
    """Returns J(X_.j, X_.j2) for the multiplicities X of a multiset of positives.

    Args:
        focus: int[m] focus index of each positive.
        context: int[m] context index of each positive.
        num_focus: number of focus entities.
        num_context: number of context entities.
        j: first column, in [0, num_context).
        j2: second column, in [0, num_context).

    Returns:
        The similarity in [0, 1], or NaN when neither column occurs among the positives.

    Raises:
        ValueError: if the positives or a column index are out of range.
    """
    focus, context = _check_positives(focus, context, num_focus, num_context)
    _check_index(j, num_context, "j")
    _check_index(j2, num_context, "j2")
    first = np.bincount(focus[context == j], minlength=num_focus)
    second = np.bincount(focus[context == j2], minlength=num_focus)
    return weighted_jaccard(first, second)


def _as_sparse_row(vector: Vector, name: str) -> scipy.sparse.csr_matrix:
    """Returns vector as a 1 x n CSR matrix."""
    if scipy.sparse.issparse(vector):
        if vector.ndim == 1:
            return scipy.sparse.csr_matrix(vector.reshape(1, -1), dtype=np.float64)
        rows, cols = vector.shape
        if rows != 1 and cols != 1:
            raise ValueError(f"{name} must be a vector, got a sparse matrix of shape {vector.shape}.")
        row = vector if rows == 1 else vector.T
        return scipy.sparse.csr_matrix(row, dtype=np.float64)
    return scipy.sparse.csr_matrix(_as_dense_vector(vector, name).reshape(1, -1))


def _as_dense_vector(vector: Vector, name: str) -> np.ndarray:
    """Returns vector as float64[n]."""
    dense = np.asarray(vector, dtype=np.float64)
    if dense.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {dense.shape}.")
    return dense


def _check_entries(values: np.ndarray, name: str) -> None:
    """Raises ValueError unless every value is finite and non-negative."""
    if values.size and (not np.all(np.isfinite(values)) or values.min() < 0):
        raise ValueError(f"{name} must contain only finite non-negative entries; weighted Jaccard similarity "
                         "is defined for non-negative weights.")


def _check_positives(focus: np.ndarray, context: np.ndarray, num_focus: int,
                     num_context: int) -> tuple[np.ndarray, np.ndarray]:
    """Returns focus and context as int64 arrays after checking lengths and ranges."""
    focus = np.asarray(focus, dtype=np.int64)
    context = np.asarray(context, dtype=np.int64)
    if focus.ndim != 1 or focus.shape != context.shape:
        raise ValueError(f"focus and context must be 1-D of equal length, got shapes {focus.shape} and "
                         f"{context.shape}.")
    for label, indices, size in (("focus", focus, num_focus), ("context", context, num_context)):
        if indices.size and (indices.min() < 0 or indices.max() >= size):
            raise ValueError(f"{label} indices must be in [0, {size}), got values from {indices.min()} to "
                             f"{indices.max()}.")
    return focus, context


def _check_index(index: int, size: int, name: str) -> None:
    """Raises ValueError unless 0 <= index < size."""
    if not 0 <= index < size:
        raise ValueError(f"{name} must be in [0, {size}), got {index}.")
