"""Figure 6: IND for dimensions d = 5 to 200, vs parameter updates (left) and positives (right).

It reproduces Figure 6 of Buchnik et al., "Self-similar Epochs: Value in Arrangement" (ICML 2019).

Runs: one-sided IND with b = 64, lambda = 10, eta = 0.02 on MovieLens, Amazon
and stochastic blocks with B = 10; one curve per dimension present. Rows:
cosine gap and precision@10 of each data set. Parameter updates per positive
grow with d, so the two axes order the dimensions differently. Regenerate with

  python -m plots.fig6 --runs_dir=runs --output_dir=figures

which writes fig6.{png,pdf} with both axes side by side; --x=positives or
--x=parameter_updates writes fig6_<x>.{png,pdf} with that axis only.
"""

from __future__ import annotations

import os
import pathlib

import pandas as pd
from absl import app, flags

from coord_w2v import results
from plots import common

NUMBER_OF_BLOCKS = 10
MEASURES = ("cosine_gap", "precision_at_10")
CONFIG = {key: value for key, value in common.PAPER_CONFIG.items() if key != "dim"}


def make_figure(frame: pd.DataFrame, output_dir: str | os.PathLike, x: str) -> list[pathlib.Path]:
    """Draw Figure 6 and return the PNG and PDF paths.

    Args:
      frame: records from coord_w2v.results.load_runs.
      output_dir: the folder of the files.
      x: "both" for the paper's two columns, or one axis.

    Raises:
      ValueError: no run of any panel exists.
    """
    axes = common.x_axes(x)
    runs = common.select_runs(frame, method="IND", **CONFIG)
    places = [(common.DATA_SET_LABELS[name], common.data_set_runs(runs, name))
              for name in results.RECOMMENDATION_DATA_SETS]
    places.append((f"blocks B={NUMBER_OF_BLOCKS}", common.blocks_runs(runs, NUMBER_OF_BLOCKS)))

    panels = []
    for place, selected in places:
        series = common.sweep_series(selected, "dim", lambda dim: f"d={dim}")
        if not series:
            series = [common.Series("IND, any dimension", {"method": "IND"})]
        for measure in MEASURES:
            panels.append([common.Panel(selected, measure, common.panel_title(place, measure), series, axis)
                           for axis in axes])
    stem = "fig6" if x == "both" else f"fig6_{x}"
    return common.draw_figure(panels, axes[0], "Figure 6", "Dimension sweep, IND (b=64, eta=0.02)",
                              f"IND runs on MovieLens, Amazon or blocks with B={NUMBER_OF_BLOCKS} and {CONFIG}",
                              output_dir, stem)


if __name__ == "__main__":
    common.define_flags()
    flags.adopt_module_key_flags(common)
    app.run(common.run_figure(make_figure, one_call_for_both=True))
