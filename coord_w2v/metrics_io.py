"""Run outputs: config.json, metrics.jsonl, TensorBoard scalars and embeddings.npz.

Every file is written so that an interruption never leaves a half-written
file behind: JSON and NPZ files go to a temporary name first and are renamed
into place, and each metrics record is one complete line flushed to disk.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import shutil
from typing import Any, Iterable

import numpy as np

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
EMBEDDINGS_FILE = "embeddings.npz"
TENSORBOARD_DIR = "tensorboard"
RUN_OUTPUTS = (CONFIG_FILE, METRICS_FILE, EMBEDDINGS_FILE)

# Fields every metrics record carries, besides one "precision_at_<k>" field.
RECORD_FIELDS = ("run_id", "dataset", "arrangement", "seed", "split", "positives", "parameter_updates",
                 "cosine_gap", "elapsed_seconds")


def prepare_output_dir(output_dir: str | os.PathLike, overwrite: bool) -> pathlib.Path:
    """Create the run folder, refusing to mix a new run into an old one.

    Args:
      output_dir: the folder of the run.
      overwrite: delete the outputs of an earlier run there (its TensorBoard
        events included) instead of failing.

    Returns:
      The folder as a Path.

    Raises:
      FileExistsError: the folder contains an earlier run's outputs and
        `overwrite` is False.
    """
    path = pathlib.Path(output_dir)
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"output_dir {str(path)!r} is a file, not a folder; choose another output_dir.")
    path.mkdir(parents=True, exist_ok=True)
    existing = [name for name in RUN_OUTPUTS if (path / name).exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"output_dir {str(path)!r} already contains {', '.join(existing)} from an earlier run; "
            "choose another output_dir or pass --overwrite to replace them."
        )
    for name in existing:
        (path / name).unlink()
    if existing and (path / TENSORBOARD_DIR).is_dir():
        shutil.rmtree(path / TENSORBOARD_DIR)
    return path


def write_json_atomic(path: str | os.PathLike, payload: Any) -> None:
    """Write `payload` as indented JSON through a temporary file and a rename."""
    path = pathlib.Path(path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    os.replace(temporary, path)


def append_record(path: str | os.PathLike, record: dict[str, Any]) -> None:
    """Append one metrics record as a JSON line and flush it to disk.

    Raises:
      ValueError: a field of RECORD_FIELDS or the precision_at_<k> field is
        missing from `record`.
    """
    missing = [name for name in RECORD_FIELDS if name not in record]
    if not any(name.startswith("precision_at_") for name in record):
        missing.append("precision_at_<k>")
    if missing:
        raise ValueError(f"metrics record lacks the fields {missing}.")
    line = json.dumps({key: _plain(value) for key, value in record.items()}, sort_keys=False)
    with open(path, "a") as stream:
        stream.write(line + "\n")
        stream.flush()
        os.fsync(stream.fileno())


def read_records(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Read a metrics.jsonl file.

    Raises:
      ValueError: a line is not a JSON object; the message names the file and line.
    """
    records = []
    with open(path) as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: invalid JSON in metrics file: {error}") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}.")
            records.append(record)
    return records


def write_embeddings(path: str | os.PathLike, focus: np.ndarray, context: np.ndarray, bias: np.ndarray,
                     focus_ids: Iterable, context_ids: Iterable) -> None:
    """Save the final embedding with the original entity ids.

    Args:
      path: the .npz file to write.
      focus: float32[num_focus, d].
      context: float32[num_context, d].
      bias: float32[num_context].
      focus_ids: [num_focus] original ids of the rows.
      context_ids: [num_context] original ids of the columns.
    """
    path = pathlib.Path(path)
    temporary = path.with_name(path.name + ".tmp.npz")
    np.savez(temporary, focus=focus, context=context, bias=bias, focus_ids=_id_array(focus_ids),
             context_ids=_id_array(context_ids))
    os.replace(temporary, path)


def _id_array(ids: Iterable) -> np.ndarray:
    """Return ids as an integer or unicode array, which np.load reads without pickle."""
    array = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    return array.astype(str)


def _plain(value: Any) -> Any:
    """Convert numpy scalars to Python ones and non-finite floats to None (JSON has no NaN)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
