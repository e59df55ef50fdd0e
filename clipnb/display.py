"""HTML and matplotlib views; the only module (with widgets) that knows about Jupyter."""
from __future__ import annotations

import base64
import html
import io
from functools import lru_cache


@lru_cache(maxsize=4096)
def _thumbnail_uri(path: str, mtime_ns: int, size: int) -> str:
    from clipnb.images import load_image

    im = load_image(path)
    im.thumbnail((size, size))
    buffer = io.BytesIO()
    im.save(buffer, format="JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def thumbnail_uri(path, size: int = 160) -> str:
    """A data: URI of a small JPEG thumbnail (memoised per file version)."""
    import os

    return _thumbnail_uri(str(path), os.stat(path).st_mtime_ns, size)


def image_grid_html(results, model_name: str, title: str | None = None, columns: int = 6, size: int = 140) -> str:
    """HTML for a grid of result thumbnails, each with its rank, score and caption."""
    cells = []
    for row in results.itertuples():
        caption = html.escape(str(getattr(row, "caption", "") or ""))
        cells.append(
            f'<figure style="margin:0;text-align:center;font:11px sans-serif">'
            f'<img src="{thumbnail_uri(row.path)}" title="{html.escape(str(row.path))}" '
            f'style="width:{size}px;height:{size}px;object-fit:contain;background:#fff;border:1px solid #ddd">'
            f'<figcaption><b>#{row.rank}</b> {row.score:.4f}<br>'
            f'<span style="color:#666">{caption[:60]}</span></figcaption></figure>')
    heading = f"<b>{html.escape(title)}</b> — " if title else ""
    return (f'<div class="clipnb-grid"><div style="font:12px sans-serif;margin:4px 0">{heading}'
            f'model: <code>{html.escape(model_name)}</code> · score = cosine similarity</div>'
            f'<div style="display:grid;grid-template-columns:repeat({columns},{size + 8}px);gap:6px">'
            + "".join(cells) + "</div></div>")


def image_grid(results, model_name: str, title: str | None = None, columns: int = 6):
    from IPython.display import HTML

    return HTML(image_grid_html(results, model_name, title, columns))
