"""ipywidgets: a query builder with weight sliders, and an opposition explorer.

Both re-rank on every move without re-encoding anything: text embeddings are memoised by the
model, image embeddings live in the corpus, and ranking is one matrix product.
"""
from __future__ import annotations

import asyncio
import html
import time

import ipywidgets as W

from clipnb import opposition
from clipnb.display import image_grid_html
from clipnb.query import Query, Term, parse


class Debouncer:
    """Call ``fn`` once things have been quiet for ``delay`` seconds (immediately outside an event loop)."""

    def __init__(self, fn, delay: float = 0.08):
        self.fn, self.delay, self._handle = fn, delay, None

    def __call__(self, *_):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self.delay <= 0:
            self.fn()
            return
        if self._handle is not None:
            self._handle.cancel()
        self._handle = loop.call_later(self.delay, self.fn)


class _TermRow:
    def __init__(self, builder, term: Term):
        # an embedding or an in-memory (PIL) image has no text form: the row keeps the term itself and
        # shows its label; editing the text turns the row into an ordinary text or image term
        self.fixed = term if term.kind == "embedding" or (term.kind == "image" and not _is_path(term.value)) else None
        options = ["text", "image"] + ([term.kind] if self.fixed is not None and term.kind == "embedding" else [])
        self.kind = W.Dropdown(options=options, value=term.kind if self.fixed is not None else
                               ("image" if term.kind == "image" else "text"), layout=W.Layout(width="100px"))
        value = term.label or term.kind if self.fixed is not None else str(term.value)
        self.value = W.Text(value=value, placeholder="words, or an image path", layout=W.Layout(width="340px"),
                            continuous_update=False)
        self.weight = W.FloatSlider(value=term.weight, min=-2, max=2, step=0.05, description="weight",
                                    readout_format="+.2f", layout=W.Layout(width="320px"))
        self.remove = W.Button(description="remove", icon="trash", layout=W.Layout(width="90px"))
        self.box = W.HBox([self.kind, self.value, self.weight, self.remove])
        self.remove.on_click(lambda _: builder.remove_row(self))
        for widget in (self.kind, self.value, self.weight):
            widget.observe(builder.schedule, names="value")

    def term(self):
        text = self.value.value.strip()
        if not text:
            return None
        fixed = self.fixed
        if fixed is not None and text == (fixed.label or fixed.kind) and self.kind.value == fixed.kind:
            return Term(fixed.kind, fixed.value, float(self.weight.value), fixed.label)
        kind = self.kind.value if self.kind.value in ("text", "image") else "text"
        return Term(kind, text, float(self.weight.value), text)


def _is_path(value) -> bool:
    import os

    return isinstance(value, (str, os.PathLike))


def _display_with_snapshot(widget, snapshot: str) -> None:
    """Display ``widget`` with a still of what it shows now (``snapshot``, HTML) in the same output: a live kernel
    draws the controls; a saved copy, which keeps no widget state, still shows the results in any viewer that reads
    HTML (GitHub, nbviewer, an HTML export)."""
    from IPython.display import display

    bundle = widget._repr_mimebundle_()
    bundle["text/html"] = ('<div class="clipnb-snapshot"><p style="font:12px sans-serif;color:#555">A still of the '
                           "controls' first results: run the notebook to use them.</p>" + snapshot + "</div>")
    display(bundle, raw=True)


class QueryBuilder:
    """One row per term (text or image, weight −2…2, remove), add-term, k, a live grid.

    ``QueryBuilder(corpus, "a person running in front of trees - 0.3*winter").widget`` to display.
    """

    def __init__(self, corpus, query: str | Query = "a cat", k: int = 12, columns: int = 6, delay: float = 0.08):
        self.corpus, self.columns = corpus, columns
        self.rows: list[_TermRow] = []
        self.rows_box = W.VBox()
        self.add = W.Button(description="add term", icon="plus")
        self.k = W.IntSlider(value=k, min=1, max=min(48, len(corpus)), description="k")
        self.text = W.Text(description="query", layout=W.Layout(width="760px"), continuous_update=False)
        self.status = W.HTML()
        self.grid = W.HTML()
        self.schedule = Debouncer(self.update, delay)
        self.add.on_click(lambda _: self.add_row(Term("text", "", 1.0)))
        self.k.observe(self.schedule, names="value")
        self.text.observe(self._from_text, names="value")
        self.widget = W.VBox([self.rows_box, W.HBox([self.add, self.k]), self.text, self.status, self.grid])
        self.widget.add_class("clipnb-query-builder")
        self.set_query(query)

    def _ipython_display_(self):
        _display_with_snapshot(self.widget, self.status.value + self.grid.value)

    def set_query(self, query):
        query = parse(query) if isinstance(query, str) else query
        self.rows = []
        for term in query.terms:
            self.rows.append(_TermRow(self, term))
        self._sync_rows()
        self.update()

    def add_row(self, term):
        self.rows.append(_TermRow(self, term))
        self._sync_rows()

    def remove_row(self, row):
        self.rows.remove(row)
        self._sync_rows()
        self.schedule()

    def _sync_rows(self):
        self.rows_box.children = [r.box for r in self.rows]

    def _from_text(self, change):
        if change["new"].strip() and change["new"] != str(self.query()):
            try:
                self.set_query(change["new"])
            except ValueError as e:
                self.status.value = f'<pre style="color:#b00">{html.escape(str(e))}</pre>'

    def query(self) -> Query:
        return Query([t for t in (r.term() for r in self.rows) if t is not None])

    def update(self):
        start = time.perf_counter()
        query = self.query()
        try:
            results = self.corpus.search(query, k=self.k.value)
        except (ValueError, TypeError, FileNotFoundError) as e:
            self.status.value = f'<pre style="color:#b00">{html.escape(str(e))}</pre>'
            return
        self.grid.value = image_grid_html(results, self.corpus.model.name, columns=self.columns)
        elapsed = (time.perf_counter() - start) * 1000
        self.text.unobserve(self._from_text, names="value")
        self.text.value = str(query)
        self.text.observe(self._from_text, names="value")
        explain = query.explain(self.corpus.model)
        self.status.value = (f'<span class="clipnb-status" style="font:12px sans-serif">updated in {elapsed:.0f} ms · '
                             f'|weighted sum| = {explain.attrs["norm"]:.3f} · shares: '
                             + ", ".join(f"{'−' if w < 0 else '+'} {html.escape(t)}: {s:.2f}"   # each term with its sign
                                         for t, w, s in zip(explain["term"], explain["weight"], explain["share"]))
                             + "</span>")
        self.last_results = results


class OppositionExplorer:
    """Two poles and a slider that walks the ranked list from "most A" to "most B"."""

    def __init__(self, corpus, pole_a="happy", pole_b="sad", method="delta", window: int = 6, delay: float = 0.08):
        self.corpus, self.window = corpus, window
        self.pole_a = W.Text(value=opposition.pole_label(pole_a), description="pole A", continuous_update=False)
        self.pole_b = W.Text(value=opposition.pole_label(pole_b), description="pole B", continuous_update=False)
        self.method = W.Dropdown(options=opposition.METHODS, value=method, description="rank by")
        self.position = W.IntSlider(value=0, min=0, max=max(0, len(corpus) - window), description="A → B",
                                    layout=W.Layout(width="760px"))
        self.status = W.HTML()
        self.grid = W.HTML()
        self.schedule = Debouncer(self.update, delay)
        self._ranked = None
        for widget in (self.pole_a, self.pole_b, self.method):
            widget.observe(self._rerank, names="value")
        self.position.observe(self.schedule, names="value")
        self.widget = W.VBox([W.HBox([self.pole_a, self.pole_b, self.method]), self.position, self.status, self.grid])
        self.widget.add_class("clipnb-opposition")
        self._rerank()

    def _ipython_display_(self):
        _display_with_snapshot(self.widget, self.status.value + self.grid.value)

    @staticmethod
    def _pole(text):
        prompts = [p.strip() for p in text.split("/") if p.strip()]
        return prompts[0] if len(prompts) == 1 else prompts

    def _rerank(self, *_):
        try:
            self._ranked = opposition.rank(self.corpus, self._pole(self.pole_a.value), self._pole(self.pole_b.value),
                                           self.method.value)
        except ValueError as e:
            self.status.value = f'<pre style="color:#b00">{html.escape(str(e))}</pre>'
            return
        self.update()

    def update(self):
        if self._ranked is None:
            return
        start = self.position.value
        window = self._ranked.iloc[start:start + self.window]
        self.grid.value = image_grid_html(window, self.corpus.model.name, columns=self.window,
                                          title=f"ranks {start + 1}–{start + len(window)} of {len(self._ranked)} "
                                                f"by {self.method.value}",
                                          score_label=opposition.SCORE_LABELS[self.method.value])
        self.status.value = (f'<span style="font:12px sans-serif">← most "{html.escape(self.pole_a.value)}" · '
                             f'most "{html.escape(self.pole_b.value)}" →</span>')
