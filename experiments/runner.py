"""Run a list of RunSpecs, skipping complete runs, optionally in several processes."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import pathlib
import shutil
import time
from typing import Callable, Optional

from absl import logging

from coord_w2v import metrics_io
from experiments.definitions import RunSpec

# The prepared data of the last data configuration a process used; runs are
# ordered so that consecutive runs usually share it.
_PREPARED_CACHE: dict = {}
RUNS_PER_WORKER = 20


def is_complete(run_dir: str | os.PathLike) -> bool:
    """Return whether a run folder contains a config and metrics whose last record is final."""
    run_dir = pathlib.Path(run_dir)
    metrics = run_dir / metrics_io.METRICS_FILE
    if not (run_dir / metrics_io.CONFIG_FILE).exists() or not metrics.exists():
        return False
    try:
        records = metrics_io.read_records(metrics)
    except ValueError:
        return False
    return bool(records) and bool(records[-1].get("final"))


def run_one(spec: RunSpec, runs_dir: str) -> tuple[str, float]:
    """Train one run into <runs_dir>/<spec.folder>, replacing an incomplete earlier attempt.

    Returns:
      (the run folder, wall seconds).
    """
    # Imported here so that worker processes load TensorFlow themselves.
    from coord_w2v.datasets import prepare_data  # pylint: disable=import-outside-toplevel
    from coord_w2v.training import train_and_evaluate  # pylint: disable=import-outside-toplevel

    started = time.perf_counter()
    run_dir = os.path.join(runs_dir, spec.folder)
    if os.path.isdir(run_dir):
        # An incomplete run: its partial outputs are removed and it starts over.
        shutil.rmtree(run_dir)
    key = (spec.data, spec.train.eval_pairs, spec.train.eval_entities, spec.train.precision_k,
           spec.train.min_user_entries)
    if key not in _PREPARED_CACHE:
        _PREPARED_CACHE.clear()
        _PREPARED_CACHE[key] = prepare_data(spec.data, spec.train)
    train_and_evaluate(spec.data, spec.train, output_dir=run_dir, prepared=_PREPARED_CACHE[key])
    return run_dir, time.perf_counter() - started


def run_all(specs: list[RunSpec], runs_dir: str, processes: int = 1,
            progress: Optional[Callable[[str], None]] = None) -> dict[str, int]:
    """Run every spec whose folder is not complete yet.

    Args:
      specs: the runs.
      runs_dir: root folder of the run folders.
      processes: worker processes that train at the same time.
      progress: receives one line per finished run (runs done / total, ETA);
        defaults to logging.info.

    Returns:
      {"total": ..., "skipped": ..., "ran": ...}.
    """
    progress = progress or logging.info
    pending = [spec for spec in specs if not is_complete(os.path.join(runs_dir, spec.folder))]
    skipped = len(specs) - len(pending)
    progress(f"{len(specs)} runs: {skipped} already complete, {len(pending)} to run with {processes} process(es).")
    started = time.perf_counter()
    done = 0

    def report(folder: str, seconds: float) -> None:
        nonlocal done
        done += 1
        elapsed = time.perf_counter() - started
        remaining = elapsed / done * (len(pending) - done)
        progress(f"[{skipped + done}/{len(specs)}] {folder} in {seconds:.1f} s; "
                 f"elapsed {elapsed / 60:.1f} min, ETA {remaining / 60:.1f} min")

    # Runs go to worker processes that are replaced every RUNS_PER_WORKER runs,
    # because a TensorFlow process grows by a few hundred MB per run, which would
    # exhaust memory over the hundreds of runs of a paper-scale target.
    context = multiprocessing.get_context("spawn")
    batch_size = RUNS_PER_WORKER * max(processes, 1)
    for start in range(0, len(pending), batch_size):
        batch = pending[start:start + batch_size]
        with concurrent.futures.ProcessPoolExecutor(max_workers=max(processes, 1), mp_context=context) as pool:
            futures = [pool.submit(run_one, spec, runs_dir) for spec in batch]
            for future in concurrent.futures.as_completed(futures):
                report(*future.result())
    return {"total": len(specs), "skipped": skipped, "ran": len(pending)}
