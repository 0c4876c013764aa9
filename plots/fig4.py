"""Figure 4: precision@10 and cosine gap of COO, IND and MIX on MovieLens (top) and Amazon (bottom).

It reproduces Figure 4 of Buchnik et al., "Self-similar Epochs: Value in Arrangement" (ICML 2019).

Columns: precision@10 (left) and cosine gap (right). Rows: MovieLens (top)
and Amazon (bottom), as coord_w2v.results.data_set_name names the runs' data.
Runs: d = 50, b = 64, lambda = 10, eta = 0.02. A dashed vertical line marks
each MIX method's switch from COO to IND. Regenerate with

  python -m plots.fig4 --runs_dir=runs --output_dir=figures

which writes fig4_parameter_updates.{png,pdf} and fig4_positives.{png,pdf}.
"""

from __future__ import annotations

import os
import pathlib

import pandas as pd
from absl import app, flags

from plots import common

# "MIX@" stands for every MIX@<switch> method present.
METHODS = ("COO", "IND", "MIX@")
MEASURES = ("precision_at_10", "cosine_gap")


def make_figure(frame: pd.DataFrame, output_dir: str | os.PathLike, x: str) -> list[pathlib.Path]:
    """Draw Figure 4 on the `x` axis and return the PNG and PDF paths.

    Raises:
      ValueError: no run of any panel exists.
    """
    runs = common.select_runs(frame, **common.PAPER_CONFIG)
    panels = common.recommendation_panels(runs, MEASURES, METHODS)
    return common.draw_figure(panels, x, "Figure 4", "Recommendation data (d=50, b=64, eta=0.02)",
                              f"movielens or amazon runs of methods {METHODS} with {common.PAPER_CONFIG}",
                              output_dir, f"fig4_{x}")


if __name__ == "__main__":
    common.define_flags()
    flags.adopt_module_key_flags(common)
    app.run(common.run_figure(make_figure))
