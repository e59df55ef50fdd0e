"""The widgets' Python side: they build, re-rank on a move, and show errors instead of raising."""
import clipnb
from clipnb.widgets import OppositionExplorer, QueryBuilder


def test_query_builder_reranks_on_weight_change(model, cache):
    corpus = clipnb.sample_corpus(model, cache=cache)
    builder = QueryBuilder(corpus, "a person - 0.3*winter", k=6, delay=0)
    first = builder.grid.value
    assert builder.text.value == "a person - 0.3*winter"
    assert first.count("<img") == 6 and "updated in" in builder.status.value
    builder.rows[0].value.value = "a cat"
    builder.rows[1].weight.value = 2.0
    assert builder.text.value == "a cat + 2*winter"
    assert builder.grid.value != first
    builder.remove_row(builder.rows[1])
    assert builder.text.value == "a cat"
    builder.text.value = "a dog - 0.5*star"
    assert len(builder.rows) == 2 and builder.rows[1].weight.value == -0.5


def test_query_builder_shows_errors(model, cache):
    corpus = clipnb.sample_corpus(model, cache=cache)
    builder = QueryBuilder(corpus, "a cat", k=3, delay=0)
    builder.text.value = "a cat + - dog"
    assert "two operators in a row" in builder.status.value
    builder.add_row(clipnb.query.Term("text", "a cat", -1.0))
    builder.update()
    assert "cancel out" in builder.status.value


def test_opposition_explorer_walks_the_list(model, cache):
    corpus = clipnb.sample_corpus(model, cache=cache)
    explorer = OppositionExplorer(corpus, "happy", "sad", delay=0)
    start = explorer.grid.value
    assert "score = sim(A) − sim(B)" in start and "cosine similarity" not in start   # the score it ranks by
    explorer.method.value = "probability"
    assert "score = P(A)" in explorer.grid.value
    explorer.position.value = explorer.position.max
    assert explorer.grid.value != start
    explorer.pole_b.value = "happy"
    assert "the same" in explorer.status.value


def test_a_slider_move_encodes_no_image_again(model, cache):
    """An image term is decoded and encoded once; slider moves (search + explain) reuse its vector."""
    corpus = clipnb.sample_corpus(model, cache=cache)
    cat = clipnb.samples_dir() / "emoji" / "animals" / "cat.png"
    builder = QueryBuilder(corpus, clipnb.query.image(cat) - 0.5 * clipnb.query.text("a cat"), k=4, delay=0)
    calls = []
    original = model.model.encode_image
    model.model.encode_image = lambda *a, **k: calls.append(1) or original(*a, **k)
    try:
        for w in (-0.2, -0.7, -1.3):
            builder.rows[1].weight.value = w
    finally:
        del model.model.encode_image
    assert calls == [] and "updated in" in builder.status.value
    assert "− a cat: " in builder.status.value and "+ img:cat.png: " in builder.status.value   # each share, its sign


def test_embedding_and_pil_terms_survive_the_builder(model, cache):
    import numpy as np

    corpus = clipnb.sample_corpus(model, cache=cache)
    vector = model.encode_text(["a dog"])[0].numpy()
    picture = clipnb.load_image(clipnb.samples_dir() / "emoji" / "animals" / "cat.png")
    query = clipnb.query.embedding(vector, label="doggo") + 0.5 * clipnb.query.image(picture)
    builder = QueryBuilder(corpus, query, k=3, delay=0)
    terms = builder.query().terms
    assert terms[0].kind == "embedding" and np.array_equal(terms[0].value, vector)   # not the text "doggo"
    assert terms[1].kind == "image" and terms[1].value is picture                    # not a path "<PIL…>"
    assert list(corpus.search(builder.query(), k=3)["path"]) == list(corpus.search(query, k=3)["path"])


def test_embedding_queries_with_one_label_are_not_equal():
    import numpy as np

    a = clipnb.query.embedding(np.array([1.0, 0, 0]), label="v")
    b = clipnb.query.embedding(np.array([0, 1.0, 0]), label="v")
    assert a != b and a == clipnb.query.embedding(np.array([1.0, 0, 0]), label="v")


def test_a_displayed_widget_carries_a_still_of_its_results_for_saved_copies(model, cache, monkeypatch):
    """A saved notebook keeps no widget state: the display also holds the widget's first results as HTML, which a
    viewer without a kernel shows, while a live kernel still gets the widget itself."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    corpus = clipnb.sample_corpus(model, cache=cache)
    for widget in (QueryBuilder(corpus, "a cat", k=6, delay=0), OppositionExplorer(corpus, "happy", "sad", delay=0)):
        widget._ipython_display_()
        bundle, raw = shown[-1]
        assert raw and "application/vnd.jupyter.widget-view+json" in bundle
        assert widget.grid.value in bundle["text/html"] and bundle["text/html"].count("<img") == 6
