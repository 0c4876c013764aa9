"""Figure 7: cosine gap and precision@10 of IND for learning rates 0.01 to 0.15, blocks B = 10 and 100.

It reproduces Figure 7 of Buchnik et al., "Self-similar Epochs: Value in Arrangement" (ICML 2019).

Runs: one-sided IND on stochastic blocks with d = 50, b = 64, lambda = 10;
one curve per learning rate present. Regenerate with

  python -m plots.fig7 --runs_dir=runs --output_dir=figures

which writes fig7_parameter_updates.{png,pdf} and fig7_positives.{png,pdf}.
"""

from __future__ import annotations

import os
import pathlib

import pandas as pd
from absl import app, flags

from plots import common

NUMBERS_OF_BLOCKS = (10, 100)
MEASURES = ("cosine_gap", "precision_at_10")
CONFIG = {key: value for key, value in common.PAPER_CONFIG.items() if key != "learning_rate"}


def make_figure(frame: pd.DataFrame, output_dir: str | os.PathLike, x: str) -> list[pathlib.Path]:
    """Draw Figure 7 on the `x` axis and return the PNG and PDF paths.

    Raises:
      ValueError: no run of any panel exists.
    """
    runs = common.select_runs(frame, data_set="blocks", method="IND", **CONFIG)
    panels = []
    for measure in MEASURES:
        row = []
        for number in NUMBERS_OF_BLOCKS:
            selected = common.blocks_runs(runs, number)
            series = common.sweep_series(selected, "learning_rate", lambda rate: f"eta={rate:g}")
            if not series:
                series = [common.Series("IND, any learning rate", {"method": "IND"})]
            row.append(common.Panel(selected, measure, common.panel_title(f"B={number}", measure), series))
        panels.append(row)
    return common.draw_figure(panels, x, "Figure 7", "Learning-rate sweep, IND (d=50, b=64)",
                              f"IND runs on blocks with B in {NUMBERS_OF_BLOCKS} and {CONFIG}", output_dir,
                              f"fig7_{x}")


if __name__ == "__main__":
    common.define_flags()
    flags.adopt_module_key_flags(common)
    app.run(common.run_figure(make_figure))
