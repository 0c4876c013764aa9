"""Figure 2: expected increase of cossim(f1, f2) after one positive update of both toward one context c.

It reproduces Figure 2 of Buchnik et al., "Self-similar Epochs: Value in Arrangement" (ICML 2019).

f1, f2 and c are i.i.d. N(0, 1)^d; the update is f' = f + eta * sigmoid(-f . c) * c
(coord_w2v.figure2). The figure shows the Monte Carlo mean with a 95% interval
(+- 1.96 standard errors) per d for eta = 0.02 and 0.05, and the large-d value
eta^2 / 4 as dotted lines. It reads no runs. Regenerate with

  python -m plots.fig2 --output_dir=figures

which writes fig2.{png,pdf}. With the defaults it took about 35 s on a 2-core x86_64 VM.
"""

from __future__ import annotations

import os
import pathlib
from typing import Sequence

import numpy as np
from absl import app, flags

from coord_w2v import figure2
from plots import common

DIMS = (1, 2, 5, 10, 20, 50, 100, 200)
LEARNING_RATES = (0.02, 0.05)


def make_figure(output_dir: str | os.PathLike, dims: Sequence[int] = DIMS,
                learning_rates: Sequence[float] = LEARNING_RATES, num_samples: int = 1_000_000,
                seed: int = 0) -> list[pathlib.Path]:
    """Run the Monte Carlo, draw Figure 2 and return the PNG and PDF paths.

    Args:
      output_dir: the folder of the files.
      dims: the dimensions d.
      learning_rates: the step sizes eta.
      num_samples: samples (f1, f2, c) per dimension.
      seed: seed of the samples.
    """
    estimate = figure2.expected_cosine_increase(dims, learning_rates, num_samples, np.random.default_rng(seed))
    figure, axes = common.new_figure(1, 1, "Expected increase of cossim(f1, f2) after a shared positive update",
                                     panel_size=(6.4, 4.4))
    ax = axes[0, 0]
    for index, eta in enumerate(estimate.learning_rates):
        (line,) = ax.plot(estimate.dims, estimate.mean[index], marker="o", label=f"eta={eta:g}")
        ax.fill_between(estimate.dims, estimate.mean[index] - common.Z_95 * estimate.standard_error[index],
                        estimate.mean[index] + common.Z_95 * estimate.standard_error[index],
                        color=line.get_color(), alpha=0.2, linewidth=0)
        ax.axhline(eta ** 2 / 4, color=line.get_color(), linestyle=":", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("dimension d")
    ax.set_ylabel("E[cossim(f1', f2') - cossim(f1, f2)]")
    ax.set_title(f"{estimate.num_samples:,} samples per d; band: 95% interval; dotted: eta^2/4", fontsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return common.save_figure(figure, output_dir, "fig2")


FLAGS = flags.FLAGS


def define_flags() -> None:
    """Define the flags; called only when this module runs as the main program."""
    flags.DEFINE_string("output_dir", None, "Folder that receives fig2.png and fig2.pdf.")
    flags.DEFINE_integer("num_samples", 1_000_000, "Monte Carlo samples (f1, f2, c) per dimension.", lower_bound=2)
    flags.DEFINE_integer("seed", 0, "Seed of the Monte Carlo samples.", lower_bound=0)
    flags.DEFINE_list("dims", [str(dim) for dim in DIMS], "Dimensions d, comma-separated.")
    flags.mark_flag_as_required("output_dir")


def main(argv: Sequence[str]) -> None:
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    try:
        dims = [int(dim) for dim in FLAGS.dims]
    except ValueError:
        raise app.UsageError(f"--dims must be comma-separated integers, got {','.join(FLAGS.dims)!r}.") from None
    for path in make_figure(FLAGS.output_dir, dims=dims, num_samples=FLAGS.num_samples, seed=FLAGS.seed):
        print(path)


if __name__ == "__main__":
    define_flags()
    app.run(main)
