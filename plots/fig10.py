"""Figure 10: one-sided COO, MIX and IND vs two-sided IND on MovieLens (top) and Amazon (bottom).

It reproduces Figure 10 of Buchnik et al., "Self-similar Epochs: Value in Arrangement" (ICML 2019).

Columns: precision@10 (left) and cosine gap (right). Rows: MovieLens (top)
and Amazon (bottom), as coord_w2v.results.data_set_name names the runs' data.
Runs: d = 50, b = 64, lambda = 10, eta = 0.02. A dashed vertical line marks
each MIX method's switch from COO to one-sided IND. Regenerate with

  python -m plots.fig10 --runs_dir=runs --output_dir=figures

which writes fig10_parameter_updates.{png,pdf} and fig10_positives.{png,pdf}.
"""

from __future__ import annotations

import os
import pathlib

import pandas as pd
from absl import app, flags

from plots import common

# "MIX@" stands for every MIX@<switch> method present.
METHODS = ("COO", "MIX@", "IND", "IND two-sided")
MEASURES = ("precision_at_10", "cosine_gap")


def make_figure(frame: pd.DataFrame, output_dir: str | os.PathLike, x: str) -> list[pathlib.Path]:
    """Draw Figure 10 on the `x` axis and return the PNG and PDF paths.

    Raises:
      ValueError: no run of any panel exists.
    """
    runs = common.select_runs(frame, **common.PAPER_CONFIG)
    panels = common.recommendation_panels(runs, MEASURES, METHODS)
    return common.draw_figure(panels, x, "Figure 10", "One-sided vs two-sided training, recommendation data",
                              f"movielens or amazon runs of methods {METHODS} with {common.PAPER_CONFIG}",
                              output_dir, f"fig10_{x}")


if __name__ == "__main__":
    common.define_flags()
    flags.adopt_module_key_flags(common)
    app.run(common.run_figure(make_figure))
