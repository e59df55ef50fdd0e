"""HTML and matplotlib views; the only module (with widgets) that knows about Jupyter."""
from __future__ import annotations

import base64
import contextlib
import html
import io
import re
import textwrap
from functools import lru_cache

from clipnb.captions import gloss


@lru_cache(maxsize=4096)
def _thumbnail_uri(path: str, mtime_ns: int, size: int) -> str:
    from clipnb.images import load_image, trimmed

    im = trimmed(load_image(path))
    im.thumbnail((size, size))
    buffer = io.BytesIO()
    im.save(buffer, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def thumbnail_uri(path, size: int = 160) -> str:
    """A data: URI of a small JPEG thumbnail (memoised per file version)."""
    import os

    return _thumbnail_uri(str(path), os.stat(path).st_mtime_ns, size)


# an absolute local path (POSIX or Windows), not part of a URL: its folders go, its file name stays
_ABSOLUTE_PATH = re.compile(r"""(?<![\w./\\])(?:[A-Za-z]:)?[/\\](?:[^\s"'<>|*?/\\]+[/\\])+([^\s"'<>|*?/\\]+)""")


def names_only(text) -> str:
    """``text`` with every absolute file path shortened to its file name: a title or tooltip names an image the way
    the learner knows it, never by the folders of the machine it ran on."""
    return _ABSOLUTE_PATH.sub(r"\1", str(text))


def home_relative(path) -> str:
    """A folder as the learner can find it on their own machine: under the home folder, written from ``~``."""
    from pathlib import Path

    path, home = Path(path).expanduser(), Path.home()
    return str(Path("~") / path.relative_to(home)) if path.is_relative_to(home) else str(path)


def _title(title: str, model_name: str) -> str:
    return f"{names_only(title)}\nmodel: {model_name}" if title else f"model: {model_name}"


def _src(path) -> str:
    """A URL is shown by the browser itself (when online); a local file becomes an inline thumbnail."""
    path = str(path)
    if path.startswith(("http://", "https://")):
        return html.escape(path)
    try:
        return thumbnail_uri(path)
    except (OSError, ValueError):
        return ""


def fold(summary: str, text: str):
    """Text a learner can skip, one click away: an HTML ``<details>`` whose ``summary`` is always shown (JupyterLab,
    VS Code and Colab render it; a static viewer shows it open). Its line breaks are kept."""
    from IPython.display import HTML

    return HTML(f'<details class="clipnb-fold"><summary>{html.escape(summary)}</summary>\n'
                f'<div style="max-width:60em;white-space:pre-wrap">{html.escape(text)}</div></details>')


@contextlib.contextmanager
def folded(summary: str):
    """Everything printed inside the ``with`` block, shown one click away in a fold (see :func:`fold`) instead of in
    the cell's output: a researcher's numbers a learner can skip."""
    from IPython.display import HTML, display

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield
    display(HTML(f'<details class="clipnb-fold"><summary>{html.escape(summary)}</summary>'
                 f'<pre style="white-space:pre-wrap">{html.escape(buffer.getvalue())}</pre></details>'))


MARK_SHADES = {"✔": "#d5e8f6", "≈": "#f1ecd2", "○": "#f1ecd2", "✘": "#fbe1cf", "◐": "#e4eef6"}   # blue, sand, orange


def verdict_table(table, plain=()):
    """A table of verdict marks that reads at a glance: each cell that starts with a mark is shaded by it (blue ✔, sand
    ≈ and ○, orange ✘, pale blue ◐; ?, ≡ and – stay white), all text left-aligned, the row names in bold. The marks
    carry the meaning too, so the shading is a help, never the only cue. The columns named in ``plain`` stay
    unshaded: marks read without a test (the talk's own numbers) should not look like tested ones."""
    from IPython.display import HTML

    def cell(value, tag="td", empty="–", shaded=True):
        text = empty if value is None or (isinstance(value, float) and value != value) or str(value) == "" else str(value)
        shade = MARK_SHADES.get(text[:1]) if shaded else None
        style = "text-align:left;vertical-align:top;padding:3px 6px" + (f";background:{shade}" if shade else "")
        return f'<{tag} style="{style}">{html.escape(text)}</{tag}>'

    head = cell(table.index.name or "", "th", empty="") + "".join(cell(c, "th") for c in table.columns)
    shaded = [column not in plain for column in table.columns]
    rows = "".join(f"<tr>{cell(name, 'th')}{''.join(cell(v, shaded=s) for v, s in zip(row, shaded))}</tr>"
                   for name, row in zip(table.index, table.itertuples(index=False)))
    return HTML(f'<table class="clipnb-verdicts" style="border-collapse:collapse;font-size:13px">'
                f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def folded_html(summary: str, page) -> object:
    """An HTML output (``page``: HTML text, or an object with ``.data``, as :func:`verdict_table` returns) one click
    away, as :func:`fold` folds text."""
    from IPython.display import HTML

    return HTML(f'<details class="clipnb-fold"><summary>{html.escape(summary)}</summary>{getattr(page, "data", page)}'
                "</details>")


def image_grid_html(results, model_name: str, title: str | None = None, columns: int = 6, size: int = 120,
                    score_label: str = "cosine similarity") -> str:
    """HTML for a grid of result thumbnails, each with its rank, score and caption.

    score_label says what the score is (a cosine, a delta of two cosines, ...).
    """
    cells = []
    for row in results.itertuples():
        caption = html.escape(_clip(gloss(str(getattr(row, "caption", "") or "")), 60))
        cells.append(
            f'<figure style="margin:0;min-width:0;text-align:center;font:11px sans-serif">'
            f'<img src="{_src(row.path)}" alt="{caption}" title="{html.escape(names_only(row.path))}" '
            f'style="width:100%;max-width:{size}px;aspect-ratio:1;height:auto;object-fit:contain;background:#fff;'
            f'border:1px solid #ddd;box-sizing:border-box">'
            f'<figcaption><b>#{row.rank}</b> {row.score:.4f}<br>'
            f'<span style="color:#666">{caption}</span></figcaption></figure>')
    heading = f"<b>{html.escape(names_only(title))}</b> — " if title else ""
    return (f'<div class="clipnb-grid"><div style="font:12px sans-serif;margin:4px 0">{heading}'
            f'model: <code>{html.escape(model_name)}</code> · score = {html.escape(score_label)}</div>'
            # a grid of exactly ``columns`` columns: in a narrow window the thumbnails shrink, and a row of 9 never
            # wraps into 8 and a lone 9th
            f'<div style="display:grid;grid-template-columns:repeat({columns},minmax(0,{size + 8}px));gap:6px">'
            + "".join(cells) + "</div></div>")


def image_grid(results, model_name: str, title: str | None = None, columns: int = 6,
               score_label: str = "cosine similarity"):
    from IPython.display import HTML

    return HTML(image_grid_html(results, model_name, title, columns, score_label=score_label))


def _clip(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters, with an ellipsis where it was cut."""
    return text if len(text) <= most else text[:most - 1].rstrip() + "…"


def _brighter(cmap: str) -> str:
    """Which end of a colour map is the bright one: "higher" for viridis, "lower" for viridis_r (a reader of an
    angle map, bright where near, needs telling)."""
    import matplotlib.pyplot as plt

    def light(rgba):
        return 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2]

    colours = plt.get_cmap(cmap)
    return "higher" if light(colours(1.0)) >= light(colours(0.0)) else "lower"


def heatmap(table, model_name: str, title: str = "", fmt: str = "{:.3f}", cmap: str = "viridis", ax=None,
            center=None, threshold=None):
    """A matplotlib heatmap of a DataFrame with every value written in; titled with the model. The axes are labelled
    with the index's and the columns' names where the table has them (rows of a two-level index read "a / b").

    threshold : two colours instead of a scale, cells ≤ threshold dark (p-values against α: a p of 0.07 must not
    look like one of 0.007), each cell reading "yes" or "no" above its value.

    A similarity or distance matrix (the same labels on both axes, the same extreme all along the diagonal: a
    cosine of 1, an angle of 0) is coloured by its pairs alone: the diagonal is grey, so that it does not stretch
    the scale."""
    import matplotlib.pyplot as plt
    import numpy as np

    values = table.to_numpy(dtype=float)
    diagonal, pairs = np.diag(values), values[~np.eye(*values.shape, dtype=bool)]
    self_similarity = (center is None and threshold is None and values.shape[0] == values.shape[1] > 2
                       and list(table.index) == list(table.columns) and np.ptp(diagonal) <= 0.01 * np.ptp(pairs)
                       and (diagonal[0] >= pairs.max() or diagonal[0] <= pairs.min()))   # 1 (a cosine), 0 (an angle)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * values.shape[1] + 2.5, 0.45 * values.shape[0] + 1.6))
    if threshold is not None:
        from matplotlib.colors import BoundaryNorm, ListedColormap

        image = ax.imshow(values, cmap=ListedColormap(["#1f6f50", "#f2f2f2"]),
                          norm=BoundaryNorm([-np.inf, threshold, np.inf], 2), aspect="auto")
    elif center is not None:
        span = np.nanmax(np.abs(values - center)) or 1.0
        image = ax.imshow(values, cmap=cmap, vmin=center - span, vmax=center + span, aspect="auto")
    elif self_similarity:   # the scale spans the pairs; the diagonal (each with itself) is grey, or it would
        # stretch the scale and leave every pair the same dark colour
        shown = np.ma.masked_array(values, mask=np.eye(len(values), dtype=bool))
        colours = plt.get_cmap(cmap).with_extremes(bad="#e6e6e6")
        image = ax.imshow(shown, cmap=colours, vmin=shown.min(), vmax=shown.max(), aspect="auto")
    else:
        image = ax.imshow(values, cmap=cmap, aspect="auto")
    ax.set_xticks(range(values.shape[1]), [str(c) for c in table.columns], rotation=30, ha="right")
    ax.set_yticks(range(values.shape[0]), [" / ".join(map(str, i)) if isinstance(i, tuple) else str(i)
                                           for i in table.index])
    for (r, c), v in np.ndenumerate(values):
        red, green, blue, _ = (0.9, 0.9, 0.9, 1) if self_similarity and r == c else image.cmap(image.norm(v))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5  # write light on dark cells, dark on light
        text = fmt.format(v)
        if text.lstrip("+-").strip("0.") == "":  # -0.001 at two decimals is "-0.00": a zero has no sign
            text = fmt.format(0.0).lstrip("+-")
        if threshold is not None:   # the answer first, the number under it
            ax.text(c, r - 0.12, "yes" if v <= threshold else "no", ha="center", va="center", fontsize=10,
                    fontweight="bold", color="white" if dark else "black")
            ax.text(c, r + 0.22, f"p {text}", ha="center", va="center", fontsize=7, color="white" if dark else "#555")
            continue
        ax.text(c, r, text, ha="center", va="center", fontsize=9, color="white" if dark else "black")
    if all(name is not None for name in table.index.names):
        ax.set_ylabel(" / ".join(map(str, table.index.names)))
    if table.columns.name is not None:
        ax.set_xlabel(str(table.columns.name))
    ax.set_title(_title(title, model_name), fontsize=10)
    if threshold is None:
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.04)
        if self_similarity:
            bar.set_label(f"brighter: {_brighter(cmap)} · grey: itself", fontsize=9)
    ax.figure.tight_layout()
    return ax


def bar_chart(series, model_name: str, title: str = "", xlabel: str = "cosine similarity", ax=None,
              highlight=None, reference=None, fmt=None):
    """Horizontal bars for a Series (label → value), best on top, each with its value written at its end
    (``fmt``: value → text, four places by default; ``narrate.probability`` never writes a rounded 0 or 1).

    reference : values to compare with (e.g. the speaker's), drawn as a second, orange bar under each
    label with its own value, so neither number covers the other.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    series = series.sort_values()
    rows = np.arange(len(series))
    if ax is None:
        longest = max((len(str(k)) for k in series.index), default=0)   # long labels get the width they take
        _, ax = plt.subplots(figsize=(7.5 + 0.07 * max(0, longest - 25),
                                      (0.62 if reference is not None else 0.4) * len(series) + 1.3))
    from matplotlib.patches import Patch

    # the highlighted bar: the model's blue, darker and outlined (a third hue beside the reference's orange would be
    # hard to tell from it for colour-blind readers)
    colors = ["#1a3d66" if highlight is not None and k == highlight else "#4a7bb7" for k in series.index]
    height, offset = (0.38, 0.2) if reference is not None else (0.8, 0.0)
    ax.barh(rows + offset, series.to_numpy(), height=height, color=colors,
            edgecolor=["black" if highlight is not None and k == highlight else "none" for k in series.index])
    handles = [Patch(color="#4a7bb7", label=model_name)]
    if highlight in series.index:  # the dark bar says what it is
        handles.append(Patch(facecolor="#1a3d66", edgecolor="black", label=f'"{highlight}" ({model_name})'))
    written = fmt or (lambda v: f"{v:.4f}")
    for i, v in enumerate(series.to_numpy()):
        ax.text(max(v, 0), i + offset, f" {written(v)}", va="center", fontsize=8)
    high = float(series.max())
    if reference is not None:
        ref = reference.reindex(series.index).to_numpy(dtype=float)
        ax.barh(rows - offset, np.nan_to_num(ref), height=height, color="#e8894a")
        handles.append(Patch(color="#e8894a", label=getattr(reference, "name", "reference")))
        for i, v in enumerate(ref):
            ax.text(max(np.nan_to_num(v), 0), i - offset, " –" if np.isnan(v) else f" {written(v)}", va="center",
                    fontsize=8, color="#a4501a")
        high = max(high, float(np.nanmax(ref)))
    if len(handles) > 1:  # between the title and the bars: over no bar, and the bars keep the figure's width
        ax.legend(handles=handles, fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.01), borderaxespad=0,
                  ncol=1, frameon=False)
    ax.set_yticks(rows, [str(k) for k in series.index])
    low = min(0.0, float(series.min()))
    ax.set_xlim(low - 0.02 * (high - low), high + 0.2 * (high - low))
    ax.set_xlabel(xlabel)
    ax.set_title(_title(title, model_name), fontsize=10, pad=6 + (13 * len(handles) if len(handles) > 1 else 0))
    ax.figure.tight_layout()
    return ax


def scatter_thumbnails(table, x: str, y: str, model_name: str, title: str = "", n_thumbnails: int = 40,
                       zoom: float = 0.3, ax=None, xlabel=None, ylabel=None):
    """Scatter of two columns with thumbnails on the extremes and a spread of the rest, chosen by a rule printed
    under the plot: the n/4 images furthest on each side of the diagonal, then n/2 spread evenly along it, skipping
    any that would come within 8 points of one already placed (its caption under it included), of its line or its
    point, or whose line would cross one. Each thumbnail sits a little off its point, away from the diagonal,
    joined to it by a thin line; the points that have one are drawn black."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    from clipnb.images import load_image, trimmed

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 7))
    ax.scatter(table[x], table[y], s=8, color="#999", zorder=1, label="an image")
    diff = (table[x] - table[y]).to_numpy()
    order = np.argsort(diff)
    candidates = np.concatenate([order[: n_thumbnails // 4], order[::-1][: n_thumbnails // 4],
                                 order[np.linspace(0, len(order) - 1, n_thumbnails // 2).astype(int)]])
    xy = np.c_[table[x].to_numpy(), table[y].to_numpy()]
    candidates = list(dict.fromkeys(candidates.tolist()))
    low = min(table[x].min(), table[y].min())
    high = max(table[x].max(), table[y].max())
    ax.plot([low, high], [low, high], ls="--", color="#c44", lw=1, zorder=0,
            label=f"{xlabel or x} = {ylabel or y}")
    scale = zoom / 0.3   # larger thumbnails: set further off their points, with more room at the edges
    ax.margins(0.12 * scale)   # room inside the axes for the thumbnails set off their points at the edges
    ax.autoscale_view()
    on_screen = ax.transData.transform(xy)
    points_per_pixel = ax.figure.dpi / 72
    span = np.where(np.ptp(xy, axis=0) > 0, np.ptp(xy, axis=0), 1)
    picks, boxes, lines, images = [], [], [], {}
    renderer = ax.figure.canvas.get_renderer()
    clear = 8 * points_per_pixel   # pixels kept free between two thumbnails (their captions included)

    def crosses(start, end, box):   # does the segment start–end pass through the box (x0, y0, x1, y1)?
        t = np.linspace(0, 1, 30)[:, None]
        path = start + t * (end - start)
        return bool(((path[:, 0] > box[0]) & (path[:, 0] < box[2])
                     & (path[:, 1] > box[1]) & (path[:, 1] < box[3])).any())

    for i in candidates:   # in priority order; a thumbnail that would touch one already placed is skipped
        im = trimmed(load_image(table["path"].iloc[i]))
        im.thumbnail((96, 96))
        name = _thumbnail_name(table["caption"].iloc[i]) if "caption" in table else ""
        away = 1 if xy[i, 1] > xy[i, 0] else -1  # above the diagonal: up and left; on or below it: down and right
        dx, dy = -26 * scale * away, 26 * scale * away
        where = (xy[i] - xy.min(0)) / span   # 0–1 across the plot
        dx = -abs(dx) if where[0] > 0.85 else abs(dx) if where[0] < 0.15 else dx   # near an edge: towards the middle
        dy = -abs(dy) if where[1] > 0.85 else abs(dy) if where[1] < 0.15 else dy
        centre = on_screen[i] + np.array([dx, dy]) * points_per_pixel
        half = (np.array(im.size) * zoom / 2 + 3) * points_per_pixel   # the image, its padding and frame
        caption = np.zeros(2)   # its caption under it: width and height in pixels, as it will be drawn
        if name:
            probe = ax.text(0, 0, name, fontsize=6.5, transform=None, bbox={"boxstyle": "round,pad=0.1"})
            probe.update_bbox_position_size(renderer)
            extent = probe.get_bbox_patch().get_window_extent(renderer)
            probe.remove()
            caption = np.array([extent.width, extent.height + 3 * points_per_pixel])
        wide_half = max(half[0], caption[0] / 2)
        box = (centre[0] - wide_half, centre[1] - half[1] - caption[1], centre[0] + wide_half, centre[1] + half[1])
        wide = (box[0] - clear, box[1] - clear, box[2] + clear, box[3] + clear)
        if (any(wide[0] < b[2] and b[0] < wide[2] and wide[1] < b[3] and b[1] < wide[3] for b in boxes)
                or any(crosses(start, end, wide) for start, end in lines)   # over another's line or point
                or any(crosses(on_screen[i], centre, b) for b in boxes)):   # its line over another thumbnail
            continue
        picks.append(i)
        boxes.append(box)
        lines.append((on_screen[i], centre))
        images[i] = (im, (dx, dy), name)
    ax.scatter(xy[picks, 0], xy[picks, 1], s=14, color="black", zorder=3, label="an image shown as a thumbnail")
    for i in picks:
        im, offset, name = images[i]
        ax.add_artist(AnnotationBbox(OffsetImage(np.asarray(im), zoom=zoom), tuple(xy[i]), xybox=offset,
                                     boxcoords="offset points", frameon=True, pad=0.1, bboxprops={"edgecolor": "#bbb"},
                                     arrowprops={"arrowstyle": "-", "color": "black", "lw": 0.8}, zorder=2))
        if name:   # each thumbnail named under it by its caption's title, so every picture can be read
            ax.annotate(name, tuple(xy[i]), xytext=(offset[0], offset[1] - im.size[1] * zoom / 2 - 3),
                        textcoords="offset points", ha="center", va="top", fontsize=6.5, zorder=4,
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85})
    ax.set_xlabel(xlabel or x)
    ax.set_ylabel(ylabel or y)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)   # outside the axes: no thumbnail under it
    ax.text(0, -0.1, f"thumbnails: {len(picks)} images, the furthest on each side of the dashed line and a few along "
            "it, none touching another, its caption or its line;\neach is joined by a line to its point (black)",
            transform=ax.transAxes,
            fontsize=8, color="#555", va="top")
    ax.set_title(_title(title, model_name), fontsize=10)
    return ax


def _thumbnail_name(caption) -> str:
    """A scatter thumbnail's name: its caption's title in two short lines, not one cut short; a one-word title
    ("white") says more with its kind ("white (playing card)")."""
    parts = [part.strip() for part in gloss(str(caption or "")).split(",")]
    if len(parts) > 1 and len(parts[0].split()) == 1:
        parts[0] = f"{parts[0]} ({parts[1]})"
    return "\n".join(textwrap.wrap(_clip(parts[0], 44), 24)[:2])


def spaced(xy, candidates, min_distance: float) -> list[int]:
    """The candidates (in priority order) whose points lie at least ``min_distance`` apart, measured as a
    share of the plot's width and height: thumbnails drawn there never stack on one another."""
    import numpy as np

    xy = np.asarray(xy, dtype=float)
    span = np.ptp(xy, axis=0)
    scaled = (xy - xy.min(0)) / np.where(span > 0, span, 1)
    kept: list[int] = []
    for i in candidates:
        if not kept or np.min(np.linalg.norm(scaled[kept] - scaled[i], axis=1)) >= min_distance:
            kept.append(int(i))
    return kept


def label_points(ax, xy, labels, fontsize: int = 9, step: float = 0.6, dot: float = 4.0, avoid=()):
    """Write each label beside its point where it overlaps no other label and no other point (a square of ``dot``
    pixels either side of it) on screen: to its right, else its left, above, below or on a diagonal. Where no place
    beside it is free, the label goes right and is nudged down until it fits, joined to its point by a thin line.

    avoid : more points (data coordinates) no label may cover, e.g. points along the lines drawn on the plot."""
    from matplotlib.transforms import Bbox

    # on a white ground, above lines and arrows but below the points (zorder 3), so a line that crosses a label
    # does not cut through its letters
    texts = [ax.text(x, y, label, fontsize=fontsize, va="center", ha="left", zorder=2.5,
                     bbox=dict(boxstyle="square,pad=0.05", facecolor="white", edgecolor="none", alpha=0.8))
             for (x, y), label in zip(xy, labels)]
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    on_screen = ax.transData.transform(xy)
    dots = [Bbox.from_extents(x - dot, y - dot, x + dot, y + dot) for x, y in on_screen]
    kept_clear = [Bbox.from_extents(x - dot, y - dot, x + dot, y + dot)
                  for x, y in (ax.transData.transform(avoid) if len(avoid) else [])]
    gap = dot + 2   # pixels between a point and its label
    places = [(gap, 0, "left", "center"), (-gap, 0, "right", "center"), (0, gap, "center", "bottom"),
              (0, -gap, "center", "top"), (gap, gap, "left", "bottom"), (-gap, gap, "right", "bottom"),
              (gap, -gap, "left", "top"), (-gap, -gap, "right", "top")]
    placed = []
    for i in sorted(range(len(texts)), key=lambda i: -on_screen[i][1]):
        text, (x, y) = texts[i], on_screen[i]
        obstacles = [*placed, *(d for j, d in enumerate(dots) if j != i), *kept_clear]

        def put(dx, dy, ha, va):
            text.set_ha(ha)
            text.set_va(va)
            text.set_position(ax.transData.inverted().transform((x + dx, y + dy)))
            return text.get_window_extent(renderer)

        for place in places:
            box = put(*place)
            if not any(box.overlaps(other) for other in obstacles):
                break
        else:   # nowhere beside it: to the right, nudged down, with a line back to the point
            box, dy = put(*places[0]), 0.0
            for _ in range(60):
                if not any(box.overlaps(other) for other in obstacles):
                    break
                dy -= step * box.height
                box = put(gap, dy, "left", "center")
            ax.plot(*ax.transData.inverted().transform([(x, y), (x + gap, y + dy)]).T, color="#888", lw=0.6, zorder=1)
        placed.append(box)
    return texts


def joined_pairs(ax, starts, ends, names, radius: float = 12.0):
    """Pairs of points joined by black lines (``starts``, ``ends``: data coordinates, one row a pair; 01's images and
    their own captions): a black dot at each start, a black triangle at each end, and the pair's number in a white
    badge beyond each end of its line, pushed apart where badges would touch or sit on another line (then joined to
    their end by a thin grey line). ``names`` are listed by number in a key under the legend, beside the plot, not
    on it. Returns the badges."""
    import numpy as np

    starts, ends = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
    for n, (a, b) in enumerate(zip(starts, ends)):
        ax.plot(*np.c_[a, b], color="black", lw=1.1, zorder=3,
                label=f"{len(starts)} images joined to their own captions" if n == 0 else None)
    ax.scatter(*starts.T, s=24, marker="o", color="black", zorder=4, label="… the image's end")
    ax.scatter(*ends.T, s=34, marker="^", color="black", zorder=4, label="… the caption's end")
    ax.figure.canvas.draw()   # the map as it will be drawn: badges are placed in pixels
    to_pixels = ax.transData.transform
    tips = np.concatenate([to_pixels(starts), to_pixels(ends)])   # each badge's own end
    away = np.concatenate([tips[: len(starts)] - tips[len(starts):], tips[len(starts):] - tips[: len(starts)]])
    length = np.linalg.norm(away, axis=1, keepdims=True)
    away = np.where(length > 1e-9, away / np.where(length > 1e-9, length, 1), [0.0, 1.0])   # outwards along the line
    badges = tips + radius * away
    box = ax.bbox
    low, high = np.array([box.x0, box.y0]) + radius, np.array([box.x1, box.y1]) - radius
    pairs = len(starts)
    along = [(k, tips[k] + t * (tips[k + pairs] - tips[k])) for k in range(pairs) for t in np.linspace(0, 1, 30)]
    for _ in range(200):   # push touching badges apart, off every line's ends and off the other lines, until still
        moved = 0.0
        for i in range(len(badges)):
            push = np.zeros(2)
            obstacles = [*badges, *tips, *(point for k, point in along if k != i % pairs)]
            for j, other in enumerate(obstacles):
                if j == i:
                    continue
                least = 2 * radius + 2 if j < len(badges) else radius + 4 if j < 2 * len(badges) else radius + 1
                gap = badges[i] - other
                distance = np.linalg.norm(gap)
                if distance < least:
                    push += (gap / distance if distance > 1e-9 else away[i]) * (least - distance) / 2
            new = np.clip(badges[i] + push, low, high)
            moved = max(moved, float(np.linalg.norm(new - badges[i])))
            badges[i] = new
        if moved < 0.5:
            break
    numbers = [str(n) for n in range(1, len(starts) + 1)] * 2
    to_data = ax.transData.inverted().transform
    drawn = []
    for number, tip, badge in zip(numbers, tips, badges):
        far = np.linalg.norm(badge - tip) > radius + 6
        drawn.append(ax.annotate(number, to_data(tip), xytext=to_data(badge), textcoords="data", ha="center",
                                 va="center", fontsize=8, fontweight="bold", zorder=6,
                                 bbox=dict(boxstyle="circle,pad=0.2", facecolor="white", edgecolor="black", lw=0.9),
                                 arrowprops=dict(arrowstyle="-", color="#777", lw=0.7, shrinkA=0, shrinkB=2)
                                 if far else None))
    ax.plot([], [], ls="", marker="o", markersize=11, markerfacecolor="white", markeredgecolor="black",
            label="the pair's number, at both ends")
    ax.text(1.02, 0, "the pairs (each image's caption):\n" + "\n".join(
        f"{n}  {_clip(str(name), 48)}" for n, name in enumerate(names, 1)), transform=ax.transAxes, fontsize=8,
        va="bottom", ha="left", linespacing=1.5)
    return drawn


# Okabe and Ito's colours, which colour-blind readers tell apart too, with their pale yellow (lost on white paper)
# swapped for Paul Tol's olive and wine (Tol's "muted" set, used before, has three pinks that readers confused). Up to
# eight clusters each get their own colour and their own shape. Orange and vermillion, which readers told apart only
# by shape, never meet below nine clusters (vermillion comes ninth); the sky blue, sixth, sits on a plus far from the
# blue's dots. Nine colours and eight shapes cycle together, so no two of the first 72 clusters share both
CLUSTER_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#000000", "#56B4E9", "#882255", "#999933", "#D55E00")
CLUSTER_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
NOISE_GREY = "#bbbbbb"


def cluster_style(cluster: int) -> tuple[str, str]:
    """(colour, marker) of a cluster; noise (-1) is grey dots."""
    if cluster < 0:
        return NOISE_GREY, "."
    return CLUSTER_COLOURS[cluster % len(CLUSTER_COLOURS)], CLUSTER_MARKERS[cluster % len(CLUSTER_MARKERS)]


def _clear_bend(ax, start, end, others, clearance: float = 10.0) -> float:
    """The bend (matplotlib's arc3 ``rad``) of an arrow from ``start`` to ``end`` that passes no point of ``others``
    closer than ``clearance`` pixels, as the map is drawn now: 0.2 where that is clear, else the first clear of a few
    bends either way, else the one that passes furthest from them. An arrow that runs through a third word reads as
    pointing at it."""
    import numpy as np

    to_pixels = ax.transData.transform
    (x0, y0), (x1, y1) = to_pixels(start), to_pixels(end)
    points = to_pixels(np.asarray(others, dtype=float).reshape(-1, 2)) if len(others) else np.zeros((0, 2))
    t = np.linspace(0.05, 0.95, 40)[:, None]
    best, widest = 0.2, -1.0
    for rad in (0.2, -0.2, 0.35, -0.35, 0.5, -0.5, 0.7, -0.7):
        control = np.array([(x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0)])   # arc3's control point
        curve = (1 - t) ** 2 * np.array([x0, y0]) + 2 * (1 - t) * t * control + t ** 2 * np.array([x1, y1])
        gap = np.min(np.linalg.norm(curve[:, None] - points[None], axis=2)) if len(points) else np.inf
        if gap >= clearance:
            return rad
        if gap > widest:
            best, widest = rad, gap
    return best


def nearest_word_map(xy, words, nearest: dict, kinds: dict, model_name: str, axis_share=None):
    """Each word at its place on a 2-D map (``xy``, one row per word of ``words``), an arrow to its nearest other word
    (``nearest``: word → word), bent so that two words that are each other's nearest get two arcs. ``kinds``: kind →
    its words, each kind its colour and shape; words of no kind are open grey rings. An arrow to a word of another kind
    (from a word that has a kind) is dashed black. Where four words crowd into a tenth of the map, a second panel
    enlarges them. ``axis_share``: the share of the spread each axis holds (a PCA map), for the axis labels."""
    import matplotlib.pyplot as plt
    import numpy as np

    xy = np.asarray(xy, dtype=float)
    position = dict(zip(words, xy))
    kind_of = {w: kind for kind, members in kinds.items() for w in members}
    span = np.ptp(xy, axis=0).max()
    fourth = [np.sort(np.linalg.norm(xy - p, axis=1))[min(3, len(xy) - 1)] for p in xy]   # to each word's 3rd-nearest
    knot = np.argsort(np.linalg.norm(xy - xy[int(np.argmin(fourth))], axis=1))[:4]
    zoom = len(xy) > 4 and min(fourth) < 0.1 * span
    fig, axes = plt.subplots(1, 2 if zoom else 1, figsize=(14 if zoom else 9, 7), squeeze=False,
                             gridspec_kw={"width_ratios": [3, 2] if zoom else [1]})

    def draw(ax, show, box=None):   # the arrows and points among the words in ``show``, and their labels
        groups = [*kinds.items(), ("no kin here", [w for w in words if w not in kind_of])]
        for i, (kind, members) in enumerate(groups):
            hollow = kind == "no kin here"
            colour, marker = ("#555", "o") if hollow else cluster_style(i)
            if members:
                ax.scatter(*np.array([position[w] for w in members]).T, s=45, label=kind, zorder=3, marker=marker,
                           facecolors="white" if hollow else colour, edgecolors=colour, linewidths=1.5 if hollow else 0)
        ax.autoscale_view()   # the points placed first: an arrow's bend is chosen on the map as it will be drawn
        for word, other in nearest.items():
            if word not in show or other not in show:
                continue
            same = word not in kind_of or kind_of[word] == kind_of.get(other)
            others = [position[w] for w in show if w not in (word, other)]
            # two words each other's nearest: one bend for both, so their arcs lie either side, not on top of each other
            bend = 0.2 if nearest.get(other) == word else _clear_bend(ax, position[word], position[other], others)
            ax.annotate("", position[other], position[word], zorder=1 if same else 2,   # dashed ones on top
                        arrowprops=dict(arrowstyle="->", color="#999" if same else "black", lw=1.2,
                                        mutation_scale=12 if same else 16, ls="-" if same else "--", shrinkA=4,
                                        shrinkB=4, connectionstyle=f"arc3,rad={bend}"))
        label_points(ax, np.array([position[w] for w in show]), list(show))   # nudged apart, none over another
        if box is not None:   # an arrow from outside the box into it starts at the box's edge, named by where it comes from
            for word, other in nearest.items():
                if word in show or other not in show:
                    continue
                start, end = position[word], position[other]
                step = start - end
                along = min((bound - end[d]) / step[d] for d in range(2) if step[d]
                            for bound in (box[0][d], box[1][d]) if (bound - end[d]) / step[d] > 0)
                edge = end + 0.92 * along * step
                same = word not in kind_of or kind_of[word] == kind_of.get(other)
                ax.annotate("", end, edge, arrowprops=dict(arrowstyle="->", color="#999" if same else "black",
                                                           lw=1.2, ls="-" if same else "--", shrinkB=4))
                ax.annotate(f"from {word}", edge, fontsize=8, style="italic", color="#444",   # inside the box
                            ha="right" if step[0] > 0 else "left", va="top" if step[1] > 0 else "bottom")

    ax = axes[0, 0]
    if zoom:   # the knot's box: the enlarged panel's limits first, so its labels are placed at its own scale
        low, high = xy[knot].min(0) - 0.04 * span, xy[knot].max(0) + 0.04 * span
        axes[0, 1].set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), xticks=[], yticks=[])
        axes[0, 1].set_autoscale_on(False)
        draw(axes[0, 1], [w for w, p in position.items() if (low <= p).all() and (p <= high).all()], (low, high))
        axes[0, 1].set_title("the knot of " + ", ".join(words[i] for i in knot) + ", enlarged", fontsize=10)
        ax.add_patch(plt.Rectangle(low, *(high - low), fill=False, ls=":", color="black", lw=1, zorder=0))
    draw(ax, list(words))
    ax.plot([], [], color="#999", label="→ its nearest word")
    ax.plot([], [], color="black", ls="--", label="→ its nearest is of another kind\n(words with kin here)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0, -0.1) if zoom else (1.01, 1), borderaxespad=0,
              ncol=4 if zoom else 1)
    if axis_share is not None:
        ax.set_xlabel(f"PC1 ({axis_share[0]:.0%} of the spread)")
        ax.set_ylabel(f"PC2 ({axis_share[1]:.0%})")
    ax.set_title(_title("each word's nearest other word (arrows), on a 2-D map of the embeddings"
                        + (" (dotted box: enlarged on the right)" if zoom else ""), model_name), fontsize=10)
    fig.tight_layout()
    return fig


def _points(ax, dx: float, dy: float):
    """A translation by (dx, dy) points, to add to a transform: a mark set beside a data point at a fixed distance."""
    from matplotlib.transforms import ScaledTranslation

    return ScaledTranslation(dx / 72, dy / 72, ax.figure.dpi_scale_trans)


def _ordinal(n: int) -> str:
    """11th, 2nd, 23rd: for "every 11th image"."""
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _thumbnail_step(n: int, max_thumbnails: int) -> int:
    """Every how many images in corpus order a map tries one as a thumbnail (three tries per thumbnail shown)."""
    return max(1, n // (3 * max_thumbnails))


MAP_SPACING = 0.15   # thumbnails on a map: no two of their points closer than this share of the map


def map_thumbnails(xy, max_thumbnails: int = 12) -> list[int]:
    """The rows :func:`thumbnail_map` shows as thumbnails: every n-th image in corpus order, skipping any closer than
    15 % of the map to one already placed (the rule printed under the map), so a narration can name what is seen."""
    return spaced(xy, range(0, len(xy), _thumbnail_step(len(xy), max_thumbnails)),
                  min_distance=MAP_SPACING)[:max_thumbnails]


# A map's colours: Okabe and Ito's, less their pale yellow (lost on white paper). Two pairs of them look alike to many
# readers on small marks, blue and sky blue, orange and vermillion; from the eighth cluster on a colour comes back,
# its marks hollow and of another shape. :func:`map_styles` gives alike styles to clusters far apart on the map.
MAP_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#000000", "#D55E00", "#56B4E9")
MAP_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_HOLLOW_MARKERS = ("s", "o", "D", "^", "X", "v", "P")   # a colour's second use: another shape, and hollow
_ALIKE_COLOURS = ({"#0072B2", "#56B4E9"}, {"#E69F00", "#D55E00"})


def _map_style_slots(n: int) -> list[tuple[str, str, bool]]:
    """(colour, marker, filled) for n clusters: each colour filled once, then each again hollow, then round again."""
    slots = [(c, m, True) for c, m in zip(MAP_COLOURS, MAP_MARKERS)]
    slots += [(c, m, False) for c, m in zip(MAP_COLOURS, _HOLLOW_MARKERS)]
    return [slots[i % len(slots)] for i in range(n)]


def _alike(a, b) -> bool:
    return a[0] == b[0] or any({a[0], b[0]} <= pair for pair in _ALIKE_COLOURS)


def map_styles(xy, clusters) -> dict[int, tuple[str, str, bool]]:
    """Each cluster's (colour, marker, filled) on a 2-D map (``xy``, one row per image; ``clusters``, one label each;
    noise, -1, is small grey dots). Every cluster gets a style of its own; where two styles look alike (one colour,
    filled and hollow, or blue and sky blue, orange and vermillion), they go to two clusters far apart on the map:
    the assignment that makes the nearest two such clusters (by their medians) as far apart as it can, found by
    swapping styles while that distance grows."""
    import numpy as np

    xy, clusters = np.asarray(xy, dtype=float), np.asarray(clusters)
    found = sorted(c for c in set(clusters.tolist()) if c >= 0)
    styles = {-1: (NOISE_GREY, ".", True)}
    if not found:
        return styles
    centre = np.array([np.median(xy[clusters == c], axis=0) for c in found])
    distance = np.linalg.norm(centre[:, None] - centre[None], axis=2)
    slots = _map_style_slots(len(found))
    alike = np.array([[i != j and _alike(a, b) for j, b in enumerate(slots)] for i, a in enumerate(slots)])

    def closest(order):   # the two nearest clusters with alike styles, and the sum of all such pairs' distances
        near = distance[np.ix_(order, order)][alike]
        return (near.min(), near.sum()) if near.size else (np.inf, 0.0)

    order = list(range(len(found)))   # order[slot] = which cluster wears that slot
    best, better = closest(order), True
    while better:
        better = False
        for i in range(len(order)):
            for j in range(i + 1, len(order)):
                order[i], order[j] = order[j], order[i]
                score = closest(order)
                if score > best:
                    best, better = score, True
                else:
                    order[i], order[j] = order[j], order[i]
    styles.update({found[cluster]: slots[slot] for slot, cluster in enumerate(order)})
    return styles


def _place_thumbnails(ax, xy, shown, side: float, clearance: float):
    """Where each thumbnail of ``shown`` (rows of ``xy``) goes, in data coordinates: a square of ``side`` pixels beside
    its point, in the free place nearest it, found on rings around the point: inside the axes, clear of every
    thumbnail placed (by ``clearance`` pixels), of their lines and of the points of the others, covering as few of
    the map's points as it can, its line to its point crossing no other thumbnail (where one place has all that)."""
    import numpy as np

    on_screen = ax.transData.transform(xy)
    box = ax.bbox
    low, high = np.array([box.x0, box.y0]) + side / 2 + 2, np.array([box.x1, box.y1]) - side / 2 - 2
    chosen = on_screen[list(shown)]
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    placed, lines = [], []

    def inside(points, centre, half):
        return (np.abs(points - centre) <= half).all(axis=1)

    def crosses(a, b, centre, half):   # does the segment a–b pass through the square?
        t = np.linspace(0, 1, 25)[:, None]
        return inside(a + t * (b - a), centre, half).any()

    for k, i in enumerate(shown):
        point, best, best_cost = on_screen[i], None, np.inf
        for ring in (0.75, 0.9, 1.1, 1.35, 1.7, 2.1, 2.6, 3.2, 4.0):
            for angle in angles:
                centre = np.clip(point + ring * side * np.array([np.cos(angle), np.sin(angle)]), low, high)
                if inside(point[None], centre, side / 2 + 3).any():
                    continue   # off its own point, so the point and its line show
                overlap = sum(np.abs(centre - c).max() < side + clearance for c in placed)
                crossing = sum(crosses(point, centre, c, side / 2) for c in placed)
                crossing += sum(crosses(a, b, centre, side / 2) for a, b in lines)
                crossing += inside(np.delete(chosen, k, axis=0), centre, side / 2 + clearance).sum()
                covered = inside(on_screen, centre, side / 2 + 2).sum()
                # never on another thumbnail; its line across one, or over another's point, only where nothing else
                # is free; then a point covered weighs as much as 5 pixels further from its own
                cost = 10000 * overlap + 500 * crossing + covered + 0.2 * np.linalg.norm(centre - point)
                if cost < best_cost:
                    best, best_cost = centre, cost
        placed.append(best)
        lines.append((point, best))
    return ax.transData.inverted().transform(np.array(placed).reshape(-1, 2))


def thumbnail_map(xy, paths, model_name: str, title: str = "", colors=None, zoom: float = 0.7, ax=None,
                  max_thumbnails: int = 12, legend=None, xlabel: str = "", ylabel: str = ""):
    """Images placed at 2-D coordinates: every image a mark in its cluster's colour and shape (:func:`map_styles`),
    and up to ``max_thumbnails`` of them as thumbnails framed in that colour, chosen by a rule printed under the map
    (every n-th image in corpus order, skipping any closer than 15 % of the map to one already placed). Each thumbnail
    (``96 * zoom`` points wide) sits beside its point, where it covers the fewest other points, joined to it by a line.

    legend : {cluster: name}; one legend line per cluster, in its colour and shape.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    from clipnb.images import load_image, trimmed

    xy = np.asarray(xy)
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 8))
    clusters = np.asarray(colors if colors is not None else np.full(len(xy), -1), dtype=int)
    styles = map_styles(xy, clusters)

    def mark(c, size):   # a cluster's mark: its colour filled, or a ring of it
        colour, marker, filled = styles[c]
        area = size * (1.8 if marker in ("X", "P") else 1.0)   # thin shapes larger
        return dict(marker=marker, s=area, facecolors=colour if filled else "white", edgecolors="white" if filled
                    else colour, linewidths=0.5 if filled else 1.6)

    by_size = sorted(styles, key=lambda c: (c >= 0, -int((clusters == c).sum()), c))
    for rank, c in enumerate(by_size):   # noise, then the largest first: a small cluster's marks lie on top
        if (clusters == c).any():
            ax.scatter(*xy[clusters == c].T, **(dict(s=10, c=NOISE_GREY, marker=".") if c < 0 else mark(c, 55)),
                       zorder=2 + rank / (10 * len(by_size)))
    ax.margins(0.04)
    ax.autoscale_view()
    ax.set_xlim(ax.get_xlim())   # fixed now: the thumbnails are placed on the map as it will be drawn
    ax.set_ylim(ax.get_ylim())
    shown, step = map_thumbnails(xy, max_thumbnails), _thumbnail_step(len(xy), max_thumbnails)
    side = 96 * zoom + 6   # points: the image and its frame
    pixels = ax.figure.dpi / 72
    places = _place_thumbnails(ax, xy, shown, side * pixels, clearance=6 * pixels)
    for i, place in zip(shown, places):
        colour, marker, filled = styles[clusters[i]]
        im = trimmed(load_image(paths[i]))
        im.thumbnail((160, 160))
        ax.add_artist(AnnotationBbox(OffsetImage(np.asarray(im), zoom=96 * zoom / max(im.size)), xy[i],
                                     xybox=tuple(place), boxcoords="data", frameon=True, pad=0.08,
                                     bboxprops={"edgecolor": colour, "linewidth": 2.5},
                                     arrowprops={"arrowstyle": "-", "color": "#333", "lw": 0.9, "shrinkA": 0,
                                                 "shrinkB": 0}, zorder=4))
        ax.scatter(*xy[i], zorder=3.5, **mark(clusters[i], 70))   # its point, ringed in black
        ax.scatter(*xy[i], zorder=3.6, s=240, marker="o", facecolors="none", edgecolors="black", linewidths=1.3)
        # the cluster's mark inside the frame's lower-left corner: a frame's colour alone does not name its cluster
        corner = (-side / 2 + 8, -side / 2 + 8)   # in points from its centre
        ax.scatter(*place, zorder=5, transform=ax.transData + _points(ax, *corner),
                   **{**mark(clusters[i], 70), "edgecolors": "white" if filled else colour,
                      "linewidths": 1.0 if filled else 1.8})
    if legend:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], ls="", marker=styles[c][1], markersize=8, markerfacecolor=styles[c][0] if styles[c][2]
                          else "white", markeredgecolor=styles[c][0], markeredgewidth=0 if styles[c][2] else 1.6)
                   for c in legend]  # one line per cluster, its own mark: shared names are said in the text
        ax.legend(handles, [f"{c}: {name}" for c, name in legend.items()], fontsize=8, loc="upper left",
                  bbox_to_anchor=(1.01, 1), borderaxespad=0)  # beside, not over, the map
    tried = "Every" if step == 1 else f"Every {_ordinal(step)}"
    ax.text(0, -0.04 if xlabel else -0.02, f"thumbnails: {len(shown)} of the {len(xy)} images. {tried} image in corpus "
            f"order was tried, and one closer than {MAP_SPACING * 100:.0f} % of the map to a point already chosen was "
            "skipped.\nEach thumbnail sits near its point (ringed in black), where it covers few other points, "
            "joined to it by a line", transform=ax.transAxes, fontsize=8, color="#555", va="top")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(_title(title, model_name), fontsize=10)
    return ax


def image_strip(paths, model_name: str, labels=None, title: str = "", size: int = 96, captions=None):
    """HTML: a horizontal strip of thumbnails; under each its label (a score, a step) and its caption.

    captions : what each image shows (e.g. ``corpus.captions_of(paths)``), cut to fit under it.
    """
    cells = []
    paths = list(paths)
    for i, path in enumerate(paths):
        label = html.escape(str(labels[i])) if labels is not None else ""
        caption = gloss(str(captions[i] or "")) if captions is not None else ""
        short = html.escape(_clip(caption.split(",")[0], 40))  # the full caption on hover
        cells.append(f'<figure style="margin:0;text-align:center;font:10px sans-serif;width:{max(size + 2, 72)}px;'
                     f'overflow-wrap:anywhere">'
                     f'<img src="{_src(path)}" alt="{html.escape(_clip(caption, 60))}" title="{html.escape(caption)}" '
                     f'style="width:{size}px;height:{size}px;object-fit:contain;border:1px solid #ddd">'
                     f'<figcaption>{label}{"<br>" if label and short else ""}'
                     f'<span style="color:#555">{short}</span></figcaption></figure>')
    heading = f"<b>{html.escape(names_only(title))}</b> — " if title else ""
    from IPython.display import HTML

    return HTML(f'<div style="font:12px sans-serif;margin:4px 0">{heading}model: <code>{html.escape(model_name)}</code></div>'
                f'<div style="display:flex;gap:4px;flex-wrap:wrap">{"".join(cells)}</div>')
