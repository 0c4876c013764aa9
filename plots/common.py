"""Loading, drawing and saving shared by the figure scripts plots/fig3.py ... plots/fig10.py.

The figures are those of Buchnik et al., "Self-similar Epochs: Value in
Arrangement" (ICML 2019), called "the paper" below.

Every figure reads only metrics.jsonl files (coord_w2v.results.load_runs).
Each curve is the mean over the runs of one group, with a band of
mean +- 1.96 standard errors across runs (no band for a single run). A panel
whose runs are missing draws what exists and the script logs what is missing.

Panels pick runs by their fields, not by setting labels: blocks runs by B
(the `num_blocks` column, read from the data name), recommendation runs by
the `data_set` column, and then by configuration. Runs that repeat another
run's configuration, split and seed under another setting are dropped
(coord_w2v.results.drop_duplicate_runs). A panel with runs of several
matrices (data names) draws one curve per matrix.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import sys
from typing import Any, Callable, Optional, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from absl import app, flags, logging

from coord_w2v import results
from experiments import paper_numbers

# Files only, no display. Since matplotlib 3.5 pyplot picks its backend on first use, so this works after the import.
matplotlib.use("Agg")

X_AXES = ("parameter_updates", "positives")
X_LABELS = {"parameter_updates": "parameter updates", "positives": "positives"}
MEASURE_LABELS = {"cosine_gap": "cosine gap", "precision_at_10": "precision@10"}
# Two-sided 97.5% quantile of the standard normal.
Z_95 = 1.959963984540054

# The configuration of the paper's main experiments (d = 50, b = 64, lambda = 10, eta = 0.02).
PAPER_CONFIG = {"dim": paper_numbers.PAPER_DIM, "batch_size": paper_numbers.PAPER_BATCH_SIZE,
                "neg_ratio": paper_numbers.PAPER_NEG_RATIO, "learning_rate": paper_numbers.PAPER_LEARNING_RATE}
DATA_SET_LABELS = {"movielens": "MovieLens", "amazon": "Amazon"}

_METHOD_COLORS = {"IND": "tab:blue", "COO": "tab:red", "COO+OPTLSH": "tab:green", "IND two-sided": "tab:gray"}
_METHOD_LINESTYLES = {"COO+OPTLSH": "--", "IND two-sided": ":"}
_MIX_COLOR = "tab:purple"


@dataclasses.dataclass(frozen=True)
class Series:
    """One curve of a panel: the runs whose fields equal `select`, averaged.

    Attributes:
      label: legend text.
      select: field values that pick the runs, e.g. {"method": "COO"}.
      color: a matplotlib color.
      linestyle: a matplotlib line style.
    """

    label: str
    select: dict[str, Any]
    color: Any = None
    linestyle: str = "-"


@dataclasses.dataclass(frozen=True)
class Panel:
    """One panel of a figure.

    Attributes:
      runs: the runs that may appear in the panel.
      measure: the quality column on the y axis.
      title: the panel title, also used in logs of missing runs.
      series: the curves to draw.
      x: the training amount on the x axis; None takes the figure's.
    """

    runs: pd.DataFrame
    measure: str
    title: str
    series: Sequence[Series]
    x: Optional[str] = None


def method_series(frame: pd.DataFrame, methods: Sequence[str]) -> list[Series]:
    """Return a Series per method, in the given order.

    "MIX@" stands for every MIX@<switch> method present in `frame`, ordered by
    switch point; other names are taken as they are, present or not.
    """
    series = []
    for method in methods:
        if method == "MIX@":
            present = set(frame["method"]) if not frame.empty else set()
            mixes = [name for name in present if str(name).startswith("MIX@")]
            names = sorted(mixes, key=lambda name: float(name.split("@", 1)[1])) or ["MIX@"]
        else:
            names = [method]
        for name in names:
            if name.startswith("MIX@"):
                color = _MIX_COLOR
            else:
                # "IND selection T=5" and "COO selection T=5" take the colors of IND and COO.
                color = _METHOD_COLORS.get(name, _METHOD_COLORS.get(name.split()[0]))
            series.append(Series(name, {"method": name}, color, _METHOD_LINESTYLES.get(name, "-")))
    return series


def sweep_series(frame: pd.DataFrame, field: str, label: Callable[[Any], str]) -> list[Series]:
    """Return a Series per distinct value of `field` in `frame`, colored along a viridis scale."""
    values = sorted(frame[field].dropna().unique()) if not frame.empty else []
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.9, max(len(values), 1)))
    return [Series(label(value), {field: value.item() if hasattr(value, "item") else value}, colors[index])
            for index, value in enumerate(values)]


def draw_panel(ax: plt.Axes, frame: pd.DataFrame, measure: str, x: str, series: Sequence[Series],
               title: str) -> list[str]:
    """Draw the mean curve and 95% band of each series on `ax`.

    Groups of MIX runs also get a dashed vertical line at their switch point.

    Args:
      ax: the panel.
      frame: the runs that may appear in this panel.
      measure: the quality column.
      x: the training amount, "parameter_updates" or "positives".
      series: the curves to draw.
      title: the panel title.

    Returns:
      The labels of the series without runs in `frame`.
    """
    missing = []
    several_matrices = not frame.empty and frame["data_name"].nunique() > 1
    for item in series:
        runs = results.filter_runs(frame, **item.select) if not frame.empty else frame
        if runs.empty:
            missing.append(item.label)
            continue
        groups = results.mean_curves(runs, measure, x, by=(*item.select, "data_name"))
        for group in groups.values():
            label = f"{item.label} ({group.num_runs} runs)"
            if several_matrices:
                label += f", {group.key['data_name']}"
            _draw_group(ax, group, label, item.color, item.linestyle)
            switch = group.config.get("mix_switch")
            if switch is not None and not pd.isna(switch):
                ax.axvline(_positives_to_x(runs, float(switch), x), color=item.color or _MIX_COLOR,
                           linestyle="--", linewidth=0.8)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(X_LABELS[x])
    ax.set_ylabel(MEASURE_LABELS.get(measure, measure))
    ax.grid(alpha=0.3)
    if len(missing) == len(series):
        ax.text(0.5, 0.5, "no runs", transform=ax.transAxes, ha="center", va="center", color="gray")
    else:
        ax.legend(fontsize=7)
    return missing


def _draw_group(ax: plt.Axes, group: results.CurveGroup, label: str, color: Any, linestyle: str) -> None:
    mean = group.mean
    half_width = Z_95 * group.standard_error  # NaN for a single run, which draws no band
    (line,) = ax.plot(group.amounts, mean, label=label, color=color, linestyle=linestyle, linewidth=1.2)
    if group.num_runs > 1:
        ax.fill_between(group.amounts, mean - half_width, mean + half_width, color=line.get_color(), alpha=0.2,
                        linewidth=0)


def _positives_to_x(runs: pd.DataFrame, positives: float, x: str) -> float:
    """Convert an amount of positives to the `x` axis, using the runs' parameter updates per positive."""
    if x == "positives":
        return positives
    trained = runs[runs["positives"] > 0]
    per_positive = float(np.median(trained["parameter_updates"] / trained["positives"]))
    return positives * per_positive


def select_runs(frame: pd.DataFrame, **fields: Any) -> pd.DataFrame:
    """Return the runs whose fields equal `fields`, without runs that repeat another's configuration and seed."""
    if frame.empty:
        return frame
    return results.drop_duplicate_runs(results.filter_runs(frame, **fields))


def blocks_runs(runs: pd.DataFrame, number_of_blocks: int) -> pd.DataFrame:
    """Return the stochastic blocks runs with `number_of_blocks` blocks."""
    if runs.empty:
        return runs
    return runs[(runs["data_set"] == "blocks") & (runs["num_blocks"] == number_of_blocks)]


def data_set_runs(runs: pd.DataFrame, data_set: str) -> pd.DataFrame:
    """Return the runs of one data set ("movielens", "amazon", "blocks", ...)."""
    return runs[runs["data_set"] == data_set] if not runs.empty else runs


def panel_title(place: str, measure: str) -> str:
    """Return a panel title such as "B=10, cosine gap"."""
    return f"{place}, {MEASURE_LABELS.get(measure, measure)}"


def blocks_panels(runs: pd.DataFrame, numbers_of_blocks: Sequence[int], measures: Sequence[str],
                  methods: Sequence[str], optional: Sequence[str] = ()) -> list[list[Panel]]:
    """Return method panels of stochastic blocks runs, a row per measure and a column per number of blocks B."""
    return [[method_panel(blocks_runs(runs, number), panel_title(f"B={number}", measure), measure, methods, optional)
             for number in numbers_of_blocks]
            for measure in measures]


def recommendation_panels(runs: pd.DataFrame, measures: Sequence[str], methods: Sequence[str],
                          optional: Sequence[str] = ()) -> list[list[Panel]]:
    """Return a row of method panels for MovieLens and one for Amazon, one panel per measure.

    A data set without runs still gets a row, whose panels show "no runs", so
    the figure keeps the paper's layout and the log names what is missing.
    """
    rows = []
    for data_set in results.RECOMMENDATION_DATA_SETS:
        selected = data_set_runs(runs, data_set)
        rows.append([method_panel(selected, panel_title(DATA_SET_LABELS[data_set], measure), measure, methods,
                                  optional) for measure in measures])
    return rows


def new_figure(num_rows: int, num_columns: int, title: str,
               panel_size: tuple[float, float] = (3.6, 2.8)) -> tuple[plt.Figure, np.ndarray]:
    """Create a figure with a [num_rows, num_columns] array of panels, each `panel_size` inches (width, height)."""
    figure, axes = plt.subplots(max(num_rows, 1), max(num_columns, 1), squeeze=False, layout="constrained",
                                figsize=(panel_size[0] * max(num_columns, 1), panel_size[1] * max(num_rows, 1)))
    figure.suptitle(title, fontsize=10)
    return figure, axes


def save_figure(figure: plt.Figure, output_dir: str | os.PathLike, stem: str) -> list[pathlib.Path]:
    """Write `figure` as <stem>.png and <stem>.pdf into `output_dir`, close it and return both paths."""
    output_dir = pathlib.Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = [output_dir / f"{stem}.png", output_dir / f"{stem}.pdf"]
    for path in paths:
        figure.savefig(path, dpi=150)
    plt.close(figure)
    logging.info("Wrote %s.", ", ".join(str(path) for path in paths))
    return paths


def method_panel(runs: pd.DataFrame, title: str, measure: str, methods: Sequence[str],
                 optional: Sequence[str] = ()) -> Panel:
    """Return a panel with a curve per method.

    Args:
      runs: the runs of the panel.
      title: the panel title.
      measure: the quality column.
      methods: method names; "MIX@" stands for every MIX method present.
      optional: methods that are drawn when present and not reported missing
        when absent.
    """
    present = set(runs["method"]) if not runs.empty else set()
    # An absent MIX placeholder keeps the label "MIX@", which is not a present method.
    series = [item for item in method_series(runs, methods) if item.label not in optional or item.label in present]
    return Panel(runs, measure, title, series)


def draw_figure(panels: Sequence[Sequence[Panel]], x: str, name: str, title: str, needed: str,
                output_dir: str | os.PathLike, stem: str) -> list[pathlib.Path]:
    """Draw a grid of panels, log the missing series and save the figure as PNG and PDF.

    Args:
      panels: [num_rows][num_columns] panels.
      x: the training amount of panels whose own `x` is None.
      name: the figure's name in messages, e.g. "Figure 3".
      title: the figure title.
      needed: the runs the figure needs, for the error message.
      output_dir: the folder of the files.
      stem: the file name without extension.

    Returns:
      The PNG and PDF paths.

    Raises:
      ValueError: no series of any panel has runs.
    """
    num_columns = max((len(row) for row in panels), default=0)
    figure, axes = new_figure(len(panels), num_columns, title)
    num_series = 0
    missing: list[tuple[str, list[str]]] = []
    for row_index, row in enumerate(panels):
        for column_index, panel in enumerate(row):
            num_series += len(panel.series)
            labels = draw_panel(axes[row_index, column_index], panel.runs, panel.measure, panel.x or x,
                                panel.series, panel.title)
            missing.append((panel.title, labels))
    if num_series == sum(len(labels) for _, labels in missing):
        plt.close(figure)
        raise ValueError(f"{name}: none of its runs were found. It needs {needed}.")
    for panel_title, labels in missing:
        if labels:
            logging.warning("%s, panel %r: no runs for %s.", name, panel_title, ", ".join(labels))
    return save_figure(figure, output_dir, stem)


def x_axes(choice: str) -> tuple[str, ...]:
    """Return the x axes to draw for the --x flag value: one axis, or both for "both"."""
    if choice == "both":
        return X_AXES
    if choice not in X_AXES:
        raise ValueError(f"x must be one of {X_AXES + ('both',)}, got {choice!r}.")
    return (choice,)


FLAGS = flags.FLAGS


def define_flags() -> None:
    """Define the flags every figure script takes; called only when a script runs as the main program."""
    flags.DEFINE_string("runs_dir", None, "Folder searched recursively for metrics.jsonl files.")
    flags.DEFINE_string("output_dir", None, "Folder that receives the PNG and PDF files.")
    flags.DEFINE_enum("x", "both", list(X_AXES) + ["both"],
                      "Training amount on the x axis: parameter_updates (the paper's axis), positives, or both "
                      "(one file per axis).")
    flags.mark_flags_as_required(["runs_dir", "output_dir"])


def run_figure(make_figure: Callable[[pd.DataFrame, str | os.PathLike, str], list[pathlib.Path]],
               one_call_for_both: bool = False) -> Callable[[Sequence[str]], None]:
    """Return an absl main that loads --runs_dir and calls `make_figure` per x axis.

    Args:
      make_figure: the figure's make_figure(frame, output_dir, x).
      one_call_for_both: pass --x as it is, "both" included, in one call (for
        a figure that draws both axes side by side).
    """

    def main(argv: Sequence[str]) -> None:
        if len(argv) > 1:
            raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
        try:
            frame = results.load_complete_runs(FLAGS.runs_dir)
            choices = [FLAGS.x] if one_call_for_both else list(x_axes(FLAGS.x))
            for choice in choices:
                for path in make_figure(frame, FLAGS.output_dir, choice):
                    print(path)
        except (OSError, ValueError) as error:
            # Missing or damaged metrics end the script with one line instead of a traceback.
            sys.exit(f"plots.{pathlib.Path(make_figure.__code__.co_filename).stem}: error: {error}")

    return main
