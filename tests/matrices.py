"""Small association matrices and a builder shared by the arrangement tests.

In pytest's default import mode (prepend), a test folder without __init__.py goes
on sys.path, so the test modules import this one as `matrices`.
"""

import numpy as np
import scipy.sparse

from coord_w2v.arrangements.microbatches import Designation
from coord_w2v.data.matrix import AssociationMatrix

DESIGNATIONS = [Designation.FOCUS, Designation.CONTEXT]
DESIGNATION_IDS = ["focus", "context"]

# Row 4 and column 4 are empty, column 2 has a single nonzero, and columns 0, 1 and 3
# have ties. K = 23.
# Row sums r = [6, 7, 3, 7, 0], column sums c = [7, 6, 1, 9, 0].
# Column maxima M = [3, 2, 1, 5, 0], sum 11. Row maxima R = [3, 3, 2, 5, 0], sum 13.
# So COO focus microbatches have mean size 23 / 11 and context ones 23 / 13.
TIES = np.array([
    [3, 0, 1, 2, 0],
    [3, 2, 0, 2, 0],
    [1, 2, 0, 0, 0],
    [0, 2, 0, 5, 0],
    [0, 0, 0, 0, 0],
], dtype=np.float64)


def make_matrix(dense, **fields) -> AssociationMatrix:
    """Build an AssociationMatrix from a dense array, with ids 0, 1, ... on both sides.

    `fields` are passed to AssociationMatrix and may replace the default ids.
    """
    dense = np.asarray(dense, dtype=np.float64)
    fields.setdefault("focus_ids", np.arange(dense.shape[0]))
    fields.setdefault("context_ids", np.arange(dense.shape[1]))
    return AssociationMatrix(kappa=scipy.sparse.csr_matrix(dense), **fields)


def single_nonzero() -> np.ndarray:
    """Return a 3 x 4 dense matrix whose only nonzero is 7 at (1, 2)."""
    dense = np.zeros((3, 4))
    dense[1, 2] = 7.0
    return dense
