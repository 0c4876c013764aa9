"""Loading training runs from metrics.jsonl files and averaging their quality curves.

A run is one metrics.jsonl file, written by `coord_w2v.train` into the run's
output folder. `load_runs` reads every such file below a root folder into one
pandas DataFrame with a row per evaluation record. `mean_curves` groups the runs
(by default by the `setting` and `method` fields of their records) and returns,
per group, the per-run curves and their mean, which the tables and figures use.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import pathlib
import re
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd
from absl import logging

from coord_w2v import metrics_io

MEASURES = ("cosine_gap", "precision_at_10")
AMOUNTS = ("positives", "parameter_updates")

# Fields a record must carry for its run to be loaded.
REQUIRED_FIELDS = ("run_id", "dataset", "positives", "parameter_updates", "final")

# Data sets with published results; runs of other data are named by their `dataset` field.
RECOMMENDATION_DATA_SETS = ("movielens", "amazon")

# Run configuration fields. Runs averaged into one curve must agree on every one
# of them that is not a grouping key.
CONFIG_FIELDS = ("dataset", "data_name", "two_sided", "dim", "neg_ratio", "batch_size", "learning_rate", "mix_from",
                 "mix_to", "mix_switch", "select", "select_per_entity")

# Columns every frame from load_runs has, whether or not the records carry them.
# `run` identifies the run (its folder below the root), `source` is the file and
# `line` the record's line number in it. `data_set` and `num_blocks` are derived
# (see data_set_name and num_blocks).
FRAME_COLUMNS = ("run", "source", "line", "data_set", "num_blocks", "run_id", "setting", "method", "dataset",
                 "arrangement", "two_sided", "seed",
                 "split", "data_name", "dim", "neg_ratio", "batch_size", "learning_rate", "mix_from", "mix_to",
                 "mix_switch", "select", "select_per_entity", "positives", "parameter_updates", "cosine_gap",
                 "precision_at_10", "elapsed_seconds", "train_seconds", "positives_per_second", "final")


def load_runs(root: str | os.PathLike) -> pd.DataFrame:
    """Read every metrics.jsonl file below `root` into one DataFrame.

    Each file is one run and each of its records one row. Runs whose last
    record is not marked `final` (interrupted or still training) are left out
    with a warning. Records written before `setting` and `method` existed get
    `setting` = their `data_name` (or `dataset`) and `method` = the upper-case
    arrangement, with " two-sided" appended for two-sided runs.

    Args:
      root: folder searched recursively for files named metrics.jsonl.

    Returns:
      One row per record, with the columns of FRAME_COLUMNS first and any other
      record fields after them. The frame is empty (with those columns) when no
      complete run exists below `root`.

    Raises:
      FileNotFoundError: `root` does not exist.
      ValueError: a line is not a JSON object, a record lacks a field of
        REQUIRED_FIELDS, the records of one file name different run_ids, or
        their positives do not increase. The message names the file and line.
    """
    root = pathlib.Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"runs folder {str(root)!r} does not exist or is not a folder; pass the folder that "
                                "contains the runs' output folders.")
    paths = sorted(root.rglob(metrics_io.METRICS_FILE))
    rows: list[dict[str, Any]] = []
    num_incomplete = 0
    for path in paths:
        run_rows = _read_run(root, path)
        if not run_rows:
            logging.warning("Skipping run %s: %s is empty.", path.parent, path)
            num_incomplete += 1
            continue
        if not run_rows[-1]["final"]:
            logging.warning("Skipping incomplete run %s (%s): its last record, line %d at %d positives, is not "
                            "final.", run_rows[-1]["run"], path, run_rows[-1]["line"], run_rows[-1]["positives"])
            num_incomplete += 1
            continue
        rows.extend(run_rows)

    columns = list(FRAME_COLUMNS) + sorted({key for row in rows for key in row} - set(FRAME_COLUMNS))
    frame = pd.DataFrame(rows, columns=columns)
    num_runs = frame["run"].nunique()
    logging.info("Loaded %d complete runs (%d records) from %s; skipped %d incomplete runs.", num_runs, len(frame),
                 root, num_incomplete)
    if not paths:
        logging.warning("No %s file below %s.", metrics_io.METRICS_FILE, root)
    return frame


def load_complete_runs(root: str | os.PathLike) -> pd.DataFrame:
    """Load the runs below `root` like load_runs, for entry points that need at least one.

    Raises:
      ValueError: no complete run lies below `root`.
    """
    frame = load_runs(root)
    if frame.empty:
        raise ValueError(f"no complete runs below --runs_dir={str(root)!r}; train runs with "
                         "python -m coord_w2v.train first.")
    return frame


def _read_run(root: pathlib.Path, path: pathlib.Path) -> list[dict[str, Any]]:
    """Read and check one metrics file; return its records with run, source and line added."""
    run = path.parent.relative_to(root).as_posix()
    rows = []
    with open(path) as stream:
        lines = list(stream)
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        record = _parse_line(path, number, text)
        missing = [name for name in REQUIRED_FIELDS if name not in record]
        if missing:
            raise ValueError(f"{path}:{number}: metrics record lacks the fields {missing}; the file was not written "
                             "by coord_w2v.train or is damaged.")
        if rows and record["run_id"] != rows[0]["run_id"]:
            raise ValueError(f"{path}:{number}: run_id {record['run_id']!r} differs from {rows[0]['run_id']!r} on "
                             f"line {rows[0]['line']}; each metrics file must hold one run. Move the runs into "
                             "folders of their own.")
        if rows and not record["positives"] > rows[-1]["positives"]:
            raise ValueError(f"{path}:{number}: positives {record['positives']} do not increase after "
                             f"{rows[-1]['positives']} on line {rows[-1]['line']}; the file holds a restarted run. "
                             "Delete the run and train it again.")
        row = dict(record)
        row["run"] = run if run != "." else str(record["run_id"])
        row["source"] = str(path)
        row["line"] = number
        row["final"] = bool(record["final"])
        _fill_labels(row)
        row["data_set"] = data_set_name(row["dataset"], row["setting"])
        row["num_blocks"] = num_blocks(row.get("data_name"), row["setting"]) if row["dataset"] == "blocks" else None
        rows.append(row)
    return rows


def _parse_line(path: pathlib.Path, number: int, text: str) -> dict[str, Any]:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}:{number}: invalid JSON in metrics file: {error}. Delete the damaged run or the "
                         "line.") from None
    if not isinstance(record, dict):
        raise ValueError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}.")
    return record


def _fill_labels(row: dict[str, Any]) -> None:
    """Derive `setting` and `method` for records written before those fields existed."""
    if not row.get("setting"):
        row["setting"] = row.get("data_name") or row["dataset"]
    if not row.get("method"):
        method = str(row.get("arrangement", "")).upper()
        if row.get("two_sided"):
            method += " two-sided"
        row["method"] = method


def data_set_name(dataset: str, setting: Any) -> str:
    """Return the data set a run was trained on: "movielens", "amazon", "blocks", or its `dataset` field.

    Data read with the generic loaders (dataset "pairs" or "user_lists"), such
    as a stand-in for Amazon Fine Foods, count as "movielens" or "amazon" when
    their setting label starts with that name, e.g. "amazon" or "amazon_d50".
    """
    if dataset in ("pairs", "user_lists"):
        label = str(setting or "").lower()
        for name in RECOMMENDATION_DATA_SETS:
            if label.startswith(name):
                return name
    return dataset


def num_blocks(data_name: Any, setting: Any) -> Optional[int]:
    """Return B from a blocks data name "blocks(n=...,B=10,...)", else from a label "B=10" or "blocks_B10"."""
    match = re.search(r"\bB=(\d+)", str(data_name or ""))
    if match is None:
        match = re.search(r"(?:\bB\s*=\s*|_B)(\d+)", str(setting or ""))
    return int(match.group(1)) if match else None


def drop_duplicate_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep one run per configuration, split and seed.

    Runs of different settings with the same method, data set, number of
    blocks, configuration (CONFIG_FIELDS), split and seed repeat one
    experiment, for instance the IND runs of a learning-rate sweep at the
    default rate. Averaging both copies would count one sample twice. The run
    with the first name is kept.

    NOTE: settings that metrics records do not carry (the context bias switch,
    num_positives, eval_every) are not compared, so runs that differ only
    there count as repeats.

    Args:
      frame: records from load_runs.

    Returns:
      The records of the kept runs.
    """
    if frame.empty:
        return frame
    fields = ["method", "data_set", "num_blocks", *(field for field in CONFIG_FIELDS if field in frame.columns), "split",
              "seed"]
    firsts = frame.sort_values(["run", "line"]).drop_duplicates("run")
    seen = set()
    kept = set()
    dropped = []
    for run, values in zip(firsts["run"], firsts[fields].itertuples(index=False)):
        key = tuple(_plain(value) for value in values)
        if key in seen:
            dropped.append(run)
        else:
            seen.add(key)
            kept.add(run)
    if dropped:
        logging.info("Dropped %d runs that repeat the configuration, split and seed of another run, e.g. %s.",
                     len(dropped), dropped[0])
    return frame[frame["run"].isin(kept)]


@dataclasses.dataclass(frozen=True)
class CurveGroup:
    """The quality curves of a group of runs, evaluated at shared training amounts.

    Attributes:
      key: the values of the grouping fields, e.g. {"setting": "B=10", "method": "COO"}.
      measure: the quality measure, e.g. "cosine_gap".
      x: the training amount, "positives" or "parameter_updates".
      amounts: float64[num_points] increasing training amounts.
      qualities: float64[num_runs, num_points], one curve per run.
      runs: [num_runs] run names (folders below the loaded root).
      split_seeds: [num_runs] (split, seed) of each run, which pairs runs of two groups.
      config: the configuration fields (CONFIG_FIELDS) that the runs share.
    """

    key: dict[str, Any]
    measure: str
    x: str
    amounts: np.ndarray
    qualities: np.ndarray
    runs: tuple[str, ...]
    split_seeds: tuple[tuple[Any, Any], ...]
    config: dict[str, Any]

    @property
    def num_runs(self) -> int:
        return int(self.qualities.shape[0])

    @property
    def mean(self) -> np.ndarray:
        """float64[num_points] mean quality over runs."""
        return self.qualities.mean(axis=0)

    @property
    def standard_error(self) -> np.ndarray:
        """float64[num_points] standard error of the mean over runs; NaN for a single run."""
        if self.num_runs < 2:
            return np.full(self.amounts.shape, np.nan)
        return self.qualities.std(axis=0, ddof=1) / math.sqrt(self.num_runs)

    def run_curves(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Return one (amounts float64[num_points], qualities float64[num_points]) pair per run."""
        return [(self.amounts, row) for row in self.qualities]

    def label(self) -> str:
        """Return the group's key as text, e.g. "setting=B=10, method=COO"."""
        return ", ".join(f"{name}={value}" for name, value in self.key.items())


def mean_curves(frame: pd.DataFrame, measure: str, x: str = "positives",
                by: Sequence[str] = ("setting", "method")) -> dict[tuple[Any, ...], CurveGroup]:
    """Group runs and collect their quality curves on shared training amounts.

    When the runs of a group were evaluated at different amounts (another
    `eval_every` or another length), every run is linearly interpolated onto
    the union of all the group's evaluation amounts that lie inside the range
    all of its runs cover. Amounts beyond the shortest run are dropped, so the
    mean never extrapolates. A warning names the group when this happens.

    Args:
      frame: records from load_runs.
      measure: the quality column, e.g. "cosine_gap" or "precision_at_10".
      x: the training amount, "positives" or "parameter_updates".
      by: the fields whose values define a group.

    Returns:
      A CurveGroup per group, keyed by the tuple of its `by` values, in sorted order.

    Raises:
      ValueError: `measure`, `x` or a `by` field is not a column, the runs of
        a group differ in a configuration field that is not in `by`, or their
        evaluation ranges do not overlap.
    """
    if x not in AMOUNTS:
        raise ValueError(f"x must be one of {AMOUNTS}, got {x!r}.")
    for column in (measure, *by):
        if column not in frame.columns:
            raise ValueError(f"column {column!r} is not in the runs frame; the columns are {list(frame.columns)}.")
    by = list(by)
    groups: dict[tuple[Any, ...], CurveGroup] = {}
    if frame.empty:
        return groups
    keyed = frame.assign(_key=[tuple(values) for values in frame[by].itertuples(index=False)])
    for key in sorted(keyed["_key"].unique(), key=_sort_key):
        records = keyed[keyed["_key"] == key]
        groups[key] = _build_group(dict(zip(by, key)), records, measure, x)
    return groups


def _build_group(key: dict[str, Any], records: pd.DataFrame, measure: str, x: str) -> CurveGroup:
    label = ", ".join(f"{name}={value}" for name, value in key.items())
    config = {}
    for field in CONFIG_FIELDS:
        if field in key or field not in records.columns:
            continue
        values = records[field].drop_duplicates().tolist()
        distinct = {_normalize(value) for value in values}
        if len(distinct) > 1:
            raise ValueError(f"the runs of {label} differ in {field}: {sorted(distinct, key=str)}. Give them "
                             f"different settings when training, or group by {field!r} as well.")
        config[field] = values[0] if values else None

    runs = tuple(sorted(records["run"].unique()))
    curves = []
    split_seeds = []
    for run in runs:
        run_records = records[records["run"] == run]
        curves.append((run_records[x].to_numpy(np.float64), run_records[measure].to_numpy(np.float64)))
        split_seeds.append((_plain(run_records["split"].iloc[0]), _plain(run_records["seed"].iloc[0])))
    _warn_duplicate_seeds(label, runs, split_seeds)

    amounts = curves[0][0]
    if all(np.array_equal(run_amounts, amounts) for run_amounts, _ in curves):
        qualities = np.stack([run_qualities for _, run_qualities in curves])
    else:
        amounts, qualities = _interpolate_onto_union(label, runs, curves)
    for run, row in zip(runs, qualities):
        if not np.all(np.isfinite(row)):
            logging.warning("Run %s of %s has non-finite %s values; the mean curve is NaN there.", run, label,
                            measure)
    return CurveGroup(key=key, measure=measure, x=x, amounts=amounts, qualities=qualities, runs=runs,
                      split_seeds=tuple(split_seeds), config=config)


def _interpolate_onto_union(label: str, runs: Sequence[str],
                            curves: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    start = max(run_amounts[0] for run_amounts, _ in curves)
    stop = min(run_amounts[-1] for run_amounts, _ in curves)
    union = np.unique(np.concatenate([run_amounts for run_amounts, _ in curves]))
    amounts = union[(union >= start) & (union <= stop)]
    if amounts.size < 2:
        ranges = ", ".join(f"{run}: [{a[0]:g}, {a[-1]:g}]" for run, (a, _) in zip(runs, curves))
        raise ValueError(f"the runs of {label} share fewer than two evaluation amounts ({ranges}); train them over "
                         "overlapping ranges or group them apart.")
    qualities = np.stack([np.interp(amounts, run_amounts, run_qualities) for run_amounts, run_qualities in curves])
    logging.warning("The runs of %s were evaluated at different amounts; interpolated %d runs onto %d amounts in "
                    "[%g, %g].", label, len(curves), amounts.size, amounts[0], amounts[-1])
    return amounts, qualities


def _warn_duplicate_seeds(label: str, runs: Sequence[str], split_seeds: Sequence[tuple[Any, Any]]) -> None:
    seen: dict[tuple[Any, Any], str] = {}
    for run, split_seed in zip(runs, split_seeds):
        if split_seed in seen:
            logging.warning("Runs %s and %s of %s have the same split and seed %s; one may be a copy of the other.",
                            seen[split_seed], run, label, split_seed)
        seen.setdefault(split_seed, run)


def _plain(value: Any) -> Any:
    """Return a numpy scalar as a Python one, and NaN as None, so that keys hash and compare as expected."""
    if isinstance(value, np.generic):
        value = value.item()
    return _normalize(value)


def _normalize(value: Any) -> Any:
    """Map NaN and None to None so that missing values compare equal."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _sort_key(key: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    """Order group keys with numbers numerically and None last, without comparing mixed types."""
    parts = []
    for value in key:
        value = _normalize(value)
        if value is None:
            parts.append((2, ""))
        elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            parts.append((0, float(value)))
        else:
            parts.append((1, str(value)))
    return tuple(parts)


def filter_runs(frame: pd.DataFrame, **values: Any) -> pd.DataFrame:
    """Return the records whose fields equal the given values (floats compared with a relative tolerance of 1e-9).

    Example: filter_runs(frame, dataset="blocks", learning_rate=0.02).

    Raises:
      ValueError: a field is not a column of `frame`.
    """
    mask = np.ones(len(frame), dtype=bool)
    for field, value in values.items():
        if field not in frame.columns:
            raise ValueError(f"cannot filter on {field!r}: not a column of the runs frame.")
        column = frame[field]
        if isinstance(value, float):
            numbers = pd.to_numeric(column, errors="coerce").to_numpy(np.float64)
            mask &= np.isclose(numbers, value, rtol=1e-9, atol=0.0)
        elif value is None:
            mask &= column.isna().to_numpy()
        else:
            mask &= (column == value).to_numpy()
    return frame[mask]

