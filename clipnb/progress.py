"""Progress bars: tqdm's plain-text bar, written to standard output.

The same bar in JupyterLab, VS Code, Colab and a terminal, with no widget to install. A notebook saved after its run
keeps each bar's last state ("100% 211/211"): a widget bar keeps only the state it first showed, so a saved notebook
read later seems to have stopped halfway.
"""
from __future__ import annotations


def progress_bar(iterable=None, **kwargs):
    """``tqdm(iterable, **kwargs)``, as text on the current ``sys.stdout`` (a kernel swaps it per cell)."""
    import sys

    from tqdm.std import tqdm

    kwargs.setdefault("file", sys.stdout)
    kwargs.setdefault("ncols", 100)
    return tqdm(iterable, **kwargs)
