"""Bad inputs to the encoders and to search: each error says what was wrong and what to do."""
import numpy as np
import pytest

from clipnb.errors import ImageLoadError


@pytest.mark.parametrize("texts, error, message", [
    ([], ValueError, "empty list"),
    ([""], ValueError, r"texts\[0\] is an empty string"),
    (["a cat", "   "], ValueError, r"texts\[1\] is an empty string"),
    (None, TypeError, "string or a list of strings"),
    (["a cat", 3], TypeError, r"texts\[1\] is int"),
    ({"a cat"}, TypeError, "not set"),
])
def test_bad_texts(model, texts, error, message):
    with pytest.raises(error, match=message):
        model.encode_text(texts)


@pytest.mark.parametrize("images, error, message", [
    ([], ValueError, "empty list"),
    (None, TypeError, "images is None"),
    ([3.5], TypeError, r"images\[0\] is float"),
])
def test_bad_image_lists(model, images, error, message):
    with pytest.raises(error, match=message):
        model.encode_image(images)


def test_one_bad_file_names_itself(model, tmp_path):
    import clipnb

    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(ImageLoadError, match="broken.png"):
        model.encode_image([clipnb.samples_dir() / "photos" / "chelsea.jpg", tmp_path / "broken.png"])


def test_skipping_unreadable_keeps_the_rest(model, tmp_path):
    import clipnb

    (tmp_path / "broken.png").write_bytes(b"nope")
    good = clipnb.samples_dir() / "photos" / "chelsea.jpg"
    features, failures = model.encode_image_files([good, tmp_path / "broken.png", good])
    assert features.shape == (2, model.embed_dim)
    assert list(failures) == [1] and "broken.png" in failures[1]


def test_search_rejects_bad_k_and_queries(model, image_folder, cache):
    from clipnb import ImageCorpus

    corpus = ImageCorpus.from_folder(image_folder, model, cache=cache)
    for k in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="k must be a positive whole number"):
            corpus.search("a cat", k=k)
    with pytest.raises(ValueError, match=rf"shape \({model.embed_dim},\)"):
        corpus.search(np.ones(7, np.float32))
    with pytest.raises(ValueError, match="zero"):
        corpus.search(np.zeros(model.embed_dim, np.float32))
    with pytest.raises(TypeError, match="query is None"):
        corpus.search(None)
    with pytest.raises(TypeError, match="cannot search with a dict"):
        corpus.search({"a": 1})
    with pytest.raises(ValueError, match="empty string"):
        corpus.search("")
