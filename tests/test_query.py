"""Query algebra and its text syntax."""
import numpy as np
import pytest

import clipnb
from clipnb.query import Query, QueryError, embedding, image, parse, text


@pytest.mark.parametrize("source, expected", [
    ("a cat", [("text", "a cat", 1.0)]),
    ("a person running in front of trees - 0.3*winter - 0.5*forest",
     [("text", "a person running in front of trees", 1.0), ("text", "winter", -0.3), ("text", "forest", -0.5)]),
    ("a man - japanese - close up", [("text", "a man", 1.0), ("text", "japanese", -1.0), ("text", "close up", -1.0)]),
    ("forest + 0.5:winter", [("text", "forest", 1.0), ("text", "winter", 0.5)]),       # rclip's weight:term
    ("a t-shirt + a well-known face", [("text", "a t-shirt", 1.0), ("text", "a well-known face", 1.0)]),
    ('"rock - paper + scissors" - 2*cat', [("text", "rock - paper + scissors", 1.0), ("text", "cat", -2.0)]),
    ("img:photos/forest.jpg - 0.5*forest", [("image", "photos/forest.jpg", 1.0), ("text", "forest", -0.5)]),
    ('img:"my photos/a b.png" + sea', [("image", "my photos/a b.png", 1.0), ("text", "sea", 1.0)]),
    ("- a cat", [("text", "a cat", -1.0)]),
    ("a cat -0.25 * dog", [("text", "a cat", 1.0), ("text", "dog", -0.25)]),
    ('"1984"', [("text", "1984", 1.0)]),            # quoting is the escape for words that start with a number
    ('a cat - "0.3 winter"', [("text", "a cat", 1.0), ("text", "0.3 winter", -1.0)]),
])
def test_parse(source, expected):
    query = parse(source)
    assert [(t.kind, t.value, t.weight) for t in query.terms] == expected
    assert parse(str(query)) == query  # the printed form parses back to the same query


@pytest.mark.parametrize("source, message", [
    ("", "the query is empty"),
    ("   ", "the query is empty"),
    ("a cat +", "ends with an operator"),
    ("a cat + - dog", "two operators in a row"),
    ("0.3*", "has no term after it"),
    ("0.3* ", "has no term after it"),
    ('"a cat', "unterminated quote"),
    ('a cat + ""', "empty quoted term"),
    ("img:notes.txt", "does not name an image file"),
    ("0..3*x", "malformed weight"),
    ('"a"b', "expected '\\+' or '-' between terms"),
    ("img:", "a term is missing"),
    ("a cat - 0.3 winter", "starts with a number"),     # the missing '*': not "0.3 winter" at full weight
    ("0,3*winter", "starts with a number"),
    ("a cat -* dog", "'\\*' inside the term"),
    ("a cat-0.3*winter", "'\\*' inside the term"),
    ("1984", "starts with a number"),
])
def test_malformed_queries_say_where_and_what(source, message):
    with pytest.raises(QueryError, match=message) as info:
        parse(source)
    if source.strip():
        assert "position" in str(info.value) and "^" in str(info.value)


def test_parse_wants_a_string():
    with pytest.raises(TypeError, match="must be a string"):
        parse(3)


def test_python_algebra_matches_syntax():
    q = text("a person running in front of trees") - 0.3 * text("winter") - 0.5 * text("forest")
    assert q == parse("a person running in front of trees - 0.3*winter - 0.5*forest")
    assert -text("a") == parse("- a")
    assert (text("a") + "b - 0.5*c") == parse("a + b - 0.5*c")
    with pytest.raises(TypeError, match="multiplied by a number"):
        text("a") * "b"
    with pytest.raises(QueryError, match="non-empty string"):
        text("  ")


def test_composition_is_the_normalised_weighted_sum(model):
    q = text("a cat") - 0.3 * text("black") + 0.5 * image(clipnb.samples_dir() / "photos" / "chelsea.jpg")
    cat, black = model.encode_text(["a cat", "black"]).numpy()
    photo = model.encode_image([clipnb.samples_dir() / "photos" / "chelsea.jpg"])[0].numpy()
    expected = cat - 0.3 * black + 0.5 * photo
    expected /= np.linalg.norm(expected)
    assert np.allclose(q.vector(model), expected, atol=1e-6)
    explained = q.explain(model)
    assert np.isclose(explained["share"].sum(), 1, atol=1e-5)
    assert np.allclose(explained["cosine to query"], [cat @ expected, black @ expected, photo @ expected], atol=1e-5)


def test_embedding_terms_are_normalised(model):
    v = model.encode_text(["a dog"])[0].numpy()
    assert np.allclose(embedding(5 * v).vector(model), v, atol=1e-6)


@pytest.mark.parametrize("query", ["a cat - a cat", "0.5*dog - 0.5*dog", "0*cat"])
def test_cancelling_query_is_an_error_not_nans(model, query):
    with pytest.raises(QueryError, match="cancel out"):
        parse(query).vector(model)


def test_search_scores_are_true_cosines(model, image_folder, cache):
    corpus = clipnb.ImageCorpus.from_folder(image_folder, model, cache=cache)
    q = parse("a cat - 0.5*black")
    results = corpus.search(q, k=4)
    assert np.allclose(results["score"], np.sort(corpus.image_features @ q.vector(model))[::-1], atol=1e-6)
    assert list(corpus.search("a cat - 0.5*black", k=4)["path"]) == list(results["path"])


def test_moving_a_weight_reencodes_nothing(model, image_folder, cache):
    corpus = clipnb.ImageCorpus.from_folder(image_folder, model, cache=cache)
    corpus.search("a person running - 0.3*winter", k=2)
    calls = []
    original = model.model.encode_text
    model.model.encode_text = lambda *a, **k: calls.append(1) or original(*a, **k)
    try:
        for w in (0.1, 0.2, 0.7, 1.5):
            corpus.search(text("a person running") - w * text("winter"), k=2)
    finally:
        del model.model.encode_text
    assert calls == []


def test_a_mistyped_image_path_is_an_error_not_a_text_search(model, tmp_path, monkeypatch):
    import clipnb

    corpus = clipnb.sample_corpus(model, progress=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="no image file phot0s/chelsea.jpg") as info:
        corpus.search("phot0s/chelsea.jpg")
    assert str(tmp_path) in str(info.value)
    with pytest.raises(FileNotFoundError, match="relative paths start in the current folder"):
        corpus.search("img:photos/forest.jpg - 0.5*forest")


def test_bundled_is_suggested_for_a_typo():
    import clipnb
    from clipnb.errors import UnknownModelError

    with pytest.raises(UnknownModelError, match="'bundled'"):
        clipnb.load_model("bundeled")


def test_every_documented_image_term_works_alone_and_combined(model, tmp_path, monkeypatch):
    """img:PATH alone (absolute, relative, in the samples folder, quoted with spaces) and with a second term:
    each searches with that image's vector, never a FileNotFoundError for the 'img:' prefix itself."""
    import shutil

    import clipnb

    corpus = clipnb.sample_corpus(model, progress=False)
    bear = clipnb.samples_dir() / "emoji" / "animals" / "bear.png"
    spaced = tmp_path / "my photos" / "a bear.png"
    spaced.parent.mkdir()
    shutil.copy(bear, spaced)
    monkeypatch.chdir(tmp_path)
    shutil.copy(bear, tmp_path / "bear.png")
    bear_vector = model.encode_image([bear])[0].numpy()
    forms = {f"img:{bear}": bear, "img:bear.png": tmp_path / "bear.png", f'img:"{spaced}"': spaced,
             f"image:{bear}": bear}
    for source, path in forms.items():
        alone = corpus.search(source, k=3, exclude_query_images=False)
        expected = np.sort(corpus.image_features @ bear_vector)[::-1][:3]
        assert np.allclose(alone["score"], expected, atol=1e-4), source
        combined = corpus.search(f"{source} - 0.1*a dog", k=3)
        assert len(combined) == 3, source
        if path == bear:  # the sample itself is the query image: left out of its own results
            assert str(bear) not in list(combined["path"]) and combined.attrs["left_out"] == [str(bear)], source
        else:  # a copy elsewhere: the sample bear, the same picture, comes first
            assert list(combined["path"])[0] == str(bear), source
    with pytest.raises(FileNotFoundError, match="no such file"):
        corpus.search("img:nobear.png")


def test_exercise_feedback_passes_on_what_is_wrong_with_a_query(model, tmp_path, monkeypatch):
    from clipnb.exercises import check

    monkeypatch.chdir(tmp_path)
    feedback = check("06.2", "a small pet + img:missing-kitten.png", model=model)  # 06.2's answer is a query
    assert not feedback.ok and "no such file" in feedback.message and "a number, a word" not in feedback.message
