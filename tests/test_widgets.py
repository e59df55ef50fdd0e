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
    explorer.position.value = explorer.position.max
    assert explorer.grid.value != start
    explorer.pole_b.value = "happy"
    assert "the same" in explorer.status.value
