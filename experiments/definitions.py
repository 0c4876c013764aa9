"""Declarative definitions of the runs behind each table and figure of the paper.

The paper is Buchnik, Cohen, Hassidim and Matias, "Self-similar Epochs: Value
in Arrangement", ICML 2019.

Each target (table1, table2, fig3, ..., fig10) is a list of RunSpec objects at
one of two scales:

- "paper": the paper's sizes (blocks n = 10^4, r = 10^7, B in {10, 20, 50,
  100}; MovieLens 1M; the Amazon substitute; d = 50, lambda = 10, b = 64,
  eta = 0.02) with the paper's 5 splits x 10 runs, except table1 (5 splits x 2
  runs = 10 runs per setting, which fits in 2 hours on 2 CPU cores).
- "small": the same shapes on small matrices (blocks n = 600, MovieLens
  100K) with 1 split x 2 runs, sized to finish on 2 CPU cores in minutes; the
  tests use it.

Runs that several targets share (e.g. the IND and COO runs of table1 and fig3)
have equal RunSpecs and the same folder, so they run once.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Optional

from coord_w2v.config import DataConfig, TrainConfig

TARGETS = ("table1", "table2", "fig3", "fig4", "fig5", "fig6", "fig7", "fig8", "fig9", "fig10")
SCALES = ("paper", "small")
BLOCK_COUNTS = (10, 20, 50, 100)

# Data files below the data folder. MovieLens 1M is the reassembled file whose
# ratings 1-3 of some users are unknown; MovieLens 100K is used when it is
# absent and at small scale.
MOVIELENS_1M = "ml-1m/ratings_reassembled.tsv.gz"
MOVIELENS_100K = "ml-100k/u.data"
# Amazon Fine Foods is not available here; the Toys and Games ratings (train and
# test files, user, item, rating) stand in for it.
AMAZON_SUBSTITUTE = ("amazon-toys-deepcf/AToy.train.rating.gz", "amazon-toys-deepcf/AToy.test.rating.gz")

# MIX switch points in positives: the paper's MovieLens value; for the Amazon
# substitute the paper's 4.5M scaled by the ratio of nonzeros (79k / 568k).
MIX_SWITCH = {"movielens": 250_000, "amazon": 640_000}


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """One training run of an experiment.

    Attributes:
      setting: label shared by the runs that are compared, e.g. "blocks_B10".
      data: the data configuration.
      train: the training configuration (its `setting` equals `setting`).
    """

    setting: str
    data: DataConfig
    train: TrainConfig

    @property
    def folder(self) -> str:
        """Relative folder of the run: <setting>/<method>/split<split>_seed<seed>."""
        method = self.train.method.replace(" ", "_").replace("@", "_at_").replace("=", "")
        return os.path.join(self.setting, method, f"split{self.data.split}_seed{self.train.seed}")


@dataclasses.dataclass(frozen=True)
class Scale:
    """Sizes of one scale."""

    blocks_n: int
    blocks_interactions: int
    blocks_positives: int
    blocks_eval_every: int
    rec_positives: int
    rec_eval_every: int
    num_splits: int
    runs_per_split: int
    table1_runs_per_split: int
    selection_positives: int
    selection_eval_every: int


SCALE_SIZES = {
    "paper": Scale(blocks_n=10_000, blocks_interactions=10_000_000, blocks_positives=16_000_000,
                   blocks_eval_every=500_000, rec_positives=6_000_000, rec_eval_every=200_000, num_splits=5,
                   runs_per_split=10, table1_runs_per_split=2, selection_positives=8_000_000,
                   selection_eval_every=250_000),
    "small": Scale(blocks_n=600, blocks_interactions=120_000, blocks_positives=480_000,
                   blocks_eval_every=48_000, rec_positives=1_200_000, rec_eval_every=150_000, num_splits=1,
                   runs_per_split=2, table1_runs_per_split=2, selection_positives=80_000,
                   selection_eval_every=10_000),
}


def _blocks(scale: Scale, num_blocks: int, split: int) -> DataConfig:
    return DataConfig(dataset="blocks", blocks_n=scale.blocks_n, blocks_num_blocks=num_blocks,
                      blocks_interactions=scale.blocks_interactions, split=split)


def _recommendation(name: str, data_dir: str, split: int, small: bool) -> DataConfig:
    if name == "movielens":
        path = os.path.join(data_dir, MOVIELENS_1M)
        if small or not os.path.exists(path):
            path = os.path.join(data_dir, MOVIELENS_100K)
        return DataConfig(dataset="movielens", data_path=path, split=split)
    paths = ",".join(os.path.join(data_dir, relative) for relative in AMAZON_SUBSTITUTE)
    return DataConfig(dataset="pairs", data_path=paths, score_column=2, min_score=3.0, split=split)


def _runs(setting: str, data_of_split, train: TrainConfig, num_splits: int, runs_per_split: int) -> list[RunSpec]:
    train = dataclasses.replace(train, setting=setting)
    return [RunSpec(setting, data_of_split(split), dataclasses.replace(train, seed=seed))
            for split in range(num_splits) for seed in range(runs_per_split)]


def target_runs(target: str, scale_name: str, data_dir: Optional[str] = None, num_splits: Optional[int] = None,
                runs_per_split: Optional[int] = None) -> list[RunSpec]:
    """Return the runs of one target at one scale.

    Args:
      target: one of TARGETS.
      scale_name: one of SCALES.
      data_dir: folder with the real data sets (MovieLens, Amazon substitute);
        needed by table2, fig4, fig6 and fig10.
      num_splits: overrides the scale's number of splits.
      runs_per_split: overrides the scale's runs per split (for every target,
        table1 included).

    Returns:
      The RunSpecs, in an order that keeps runs on the same data together.

    Raises:
      ValueError: unknown target or scale, or a missing data_dir.
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}; got {target!r}.")
    if scale_name not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}; got {scale_name!r}.")
    scale = SCALE_SIZES[scale_name]
    if num_splits is not None:
        scale = dataclasses.replace(scale, num_splits=num_splits)
    if runs_per_split is not None:
        scale = dataclasses.replace(scale, runs_per_split=runs_per_split, table1_runs_per_split=runs_per_split)
    splits, runs = scale.num_splits, scale.runs_per_split
    blocks_train = TrainConfig(num_positives=scale.blocks_positives, eval_every=scale.blocks_eval_every)
    specs: list[RunSpec] = []

    def blocks_runs(num_blocks, train, setting=None, runs_per_split=runs):
        setting = setting or f"blocks_B{num_blocks}"
        return _runs(setting, lambda split: _blocks(scale, num_blocks, split), train, splits, runs_per_split)

    def rec_runs(name, train, setting=None):
        if data_dir is None:
            raise ValueError(f"target {target!r} needs the real data sets; pass data_dir.")
        # The Amazon substitute has 34k sparse columns and needs twice the training of MovieLens to peak.
        factor = 2 if name == "amazon" and scale_name == "paper" else 1
        rec_train = dataclasses.replace(train, num_positives=factor * scale.rec_positives,
                                        eval_every=factor * scale.rec_eval_every)
        small = scale_name == "small"
        return _runs(setting or name, lambda split: _recommendation(name, data_dir, split, small), rec_train, splits,
                     runs)

    def mix(name):
        switch = MIX_SWITCH[name] if scale_name == "paper" else scale.rec_positives // 4
        return TrainConfig(arrangement="mix", mix_from="coo", mix_to="ind", mix_switch=switch,
                           num_positives=scale.rec_positives)

    if target in ("table1", "fig3"):
        runs_per_split = scale.table1_runs_per_split if target == "table1" else runs
        arrangements = ("ind", "coo") if target == "table1" else ("ind", "coo", "coo_optlsh")
        for num_blocks in BLOCK_COUNTS:
            for arrangement in arrangements:
                train = dataclasses.replace(blocks_train, arrangement=arrangement)
                specs += blocks_runs(num_blocks, train, runs_per_split=runs_per_split)
    elif target in ("table2", "fig4"):
        for name in ("movielens", "amazon"):
            for train in (TrainConfig(arrangement="ind"), TrainConfig(arrangement="coo"), mix(name)):
                specs += rec_runs(name, train)
    elif target == "fig5":
        for num_blocks in (10, 100):
            for per_entity in (5, 10, 15, 20):
                for method in ("ind", "coo"):
                    train = TrainConfig(arrangement="ind", select=method, select_per_entity=per_entity,
                                        batch_size=4, bias=False, num_positives=scale.selection_positives,
                                        eval_every=scale.selection_eval_every)
                    specs += blocks_runs(num_blocks, train, setting=f"blocks_B{num_blocks}_T{per_entity}")
    elif target == "fig6":
        for dim in (5, 10, 25, 50, 100, 200):
            train = dataclasses.replace(blocks_train, dim=dim)
            specs += blocks_runs(10, train, setting=f"blocks_B10_d{dim}")
            for name in ("movielens", "amazon"):
                specs += rec_runs(name, TrainConfig(dim=dim), setting=f"{name}_d{dim}")
    elif target == "fig7":
        for num_blocks in (10, 100):
            for rate in (0.01, 0.02, 0.05, 0.1, 0.15):
                train = dataclasses.replace(blocks_train, learning_rate=rate)
                specs += blocks_runs(num_blocks, train, setting=f"blocks_B{num_blocks}_eta{rate}")
    elif target == "fig8":
        for num_blocks in (10, 100):
            for arrangement in ("ind", "coo", "coo_optlsh"):
                train = dataclasses.replace(blocks_train, arrangement=arrangement, learning_rate=0.01)
                specs += blocks_runs(num_blocks, train, setting=f"blocks_B{num_blocks}_eta0.01")
    elif target == "fig9":
        for num_blocks in BLOCK_COUNTS:
            # MIX switches to IND after a quarter of the training, where COO's lead is largest.
            for overrides in (dict(arrangement="ind"), dict(arrangement="coo"),
                              dict(arrangement="ind", two_sided=True),
                              dict(arrangement="mix", mix_switch=blocks_train.num_positives // 4)):
                specs += blocks_runs(num_blocks, dataclasses.replace(blocks_train, **overrides))
    elif target == "fig10":
        for name in ("movielens", "amazon"):
            for train in (TrainConfig(arrangement="ind"), TrainConfig(arrangement="coo"), mix(name),
                          TrainConfig(arrangement="ind", two_sided=True)):
                specs += rec_runs(name, train)
    return specs


def all_runs(targets: list[str], scale_name: str, data_dir: Optional[str] = None, num_splits: Optional[int] = None,
             runs_per_split: Optional[int] = None) -> list[RunSpec]:
    """Return the runs of several targets, each shared run once, in first-seen order."""
    seen: dict[str, RunSpec] = {}
    for target in targets:
        for spec in target_runs(target, scale_name, data_dir, num_splits, runs_per_split):
            seen.setdefault(spec.folder, spec)
    return list(seen.values())
