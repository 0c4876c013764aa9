"""Figure scripts: plots/figN.py draws Figure N, for N = 2 to 10.

The figures are those of Buchnik et al., "Self-similar Epochs: Value in
Arrangement" (ICML 2019). Run a script as python -m plots.figN; its module
docstring gives the full command.
"""
