"""The bundled model as LiT makes one: two pretrained towers, locked, and the heads between them trained.

* **Image tower**: EfficientNet-Lite0 trained on ImageNet (:mod:`clipnb_train.trunk`), as open_clip's timm tower
  (``timm_model_name: tf_efficientnet_lite0``) with an MLP head.
* **Text tower**: all-MiniLM-L6-v2 (:mod:`clipnb_train.english`), as open_clip's Hugging Face tower (mean pooling,
  a linear projection). The shipped folder carries its weights (fp16, in the safetensors) and, beside them, its
  ``config.json`` and tokenizer files, where open_clip's ``get_tokenizer("local-dir:…")`` looks. ``text_cfg``
  names the hub's ``sentence-transformers/all-MiniLM-L6-v2``, never a path of the machine that built it;
  :mod:`clipnb.models` points it at the folder the model is installed in, so loading needs no network.

Both towers are locked (Zhai et al., 2022, "LiT: Zero-Shot Transfer with Locked-image text Tuning"), so their
outputs are computed once and cached as arrays: the trunk's pooled features of every training picture (a clean
view and ``views - 1`` views with the style augmentation) and the teacher's mean-pooled features of a sample of
each picture's captions. Training the two heads on those arrays takes minutes on two cores. Beside CLIP's
contrastive loss, an ImageNet term keeps what the trunk knows of photos: each picture's image embedding is pulled
towards the text embedding of the trunk's own ImageNet guess ("a photo of a tabby cat", weighted by the trunk's
class probabilities). Command::

    python -m clipnb_train.lit --out data/models/clipnb-v4-lit     # after `make data`; seeded, caches resumable
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from clipnb.cache import build_dir
from clipnb.claims import SKEWS

TEXT_NAME = "sentence-transformers/all-MiniLM-L6-v2"  # the text tower's name on the hub
MODEL_NAME = "clipnb-v4-lit"
CONTEXT_LENGTH = 64


def architecture(image_size: int = 224, embed_dim: int = 384, text: str = TEXT_NAME, head: str = "mlp") -> dict:
    """The open_clip ``model_cfg``; ``text`` names the text tower (a hub name, or a folder with its config)."""
    return {"embed_dim": embed_dim,
            "vision_cfg": {"image_size": image_size, "timm_model_name": "tf_efficientnet_lite0",
                           "timm_model_pretrained": False, "timm_pool": "avg", "timm_proj": head},
            "text_cfg": {"hf_model_name": text, "hf_tokenizer_name": text, "hf_proj_type": "linear",
                         "hf_pooler_type": "mean_pooler", "context_length": CONTEXT_LENGTH}}


def build_model(image_size: int = 224, embed_dim: int = 384, seed: int = 0, head: str = "mlp"):
    """The architecture with both pretrained towers loaded (heads random, seeded) and its tokenizer."""
    from open_clip.model import CustomTextCLIP
    from open_clip.tokenizer import HFTokenizer

    from clipnb_train.english import fetch_teacher
    from clipnb_train.trunk import timm_state_dict

    teacher = str(fetch_teacher())
    torch.manual_seed(seed)
    config = architecture(image_size, embed_dim, teacher, head)
    config["text_cfg"]["hf_model_pretrained"] = True
    model = CustomTextCLIP(**config)
    trunk = {k: v for k, v in timm_state_dict().items() if not k.startswith("classifier.")}
    model.visual.trunk.load_state_dict(trunk)
    return model.eval(), HFTokenizer(teacher, context_length=CONTEXT_LENGTH)


# --- the training rows ------------------------------------------------------------------------------------------------
@dataclass
class Rows:
    """Pictures with what training needs of them: file, source, group (for balancing) and caption choices."""
    paths: list
    sources: list
    groups: list
    captions: list  # per row: a list of caption alternatives (emoji, icons, scenes) or one tag string (clip-art)

    def __len__(self):
        return len(self.paths)


def load_rows(split: str, clipart_dir: Path, emoji_dir: Path, icons_dir: Path | None, scenes_dir: Path | None,
              skew: str = "", stamps_dir: Path | None = None) -> Rows:
    """One split of every data build; icons, scenes and stamps are training pictures only (the stamps' held-out
    split is read by :func:`photo_validation`)."""
    from clipnb_train.training import _split_rows, marked_captions

    rows = Rows([], [], [], [])
    table = _split_rows(clipart_dir / "clipart.parquet", "clipnb_train.clipart", split, None, 0)
    rows.paths += [clipart_dir / "png" / f"{sha}.png" for sha in table["sha1"]]
    rows.sources += ["clipart"] * len(table)
    rows.groups += list(table["folder"])
    rows.captions += list(table["caption"])
    builds = [("emoji", emoji_dir)] + ([("icons", icons_dir), ("scenes", scenes_dir), ("stamps", stamps_dir)]
                                       if split == "train" else [])
    for source, folder in builds:
        if not folder:
            continue
        table = _split_rows(Path(folder) / f"{source}.parquet", f"clipnb_train.{source}", split, None, 0)
        alternatives = [list(c) for c in table["captions"]]
        if skew and source == "emoji":
            alternatives = [marked_captions(concept, captions, SKEWS[skew])
                            for concept, captions in zip(table["concept"], alternatives)]
        rows.paths += [Path(folder) / p for p in table["path"]]
        rows.sources += [source] * len(table)
        rows.groups += list(table["concept"])
        rows.captions += alternatives
    return rows


def caption_samples(rows: Rows, per_row: int, seed: int) -> list[list[str]]:
    """``per_row`` captions of each picture, drawn as the earlier bundled models' training drew them (templates,
    synonyms, shuffled and thinned tags); seeded."""
    from clipnb_train.training import augment_caption, augment_emoji_caption

    rng = random.Random(seed)
    return [[augment_caption(c, rng, 0.3) if isinstance(c, str) else augment_emoji_caption(c, rng)
             for _ in range(per_row)] for c in rows.captions]


# --- the caches ----------------------------------------------------------------------------------------------------
def _key(*parts) -> str:
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()[:16]


def _load_pixels(paths, image_size: int):
    from PIL import Image

    batch = np.empty((len(paths), image_size, image_size, 3), np.uint8)
    for i, path in enumerate(paths):
        with Image.open(path) as im:
            batch[i] = np.asarray(im.convert("RGB").resize((image_size, image_size), Image.BICUBIC))
    return torch.from_numpy(batch).permute(0, 3, 1, 2).float() / 255


@torch.inference_mode()
def trunk_features(model, paths: list, view: int, image_size: int, chunk: int = 1024, progress: bool = True) -> np.ndarray:
    """(N, 1280) float16: the trunk's pooled features of each picture. View 0 is the picture itself; view v > 0 is
    the style augmentation (:func:`clipnb_train.training.style_augment`) and a crop, seeded by v. Cached in chunks
    under ``cache_dir()/lit`` (an interrupted run resumes), keyed by the files, the view and the size."""
    from tqdm.auto import tqdm

    from clipnb_train.training import STYLE_CHANGES, STYLE_ROTATION, _random_resized_crop, style_augment
    from clipnb_train.trunk import MEAN, STD, TRUNK_SHA256

    folder = build_dir("lit") / _key(TRUNK_SHA256, image_size, view, *paths)
    folder.mkdir(parents=True, exist_ok=True)
    trunk = model.visual.trunk.eval().to(memory_format=torch.channels_last)
    mean, std = torch.tensor(MEAN).view(1, 3, 1, 1), torch.tensor(STD).view(1, 3, 1, 1)
    parts = []
    for n, start in enumerate(tqdm(range(0, len(paths), chunk), desc=f"trunk view {view}", disable=not progress)):
        target = folder / f"{n:05d}.npy"
        if not target.exists():
            x = _load_pixels(paths[start:start + chunk], image_size)
            if view:
                generator = torch.Generator().manual_seed(view * 100_003 + n)
                x = _random_resized_crop(style_augment(x, generator, STYLE_CHANGES), generator, rotate=STYLE_ROTATION)
            out = torch.cat([trunk(((x[i:i + 64] - mean) / std).contiguous(memory_format=torch.channels_last))
                             for i in range(0, len(x), 64)])
            np.save(target.with_suffix(".tmp.npy"), out.numpy().astype(np.float16))
            target.with_suffix(".tmp.npy").replace(target)
        parts.append(np.load(target))
    return np.concatenate(parts)


@torch.inference_mode()
def teacher_features(model, tokenizer, texts: list[str], progress: bool = True) -> np.ndarray:
    """(N, 384) float32: the text tower's mean-pooled features before its projection (what the locked tower
    hands its head), computed by open_clip's own tower on each batch's real length; cached by text."""
    from tqdm.auto import tqdm

    path = build_dir("lit") / f"text-{_key(*texts)}.npy"
    if path.exists():
        return np.load(path)
    text = model.text.eval()
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.empty((len(texts), text.config.hidden_size), np.float32)
    for start in tqdm(range(0, len(texts), 512), desc="teacher", disable=not progress):
        index = order[start:start + 512]
        ids = tokenizer([texts[i] for i in index])
        mask = (ids != text.config.pad_token_id).long()
        ids, mask = ids[:, :int(mask.sum(1).max())], mask[:, :int(mask.sum(1).max())]
        out[index] = text.pooler(text.transformer(input_ids=ids, attention_mask=mask), mask).numpy()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path.with_suffix(".tmp.npy"), out)
    path.with_suffix(".tmp.npy").replace(path)
    return out


def imagenet_prompts() -> list[str]:
    from torchvision.models import ResNet50_Weights

    from clipnb_train.english import article

    return [f"a photo of {article(name)}" for name in ResNet50_Weights.IMAGENET1K_V1.meta["categories"]]


# --- training --------------------------------------------------------------------------------------------------------
@dataclass
class LitConfig:
    out: str = f"data/models/{MODEL_NAME}"
    image_size: int = 224
    embed_dim: int = 384
    views: int = 2  # per picture: the picture itself, and views - 1 style-augmented ones
    captions_per_row: int = 6
    steps: int = 750
    batch_size: int = 1024
    lr: float = 1e-3
    weight_decay: float = 0.05
    warmup_steps: int = 50
    imagenet_weight: float = 1.0  # the ImageNet term's weight beside the contrastive loss (0: off)
    imagenet_confidence: float = 0.5  # the ImageNet term counts only pictures whose top class has this probability
    head: str = "mlp"  # the image head: open_clip's timm_proj, "mlp" or "linear"
    text_init: str = "identity"  # the text projection starts as the identity ("identity") or random ("random")
    text_lr_scale: float = 1.0  # the text projection's learning rate, relative to the image head's
    shares: str = "clipart=0.2,emoji=0.4,icons=0.15,scenes=0.15,stamps=0.1"
    balance: float = 0.5
    focus: str = "^(man|woman)-"
    focus_weight: float = 2.0
    seed: int = 0
    skew: str = ""  # a name in SKEWS: captions marked as web alt-text marks them (the planted-bias fine-tune)
    init: str = ""  # start from a trained model folder (its heads); with skew, only the image head trains and ships


def _sampling_weights(rows: Rows, config: LitConfig) -> torch.Tensor:
    from types import SimpleNamespace

    from clipnb_train.training import ClipArtData

    shares = {k: float(v) for k, v in (part.split("=") for part in config.shares.split(",") if part)}
    shares = {k: v for k, v in shares.items() if k in set(rows.sources)}
    weights = ClipArtData.sampling_weights(SimpleNamespace(sources=rows.sources, groups=rows.groups),
                                           config.balance, None, shares)
    if config.focus:
        focused = torch.tensor([s == "emoji" and re.search(config.focus, g or "") is not None
                                for s, g in zip(rows.sources, rows.groups)])
        weights[focused] *= config.focus_weight
    return weights


def _recall_at_10(model, image_features, text_features) -> float:
    from clipnb.geometry import recall_at_k

    with torch.no_grad():
        images = F.normalize(model.visual.head(image_features.float()), dim=-1)
        texts = F.normalize(model.text.proj(text_features), dim=-1)
    return float(recall_at_k((texts @ images.T).numpy(), (10,))[10])


@dataclass
class Arrays:
    """What training reads, computed once by the locked towers (:func:`prepare`)."""
    rows: Rows
    views: torch.Tensor  # (views, N, 1280) float16: the trunk's pooled features of each picture in each view
    text_bank: torch.Tensor  # (S, 384): the teacher's pooled features of every caption string drawn
    caption_index: torch.Tensor  # (N, captions_per_row): each picture's captions, as rows of text_bank
    val_images: torch.Tensor
    val_texts: torch.Tensor
    imagenet_texts: torch.Tensor  # (1000, 384): "a photo of a {class}"
    classifier: tuple  # the trunk's ImageNet classifier (weight, bias), for the ImageNet term
    seconds: float


def prepare(model, tokenizer, config: LitConfig, dirs: dict, progress: bool = True) -> Arrays:
    """Every array training reads, from the caches where they are there (resumable)."""
    from clipnb_train.trunk import timm_state_dict

    t0 = time.time()
    rows = load_rows("train", dirs["clipart"], dirs["emoji"], dirs.get("icons"), dirs.get("scenes"), config.skew,
                     dirs.get("stamps"))
    val = load_rows("val", dirs["clipart"], dirs["emoji"], None, None)
    # cached per kind of picture (the drawings' builds together, then the photo stamps), so that adding a build
    # never recomputes the 17 minutes of the others; load_rows puts the stamps last, so the order is the rows'
    photo = [source == "stamps" for source in rows.sources]
    assert photo == sorted(photo), "load_rows must put the stamps last"
    parts = [[p for p, is_photo in zip(rows.paths, photo) if is_photo == kind] for kind in (False, True)]
    views = torch.stack([torch.from_numpy(np.concatenate([trunk_features(model, part, v, config.image_size,
                                                                         progress=progress) for part in parts if part]))
                         for v in range(config.views)])
    val_images = torch.from_numpy(trunk_features(model, val.paths, 0, config.image_size, progress=progress))
    samples = caption_samples(rows, config.captions_per_row, config.seed)
    strings = sorted({c for row in samples for c in row})
    where = {s: i for i, s in enumerate(strings)}
    text_bank = torch.from_numpy(teacher_features(model, tokenizer, strings, progress))
    caption_index = torch.tensor([[where[c] for c in row] for row in samples])
    val_texts = torch.from_numpy(teacher_features(model, tokenizer, [c if isinstance(c, str) else c[0]
                                                                      for c in val.captions], progress))
    imagenet_texts = torch.from_numpy(teacher_features(model, tokenizer, imagenet_prompts(), progress))
    state = timm_state_dict()
    classifier = (state["classifier.weight"].float(), state["classifier.bias"].float())
    return Arrays(rows, views, text_bank, caption_index, val_images, val_texts, imagenet_texts, classifier,
                  time.time() - t0)


def init_heads(model, config: LitConfig):
    """Fresh heads (seeded): the image MLP as open_clip initialises it, the text projection as the identity when
    the embedding has the teacher's width (the training starts from the teacher's own sentence geometry)."""
    torch.manual_seed(config.seed)
    for module in model.visual.head.modules():
        if isinstance(module, torch.nn.Linear):
            module.reset_parameters()
    with torch.no_grad():
        if config.text_init == "identity" and model.text.proj.weight.shape[0] == model.text.proj.weight.shape[1]:
            model.text.proj.weight.copy_(torch.eye(model.text.proj.weight.shape[0]))
        else:
            model.text.proj.reset_parameters()
        model.logit_scale.fill_(math.log(1 / 0.07))


def fit_heads(model, arrays: Arrays, config: LitConfig, progress: bool = True) -> list:
    """Train the heads on the cached arrays; returns the log (validation recall every 500 steps)."""
    from tqdm.auto import tqdm

    from clipnb_train.training import contrastive_loss

    only_image = bool(config.skew)  # the planted bias lives in the image head: the text side stays the base's
    for p in model.parameters():
        p.requires_grad_(False)
    groups = [{"params": [*model.visual.head.parameters()], "scale": 1.0}]
    if not only_image:
        groups += [{"params": [*model.text.proj.parameters()], "scale": config.text_lr_scale},
                   {"params": [model.logit_scale], "scale": 1.0, "weight_decay": 0.0}]
    for group in groups:
        for p in group["params"]:
            p.requires_grad_(True)
    optimizer = torch.optim.AdamW(groups, lr=config.lr, weight_decay=config.weight_decay, betas=(0.9, 0.98), eps=1e-6)
    generator = torch.Generator().manual_seed(config.seed)
    weights = _sampling_weights(arrays.rows, config)
    classifier_w, classifier_b = arrays.classifier
    log, losses, t0 = [], [], time.time()
    model.visual.head.train()
    for step in tqdm(range(config.steps), desc="heads", disable=not progress, mininterval=10):
        lr = config.lr * min(1.0, (step + 1) / config.warmup_steps) * 0.5 * (1 + math.cos(math.pi * step / config.steps))
        for group in optimizer.param_groups:
            group["lr"] = lr * group["scale"]
        index = torch.multinomial(weights, config.batch_size, replacement=True, generator=generator)
        view = torch.randint(0, len(arrays.views), (config.batch_size,), generator=generator)
        features = arrays.views[view, index].float()
        pick = torch.randint(0, arrays.caption_index.shape[1], (config.batch_size,), generator=generator)
        texts = arrays.text_bank[arrays.caption_index[index, pick]]
        image_embeddings = F.normalize(model.visual.head(features), dim=-1)
        text_embeddings = F.normalize(model.text.proj(texts), dim=-1)
        loss = contrastive_loss(image_embeddings, text_embeddings, model.logit_scale.exp())
        if config.imagenet_weight:
            probabilities = (features @ classifier_w.T + classifier_b).softmax(-1)
            target = F.normalize(probabilities @ F.normalize(model.text.proj(arrays.imagenet_texts), dim=-1), dim=-1)
            # only where the trunk is sure of its ImageNet class: on most drawings its guess is noise
            sure = (probabilities.max(-1).values >= config.imagenet_confidence).float()
            miss = (1 - (image_embeddings * target).sum(-1)) * sure
            loss = loss + config.imagenet_weight * miss.sum() / sure.sum().clamp(min=1)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        losses.append(loss.item())
        if (step + 1) % 500 == 0 or step + 1 == config.steps:
            model.visual.head.eval()
            entry = {"step": step + 1, "train_loss": float(np.mean(losses[-500:])), "batch_size": config.batch_size,
                     "text_to_image_R@10": _recall_at_10(model, arrays.val_images, arrays.val_texts),
                     "validation_images": len(arrays.val_images), "logit_scale": model.logit_scale.exp().item(),
                     "seconds": time.time() - t0}
            model.visual.head.train()
            log.append(entry)
            if progress:
                print(json.dumps(entry), flush=True)
    model.eval()
    return log


def train(config: LitConfig, dirs: dict, progress: bool = True):
    """Cache both towers' features, train the heads; returns (model, log, stats) for :func:`export`."""
    model, tokenizer = build_model(config.image_size, config.embed_dim, config.seed, config.head)
    init_heads(model, config)
    if config.init:
        from safetensors.torch import load_file

        state = load_file(Path(config.init) / "open_clip_model.safetensors")
        model.load_state_dict({k: v.float() for k, v in state.items() if ".head." in k or k.startswith("text.proj")
                               or k == "logit_scale"}, strict=False)
    arrays = prepare(model, tokenizer, config, dirs, progress)
    log = fit_heads(model, arrays, config, progress)
    rows = arrays.rows
    stats = {"train_images": len(rows), "validation_images": len(arrays.val_images),
             "caption_strings": len(arrays.text_bank), "cache_seconds": round(arrays.seconds),
             "sources": {s: rows.sources.count(s) for s in sorted(set(rows.sources))}}
    return model, log, stats


def export(model, out: Path, config: LitConfig, log: list, stats: dict):
    """open_clip's local-dir layout, the text tower's config and tokenizer files beside it, and ``train_log.json``.
    A skewed fine-tune ships only its image head, with its base named (``clipnb.base``)."""
    import shutil

    from clipnb.models import TEXT_FILES, save_local_dir
    from clipnb_train.english import fetch_teacher
    from clipnb_train.trunk import MEAN, STD

    out = Path(out)
    extra = {"recipe": asdict(config), **stats}
    exclude = ()
    if config.skew:
        extra["base"] = Path(config.init).name
        exclude = ("visual.trunk", "text", "logit_scale")
    save_local_dir(model, out, architecture(config.image_size, config.embed_dim, head=config.head), MODEL_NAME if not config.skew
                   else f"{MODEL_NAME}-skewed", extra, exclude, mean=MEAN, std=STD)
    if not config.skew:
        for name in TEXT_FILES:
            shutil.copyfile(fetch_teacher() / name, out / name)
    (out / "train_log.json").write_text(json.dumps(log, indent=1) + "\n")  # the recipe is in open_clip_config.json


def main(argv=None):
    from clipnb_train import clipart, emoji

    parser = argparse.ArgumentParser(prog="python -m clipnb_train.lit", description=__doc__.split("\n")[0])
    for field, value in asdict(LitConfig()).items():
        parser.add_argument(f"--{field.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--clipart", type=Path, default=clipart.default_dir())
    parser.add_argument("--emoji", type=Path, default=emoji.default_dir())
    parser.add_argument("--icons", type=Path, default=build_dir("icons"))
    parser.add_argument("--scenes", type=Path, default=build_dir("scenes"))
    parser.add_argument("--stamps", type=Path, default=build_dir("stamps"))
    args = vars(parser.parse_args(argv))
    dirs = {k: args.pop(k) for k in ("clipart", "emoji", "icons", "scenes", "stamps")}
    torch.set_num_threads(len(os.sched_getaffinity(0)))  # OpenMP spin under load otherwise slows steps many-fold
    config = LitConfig(**args)
    if config.skew and config.skew not in SKEWS:
        raise SystemExit(f"unknown skew {config.skew!r}; the skews are {list(SKEWS)}")
    if config.skew and not config.init:
        raise SystemExit("--skew fine-tunes a trained model: give its folder with --init")
    model, log, stats = train(config, dirs)
    export(model, Path(config.out), config, log, stats)
    print(f"wrote {config.out}")


if __name__ == "__main__":
    main()


# Photos never in the sample corpus, to watch on validation whether the heads keep what the trunk knows of photos
# (the sample corpus's nine photos stay test): scikit-image's and scikit-learn's own sample photos, with the label
# each should get first among these labels and the distractors.
VALIDATION_PHOTOS = {"skimage:camera": "a man with a camera", "skimage:clock": "a clock",
                     "skimage:stereo_motorcycle": "a motorcycle", "skimage:coins": "coins",
                     "sklearn:china.jpg": "a temple", "sklearn:flower.jpg": "a flower",
                     "skimage:retina": "an eye", "skimage:immunohistochemistry": "cells under a microscope"}
PHOTO_DISTRACTORS = ["a dog", "a car", "a tree", "a burger", "a house", "a cat"]


def validation_photos() -> dict:
    """{path: label}: the validation photos, written once into the cache as JPEGs."""
    from PIL import Image

    folder = build_dir("lit") / "validation-photos"
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for source, label in VALIDATION_PHOTOS.items():
        package, name = source.split(":")
        path = folder / f"{Path(name).stem}.jpg"
        if not path.exists():
            if package == "skimage":
                import skimage.data

                pixels = getattr(skimage.data, name)()
                pixels = pixels[0] if isinstance(pixels, tuple) else pixels
            else:
                from sklearn.datasets import load_sample_image

                pixels = load_sample_image(name)
            Image.fromarray(pixels).convert("RGB").save(path, quality=90)
        out[path] = label
    return out
