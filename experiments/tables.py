"""Tables 1 and 2 of Buchnik et al., "Self-similar Epochs: Value in Arrangement" (ICML 2019), from metrics files.

The tables give the training gain over IND, beside the published numbers.

Regenerate both tables from the runs below runs/:

  python -m experiments.tables --runs_dir=runs --output_dir=results --target=table1
  python -m experiments.tables --runs_dir=runs --output_dir=results --target=table2

Each writes <target>.csv and <target>.md to --output_dir and prints the
Markdown table. Rows are long-form: one per quality measure, setting, run
configuration, method and fraction q of the peak.

- Table 1: COO over IND on every blocks setting (dataset "blocks").
- Table 2: COO and each MIX@<switch> method over IND on every other data set.
  Data read as "pairs" or "user_lists" counts as MovieLens or Amazon when its
  setting label starts with "movielens" or "amazon"
  (coord_w2v.results.data_set_name), and then gets that data set's published
  numbers.

The peak is the maximum of COO's mean curve (the method's own when a setting
has no COO runs). Gains are computed on the parameter-updates axis; t_IND is
given in 10^9 parameter updates and in positives. Intervals are 95% percentile
bootstrap intervals over runs (coord_w2v.gain.bootstrap_gains). A quantity
that cannot be computed because a curve never reaches the level is written as
"not reached". The paper's numbers fill the paper_* columns only for runs with
the paper's configuration (d = 50, b = 64, lambda = 10, learning rate 0.02).
"""

from __future__ import annotations

import math
import os
import pathlib
import sys
from typing import Any, Callable, Optional, Sequence

import numpy as np
import pandas as pd
from absl import app, flags, logging

from coord_w2v import results
from coord_w2v.gain import BootstrapGain, bootstrap_gains
from experiments import paper_numbers

NOT_REACHED = "not reached"
REFERENCE = "IND"
MEASURE_NAMES = {"cosine_gap": "cosine gap", "precision_at_10": "precision@10"}
# Runs are compared only with runs of the same setting and hyperparameters.
CONFIG_KEYS = ("setting", "dim", "neg_ratio", "batch_size", "learning_rate")
GROUP_FIELDS = CONFIG_KEYS + ("method",)
# Columns holding computed quantities; None or NaN in them means "not reached".
_COMPUTED_COLUMNS = ("peak", "gain_percent", "gain_percent_low", "gain_percent_high", "t_IND_1e9_updates",
                     "t_IND_1e9_updates_low", "t_IND_1e9_updates_high", "t_IND_positives", "t_IND_positives_low",
                     "t_IND_positives_high", "t_method_1e9_updates", "t_method_positives")


def make_table1(frame: pd.DataFrame, fractions: Sequence[float] = paper_numbers.FRACTIONS,
                num_resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Compute Table 1: the gain of COO over IND on the stochastic blocks settings.

    Args:
      frame: records from coord_w2v.results.load_runs.
      fractions: the fractions q of COO's peak.
      num_resamples: bootstrap resamples per row.
      seed: seed of the bootstrap; the table is deterministic given it.

    Returns:
      One row per quality measure, blocks setting, configuration and q, with
      the columns described in the module docstring. NaN in a computed column
      means "not reached"; NaN in a paper_* column means the paper has no value.
    """
    blocks = results.filter_runs(frame, data_set="blocks") if not frame.empty else frame
    rows = _gain_rows(blocks, lambda methods: ["COO"] if "COO" in methods else [], fractions, num_resamples, seed,
                      paper_lookup=_paper_table1)
    for row in rows:
        row["B"] = results.num_blocks(row.pop("_data_name"), row["setting"])
    # Rows are built per measure in setting-label order; list them by B and configuration instead.
    rows.sort(key=lambda row: (results.MEASURES.index(row["quality"]), row["B"] if row["B"] is not None else math.inf,
                               row["learning_rate"], row["dim"], row["batch_size"], row["neg_ratio"],
                               row["setting"], row["fraction"]))
    return _to_frame(rows, first=("quality", "setting", "B"))


def make_table2(frame: pd.DataFrame, fractions: Sequence[float] = paper_numbers.FRACTIONS,
                num_resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Compute Table 2: the gain of COO and of each MIX method over IND on the recommendation data sets.

    Args:
      frame: records from coord_w2v.results.load_runs; blocks runs are ignored.
      fractions: the fractions q of COO's peak.
      num_resamples: bootstrap resamples per row.
      seed: seed of the bootstrap.

    Returns:
      One row per data set setting, quality measure, configuration, method and
      q; NaN as in make_table1.
    """
    if frame.empty:
        recommendation = frame
    else:
        recommendation = frame[frame["data_set"] != "blocks"]

    def compared(methods: Sequence[str]) -> list[str]:
        mixes = sorted((m for m in methods if m.startswith("MIX@")), key=_mix_switch)
        return (["COO"] if "COO" in methods else []) + mixes

    rows = _gain_rows(recommendation, compared, fractions, num_resamples, seed, paper_lookup=_paper_table2)
    for row in rows:
        row.pop("_data_name")
    return _to_frame(rows, first=("data_set", "setting", "quality"))


def _gain_rows(frame: pd.DataFrame, compared_methods: Callable[[Sequence[str]], list[str]],
               fractions: Sequence[float], num_resamples: int, seed: int,
               paper_lookup: Callable[[dict[str, Any], str, str], Optional[paper_numbers.PaperGains]]
               ) -> list[dict[str, Any]]:
    """Compute the rows of either table: for each configuration, each compared method over IND."""
    rows: list[dict[str, Any]] = []
    if frame.empty:
        logging.warning("No runs to tabulate.")
        return rows
    row_block = 0
    for measure in results.MEASURES:
        by_updates = results.mean_curves(frame, measure, "parameter_updates", by=GROUP_FIELDS)
        by_positives = results.mean_curves(frame, measure, "positives", by=GROUP_FIELDS)
        configs: dict[tuple[Any, ...], dict[str, tuple[Any, ...]]] = {}
        for key in by_updates:
            configs.setdefault(key[:-1], {})[key[-1]] = key
        for config_key, methods in configs.items():
            config = dict(zip(CONFIG_KEYS, config_key))
            compared = compared_methods(list(methods))
            if REFERENCE not in methods or not compared:
                # Sweep settings have IND runs only and are expected here; a compared method without IND is not.
                log = logging.warning if compared else logging.info
                log("No %s gain for %s: methods present are %s, a gain needs %s and one of COO or MIX.", measure,
                    _describe(config), sorted(methods), REFERENCE)
                continue
            for method in compared:
                peak_method = "COO" if "COO" in methods else method
                # The same seed on both axes draws the same resamples, so the two t_IND intervals match.
                row_seed = [seed, row_block]
                row_block += 1
                on_updates, on_positives = (
                    _bootstrap(groups, methods[REFERENCE], methods[method], methods[peak_method], fractions,
                               num_resamples, row_seed)
                    for groups in (by_updates, by_positives))
                reference = by_updates[methods[REFERENCE]]
                paper = paper_lookup(reference.config | config, measure, method)
                for gain, gain_positives in zip(on_updates, on_positives):
                    rows.append(_row(config, measure, method, peak_method, reference, by_updates[methods[method]],
                                     gain, gain_positives, paper))
    return rows


def _bootstrap(groups: dict[tuple[Any, ...], results.CurveGroup], reference_key: tuple[Any, ...],
               method_key: tuple[Any, ...], peak_key: tuple[Any, ...], fractions: Sequence[float],
               num_resamples: int, row_seed: list[int]) -> list[BootstrapGain]:
    """Run bootstrap_gains on the curve groups of one axis, pairing runs by (split, seed) where possible."""
    reference, method = groups[reference_key], groups[method_key]
    peak_arguments = {}
    if peak_key != method_key:
        peak_arguments = {"peak_runs": groups[peak_key].run_curves(), "peak_keys": groups[peak_key].split_seeds}
    return bootstrap_gains(reference.run_curves(), method.run_curves(), fractions, num_resamples,
                           np.random.default_rng(row_seed), reference_keys=reference.split_seeds,
                           method_keys=method.split_seeds, **peak_arguments)


def _row(config: dict[str, Any], measure: str, method: str, peak_method: str, reference: results.CurveGroup,
         compared: results.CurveGroup, gain: BootstrapGain, gain_positives: BootstrapGain,
         paper: Optional[paper_numbers.PaperGains]) -> dict[str, Any]:
    fraction = gain.fraction
    return {
        "quality": measure,
        "data_set": results.data_set_name(reference.config.get("dataset"), config["setting"]),
        "dataset": reference.config.get("dataset"),
        "_data_name": reference.config.get("data_name"),
        **config,
        "reference": REFERENCE,
        "method": method,
        "runs_reference": reference.num_runs,
        "runs_method": compared.num_runs,
        "pairing": "paired" if gain.paired else "independent",
        "num_resamples": gain.num_resamples,
        "peak_method": peak_method,
        "peak": gain.peak,
        "paper_method": paper.method if paper else None,
        "paper_peak": paper.peak if paper else None,
        "fraction": fraction,
        "gain_percent": gain.percent,
        "gain_percent_low": _bound(gain.percent_interval, 0),
        "gain_percent_high": _bound(gain.percent_interval, 1),
        "gain_not_reached_share": gain.percent_undefined_share,
        "paper_gain_percent": paper.gain_at(fraction) if paper else None,
        "t_IND_1e9_updates": _scaled(gain.point.reference_amount, 1e-9),
        "t_IND_1e9_updates_low": _scaled(_bound(gain.reference_amount_interval, 0), 1e-9),
        "t_IND_1e9_updates_high": _scaled(_bound(gain.reference_amount_interval, 1), 1e-9),
        "t_IND_not_reached_share": gain.reference_unreached_share,
        "paper_t_IND_1e9_updates": paper.t_ind_at(fraction) if paper else None,
        "t_IND_positives": gain_positives.point.reference_amount,
        "t_IND_positives_low": _bound(gain_positives.reference_amount_interval, 0),
        "t_IND_positives_high": _bound(gain_positives.reference_amount_interval, 1),
        "t_method_1e9_updates": _scaled(gain.point.method_amount, 1e-9),
        "t_method_positives": gain_positives.point.method_amount,
        "t_method_not_reached_share": gain.method_unreached_share,
    }


def _bound(interval: Optional[tuple[float, float]], index: int) -> Optional[float]:
    return None if interval is None else interval[index]


def _scaled(value: Optional[float], factor: float) -> Optional[float]:
    return None if value is None else value * factor


def _to_frame(rows: list[dict[str, Any]], first: Sequence[str]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=list(first))
    table = pd.DataFrame(rows)
    columns = list(first) + [column for column in table.columns if column not in first]
    return table[columns].reset_index(drop=True)


def _is_paper_config(config: dict[str, Any]) -> bool:
    return (config.get("dim") == paper_numbers.PAPER_DIM
            and config.get("batch_size") == paper_numbers.PAPER_BATCH_SIZE
            and config.get("neg_ratio") == paper_numbers.PAPER_NEG_RATIO
            and config.get("learning_rate") is not None
            and math.isclose(float(config["learning_rate"]), paper_numbers.PAPER_LEARNING_RATE))


def _paper_table1(config: dict[str, Any], measure: str, method: str) -> Optional[paper_numbers.PaperGains]:
    num_blocks = results.num_blocks(config.get("data_name"), config["setting"])
    if method != "COO" or num_blocks is None or not _is_paper_config(config):
        return None
    return paper_numbers.TABLE1.get((measure, num_blocks))


def _paper_table2(config: dict[str, Any], measure: str, method: str) -> Optional[paper_numbers.PaperGains]:
    if not _is_paper_config(config):
        return None
    data_set = results.data_set_name(config.get("dataset"), config["setting"])
    return paper_numbers.TABLE2.get((data_set, measure, paper_numbers.method_kind(method)))


def _mix_switch(method: str) -> float:
    try:
        return float(method.split("@", 1)[1])
    except ValueError:
        return math.inf


def _describe(config: dict[str, Any]) -> str:
    return (f"setting {config['setting']!r} (d={config['dim']}, lambda={config['neg_ratio']}, "
            f"b={config['batch_size']}, eta={config['learning_rate']})")


def to_csv_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of `table` with missing computed values as "not reached" and missing paper values empty."""
    output = table.astype(object).copy()
    for column in output.columns:
        missing = output[column].map(_is_missing)
        if column in _COMPUTED_COLUMNS:
            output.loc[missing, column] = NOT_REACHED
        else:
            output.loc[missing, column] = ""
    return output


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def to_markdown(table: pd.DataFrame, title: str) -> str:
    """Format a table from make_table1 or make_table2 as Markdown, paper columns beside the computed ones."""
    table1 = "B" in table.columns
    lines = [f"# {title}", ""]
    if table.empty:
        lines.append("No setting has both IND runs and runs of a compared method.")
        return "\n".join(lines) + "\n"
    lines.append(f"Gains over IND on the parameter-updates axis. [low, high] is a 95% percentile bootstrap "
                 f"interval over runs ({int(table['num_resamples'].iloc[0])} resamples). Peak: the maximum of "
                 "COO's mean curve. \"not reached in x%\" gives the share of resamples in which a curve never "
                 "reached the level, and the interval then covers only the other resamples.")
    lines.append("")

    headers = ["quality", "B" if table1 else "data", "d, b, eta", "method", "runs IND/method", "peak",
               "paper peak", "q", "gain % [95% CI]", "paper gain %", "t_IND 10^9 updates [95% CI]",
               "paper t_IND 10^9 updates", "t_IND positives [95% CI]"]
    if not table1:
        headers.insert(headers.index("paper gain %"), "paper method")
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + "---|" * len(headers))

    for row in table.to_dict("records"):
        cells = [
            MEASURE_NAMES.get(row["quality"], row["quality"]),
            _paper_text(row["B"], "{:.0f}") if table1 else _data_label(row["data_set"], row["setting"]),
            f"{row['dim']}, {row['batch_size']}, {row['learning_rate']:g}",
            str(row["method"]),
            f"{row['runs_reference']}/{row['runs_method']}",
            _text(row["peak"], "{:.3f}"),
            _paper_text(row["paper_peak"], "{:.2f}"),
            f"{row['fraction']:g}",
            _with_interval(row, "gain_percent", "{:.1f}", row["gain_not_reached_share"]),
            _paper_text(row["paper_gain_percent"], "{:.2f}"),
            _with_interval(row, "t_IND_1e9_updates", "{:.3g}", row["t_IND_not_reached_share"]),
            _paper_text(row["paper_t_IND_1e9_updates"], "{:.2f}"),
            _with_interval(row, "t_IND_positives", "{:,.0f}", row["t_IND_not_reached_share"]),
        ]
        if not table1:
            cells.insert(headers.index("paper method"), _paper_text(row["paper_method"], "{}"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _data_label(data_set: str, setting: str) -> str:
    return data_set if data_set == setting else f"{data_set} ({setting})"


def _text(value: Any, template: str) -> str:
    return NOT_REACHED if _is_missing(value) else template.format(value)


def _paper_text(value: Any, template: str) -> str:
    return "" if _is_missing(value) else template.format(value)


def _with_interval(row: dict[str, Any], column: str, template: str, not_reached_share: float) -> str:
    text = _text(row[column], template)
    low, high = row[f"{column}_low"], row[f"{column}_high"]
    if not (_is_missing(low) or _is_missing(high)):
        text += f" [{template.format(low)}, {template.format(high)}]"
    # A share of 1 repeats the "not reached" of the point estimate, so only a partial share is shown.
    if 0 < not_reached_share < 1:
        text += f" (not reached in {100 * not_reached_share:.1f}%)"
    return text


def write_table(table: pd.DataFrame, output_dir: str | os.PathLike, name: str, title: str) -> list[pathlib.Path]:
    """Write `table` as <name>.csv and <name>.md into `output_dir` and return the two paths."""
    output_dir = pathlib.Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    csv_path = output_dir / f"{name}.csv"
    markdown_path = output_dir / f"{name}.md"
    to_csv_frame(table).to_csv(csv_path, index=False)
    markdown_path.write_text(to_markdown(table, title))
    logging.info("Wrote %s and %s.", csv_path, markdown_path)
    return [csv_path, markdown_path]


TITLES = {
    "table1": "Table 1: training gain of COO over IND, stochastic blocks",
    "table2": "Table 2: training gain over IND, recommendation data",
}
_MAKERS = {"table1": make_table1, "table2": make_table2}

FLAGS = flags.FLAGS


def define_flags() -> None:
    """Define the command-line flags; called only when this module runs as a script."""
    flags.DEFINE_string("runs_dir", None, "Folder searched recursively for metrics.jsonl files.")
    flags.DEFINE_string("output_dir", None, "Folder that receives <target>.csv and <target>.md.")
    flags.DEFINE_enum("target", "table1", list(_MAKERS), "Which table to compute.")
    flags.DEFINE_integer("num_resamples", 1000, "Bootstrap resamples per table row.", lower_bound=1)
    flags.DEFINE_integer("seed", 0, "Seed of the bootstrap resampling.", lower_bound=0)
    flags.mark_flags_as_required(["runs_dir", "output_dir"])


def main(argv: Sequence[str]) -> None:
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    try:
        frame = results.load_complete_runs(FLAGS.runs_dir)
        table = _MAKERS[FLAGS.target](frame, num_resamples=FLAGS.num_resamples, seed=FLAGS.seed)
        paths = write_table(table, FLAGS.output_dir, FLAGS.target, TITLES[FLAGS.target])
    except (OSError, ValueError) as error:
        # Missing or damaged metrics end the script with one line instead of a traceback.
        sys.exit(f"experiments.tables: error: {error}")
    print(paths[1].read_text())


if __name__ == "__main__":
    define_flags()
    app.run(main)
