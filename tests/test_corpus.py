"""Folder corpora: encoding, the on-disk cache (clip-retrieval layout), incremental updates, search."""
import json
import os
import re
import shutil

import numpy as np
import pandas as pd
import pytest
import torch

import clipnb
from clipnb import ImageCorpus
from clipnb.errors import CacheError, EmptyCorpusError


class Counting:
    """Counts how many images go through the real model's encoder."""

    def __init__(self, model):
        self.model, self.count = model, 0
        self._original = model.encode_image_files

    def __enter__(self):
        def counted(images, skip_unreadable=True, progress=True):
            self.count += len(images)
            return self._original(images, skip_unreadable, progress)
        self.model.encode_image_files = counted
        return self

    def __exit__(self, *exc):
        del self.model.encode_image_files


def test_folder_corpus_encodes_and_searches(model, image_folder, cache):
    corpus = ImageCorpus.from_folder(image_folder, model, cache=cache)
    assert len(corpus) == 4
    assert corpus.image_features.dtype == np.float32
    assert np.allclose(np.linalg.norm(corpus.image_features, axis=1), 1, atol=1e-5)
    expected = model.encode_image([image_folder / "cat.jpg"])[0].numpy()
    row = corpus.paths.index(str(image_folder / "cat.jpg"))
    assert np.allclose(corpus.image_features[row], expected, atol=1e-5)
    results = corpus.search("a cat", k=3)
    assert list(results.columns) == ["rank", "path", "score", "caption"]
    assert list(results["rank"]) == [1, 2, 3]
    assert results["score"].is_monotonic_decreasing
    text = model.encode_text(["a cat"])[0].numpy()
    assert np.isclose(results["score"].iloc[0], (corpus.image_features @ text).max(), atol=1e-6)


def test_cache_layout_is_clip_retrieval(model, image_folder, cache):
    corpus = ImageCorpus.from_folder(image_folder, model, cache=cache)
    embeddings = np.load(corpus.cache_path / "img_emb" / "img_emb_0.npy")
    metadata = pd.read_parquet(corpus.cache_path / "metadata" / "metadata_0.parquet")
    assert embeddings.shape == (4, model.embed_dim)
    assert {"image_path", "caption"} <= set(metadata.columns)
    info = json.loads((corpus.cache_path / "info.json").read_text())
    assert info["model_identity"] == model.identity


def test_reopen_encodes_nothing(model, image_folder, cache):
    first = ImageCorpus.from_folder(image_folder, model, cache=cache)
    with Counting(model) as counter:
        second = ImageCorpus.from_folder(image_folder, model, cache=cache)
    assert counter.count == 0
    assert np.array_equal(first.image_features, second.image_features)


def test_added_changed_removed_files_are_incremental(model, image_folder, cache):
    ImageCorpus.from_folder(image_folder, model, cache=cache)
    shutil.copy(clipnb.samples_dir() / "photos" / "coffee.jpg", image_folder / "sub" / "coffee.jpg")  # added
    removed = sorted(image_folder.glob("*.png"))[0]
    removed.unlink()                                                                                # removed
    shutil.copy(clipnb.samples_dir() / "photos" / "rocket.jpg", image_folder / "cat.jpg")           # changed
    touched = sorted(image_folder.glob("*.png"))[0]
    os.utime(touched, ns=(1, 1))                                            # touched: same content, no re-encode
    with Counting(model) as counter:
        corpus = ImageCorpus.from_folder(image_folder, model, cache=cache)
    assert counter.count == 2
    assert len(corpus) == 4 and str(removed) not in corpus.paths
    row = corpus.paths.index(str(image_folder / "cat.jpg"))
    rocket = model.encode_image([image_folder / "cat.jpg"])[0].numpy()
    assert np.allclose(corpus.image_features[row], rocket, atol=1e-5)


def test_truncated_cache_is_rebuilt(model, image_folder, cache):
    corpus = ImageCorpus.from_folder(image_folder, model, cache=cache)
    npy = corpus.cache_path / "img_emb" / "img_emb_0.npy"
    npy.write_bytes(npy.read_bytes()[:-100])
    with pytest.warns(UserWarning, match="truncated or corrupted"):
        again = ImageCorpus.from_folder(image_folder, model, cache=cache)
    assert np.allclose(again.image_features, corpus.image_features, atol=1e-6)
    with Counting(model) as counter:  # and the rebuilt cache is good again
        ImageCorpus.from_folder(image_folder, model, cache=cache)
    assert counter.count == 0


def test_garbage_metadata_is_rebuilt(model, image_folder, cache):
    corpus = ImageCorpus.from_folder(image_folder, model, cache=cache)
    (corpus.cache_path / "info.json").write_text("{not json")
    with pytest.warns(UserWarning, match="It will be rebuilt"):
        ImageCorpus.from_folder(image_folder, model, cache=cache)


def test_cache_of_another_model_is_never_used(model, image_folder, cache, tmp_path):
    from clipnb.models import bundled_model_dir
    from safetensors.torch import load_file, save_file

    shutil.copytree(bundled_model_dir(), tmp_path / "m", ignore=shutil.ignore_patterns("checkpoint"))
    state = load_file(tmp_path / "m" / "open_clip_model.safetensors")
    projection = [k for k in state if re.fullmatch(r"visual\.(proj|head\.(proj|mlp\.fc2)\.(weight|bias))", k)]
    assert projection, "the image tower's last linear map (ViT: visual.proj, timm: visual.head.proj.* or .mlp.fc2.*)"
    for key in projection:  # negating the last linear map negates every image embedding
        state[key] = -state[key]
    save_file(state, tmp_path / "m" / "open_clip_model.safetensors")
    other = clipnb.load_model(f"local-dir:{tmp_path / 'm'}", device="cpu")
    mine = ImageCorpus.from_folder(image_folder, model, cache=cache)
    theirs_path = cache / mine.cache_path.name.replace(model.identity, other.identity)
    shutil.copytree(mine.cache_path, theirs_path)  # another model's cache where this one's belongs
    with pytest.warns(UserWarning, match="made by another model"):
        theirs = ImageCorpus.from_folder(image_folder, other, cache=cache)
    assert np.allclose(theirs.image_features, -mine.image_features, atol=1e-5)


def test_unreadable_images_are_skipped_by_name(model, image_folder, cache):
    (image_folder / "zero.png").write_bytes(b"")
    (image_folder / "text.jpg").write_text("hello")
    with pytest.warns(UserWarning, match=r"2 unreadable image\(s\)(.|\n)*zero.png"):
        corpus = ImageCorpus.from_folder(image_folder, model, cache=cache)
    assert len(corpus) == 4


def test_unwritable_cache_folder(model, image_folder, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(CacheError, match="set CLIPNB_CACHE"):
        ImageCorpus.from_folder(image_folder, model, cache=blocker / "cache")


def test_folder_without_images(model, tmp_path, cache):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "readme.txt").write_text("no pictures here")
    with pytest.raises(EmptyCorpusError, match="no images in"):
        ImageCorpus.from_folder(tmp_path / "docs", model, cache=cache)


def test_missing_folder_and_file_instead_of_folder(model, tmp_path, cache):
    with pytest.raises(FileNotFoundError, match="image folder not found"):
        ImageCorpus.from_folder(tmp_path / "nowhere", model, cache=cache)
    (tmp_path / "x.png").write_bytes(b"")
    with pytest.raises(NotADirectoryError, match="is a file"):
        ImageCorpus.from_folder(tmp_path / "x.png", model, cache=cache)


def test_query_kinds_agree(model, image_folder, cache):
    corpus = ImageCorpus.from_folder(image_folder, model, cache=cache)
    by_path = corpus.search(image_folder / "cat.jpg", k=4, exclude_query_images=False)
    by_str = corpus.search(str(image_folder / "cat.jpg"), k=4, exclude_query_images=False)
    by_pil = corpus.search(clipnb.load_image(image_folder / "cat.jpg"), k=4)
    by_vector = corpus.search(model.encode_image([image_folder / "cat.jpg"])[0], k=4)
    assert by_path["path"].iloc[0] == str(image_folder / "cat.jpg")
    assert np.isclose(by_path["score"].iloc[0], 1, atol=1e-5)
    for other in (by_str, by_pil, by_vector):
        assert list(other["path"]) == list(by_path["path"])
    # by default a corpus image used as the query is left out of its own results
    assert list(corpus.search(image_folder / "cat.jpg", k=3)["path"]) == list(by_path["path"][1:])


def test_show_renders_thumbnails_with_model_name(model, image_folder, cache):
    corpus = ImageCorpus.from_folder(image_folder, model, cache=cache)
    html = corpus.show(corpus.search("a cat", k=2)).data
    assert html.count("<img") == 2 and "data:image/jpeg;base64," in html
    assert "bundled" in html


def test_sample_corpus_has_captions(model, cache):
    corpus = clipnb.sample_corpus(model, cache=cache)
    assert len(corpus) > 250
    assert (corpus.table["caption"] != "").all()


def test_a_query_image_is_left_out_of_its_own_results(model):
    import clipnb
    from clipnb.query import image, text

    corpus = clipnb.sample_corpus(model, progress=False)
    query_path = clipnb.samples_dir() / "emoji" / "animals" / "cat.png"
    results = corpus.search(image(query_path) - 0.5 * text("a cat"), k=5)
    assert str(query_path) not in set(results["path"]) and len(results) == 5
    assert results.attrs["left_out"] == [str(query_path)]
    kept = corpus.search(image(query_path), k=5, exclude_query_images=False)
    assert kept["path"].iloc[0] == str(query_path) and kept["score"].iloc[0] > 0.999
    assert corpus.search("a cat", k=5).attrs["left_out"] == []


def test_a_touched_unchanged_file_is_hashed_once_not_on_every_reopen(model, image_folder, cache, monkeypatch):
    from clipnb import corpus as corpus_module

    clipnb.ImageCorpus.from_folder(image_folder, model, cache=cache)
    target = image_folder / "cat.jpg"
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))  # touched, same bytes
    hashed = []
    original = corpus_module.file_sha256
    monkeypatch.setattr(corpus_module, "file_sha256", lambda p: hashed.append(p) or original(p))
    clipnb.ImageCorpus.from_folder(image_folder, model, cache=cache)
    assert hashed == [target]
    clipnb.ImageCorpus.from_folder(image_folder, model, cache=cache)
    assert hashed == [target]  # the second reopen trusts the recorded size and mtime


def test_a_search_parses_its_query_once(model, image_folder, cache, monkeypatch):
    import clipnb.query

    corpus = clipnb.ImageCorpus.from_folder(image_folder, model, cache=cache, progress=False)
    calls = []
    real = clipnb.query.parse
    monkeypatch.setattr(clipnb.query, "parse", lambda source: calls.append(source) or real(source))
    results = corpus.search(f'img:{image_folder / "cat.jpg"} - 0.3 * "winter"', k=2)
    assert len(calls) == 1 and len(results) == 2
    assert results.attrs["left_out"] == [str(image_folder / "cat.jpg")]
