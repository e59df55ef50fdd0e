"""Real architectures with random weights, saved and loaded back; the bundled model; model specs."""
import json
import time

import numpy as np
import pytest
import torch

import clipnb
from clipnb.errors import ModelNotAvailableError, UnknownModelError


def _raw_features(model, preprocess, tokenizer, texts, images):
    with torch.no_grad():
        t = torch.nn.functional.normalize(model.encode_text(tokenizer(texts)), dim=-1)
        x = torch.stack([preprocess(clipnb.load_image(p)) for p in images])
        v = torch.nn.functional.normalize(model.encode_image(x), dim=-1)
    return t, v


@pytest.mark.parametrize("name", ["ViT-B-32", "MobileCLIP-S2"])
def test_random_architecture_round_trip(name, tmp_path):
    """Build an open_clip architecture with random weights, save it, load it back through
    'NAME:/path.safetensors': encodings must equal the original model's."""
    import open_clip
    from safetensors.torch import save_file
    from timm.utils.model import reparameterize_model

    torch.manual_seed(0)
    original, _, preprocess = open_clip.create_model_and_transforms(name)
    original.eval()
    path = tmp_path / f"{name}.safetensors"
    save_file({k: v.contiguous() for k, v in original.state_dict().items()}, path)

    loaded = clipnb.load_model(f"{name}:{path}", device="cpu")
    assert loaded.name == f"{name}:{path}"
    assert loaded.embed_dim == original.text_projection.shape[1] if hasattr(original, "text_projection") \
        and original.text_projection is not None else loaded.embed_dim > 0
    texts = ["a cat", "a dog", "a monkey"]
    images = [clipnb.samples_dir() / "photos" / "chelsea.jpg", clipnb.samples_dir() / "photos" / "coffee.jpg"]
    reference = reparameterize_model(original) if name.startswith("MobileCLIP") else original
    t_ref, v_ref = _raw_features(reference, loaded.preprocess, open_clip.get_tokenizer(name), texts, images)
    t, v = loaded.encode_text(texts), loaded.encode_image(images)
    assert t.dtype == torch.float32 and t.shape == (3, loaded.embed_dim)
    assert torch.allclose(t.norm(dim=1), torch.ones(3), atol=1e-5)
    assert torch.allclose(t, t_ref, atol=1e-5)
    assert torch.allclose(v, v_ref, atol=1e-4)
    # OpenAI's design runs its causal text tower on the batch's real length: the same features as padded to 77
    assert (loaded._causal_text is not None) == (name == "ViT-B-32")
    mixed = ["a", "a photo of " + "a very " * 40 + "long cat", "a photo of a dog on a mat"]  # the second is cut at 77
    assert torch.allclose(loaded.encode_text(mixed),
                          _raw_features(reference, loaded.preprocess, open_clip.get_tokenizer(name), mixed, images[:1])[0],
                          atol=1e-5)
    if name.startswith("MobileCLIP"):  # fused for inference, yet the same function as before fusing
        t_unfused, v_unfused = _raw_features(original, loaded.preprocess, open_clip.get_tokenizer(name), texts, images)
        assert torch.allclose(v, v_unfused, atol=1e-3)


def test_local_dir_loads_like_bundled(model, tmp_path):
    import shutil

    from clipnb.models import bundled_model_dir

    shutil.copytree(bundled_model_dir(), tmp_path / "m", ignore=shutil.ignore_patterns("checkpoint"))
    other = clipnb.load_model(f"local-dir:{tmp_path / 'm'}", device="cpu")
    assert torch.allclose(other.encode_text(["a cat"]), model.encode_text(["a cat"]), atol=1e-6)


def test_bundled_model_is_usable(model):
    from clipnb.models import architecture

    assert model.name == "bundled"
    assert model.embed_dim == architecture("bundled")["model_cfg"]["embed_dim"]
    assert 1 < model.logit_scale <= 100
    features = model.encode_text(["a cat", "a dog", "a cat"])
    assert torch.equal(features[0], features[2])
    assert not torch.allclose(features[0], features[1])
    assert not any(p.requires_grad for p in model.model.parameters())
    assert not model.model.training


def test_bundled_config_is_registered_architecture():
    """The shipped folder is open_clip's local-dir layout with a model_cfg open_clip can build."""
    from clipnb.models import bundled_model_dir

    folder = bundled_model_dir()
    config = json.loads((folder / "open_clip_config.json").read_text())
    assert set(config) >= {"model_cfg", "preprocess_cfg"}
    size = (folder / "open_clip_model.safetensors").stat().st_size
    # fp16: the MiniLM text tower (22.7M parameters) is most of it
    assert size <= 60e6, f"bundled weights are {size / 1e6:.1f} MB, over the 60 MB budget"


def test_the_bundled_text_tower_is_named_not_a_path_of_the_machine_that_built_it(model):
    """text_cfg names the hub's tower; the folder carries its config and tokenizer, and the loader reads them there
    (HF_HUB_OFFLINE is set for the tests: nothing is fetched)."""
    from clipnb.models import bundled_model_dir

    folder = bundled_model_dir()
    text_cfg = json.loads((folder / "open_clip_config.json").read_text())["model_cfg"]["text_cfg"]
    assert text_cfg["hf_model_name"] == text_cfg["hf_tokenizer_name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert all((folder / name).exists() for name in ("config.json", "tokenizer.json", "tokenizer_config.json"))
    assert model.model.text.transformer.config.hidden_size == 384
    # the tokenizer is the teacher's: lower-cased word pieces, not CLIP's byte-pair tokens
    assert model.tokenizer(["A Cat"]).tolist() == model.tokenizer(["a cat"]).tolist()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_twins_of_the_bundled_architecture_do_not_collapse(seed):
    """Default weights give an EfficientNet BatchNorm statistics of mean 0 / variance 1, which map every image to
    nearly one point (mean pairwise cosine 0.99 and more); a twin's statistics come from the probe images, so it
    stays below the line where compare calls a model collapsed, and its trunk is not the pretrained one."""
    from clipnb import claims, compare
    from clipnb.models import bundled_model_dir, random_weights_dir

    twin = clipnb.load_model(f"local-dir:{random_weights_dir('bundled', seed)}", device="cpu")
    images, texts = compare.collapse(twin)
    assert images < claims.DEGENERATE_COSINE and texts < claims.DEGENERATE_COSINE, (images, texts)
    from safetensors.torch import load_file

    trained = load_file(bundled_model_dir() / "open_clip_model.safetensors")
    name = "visual.trunk.conv_stem.weight"
    assert not torch.allclose(twin.model.state_dict()[name].half(), trained[name])
    assert not torch.allclose(twin.model.state_dict()["text.transformer.embeddings.word_embeddings.weight"].half(),
                              trained["text.transformer.embeddings.word_embeddings.weight"])


def test_long_inputs_are_batched(model):
    texts = [f"a drawing of {i} cats" for i in range(150)]
    features = model.encode_text(texts)
    assert features.shape == (150, model.embed_dim)
    one = model.encode_text([texts[77]])
    assert torch.allclose(features[77], one[0], atol=1e-5)


def test_default_model_falls_back_to_bundled_offline(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("CLIPNB_MODEL", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert clipnb.default_model_spec() == "bundled"
    assert "bundled" in capsys.readouterr().out
    monkeypatch.setenv("CLIPNB_MODEL", "ViT-B-32:laion2b_s34b_b79k")
    assert clipnb.default_model_spec() == "ViT-B-32:laion2b_s34b_b79k"


def test_uncached_tag_offline_fails_fast_with_advice(monkeypatch, tmp_path):
    """No weights cached, no network: a clear error quickly (open_clip alone retries ~46 s)."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_ENDPOINT", "https://127.0.0.1:9")  # nothing listens there: refused at once
    start = time.monotonic()
    with pytest.raises(ModelNotAvailableError, match="bundled") as info:
        clipnb.load_model("MobileCLIP-S2:datacompdr")
    assert "internet" in str(info.value)
    assert time.monotonic() - start < 30  # a generous bound: the point is no 46 s hub retry loop


def test_cached_hf_weights_load_offline(monkeypatch, tmp_path):
    """A pretrained tag whose weights sit in the HF cache loads with no network at all."""
    import open_clip
    from safetensors.torch import save_file

    hub = tmp_path / "hub"
    repo = "laion/CLIP-ViT-B-32-laion2B-s34B-b79K"
    snapshot = hub / f"models--{repo.replace('/', '--')}" / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (hub / f"models--{repo.replace('/', '--')}" / "refs").mkdir()
    (hub / f"models--{repo.replace('/', '--')}" / "refs" / "main").write_text("0" * 40)
    torch.manual_seed(1)
    original = open_clip.create_model("ViT-B-32").eval()
    save_file({k: v.contiguous() for k, v in original.state_dict().items()}, snapshot / "open_clip_model.safetensors")
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    monkeypatch.setenv("HF_ENDPOINT", "https://127.0.0.1:9")
    loaded = clipnb.load_model("ViT-B-32:laion2b_s34b_b79k", device="cpu")
    with torch.no_grad():
        expected = torch.nn.functional.normalize(
            original.encode_text(open_clip.get_tokenizer("ViT-B-32")(["a cat"])), dim=-1)
    assert torch.allclose(loaded.encode_text(["a cat"]), expected, atol=1e-5)


@pytest.mark.parametrize("spec, expected", [
    ("ViT-B-33:laion2b_s34b_b79k", "ViT-B-32"),
    ("ViT-B-32:laion2b_s34b_b7k", "laion2b_s34b_b79k"),
    ("MobileCLIP-S2:datacomp", "datacompdr"),
    ("MobileClip-S2:datacompdr", "MobileCLIP-S2"),
])
def test_unknown_names_and_tags_list_the_closest(spec, expected):
    with pytest.raises(UnknownModelError, match=expected):
        clipnb.load_model(spec)


def test_architecture_without_weights_says_how():
    with pytest.raises(UnknownModelError, match="NAME:TAG"):
        clipnb.load_model("ViT-B-32")


@pytest.mark.parametrize("spec", [3, "", "   "])
def test_spec_must_be_a_string(spec):
    with pytest.raises(TypeError, match="model spec"):
        clipnb.load_model(spec)


def test_missing_weights_file_and_local_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match="weights file"):
        clipnb.load_model(f"ViT-B-32:{tmp_path / 'nope.safetensors'}")
    with pytest.raises(FileNotFoundError, match="open_clip_config.json"):
        clipnb.load_model(f"local-dir:{tmp_path}")


def test_identity_tells_weights_apart(model, tmp_path):
    import shutil

    from safetensors.torch import load_file, save_file

    from clipnb.models import bundled_model_dir

    shutil.copytree(bundled_model_dir(), tmp_path / "m", ignore=shutil.ignore_patterns("checkpoint"))
    state = load_file(tmp_path / "m" / "open_clip_model.safetensors")
    key = "text_projection" if "text_projection" in state else "text.proj.weight"  # CLIP's, or a Hugging Face tower's
    state[key] = state[key] * 2
    save_file(state, tmp_path / "m" / "open_clip_model.safetensors")
    other = clipnb.load_model(f"local-dir:{tmp_path / 'm'}", device="cpu")
    assert other.identity != model.identity


def test_earlier_bundled_models_load_under_their_own_names():
    import clipnb
    from clipnb.errors import UnknownModelError

    for spec in ("bundled:emoji", "bundled:clipart"):
        old = clipnb.load_model(spec, device="cpu")
        assert old.embed_dim == 128 and old.name == spec
    assert not torch.allclose(clipnb.load_model("bundled:emoji", device="cpu").encode_text(["a kitten"]),
                              clipnb.load_model("bundled:v3", device="cpu").encode_text(["a kitten"]))
    with pytest.raises(UnknownModelError, match="bundled:clipart") as info:
        clipnb.load_model("bundled:clipartt", device="cpu")
    assert "did you mean" in str(info.value)


def test_a_wheel_without_bundled_clipart_says_where_it_is(tmp_path, monkeypatch):
    """The wheel leaves bundled:clipart out (60 MB cap): loading it there says to use a clone or rebuild it."""
    import shutil

    import clipnb
    from clipnb import models

    shutil.copytree(models.models_dir(), tmp_path / "models", ignore=shutil.ignore_patterns("clipnb-clipart-s", "checkpoint"))
    monkeypatch.setattr(models, "models_dir", lambda: tmp_path / "models")
    with pytest.raises(ModelNotAvailableError, match="leaves out bundled:clipart") as info:
        clipnb.load_model("bundled:clipart", device="cpu")
    assert "make data model-clipart" in str(info.value) and "clone" in str(info.value)
    assert clipnb.load_model("bundled:emoji", device="cpu").embed_dim == 128


def test_bundled_model_knows_the_talks_subjects_in_an_unseen_style(model):
    """The shipped weights on held-out twemoji (a style never trained on): the talk's toy works."""
    import clipnb

    animals = clipnb.samples_dir() / "emoji" / "animals"
    labels = ["a dog", "a cat", "a monkey", "a cheeseburger"]
    images = [animals / f"{name}.png" for name in ["cat", "cat-face", "black-cat", "dog"]]
    scores = model.encode_image(images).numpy() @ model.encode_text(labels).numpy().T
    assert [labels[i] for i in scores.argmax(1)] == ["a cat"] * 3 + ["a dog"]


def test_a_fine_tune_ships_only_what_it_changed(tmp_path):
    """A partial local-dir (config names its base) loads as base weights + its own tensors."""
    import shutil

    import clipnb
    from clipnb_train import training
    from clipnb.models import bundled_model_dir

    base = tmp_path / "clipnb-emoji-s"
    shutil.copytree(bundled_model_dir("bundled:emoji"), base, ignore=shutil.ignore_patterns("checkpoint"))
    original = clipnb.load_model(f"local-dir:{base}", device="cpu")
    config = json.loads((base / "open_clip_config.json").read_text())["model_cfg"]
    tuned = training.build_model(0, config)
    from safetensors.torch import load_file

    tuned.load_state_dict({k: v.float() for k, v in load_file(base / "open_clip_model.safetensors").items()})  # as trained:
    # a loaded model's tower has its BatchNorm folded into its convolutions for inference
    with torch.no_grad():
        tuned.visual.head.proj.weight.mul_(-1)  # a visible change in the image tower only
    training.export_model(tuned, tmp_path / "tuned", {"base": base.name}, config, name="tuned",
                          exclude=("token_embedding",))
    size = (tmp_path / "tuned" / "open_clip_model.safetensors").stat().st_size
    assert size < 0.5 * (base / "open_clip_model.safetensors").stat().st_size
    loaded = clipnb.load_model(f"local-dir:{tmp_path / 'tuned'}", device="cpu")
    assert torch.allclose(loaded.encode_text(["a cat"]), original.encode_text(["a cat"]), atol=1e-6)
    image = clipnb.samples_dir() / "emoji" / "animals" / "cat.png"
    assert torch.allclose(loaded.encode_image([image]), -original.encode_image([image]), atol=1e-3)
    shutil.rmtree(base)
    with pytest.raises(ModelNotAvailableError, match="fine-tune of clipnb-emoji-s"):
        clipnb.load_model(f"local-dir:{tmp_path / 'tuned'}", device="cpu")


def test_each_image_file_is_encoded_once_until_it_changes(tmp_path):
    """The claims ask for the same sample images many times (E3–E7, B1): a file is encoded once per model,
    a PIL image every time, and a file whose content changes is encoded afresh."""
    import os
    import shutil

    from PIL import Image

    model = clipnb.load_model("bundled", device="cpu")
    calls = []
    encode = model.encode_image_files
    model.encode_image_files = lambda images, **kw: calls.append(len(images)) or encode(images, **kw)
    cat, dog = tmp_path / "cat.png", tmp_path / "dog.png"
    shutil.copy(clipnb.samples_dir() / "emoji" / "animals" / "cat.png", cat)
    shutil.copy(clipnb.samples_dir() / "emoji" / "animals" / "dog.png", dog)
    first = model.encode_image([cat, dog])
    again = model.encode_image([str(dog), cat, cat])
    assert calls == [2] and torch.equal(again, first[[1, 0, 0]])
    pil = Image.open(cat)
    assert torch.allclose(model.encode_image(pil)[0], first[0], atol=1e-6) and calls == [2, 1]
    shutil.copy(clipnb.samples_dir() / "emoji" / "animals" / "monkey.png", cat)
    os.utime(cat, ns=(0, 123))  # another content and time: the memo must not answer for it
    changed = model.encode_image([cat, dog])
    assert calls == [2, 1, 1] and not torch.allclose(changed[0], first[0]) and torch.equal(changed[1], first[1])


def test_a_corpus_seeds_the_memo_so_its_images_are_not_encoded_again(tmp_path, image_folder):
    model = clipnb.load_model("bundled", device="cpu")
    corpus = clipnb.ImageCorpus.from_folder(image_folder, model, cache=tmp_path / "cache", progress=False)
    calls = []
    encode = model.encode_image_files
    model.encode_image_files = lambda images, **kw: calls.append(len(images)) or encode(images, **kw)
    again = model.encode_image(corpus.paths[:3])
    assert calls == [] and np.array_equal(again.numpy(), corpus.image_features[:3])


def test_a_random_weight_model_has_its_architectures_twins():
    """nulls.twin(model, seed) on a model loaded as "random:bundled" (notebook 01's reference column) finds the
    bundled architecture's random models, the same folders as for "bundled" itself."""
    from clipnb.models import random_weights_dir

    assert random_weights_dir("random:bundled", 3) == random_weights_dir("bundled", 3)
    assert random_weights_dir("random:", 3) == random_weights_dir("bundled", 3)


@pytest.mark.parametrize("spec", ["bundled", "bundled:emoji"])
def test_a_random_model_built_in_memory_is_the_one_its_folder_loads(spec, tmp_path, monkeypatch):
    """random_model keeps the model it built instead of reading the folder back: it must encode exactly as a load
    of the folder does (a Hugging Face text tower and timm trunk, and open_clip's own towers), with the same
    preprocess, identity and name, and a second call loads the folder."""
    from clipnb import models, samples

    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path))
    folder = models.random_weights_dir(spec, 4, build=False)
    assert not folder.exists()
    built = models.random_model(spec, 4, device="cpu")
    assert folder.is_dir() and built.name == f"local-dir:{folder}"
    loaded = clipnb.load_model(f"local-dir:{folder}", device="cpu")
    images, texts = samples.probe_images()[:4], ["a cat", "a small red car beside a tree"]
    assert torch.equal(built.encode_image(images), loaded.encode_image(images))
    assert torch.equal(built.encode_text(texts), loaded.encode_text(texts))
    assert built.identity == loaded.identity and str(built.preprocess) == str(loaded.preprocess)
    again = models.random_model(spec, 4, device="cpu")  # the folder is there now: read from it
    assert torch.equal(again.encode_image(images), built.encode_image(images))


def test_a_large_random_model_is_rebuilt_from_its_seed_not_kept_on_disk(tmp_path, monkeypatch):
    """Over DISK_PARAMETERS (set to 0 here, so that a small architecture stands in for ViT-B-32), random_model writes
    no weights: each call builds the model again from its seed, the same every time, and random_weights_dir still
    writes a folder that loads as that model."""
    from clipnb import models, samples

    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path))
    monkeypatch.setattr(models, "DISK_PARAMETERS", 0)
    images = samples.probe_images()[:3]
    first = models.random_model("bundled:emoji", 6, device="cpu").encode_image(images)
    folder = models.random_weights_dir("bundled:emoji", 6, build=False)
    assert not (folder / "open_clip_model.safetensors").exists()
    assert torch.equal(models.random_model("bundled:emoji", 6, device="cpu").encode_image(images), first)
    loaded = clipnb.load_model(f"local-dir:{models.random_weights_dir('bundled:emoji', 6)}", device="cpu")
    assert torch.equal(loaded.encode_image(images), first)


def test_a_hugging_face_text_tower_runs_on_the_batch_real_length(model):
    """The bundled text tower masks its padding, so encoding on the batch's real length equals open_clip's own
    encoding of the prompts padded to the context length."""
    texts = ["a cat", "a small red car parked beside a tall green tree in the snow, drawn in ink"]
    with torch.no_grad():
        padded = torch.nn.functional.normalize(model.model.encode_text(model.tokenizer(texts)), dim=-1)
    model._text_cache.clear()
    assert model._pad_token is not None
    assert torch.allclose(model.encode_text(texts), padded, atol=1e-5)


def test_batch_norm_is_folded_into_the_convolutions_without_changing_a_feature(model):
    """The bundled EfficientNet loads with every BatchNorm folded into its convolution: no BatchNorm runs, and
    the features equal those of the tower as it was trained (built again here, unfolded)."""
    from clipnb.models import _create, fold_batch_norm

    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.model.visual.modules())
    unfolded, _, _ = _create("bundled", "cpu")
    unfolded.eval()
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in unfolded.visual.modules()) > 40
    images = torch.stack([model.preprocess(clipnb.load_image(p)) for p in sorted(clipnb.samples_dir().glob("photos/*"))[:4]])
    with torch.inference_mode():
        assert torch.allclose(unfolded.visual(images), model.model.visual(images), atol=1e-5)
    folded = fold_batch_norm(unfolded.visual)
    assert folded is not unfolded.visual and sum(isinstance(m, torch.nn.BatchNorm2d) for m in unfolded.visual.modules()) > 40


def test_a_batch_norm_that_does_not_follow_its_convolution_is_left_alone():
    """A BatchNorm registered after a convolution but applied before it cannot be folded into it: the check on
    random images sees the outputs differ and keeps the original tower."""
    from clipnb.models import fold_batch_norm

    class NormFirst(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 3, 3)
            self.norm = torch.nn.BatchNorm2d(3)
            self.norm.running_mean.fill_(0.5)
            self.norm.running_var.fill_(4.0)

        def forward(self, x):
            return self.conv(self.norm(x))

    tower = NormFirst().eval()
    assert fold_batch_norm(tower) is tower


def test_random_heads_keep_the_bundled_networks_and_take_a_twins_heads():
    from safetensors.torch import load_file

    from clipnb.models import HEAD_PREFIXES, bundled_model_dir, random_heads_dir, random_weights_dir

    mixed = load_file(random_heads_dir() / "open_clip_model.safetensors")
    trained = load_file(bundled_model_dir("bundled") / "open_clip_model.safetensors")
    twin = load_file(random_weights_dir("bundled", 0) / "open_clip_model.safetensors")
    heads = [k for k in mixed if k.startswith(HEAD_PREFIXES)]
    assert heads and set(mixed) == set(trained)
    assert all(torch.equal(mixed[k], twin[k].to(mixed[k].dtype)) and not torch.equal(mixed[k], trained[k]) for k in heads)
    assert all(torch.equal(mixed[k], trained[k]) for k in mixed if k not in heads)   # both networks untouched
    assert random_heads_dir() == random_heads_dir()   # built once
