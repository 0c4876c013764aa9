"""Loaders that read ratings and interaction files into association matrices.

Every loader returns an AssociationMatrix whose rows and columns are all the
focus and context entities that occur in the input, in sorted order of their
original ids. Entities whose records all fall below a score threshold keep an
empty row or column. The original ids are stored in `focus_ids` and
`context_ids`: int64 when every id in the input is an integer, else strings.
MovieLens ids must be integers, so they are always int64.
Repeated (focus, context) records are merged into one entry. The binary
loaders (MovieLens, Amazon) set that entry to 1 and the others sum the weights.

Input files may be plain text or gzip, recognised by the gzip magic bytes
rather than by the file name. A loader accepts one path or a sequence of paths
whose records are concatenated, e.g. a train file and a test file. Each file is
read into memory as a whole. A malformed line raises ValueError naming the
file, the 1-based line number and the line text. Each loader logs one summary
line with absl.logging.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import math
import numbers
import os
import zlib
from typing import Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd
import scipy.sparse
from absl import logging

from coord_w2v.data.matrix import AssociationMatrix

PathLike = Union[str, os.PathLike]
Paths = Union[PathLike, Sequence[PathLike]]

REWEIGHT_OPTIONS = ("sum", "product", "none")
# MovieLens entries are divided by (r_i + c_j) or r_i * c_j raised to this power.
REWEIGHT_EXPONENT = 0.75

_GZIP_MAGIC = b"\x1f\x8b"
_INT64_MAX = np.iinfo(np.int64).max
_MAX_SHOWN_LINE_CHARS = 80
# Bytes that stand in for a multi-character delimiter so that the pandas C
# parser, which only splits on one character, can read the file.
_DELIMITER_STAND_INS = (b"\t", b"\x1f", b"\x1e")

_FINEFOODS_PRODUCT = "product/productId"
_FINEFOODS_USER = "review/userId"
_FINEFOODS_SCORE = "review/score"
_FINEFOODS_KEYS = (_FINEFOODS_PRODUCT, _FINEFOODS_USER, _FINEFOODS_SCORE)
_REVIEWS_CSV_COLUMNS = ("UserId", "ProductId", "Score")


# ---------------------------------------------------------------------------
# Public loaders.
# ---------------------------------------------------------------------------


def load_movielens(path: Paths, min_score: float = 3.0, reweight: str = "sum") -> AssociationMatrix:
    """Load MovieLens ratings as a user x movie matrix of positive ratings.

    The format of each file is detected from its first non-blank line:

    - ML-1M `ratings.dat`: `UserID::MovieID::Rating::Timestamp`.
    - ML-100K `u.data`: tab-separated user, item, rating, timestamp.
    - The reassembled ML-1M file: tab-separated user, movie, rating,
      timestamp, source. Rating 0 there means the true rating is unknown but
      is 1, 2 or 3. With 1 < min_score <= 3 those rows are dropped with a
      warning, because some of them may truly pass the threshold, so the
      result is not exact. With min_score <= 1 they are all kept, and with
      min_score > 3 they are all dropped, which is exact in both cases.

    In every format the user and movie ids must be non-negative integers and
    the ratings integers from 1 to 5, or from 0 to 5 in the reassembled file.

    The binary matrix has kappa_ij = 1 if user i gave movie j a rating
    >= min_score. Reweighting then divides each entry:

    - "sum": by (r_i + c_j) ** 0.75.
    - "product": by r_i ** 0.75 * c_j ** 0.75.
    - "none": entries stay 1.

    Here r_i and c_j are the row and column sums of the binary matrix.

    Args:
        path: one file or a sequence of files, plain or gzip.
        min_score: smallest rating that counts as a positive.
        reweight: one of "sum", "product", "none".

    Returns:
        A users x movies AssociationMatrix.

    Raises:
        ValueError: if a line is malformed or has an id or rating outside the
            ranges above, a format is not recognised, an argument is invalid
            or no rating reaches min_score.
        TypeError: if `path` is not a path or a sequence of paths, or
            min_score is not a number.
    """
    min_score = _check_number("min_score", min_score)
    if reweight not in REWEIGHT_OPTIONS:
        raise ValueError(f"reweight must be one of {', '.join(map(repr, REWEIGHT_OPTIONS))}, got {reweight!r}.")
    paths = _as_paths(path)

    tables = []
    keep_masks = []
    unknown_masks = []
    for file_path in paths:
        data = _read_bytes(file_path)
        layout = _detect_movielens_layout(file_path, data)
        table = _parse_delimited(file_path, data, layout)
        ratings = table.values["rating"]
        keep = ratings >= min_score
        unknown = np.zeros(len(ratings), dtype=bool)
        if layout is _MOVIELENS_REASSEMBLED:
            unknown = ratings == 0
            keep = _apply_unknown_ratings(file_path, unknown, keep, min_score)
        tables.append(table)
        keep_masks.append(keep)
        unknown_masks.append(unknown)

    keep = np.concatenate(keep_masks)
    built = _build_matrix(tables, keep, weights=None, binary=True, threshold=f"rating >= {min_score:g}",
                          unknown_score=np.concatenate(unknown_masks))
    kappa = _reweight(built.matrix.kappa, reweight)
    name = f"movielens({_describe_paths(paths)},min_score={min_score:g},reweight={reweight})"
    matrix = built.matrix.with_kappa(kappa, name=name)
    _log_summary(name, matrix, built)
    return matrix


def load_amazon(path: Paths, min_score: float = 3.0) -> AssociationMatrix:
    """Load Amazon Fine Food reviews as a user x product matrix of positive scores.

    The format of each file is detected from its first non-blank line:

    - SNAP `finefoods.txt`: records of `key: value` lines separated by blank
      lines, latin-1 encoded. Each record needs `product/productId`,
      `review/userId` and `review/score`; other keys are ignored.
    - Kaggle `Reviews.csv`: a CSV file with a header that includes the columns
      `ProductId`, `UserId` and `Score`. Quoted fields may contain commas and
      newlines.

    The matrix has kappa_ij = 1 if user i gave product j a score >= min_score,
    with no reweighting.

    Args:
        path: one file or a sequence of files, plain or gzip.
        min_score: smallest score that counts as a positive.

    Returns:
        A users x products AssociationMatrix with string ids.

    Raises:
        ValueError: if a record is malformed, a format is not recognised or no
            score reaches min_score.
        TypeError: if `path` is not a path or a sequence of paths, or
            min_score is not a number.
    """
    min_score = _check_number("min_score", min_score)
    paths = _as_paths(path)

    tables = []
    for file_path in paths:
        data = _read_bytes(file_path)
        first_line = _first_nonblank_line(data, "latin-1")
        if not first_line or first_line.startswith(_FINEFOODS_PRODUCT + ":"):
            tables.append(_parse_finefoods(file_path, data))
        elif _is_reviews_csv_header(first_line):
            tables.append(_parse_reviews_csv(file_path, data))
        else:
            raise ValueError(
                f"{file_path}: not a recognised Amazon reviews file. The first non-blank line "
                f"{_shorten(first_line)!r} is neither a SNAP finefoods.txt record line starting with "
                f"'{_FINEFOODS_PRODUCT}:' nor a Reviews.csv header with the columns "
                f"{', '.join(_REVIEWS_CSV_COLUMNS)}.")

    keep = np.concatenate([table.values["score"] >= min_score for table in tables])
    built = _build_matrix(tables, keep, weights=None, binary=True, threshold=f"score >= {min_score:g}")
    name = f"amazon({_describe_paths(paths)},min_score={min_score:g})"
    matrix = built.matrix.with_kappa(built.matrix.kappa, name=name)
    _log_summary(name, matrix, built)
    return matrix


def load_pairs(
    path: Paths,
    *,
    delimiter: Optional[str] = "\t",
    focus_column: int = 0,
    context_column: int = 1,
    weight_column: Optional[int] = None,
    score_column: Optional[int] = None,
    min_score: Optional[float] = None,
    skip_header: bool = False,
    comment: Optional[str] = "#",
) -> AssociationMatrix:
    """Load a delimited file of (focus, context[, weight]) records.

    Every record of a file must have the same number of fields as its first
    record. The entry of a record is the value in `weight_column`, or 1 when
    there is none, and repeated (focus, context) records are summed. Ids are
    read as text. A column whose ids all parse as integers becomes int64, so
    "007" and "7" are then the same entity.

    Example: `load_pairs(path, score_column=2, min_score=4)` reads the
    tab-separated user, movie, rating lines of a MovieLens file and keeps the
    ratings of 4 and above as entries of 1.

    Args:
        path: one file or a sequence of files, plain or gzip, UTF-8 encoded.
        delimiter: field separator, or None for any run of whitespace.
        focus_column: 0-based column of the focus (row) id.
        context_column: 0-based column of the context (column) id.
        weight_column: 0-based column of a non-negative finite weight, or None
            for weight 1.
        score_column: 0-based column of a numeric score compared with
            min_score. It may be the weight column.
        min_score: records with score < min_score are dropped. Give it
            together with score_column.
        skip_header: skip the first line of every file.
        comment: lines whose first non-whitespace characters are this prefix
            are skipped. None turns comment lines off.

    Returns:
        A focus x context AssociationMatrix.

    Raises:
        ValueError: if a line is malformed, an argument is invalid, or no
            record with a nonzero weight is left after the threshold.
        TypeError: if an argument has the wrong type.
    """
    paths = _as_paths(path)
    layout = _pairs_layout(delimiter, focus_column, context_column, weight_column, score_column, min_score,
                           skip_header, comment)

    tables = [_parse_delimited(file_path, _read_bytes(file_path), layout) for file_path in paths]
    threshold = None
    if score_column is None:
        keep = np.ones(sum(table.num_records for table in tables), dtype=bool)
    else:
        keep = np.concatenate([table.values["score"] >= min_score for table in tables])
        threshold = f"score >= {min_score:g}"
    weights = None
    if weight_column is not None:
        weights = np.concatenate([table.values["weight"] for table in tables])

    built = _build_matrix(tables, keep, weights=weights, binary=False, threshold=threshold)
    name = f"pairs({_describe_paths(paths)})"
    matrix = built.matrix.with_kappa(built.matrix.kappa, name=name)
    _log_summary(name, matrix, built)
    return matrix


def load_user_lists(path: Paths) -> AssociationMatrix:
    """Load lines of `user item item ...` as a user x item matrix.

    Fields are separated by whitespace. Each (user, item) pair adds 1 to its
    entry, so an item listed twice for a user gives 2. A line with only a user
    id adds that user, with an empty row unless another line lists items for
    it. The summary log line counts such lines. Blank lines are skipped.

    Args:
        path: one file or a sequence of files, plain or gzip, UTF-8 encoded.

    Returns:
        A users x items AssociationMatrix.

    Raises:
        ValueError: if a line cannot be decoded or the files contain no item.
        TypeError: if `path` is not a path or a sequence of paths.
    """
    paths = _as_paths(path)
    tables = [_parse_user_lists(file_path, _read_bytes(file_path)) for file_path in paths]
    _check_user_lists_have_items(tables)
    keep = np.ones(sum(table.num_records for table in tables), dtype=bool)
    built = _build_matrix(tables, keep, weights=None, binary=False, threshold=None)
    name = f"user_lists({_describe_paths(paths)})"
    matrix = built.matrix.with_kappa(built.matrix.kappa, name=name)
    _log_summary(name, matrix, built,
                 notes=[f"{built.num_records_without_context} lines contain a user id and no items."])
    return matrix


# ---------------------------------------------------------------------------
# Parsed records and the shared matrix builder.
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class _Table:
    """Records parsed from one file, before ids are mapped to indices.

    Attributes:
        path: the file the records came from.
        focus: object[num_records] focus ids as str, or int64[num_records]
            for a layout with integer ids.
        context: context ids, of the same type as `focus`. A user-lists line
            with no item has a record whose context is None.
        values: float64[num_records] numeric columns by name ("rating",
            "score", "weight").
        num_lines: physical lines in the file.
        num_header_lines: header lines skipped.
        num_skipped_lines: blank and comment lines skipped.
    """

    path: PathLike
    focus: np.ndarray
    context: np.ndarray
    values: dict[str, np.ndarray]
    num_lines: int
    num_header_lines: int = 0
    num_skipped_lines: int = 0

    @property
    def num_records(self) -> int:
        return len(self.focus)


@dataclasses.dataclass
class _Built:
    """A loaded matrix with the counts that the summary log line reports."""

    matrix: AssociationMatrix
    paths: list[PathLike]
    num_lines: int
    num_header_lines: int
    num_skipped_lines: int
    num_records: int
    num_below_threshold: int
    num_unknown_dropped: int
    threshold: Optional[str]
    num_duplicates_merged: int
    num_records_without_context: int


def _build_matrix(tables: list[_Table], keep: np.ndarray, weights: Optional[np.ndarray], binary: bool,
                  threshold: Optional[str], unknown_score: Optional[np.ndarray] = None) -> _Built:
    """Map ids to indices and build the matrix from the kept records.

    Args:
        tables: parsed files, in order.
        keep: bool[num_records] over the concatenated records, False for the
            dropped records.
        weights: float64[num_records] entry values, or None for 1.
        binary: set merged entries to 1 instead of summing them.
        threshold: the threshold as text for the log, or None if there is none.
        unknown_score: bool[num_records], True for the records whose score is
            unknown, or None if every score is known. Dropped records with an
            unknown score are counted apart from those below the threshold.

    Raises:
        ValueError: if no record is left.
    """
    paths = [table.path for table in tables]
    focus_raw = np.concatenate([table.focus for table in tables])
    context_raw = np.concatenate([table.context for table in tables])
    num_records = len(focus_raw)
    if num_records == 0:
        raise ValueError(f"{_describe_paths(paths, full=True)}: no records found, because the input is empty or "
                         f"has only blank, comment or header lines.")
    if weights is None:
        weights = np.ones(num_records, dtype=np.float64)

    focus_index, focus_ids = _index_ids(focus_raw)
    # A user-lists line with no item has context None. It adds its user but no entry.
    has_context = np.not_equal(context_raw, None)
    context_index = np.full(num_records, -1, dtype=np.int64)
    context_index[has_context], context_ids = _index_ids(context_raw[has_context])

    dropped = ~keep
    num_unknown_dropped = 0
    if unknown_score is not None:
        num_unknown_dropped = int(np.count_nonzero(dropped & unknown_score))
    num_below_threshold = int(np.count_nonzero(dropped)) - num_unknown_dropped
    keep = keep & has_context
    if not np.any(keep):
        if threshold:
            raise ValueError(f"{_describe_paths(paths, full=True)}: no records with {threshold} found among "
                             f"{num_records} records, so the matrix would be empty. Lower the threshold or check "
                             f"the input.")
        raise ValueError(f"{_describe_paths(paths, full=True)}: none of the {num_records} records has an entry, so "
                         f"the matrix would be empty. Check the input.")

    shape = (len(focus_ids), len(context_ids))
    # COO to CSR conversion sums the repeated (focus, context) records.
    kappa = scipy.sparse.coo_matrix((weights[keep], (focus_index[keep], context_index[keep])), shape=shape).tocsr()
    num_duplicates_merged = int(np.count_nonzero(keep)) - kappa.nnz
    if binary:
        kappa.data[:] = 1.0
    matrix = AssociationMatrix(kappa=kappa, focus_ids=focus_ids, context_ids=context_ids)
    if matrix.nnz == 0:
        raise ValueError(f"{_describe_paths(paths, full=True)}: every kept record has weight 0, so the matrix would "
                         f"be empty. Check the weight column.")
    return _Built(
        matrix=matrix,
        paths=paths,
        num_lines=sum(table.num_lines for table in tables),
        num_header_lines=sum(table.num_header_lines for table in tables),
        num_skipped_lines=sum(table.num_skipped_lines for table in tables),
        num_records=num_records,
        num_below_threshold=num_below_threshold,
        num_unknown_dropped=num_unknown_dropped,
        threshold=threshold,
        num_duplicates_merged=num_duplicates_merged,
        num_records_without_context=int(num_records - np.count_nonzero(has_context)),
    )


def _index_ids(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Map ids given as text to indices in sorted order of the ids.

    Args:
        raw: object[num_records] ids as str.

    Returns:
        (int64[num_records] index of each record's id, [num_ids] sorted unique
        ids), the ids as int64 if all parse as integers, else as str.
    """
    ids = raw
    if len(raw):
        try:
            ids = raw.astype(np.int64)
        except (ValueError, OverflowError, TypeError):
            ids = raw
    codes, uniques = pd.factorize(ids, sort=True)
    uniques = np.asarray(uniques)
    if uniques.dtype == object:
        uniques = uniques.astype(str)
    return codes.astype(np.int64), uniques


def _reweight(kappa: scipy.sparse.csr_matrix, reweight: str) -> scipy.sparse.csr_matrix:
    """Divide each entry by a power of its row and column sums (see load_movielens)."""
    if reweight == "none":
        return kappa
    row_sums = np.asarray(kappa.sum(axis=1)).ravel()
    col_sums = np.asarray(kappa.sum(axis=0)).ravel()
    rows = np.repeat(np.arange(kappa.shape[0]), np.diff(kappa.indptr))
    r = row_sums[rows]
    c = col_sums[kappa.indices]
    if reweight == "sum":
        divisor = (r + c) ** REWEIGHT_EXPONENT
    else:
        divisor = r ** REWEIGHT_EXPONENT * c ** REWEIGHT_EXPONENT
    return scipy.sparse.csr_matrix((kappa.data / divisor, kappa.indices.copy(), kappa.indptr.copy()),
                                   shape=kappa.shape)


def _log_summary(name: str, matrix: AssociationMatrix, built: _Built, notes: Sequence[str] = ()) -> None:
    """Log what was read, what was dropped or merged, and the resulting shape.

    `notes` are sentences that the loader appends to the summary.
    """
    empty_rows = int(np.count_nonzero(np.diff(matrix.kappa.indptr) == 0))
    nonempty_cols = int(np.count_nonzero(np.bincount(matrix.kappa.indices, minlength=matrix.num_context)))
    if built.threshold is None:
        threshold = "No score threshold."
    elif built.num_unknown_dropped:
        threshold = (f"Dropped {built.num_below_threshold} records below the threshold ({built.threshold}) and "
                     f"{built.num_unknown_dropped} records with an unknown score.")
    else:
        threshold = f"Dropped {built.num_below_threshold} records below the threshold ({built.threshold})."
    logging.info(
        "Loaded %s from %s: %d rows x %d columns, %d nonzeros. Read %d lines holding %d records, and skipped "
        "%d header lines and %d blank or comment lines. %s Merged %d duplicate (focus, context) records into "
        "existing entries. %d rows and %d columns have no entries.%s",
        name, _describe_paths(built.paths, full=True), matrix.num_focus, matrix.num_context, matrix.nnz,
        built.num_lines, built.num_records, built.num_header_lines, built.num_skipped_lines, threshold,
        built.num_duplicates_merged, empty_rows, matrix.num_context - nonempty_cols,
        "".join(" " + note for note in notes))


# ---------------------------------------------------------------------------
# Delimited text files.
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Layout:
    """How to read a delimited file.

    Attributes:
        description: format name used in messages.
        delimiter: field separator, or None for any run of whitespace.
        num_fields: fields per record, or None to take the count from the
            first record of the file.
        focus_column: 0-based column of the focus id.
        context_column: 0-based column of the context id.
        numeric_columns: 0-based column of each numeric value, by name.
        non_negative: names in numeric_columns whose values must be >= 0.
        integer_ranges: inclusive (low, high) bounds of the names in
            numeric_columns whose values must be integers in that range.
        integer_ids: the ids must be non-negative integers that fit in int64,
            and are returned as int64 instead of str.
        id_names: names of the focus and context id columns in messages.
        skip_header: skip the first line of the file.
        comment: prefix of comment lines, or None.
        encoding: text encoding.
    """

    description: str
    delimiter: Optional[str]
    num_fields: Optional[int]
    focus_column: int
    context_column: int
    numeric_columns: Mapping[str, int]
    non_negative: frozenset = frozenset()
    integer_ranges: Mapping[str, tuple[int, int]] = dataclasses.field(default_factory=dict)
    integer_ids: bool = False
    id_names: tuple[str, str] = ("focus id", "context id")
    skip_header: bool = False
    comment: Optional[str] = None
    encoding: str = "utf-8"

    @property
    def min_fields(self) -> int:
        return 1 + max(self.focus_column, self.context_column, *self.numeric_columns.values())

    @property
    def delimiter_text(self) -> str:
        return "whitespace" if self.delimiter is None else repr(self.delimiter)


_MOVIELENS_DAT = _Layout(description="MovieLens ratings.dat (UserID::MovieID::Rating::Timestamp)",
                         delimiter="::", num_fields=4, focus_column=0, context_column=1,
                         numeric_columns={"rating": 2}, integer_ranges={"rating": (1, 5)}, integer_ids=True,
                         id_names=("UserID", "MovieID"), encoding="latin-1")
_MOVIELENS_U_DATA = _Layout(description="MovieLens u.data (user, item, rating, timestamp)",
                            delimiter="\t", num_fields=4, focus_column=0, context_column=1,
                            numeric_columns={"rating": 2}, integer_ranges={"rating": (1, 5)}, integer_ids=True,
                            id_names=("user id", "item id"), encoding="latin-1")
# Rating 0 in the reassembled file means that the rating is unknown but is 1, 2 or 3.
_MOVIELENS_REASSEMBLED = _Layout(description="reassembled MovieLens 1M (user, movie, rating, timestamp, source)",
                                 delimiter="\t", num_fields=5, focus_column=0, context_column=1,
                                 numeric_columns={"rating": 2}, integer_ranges={"rating": (0, 5)},
                                 integer_ids=True, id_names=("user id", "movie id"), encoding="latin-1")


def _detect_movielens_layout(path: PathLike, data: bytes) -> _Layout:
    """Return the MovieLens layout that the first non-blank line matches."""
    line_number, line = _first_nonblank_line_with_number(data, "latin-1")
    if not line_number:
        # A file of blank lines has no records in any layout.
        return _MOVIELENS_U_DATA
    if "::" in line:
        return _MOVIELENS_DAT
    num_fields = len(line.split("\t"))
    if num_fields == 4:
        return _MOVIELENS_U_DATA
    if num_fields == 5:
        return _MOVIELENS_REASSEMBLED
    raise ValueError(
        f"{path}, line {line_number}: not a recognised MovieLens format. Expected 'UserID::MovieID::Rating::"
        f"Timestamp' or 4 or 5 tab-separated fields, found {num_fields} tab-separated fields in "
        f"{_shorten(line)!r}.")


def _apply_unknown_ratings(path: PathLike, unknown: np.ndarray, keep: np.ndarray, min_score: float) -> np.ndarray:
    """Return `keep` with the rows of unknown rating (0, which means 1, 2 or 3) kept or dropped by min_score."""
    num_unknown = int(np.count_nonzero(unknown))
    if min_score <= 1:
        return keep | unknown
    if min_score <= 3 and num_unknown:
        logging.warning(
            "Dropped %d rows of %s with rating 0, whose true rating is unknown but is 1, 2 or 3. With "
            "min_score=%g some of them may truly be at or above the threshold, so the matrix is not exact. "
            "min_score=4 gives an exact result.", num_unknown, path, min_score)
    return keep & ~unknown


def _pairs_layout(delimiter: Optional[str], focus_column: int, context_column: int, weight_column: Optional[int],
                  score_column: Optional[int], min_score: Optional[float], skip_header: bool,
                  comment: Optional[str]) -> _Layout:
    """Validate the load_pairs arguments and return the file layout."""
    if delimiter is not None:
        if not isinstance(delimiter, str):
            raise TypeError(f"delimiter must be a str or None, got {type(delimiter).__name__}.")
        if not delimiter or "\n" in delimiter or "\r" in delimiter:
            raise ValueError(f"delimiter must be a non-empty string without line breaks, got {delimiter!r}. "
                             f"Use None to split on any whitespace.")
    if comment is not None:
        if not isinstance(comment, str):
            raise TypeError(f"comment must be a str or None, got {type(comment).__name__}.")
        if not comment.strip() or comment == delimiter:
            raise ValueError(f"comment must be a non-blank prefix that differs from the delimiter, got {comment!r}. "
                             f"Use None to turn comment lines off.")
    columns = {"focus_column": focus_column, "context_column": context_column}
    if weight_column is not None:
        columns["weight_column"] = weight_column
    if score_column is not None:
        columns["score_column"] = score_column
    for name, value in columns.items():
        _check_column(name, value)
    if focus_column == context_column:
        raise ValueError(f"focus_column and context_column must differ, both are {focus_column}.")
    for name in ("weight_column", "score_column"):
        if columns.get(name) in (focus_column, context_column):
            raise ValueError(f"{name}={columns[name]} is also an id column. Choose the column that contains the "
                             f"{name.split('_')[0]}.")
    if (score_column is None) != (min_score is None):
        set_name, unset_name = ("score_column", "min_score") if min_score is None else ("min_score", "score_column")
        raise ValueError(f"{set_name} is set but {unset_name} is not. Give both to filter by score, or neither.")
    if min_score is not None:
        _check_number("min_score", min_score)
    if not isinstance(skip_header, bool):
        raise TypeError(f"skip_header must be a bool, got {type(skip_header).__name__}.")

    numeric_columns = {}
    if weight_column is not None:
        numeric_columns["weight"] = weight_column
    if score_column is not None:
        numeric_columns["score"] = score_column
    return _Layout(description="delimited pairs", delimiter=delimiter, num_fields=None, focus_column=focus_column,
                   context_column=context_column, numeric_columns=numeric_columns,
                   non_negative=frozenset({"weight"}), skip_header=skip_header, comment=comment)


def _parse_delimited(path: PathLike, data: bytes, layout: _Layout) -> _Table:
    """Parse a delimited file, quickly with pandas if the file is well formed.

    The pandas C parser reads well-formed files. When it fails, or its output
    does not pass the checks, a line-by-line scan reads the file again. The
    scan either raises for the first malformed line or returns the records.
    """
    num_lines = _count_lines(data)
    num_header_lines = 1 if layout.skip_header and num_lines else 0
    parsed = _parse_delimited_fast(data, layout)
    if parsed is None:
        parsed = _parse_delimited_scan(path, data, layout)
    focus, context, values = parsed
    return _Table(path=path, focus=focus, context=context, values=values, num_lines=num_lines,
                  num_header_lines=num_header_lines,
                  num_skipped_lines=num_lines - num_header_lines - len(focus))


def _parse_delimited_fast(data: bytes, layout: _Layout) -> Optional[tuple[np.ndarray, np.ndarray, dict]]:
    """Parse with the pandas C parser, or return None if the scan must decide."""
    if layout.skip_header:
        end = data.find(b"\n")
        data = b"" if end < 0 else data[end + 1:]
    if layout.comment is not None and layout.comment.encode(layout.encoding) in data:
        prefix = layout.comment.encode(layout.encoding)
        data = b"\n".join(line for line in data.split(b"\n") if not line.lstrip().startswith(prefix))

    separator = r"\s+" if layout.delimiter is None else layout.delimiter
    if layout.delimiter is not None and len(layout.delimiter) > 1:
        stand_in = next((byte for byte in _DELIMITER_STAND_INS if byte not in data), None)
        if stand_in is None:
            return None
        # Replacing left to right splits exactly like str.split(delimiter).
        data = data.replace(layout.delimiter.encode(layout.encoding), stand_in)
        separator = stand_in.decode()

    try:
        frame = pd.read_csv(io.BytesIO(data), sep=separator, header=None, dtype=str, na_filter=False,
                            quoting=csv.QUOTE_NONE, engine="c", encoding=layout.encoding, skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        empty = np.empty(0, dtype=object)
        return empty, empty.copy(), {name: np.empty(0) for name in layout.numeric_columns}
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError):
        return None

    num_fields = frame.shape[1]
    if num_fields < layout.min_fields or (layout.num_fields is not None and num_fields != layout.num_fields):
        return None
    # The C parser fills missing trailing fields with "", so an empty field may
    # also be a short line. The scan distinguishes the two.
    if (frame == "").to_numpy().any():
        return None

    values = {}
    for name, column in layout.numeric_columns.items():
        parsed = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.all(np.isfinite(parsed)):
            return None
        if name in layout.non_negative and np.any(parsed < 0):
            return None
        if name in layout.integer_ranges:
            low, high = layout.integer_ranges[name]
            if not np.all((parsed >= low) & (parsed <= high) & (parsed == np.floor(parsed))):
                return None
        values[name] = parsed
    focus = frame[layout.focus_column].to_numpy(dtype=object)
    context = frame[layout.context_column].to_numpy(dtype=object)
    if layout.integer_ids:
        focus = _integer_ids_fast(focus)
        context = _integer_ids_fast(context)
        if focus is None or context is None:
            return None
    return focus, context, values


def _integer_ids_fast(ids: np.ndarray) -> Optional[np.ndarray]:
    """Convert non-empty id strings to int64, or return None if one is not a non-negative integer."""
    # One string check is much faster than one per id. The ids are known to be
    # non-empty, so an all-digit concatenation means that every id consists of digits.
    joined = "".join(ids.tolist())
    if not (joined.isascii() and joined.isdecimal()):
        return None
    try:
        return ids.astype(np.int64)
    except OverflowError:
        return None


def _parse_delimited_scan(path: PathLike, data: bytes, layout: _Layout) -> tuple[np.ndarray, np.ndarray, dict]:
    """Parse line by line, raising ValueError for the first malformed line."""
    focus = []
    context = []
    values = {name: [] for name in layout.numeric_columns}
    expected_fields = layout.num_fields
    for line_number, raw in enumerate(data.split(b"\n"), start=1):
        if line_number == 1 and layout.skip_header:
            continue
        line = _decode_line(path, line_number, raw, layout.encoding)
        if not line.strip():
            continue
        if layout.comment is not None and line.lstrip().startswith(layout.comment):
            continue
        fields = line.split() if layout.delimiter is None else line.split(layout.delimiter)
        if expected_fields is None:
            if len(fields) < layout.min_fields:
                raise _line_error(path, line_number, line,
                                  f"the first record has {len(fields)} fields separated by {layout.delimiter_text}, "
                                  f"but column {layout.min_fields - 1} (0-based) is requested")
            expected_fields = len(fields)
        if len(fields) != expected_fields:
            raise _line_error(path, line_number, line,
                              f"expected {expected_fields} fields separated by {layout.delimiter_text} "
                              f"({layout.description}), found {len(fields)}")
        for name, column in layout.numeric_columns.items():
            values[name].append(_parse_value(path, line_number, line, name, fields[column],
                                             non_negative=name in layout.non_negative,
                                             integer_range=layout.integer_ranges.get(name)))
        focus_text = fields[layout.focus_column]
        context_text = fields[layout.context_column]
        if layout.integer_ids:
            focus.append(_parse_integer_id(path, line_number, line, layout.id_names[0], focus_text))
            context.append(_parse_integer_id(path, line_number, line, layout.id_names[1], context_text))
        else:
            focus.append(focus_text)
            context.append(context_text)
    arrays = {name: np.asarray(column, dtype=np.float64) for name, column in values.items()}
    if layout.integer_ids:
        return np.asarray(focus, dtype=np.int64), np.asarray(context, dtype=np.int64), arrays
    return _object_array(focus), _object_array(context), arrays


def _parse_value(path: PathLike, line_number: int, line: str, name: str, text: str, non_negative: bool,
                 integer_range: Optional[tuple[int, int]] = None) -> float:
    """Parse one numeric field, raising ValueError that names the line if it is invalid.

    With `integer_range` (low, high), the value must be an integer from low to
    high inclusive.
    """
    short_text = _shorten(text)
    try:
        value = float(text)
    except ValueError:
        raise _line_error(path, line_number, line, f"the {name} {short_text!r} is not a number") from None
    if not math.isfinite(value):
        raise _line_error(path, line_number, line, f"the {name} {short_text!r} is not finite")
    if non_negative and value < 0:
        raise _line_error(path, line_number, line, f"the {name} {short_text!r} is negative")
    if integer_range is not None:
        low, high = integer_range
        if not (value.is_integer() and low <= value <= high):
            raise _line_error(path, line_number, line,
                              f"the {name} {short_text!r} is not an integer from {low} to {high}")
    return value


def _parse_integer_id(path: PathLike, line_number: int, line: str, name: str, text: str) -> int:
    """Parse an id that must be a non-negative integer, raising ValueError that names the line if it is not."""
    short_text = _shorten(text)
    if not (text.isascii() and text.isdecimal()):
        raise _line_error(path, line_number, line, f"the {name} {short_text!r} is not a non-negative integer")
    value = int(text)
    if value > _INT64_MAX:
        raise _line_error(path, line_number, line,
                          f"the {name} {short_text!r} is larger than the int64 maximum {_INT64_MAX}")
    return value


# ---------------------------------------------------------------------------
# Amazon reviews.
# ---------------------------------------------------------------------------


def _parse_finefoods(path: PathLike, data: bytes) -> _Table:
    """Parse SNAP finefoods.txt records into (user, product, score) records."""
    users = []
    products = []
    scores = []
    # The three needed keys of the current record: key -> (line number, value).
    fields: dict[str, tuple[int, str]] = {}
    record_start = None  # first line of the current record, None between records
    num_skipped = 0
    lines = data.decode("latin-1").split("\n")
    if lines[-1] == "":
        lines.pop()  # the text after the final newline is not a line
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            if record_start is None:
                num_skipped += 1
            else:
                _finish_finefoods_record(path, record_start, fields, users, products, scores)
                fields = {}
                record_start = None
            continue
        if record_start is None:
            record_start = line_number
        key, _, value = line.partition(":")
        # Keys other than the three that the matrix needs are not checked.
        if key not in _FINEFOODS_KEYS:
            continue
        if key in fields:
            raise _line_error(path, line_number, line,
                              f"{key} appears twice in the record that starts on line {record_start}. Records "
                              f"must be separated by a blank line")
        value = value.strip()
        if not value:
            raise _line_error(path, line_number, line, f"the {key} value is empty")
        fields[key] = (line_number, value)
    if record_start is not None:
        _finish_finefoods_record(path, record_start, fields, users, products, scores)

    return _Table(path=path, focus=_object_array(users), context=_object_array(products),
                  values={"score": np.asarray(scores, dtype=np.float64)}, num_lines=len(lines),
                  num_skipped_lines=num_skipped)


def _finish_finefoods_record(path: PathLike, record_start: int, fields: dict[str, tuple[int, str]],
                             users: list[str], products: list[str], scores: list[float]) -> None:
    """Check that a finefoods record has the three needed keys and append its values."""
    missing = [key for key in _FINEFOODS_KEYS if key not in fields]
    if missing:
        raise ValueError(f"{path}, line {record_start}: the record that starts on this line has no "
                         f"{', '.join(missing)}. Every record needs {', '.join(_FINEFOODS_KEYS)}.")
    score_line, score_text = fields[_FINEFOODS_SCORE]
    scores.append(_parse_value(path, score_line, f"{_FINEFOODS_SCORE}: {score_text}", "score", score_text,
                               non_negative=False))
    users.append(fields[_FINEFOODS_USER][1])
    products.append(fields[_FINEFOODS_PRODUCT][1])


def _is_reviews_csv_header(line: str) -> bool:
    header = next(csv.reader([line]), [])
    return all(column in header for column in _REVIEWS_CSV_COLUMNS)


def _parse_reviews_csv(path: PathLike, data: bytes) -> _Table:
    """Parse Kaggle Reviews.csv into (user, product, score) records."""
    num_lines = _count_lines(data)
    try:
        frame = pd.read_csv(io.BytesIO(data), usecols=list(_REVIEWS_CSV_COLUMNS), dtype=str, na_filter=False,
                            engine="c", encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError):
        frame = None
    if frame is not None:
        scores = pd.to_numeric(frame["Score"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        ids_present = not ((frame["UserId"] == "").any() or (frame["ProductId"] == "").any())
        if np.all(np.isfinite(scores)) and ids_present:
            return _Table(path=path, focus=frame["UserId"].to_numpy(dtype=object),
                          context=frame["ProductId"].to_numpy(dtype=object), values={"score": scores},
                          num_lines=num_lines, num_header_lines=1)
    return _scan_reviews_csv(path, data, num_lines)


def _scan_reviews_csv(path: PathLike, data: bytes, num_lines: int) -> _Table:
    """Parse Reviews.csv with the csv module, raising ValueError for the first malformed record."""
    lines = data.split(b"\n")
    for line_number, raw in enumerate(lines, start=1):
        _decode_line(path, line_number, raw, "utf-8")

    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header = next(row for row in reader if row)
    columns = {name: header.index(name) for name in _REVIEWS_CSV_COLUMNS}

    users = []
    products = []
    scores = []
    end_line = reader.line_num
    while True:
        # A record may span lines, and errors name the line where it starts.
        start_line = end_line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise _line_error(path, start_line, _line_text(lines, start_line), f"invalid CSV ({error})") from None
        end_line = reader.line_num
        if not row:
            continue

        text = _line_text(lines, start_line)
        if len(row) != len(header):
            raise _line_error(path, start_line, text,
                              f"the record that starts on this line has {len(row)} fields, the header has "
                              f"{len(header)}")
        for name in ("UserId", "ProductId"):
            if not row[columns[name]]:
                raise _line_error(path, start_line, text,
                                  f"the {name} of the record that starts on this line is empty")
        scores.append(_parse_value(path, start_line, text, "Score", row[columns["Score"]], non_negative=False))
        users.append(row[columns["UserId"]])
        products.append(row[columns["ProductId"]])

    return _Table(path=path, focus=_object_array(users), context=_object_array(products),
                  values={"score": np.asarray(scores, dtype=np.float64)}, num_lines=num_lines,
                  num_header_lines=1)


# ---------------------------------------------------------------------------
# User lists.
# ---------------------------------------------------------------------------


def _parse_user_lists(path: PathLike, data: bytes) -> _Table:
    """Parse `user item item ...` lines into one record per (user, item) pair."""
    users = []
    items = []
    num_skipped = 0
    num_lines = _count_lines(data)
    for line_number, raw in enumerate(data.split(b"\n"), start=1):
        fields = _decode_line(path, line_number, raw, "utf-8").split()
        if not fields:
            if line_number <= num_lines:
                num_skipped += 1
            continue
        if len(fields) == 1:
            users.append(fields[0])
            items.append(None)
            continue
        users.extend([fields[0]] * (len(fields) - 1))
        items.extend(fields[1:])
    return _Table(path=path, focus=_object_array(users), context=_object_array(items), values={},
                  num_lines=num_lines, num_skipped_lines=num_skipped)


def _check_user_lists_have_items(tables: list[_Table]) -> None:
    """Raise ValueError if the files have lines but none of them lists an item."""
    num_records = sum(table.num_records for table in tables)
    if num_records == 0 or any(np.not_equal(table.context, None).any() for table in tables):
        return
    # Without items every record is one line that contains only its user id.
    first_line = next(table.focus[0] for table in tables if table.num_records)
    paths = [table.path for table in tables]
    raise ValueError(
        f"{_describe_paths(paths, full=True)}: none of the {num_records} non-blank lines lists an item, so the "
        f"matrix would be empty. Each line must be `user item item ...` with the fields separated by whitespace, "
        f"but every line is one field, such as {_shorten(first_line)!r}.")


# ---------------------------------------------------------------------------
# Files and lines.
# ---------------------------------------------------------------------------


def _as_paths(path: Paths) -> list[PathLike]:
    """Return `path` as a non-empty list of paths."""
    if isinstance(path, (str, os.PathLike)):
        return [path]
    if isinstance(path, bytes) or not isinstance(path, Sequence):
        raise TypeError(f"path must be a str, an os.PathLike or a sequence of them, got {type(path).__name__}.")
    paths = list(path)
    if not paths:
        raise ValueError("path is an empty sequence. Give at least one file.")
    for item in paths:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(f"every path must be a str or an os.PathLike, got {item!r} of type "
                            f"{type(item).__name__}.")
    return paths


def _read_bytes(path: PathLike) -> bytes:
    """Read a whole file, decompressing it if it starts with the gzip magic bytes."""
    with open(path, "rb") as file:
        data = file.read()
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise ValueError(f"{path}: starts with the gzip magic bytes but is not a valid gzip file ({error}).") from None


def _count_lines(data: bytes) -> int:
    """Return the number of lines, counting a last line without a newline."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _first_nonblank_line_with_number(data: bytes, encoding: str) -> tuple[int, str]:
    """Return the 1-based number and text of the first non-blank line, or (0, "") if there is none."""
    start = 0
    line_number = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        line_number += 1
        line = data[start:end].decode(encoding, errors="replace").rstrip("\r")
        if line.strip():
            return line_number, line
        start = end + 1
    return 0, ""


def _first_nonblank_line(data: bytes, encoding: str) -> str:
    return _first_nonblank_line_with_number(data, encoding)[1]


def _decode_line(path: PathLike, line_number: int, raw: bytes, encoding: str) -> str:
    """Decode one line without its trailing carriage return."""
    try:
        line = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise _line_error(path, line_number, raw.decode(encoding, errors="replace"),
                          f"the line is not valid {encoding} ({error.reason} at byte {error.start})") from None
    return line[:-1] if line.endswith("\r") else line


def _line_text(lines: list[bytes], line_number: int) -> str:
    if 1 <= line_number <= len(lines):
        return lines[line_number - 1].decode("utf-8", errors="replace").rstrip("\r")
    return ""


def _line_error(path: PathLike, line_number: int, line: str, problem: str) -> ValueError:
    return ValueError(f"{path}, line {line_number}: {problem}. The line is {_shorten(line)!r}. Fix or remove it.")


def _shorten(text: str) -> str:
    if len(text) <= _MAX_SHOWN_LINE_CHARS:
        return text
    return text[:_MAX_SHOWN_LINE_CHARS] + "..."


def _object_array(items: list) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _describe_paths(paths: Sequence[PathLike], full: bool = False) -> str:
    names = [os.fspath(path) if full else os.path.basename(os.fspath(path)) for path in paths]
    return ", ".join(names) if full else "+".join(names)


def _check_number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} of type {type(value).__name__}.")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    return float(value)


def _check_column(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r} of type {type(value).__name__}.")
    if value < 0:
        raise ValueError(f"{name} must be a 0-based column index >= 0, got {value}.")
