"""The association matrix `kappa` between focus entities (rows) and context entities (columns)."""

from __future__ import annotations

import dataclasses
import functools
from typing import Optional

import numpy as np
import scipy.sparse


@dataclasses.dataclass(frozen=True, eq=False)
class AssociationMatrix:
    """A sparse non-negative association matrix with the original entity ids.

    Attributes:
        kappa: float64[num_focus, num_context] CSR matrix in canonical form (sorted
            indices, no duplicate entries, no stored zeros). Rows are focus entities
            (users, words, block rows), columns are context entities (items, context
            words, block columns).
        focus_ids: [num_focus] original id of each row (any dtype).
        context_ids: [num_context] original id of each column (any dtype).
        focus_blocks: optional int64[num_focus] ground-truth block of each row.
        context_blocks: optional int64[num_context] ground-truth block of each column.
        name: short description used in logs and metrics.
    """

    kappa: scipy.sparse.csr_matrix
    focus_ids: np.ndarray
    context_ids: np.ndarray
    focus_blocks: Optional[np.ndarray] = None
    context_blocks: Optional[np.ndarray] = None
    name: str = ""

    def __post_init__(self):
        kappa = self.kappa
        if not scipy.sparse.issparse(kappa):
            raise TypeError(f"kappa must be a scipy sparse matrix, got {type(kappa).__name__}.")
        kappa = scipy.sparse.csr_matrix(kappa, dtype=np.float64)
        kappa.sum_duplicates()
        kappa.eliminate_zeros()
        kappa.sort_indices()
        if kappa.nnz and (not np.all(np.isfinite(kappa.data)) or kappa.data.min() < 0):
            raise ValueError("kappa entries must be finite and non-negative.")
        object.__setattr__(self, "kappa", kappa)
        num_focus, num_context = kappa.shape
        if len(self.focus_ids) != num_focus:
            raise ValueError(f"focus_ids has {len(self.focus_ids)} entries but kappa has {num_focus} rows.")
        if len(self.context_ids) != num_context:
            raise ValueError(f"context_ids has {len(self.context_ids)} entries but kappa has {num_context} columns.")
        for label, blocks, size in (("focus_blocks", self.focus_blocks, num_focus),
                                                                ("context_blocks", self.context_blocks, num_context)):
            if blocks is not None and len(blocks) != size:
                raise ValueError(f"{label} has {len(blocks)} entries, expected {size}.")

    @property
    def num_focus(self) -> int:
        return self.kappa.shape[0]

    @property
    def num_context(self) -> int:
        return self.kappa.shape[1]

    @property
    def nnz(self) -> int:
        return self.kappa.nnz

    @functools.cached_property
    def csc(self) -> scipy.sparse.csc_matrix:
        """The same matrix in CSC form, sorted indices."""
        csc = self.kappa.tocsc()
        csc.sort_indices()
        return csc

    @functools.cached_property
    def row_sums(self) -> np.ndarray:
        """float64[num_focus]: r_i, the L1 norm of each row."""
        return np.asarray(self.kappa.sum(axis=1)).ravel()

    @functools.cached_property
    def col_sums(self) -> np.ndarray:
        """float64[num_context]: c_j, the L1 norm of each column."""
        return np.asarray(self.kappa.sum(axis=0)).ravel()

    @functools.cached_property
    def row_max(self) -> np.ndarray:
        """float64[num_focus]: R_i, the largest entry of each row (0 for an empty row)."""
        return _segment_max(self.kappa.data, self.kappa.indptr)

    @functools.cached_property
    def col_max(self) -> np.ndarray:
        """float64[num_context]: M_j, the largest entry of each column (0 for an empty column)."""
        return _segment_max(self.csc.data, self.csc.indptr)

    @property
    def total(self) -> float:
        """K, the sum of all entries."""
        return float(self.kappa.data.sum())

    def coo_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the nonzeros in row-major order.

        Returns:
            (rows int64[nnz], cols int64[nnz], values float64[nnz]).
        """
        rows = np.repeat(np.arange(self.num_focus, dtype=np.int64), np.diff(self.kappa.indptr))
        return rows, self.kappa.indices.astype(np.int64), self.kappa.data

    def with_kappa(self, kappa: scipy.sparse.spmatrix, name: Optional[str] = None) -> "AssociationMatrix":
        """Return a matrix with the same entities and blocks but other entries."""
        return dataclasses.replace(self, kappa=kappa, name=self.name if name is None else name)


def _segment_max(data: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Return the max of each compressed segment, 0.0 for empty segments."""
    counts = np.diff(indptr)
    result = np.zeros(len(counts), dtype=np.float64)
    nonempty = counts > 0
    if data.size:
        result[nonempty] = np.maximum.reduceat(data, indptr[:-1][nonempty])
    return result
