"""What every narrate module shares: printing the sentences that apply, a caption's title, and the coin-toss margin."""
from __future__ import annotations

import io
import sys


COIN_TOSS = 0.01   # a nearest word that wins by less than a hundredth of a cosine could as well be its runner-up
SHORT = 240   # sentences that together are no longer than this are all printed: a fold would hide a line or two


def say(*lines, more: str | None = "more on what this shows") -> None:
    """Print the sentences that apply: the first, the finding, on the cell's main line; the others (what it rests
    on, the exceptions, the numbers behind it) one click away in a fold whose summary is ``more`` (None: no fold, for a
    summary that is all finding). Nothing when none applies. Where there is no notebook to fold in (a script, a
    terminal), or the sentences are printed into a fold already (:func:`clipnb.display.folded`), every sentence is
    printed."""
    lines = [line for line in lines if line]
    if not lines:
        return
    if (more is None or len(lines) == 1 or len("\n".join(lines)) <= SHORT or not _in_notebook()
            or isinstance(sys.stdout, io.StringIO)):
        print("\n".join(lines))
        return
    from IPython.display import display

    from clipnb.display import fold

    print(lines[0])
    display(fold(f"{more} (click to open)", "\n".join(lines[1:])))


def _in_notebook() -> bool:
    """Whether a Jupyter kernel runs this, where an HTML fold can be shown (not plain Python nor a terminal IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _first(caption: str) -> str:
    """A caption's first part: its title, without the tags; a title of two letters or fewer ("sm") keeps its first tag
    beside it ("sm (stickmen)"), so that it says something."""
    parts = [part.strip() for part in caption.split(",")]
    return f"{parts[0]} ({parts[1]})" if len(parts[0]) <= 2 and len(parts) > 1 and parts[1] else parts[0]
