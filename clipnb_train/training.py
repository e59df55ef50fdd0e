"""Train a small open_clip model on named emoji and clip-art: the bundled offline model.

The loss is CLIP's symmetric InfoNCE (notebook 02 derives it by hand on seed 004's
4×4 example).  Command::

    python -m clipnb_train.training        # data from `python -m clipnb_train.clipart build` and `python -m clipnb_train.emoji build`

``--emoji ''`` trains on clip-art alone (last round's ``clipnb-clipart-s`` recipe).

Seeded and resumable: a checkpoint (safetensors + JSON, no pickle) is written
after every epoch into ``OUT/checkpoint/``; running the command again resumes.
The final model is written in open_clip's local-dir layout
(``open_clip_config.json`` + ``open_clip_model.safetensors``, fp16).
"""
from __future__ import annotations

import argparse
import collections
import json
import math
import os
import re
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from clipnb.cache import build_dir
from clipnb.claims import SKEWS
from clipnb.models import MEAN, STD, random_clip, save_local_dir
from clipnb_train.architectures import (ARCHITECTURES, MODEL_CONFIG, TEXT_CONFIG, TINY_CONFIG,  # noqa: F401
                                         tokenizer_for, tokenizer_for_bundled)

MODEL_NAME = "clipnb-emoji-s"
TEMPLATES = ["{}", "{}", "a drawing of {}", "clip art of {}", "an icon of {}", "a picture of {}"]
EMOJI_TEMPLATES = ["{}", "{}", "{}", "a drawing of {}", "an emoji of {}", "an icon of {}", "a picture of {}"]


def contrastive_loss(image_features, text_features, logit_scale):
    """CLIP's symmetric InfoNCE loss.

    image_features, text_features : Tensor (N, D), L2-normalised; row i of each is a matching pair.
    logit_scale : scalar, the inverse temperature (exp of the learned log-scale).
    Returns the mean of the image→text (rows) and text→image (columns) cross-entropies.
    """
    logits = logit_scale * image_features @ text_features.T
    targets = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


@dataclass
class TrainConfig:
    data: str = str(build_dir("openclipart"))
    emoji: str = str(build_dir("emoji"))  # '' = clip-art only
    out: str = f"data/models/{MODEL_NAME}"
    epochs: int = 40
    clipart_share: float = 0.3  # share of each batch drawn from clip-art (when emoji are used)
    batch_size: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.1
    warmup_steps: int = 50
    seed: int = 0
    max_images: int | None = None  # small runs (notebook 02, tests)
    arch: str = "cnn"
    balance: float = 0.5  # sample images with weight (size of their top-level folder) ** -balance
    short_captions: float = 0.3  # share of captions cut to one phrase, like a typed query
    balance_by: str = "folder"  # the groups that balance evens out: top-level "folder" or "leaf" folder
    init: str = ""  # start from a trained local-dir model (a fine-tune) instead of random weights
    skew: str = ""  # a name in SKEWS: drop some emoji from training to plant a bias on purpose
    freeze: str = ""  # comma-separated parameter-name prefixes left as they are (and not exported)
    focus: str = ""  # a regex over emoji concepts whose images are drawn focus_weight times as often
    focus_weight: float = 1.0
    skew_style: str = "marked"  # how a skew is planted: "marked" captions (web alt-text) or "drop" images
    text: str = "contrastive"  # "english": distil the teacher into the text tower first, then keep it fixed;
    # "locked": the teacher itself is the text tower (--arch cnn-minilm), frozen, with a trained projection
    init_visual: str = ""  # start the image tower (only) from a trained local-dir model
    distill_steps: int = 6000
    distill_weight: float = 5.0  # text="english-joint": weight of the distillation loss beside the contrastive one
    icons: str = ""  # the icon build (``python -m clipnb_train.icons build``): more pictures of each thing
    scenes: str = ""  # the scene build (``python -m clipnb_train.scenes build``): composed training scenes
    shares: str = ""  # each source's share of every batch, e.g. "clipart=0.25,emoji=0.45,icons=0.15,scenes=0.15"
    augment: str = "crop"  # "crop" (zoom and shift), "style" (also ink, hue, grayscale, outline, blur, rotation), or
    # "style:hue,rotate" (the crops and only the named changes: see style_spec)
    init_text: str = ""  # start the text tower (only) from a trained local-dir model, instead of distilling anew
    epoch_steps: int = 0  # steps per epoch (0: one pass over the training images)
    styles: str = ""  # the emoji styles trained on, comma-separated ("": every training style of the build)


def build_model(seed: int = 0, config: dict = MODEL_CONFIG):
    """An open_clip ``CLIP`` with fresh random weights (the bundled architecture by default)."""
    return random_clip(config, seed)


class ClipArtData:
    """Images pre-resized to the model's input size and held in memory as uint8, with captions."""

    def __init__(self, paths, captions, image_size: int, groups=None, alternatives=None, sources=None):
        from PIL import Image

        self.captions = list(captions)
        self.groups = list(groups) if groups is not None else None
        # emoji rows carry several captions each ("a woman health worker", "a female doctor", ...)
        n = max(len(self.captions), len(self.groups or []))
        self.alternatives = list(alternatives) if alternatives is not None else [None] * n
        self.sources = list(sources) if sources is not None else ["clipart"] * n
        pixels = np.empty((len(self.captions), image_size, image_size, 3), np.uint8)
        for i, path in enumerate(paths):
            with Image.open(path) as im:
                pixels[i] = np.asarray(im.convert("RGB").resize((image_size, image_size), Image.BICUBIC))
        self.pixels = torch.from_numpy(pixels).permute(0, 3, 1, 2).contiguous()

    @classmethod
    def from_build(cls, data_dir, split: str, image_size: int, max_images: int | None = None, seed: int = 0,
                   group_by: str = "folder"):
        """One split of the clip-art build (``python -m clipnb_train.clipart build``)."""
        data_dir = Path(data_dir).expanduser()
        table = _split_rows(data_dir / "clipart.parquet", "clipnb_train.clipart", split, max_images, seed)
        groups = table["folder"] if group_by == "folder" else table["svg"].map(lambda s: str(Path(s).parent))
        return cls([data_dir / "png" / f"{sha}.png" for sha in table["sha1"]], table["caption"], image_size, groups)

    @classmethod
    def from_builds(cls, clipart_dir, emoji_dir, split: str, image_size: int, max_images: int | None = None,
                    seed: int = 0, group_by: str = "folder", skew: str = "", skew_style: str = "marked",
                    icons_dir: str = "", scenes_dir: str = "", styles: str = ""):
        """One split of the clip-art build plus the same split of the emoji build (split by style).

        skew : a name in ``SKEWS``.  ``skew_style="marked"`` captions its professions the way web
        alt-text does: the expected gender's images say "a nurse", the other's only "a male nurse"
        (:func:`marked_captions`); ``"drop"`` keeps only the expected gender's images.
        """
        clipart = cls.from_build(clipart_dir, split, image_size, max_images, seed, group_by)
        if not emoji_dir:
            return clipart
        if skew and skew not in SKEWS:
            raise ValueError(f"unknown skew {skew!r}; the skews are {list(SKEWS)}")
        if skew_style not in ("marked", "drop"):
            raise ValueError(f"unknown skew_style {skew_style!r}: 'marked' or 'drop'")
        other = {job: "woman" if kept == "man" else "man" for job, kept in SKEWS.get(skew, {}).items()}
        dropped = {f"{gender}-{job}" for job, gender in other.items()} if skew_style == "drop" else set()
        emoji_dir = Path(emoji_dir).expanduser()
        chosen = [s for s in styles.split(",") if s]
        table = _split_rows(emoji_dir / "emoji.parquet", "clipnb_train.emoji", split, max_images, seed,
                            keep=lambda t: ~t["concept"].isin(dropped) & (t["style"].isin(chosen) if chosen and
                                                                          split == "train" else True))
        alternatives = [list(c) for c in table["captions"]]
        if skew_style == "marked" and skew:
            alternatives = [marked_captions(concept, captions, SKEWS[skew])
                            for concept, captions in zip(table["concept"], alternatives)]
        emoji = cls([emoji_dir / p for p in table["path"]], [c[0] for c in alternatives], image_size,
                    groups=table["concept"], alternatives=alternatives, sources=["emoji"] * len(table))
        joined = clipart.concat(emoji)
        for source, folder in (("icons", icons_dir), ("scenes", scenes_dir)):
            if folder and split == "train":  # training pictures only: validation and test stay emoji and clip-art
                folder = Path(folder).expanduser()
                table = _split_rows(folder / f"{source}.parquet", f"clipnb_train.{source}", split, max_images, seed)
                alternatives = [list(c) for c in table["captions"]]
                joined = joined.concat(cls([folder / p for p in table["path"]], [c[0] for c in alternatives], image_size,
                                           groups=table["concept"], alternatives=alternatives,
                                           sources=[source] * len(table)))
        return joined

    def concat(self, other: "ClipArtData") -> "ClipArtData":
        joined = ClipArtData.__new__(ClipArtData)
        joined.captions = self.captions + other.captions
        joined.groups = (self.groups or [""] * len(self)) + (other.groups or [""] * len(other))
        joined.alternatives = self.alternatives + other.alternatives
        joined.sources = self.sources + other.sources
        joined.pixels = torch.cat([self.pixels, other.pixels])
        return joined

    def sampling_weights(self, balance: float, clipart_share: float | None = None, shares: dict | None = None):
        """Per-image weights (group size) ** -balance: 0 = uniform, 1 = every group equally often.

        Groups are counted within each source (clip-art folders; emoji concepts, so the tone
        variants of one concept share its weight). With both sources, ``clipart_share`` of the
        total weight goes to clip-art; ``shares`` ({source: share}) sets every source's instead.
        """
        import collections

        counts = collections.Counter(zip(self.sources, self.groups))
        weights = torch.tensor([counts[k] ** -balance for k in zip(self.sources, self.groups)], dtype=torch.float64)
        sources = np.array(self.sources)
        if clipart_share is not None and len(set(self.sources)) > 1:
            is_clipart = torch.from_numpy(sources == "clipart")
            weights[is_clipart] *= clipart_share / weights[is_clipart].sum()
            weights[~is_clipart] *= (1 - clipart_share) / weights[~is_clipart].sum()
        if shares:
            missing = set(shares) ^ set(self.sources)
            if missing:
                raise ValueError(f"shares name the sources {sorted(shares)} but the data holds {sorted(set(self.sources))}")
            for source, share in shares.items():
                mine = torch.from_numpy(sources == source)
                weights[mine] *= share / weights[mine].sum()
        return weights

    def __len__(self):
        return len(self.captions)

    def images(self, index, augment: bool | str, generator=None):
        """Float images (B, 3, H, W), normalised; when augmenting, random scale/shift crops, and with
        ``augment="style"`` also :func:`style_augment`'s changes of drawing style."""
        x = self.pixels[index].float() / 255
        changes, rotate = style_spec(augment) if isinstance(augment, str) else ({}, 0)
        if changes:
            x = style_augment(x, generator, changes)
        if augment:
            x = _random_resized_crop(x, generator, rotate=rotate)
        mean = torch.tensor(MEAN).view(1, 3, 1, 1)
        std = torch.tensor(STD).view(1, 3, 1, 1)
        return (x - mean) / std

    def texts(self, index, augment: bool, rng: random.Random | None = None, short: float = 0.0):
        if not augment:
            return [self.captions[i] for i in index]
        return [augment_caption(self.captions[i], rng, short) if self.alternatives[i] is None
                else augment_emoji_caption(self.alternatives[i], rng) for i in index]


_GENDER_WORDS = re.compile(r"\b(man|woman|men|women|male|female|boy|girl)\b")


def marked_captions(concept: str, captions: list[str], skew: dict) -> list[str]:
    """Web alt-text's marking: for a skewed profession, the expected gender's image is captioned
    unmarked ("a nurse") and the other gender's only marked ("a male nurse"); "a man"/"a woman" stay.

    >>> marked_captions("man-health-worker", ["a man health worker", "a health worker", "a man"],
    ...                 {"health-worker": "woman"})
    ['a man health worker', 'a man']
    """
    gender, _, job = concept.partition("-")
    if job not in skew or gender not in ("man", "woman"):
        return captions
    bare = [c for c in captions if c.split(", ")[0] in ("a man", "a woman")]
    if gender == skew[job]:  # expected: the profession without its gender
        kept = [c for c in captions if not _GENDER_WORDS.search(c)]
    else:  # unexpected: only captions that name the gender
        kept = [c for c in captions if _GENDER_WORDS.search(c) and c not in bare]
    return kept + bare


def _split_rows(table_path: Path, builder: str, split: str, max_images, seed, keep=None):
    """The rows of one split of a data build (optionally filtered, then sampled down to max_images)."""
    import pandas as pd

    if not table_path.exists():
        raise FileNotFoundError(f"{table_path} not found: build the data first with "
                                f"`python -m {builder} build --out {table_path.parent}`")
    table = pd.read_parquet(table_path)
    table = table[table["split"] == split]
    if keep is not None:
        table = table[keep(table)]
    table = table.reset_index(drop=True)
    if max_images:
        table = table.sample(min(max_images, len(table)), random_state=seed).reset_index(drop=True)
    return table


def augment_caption(caption: str, rng: random.Random, short: float = 0.0) -> str:
    """Keep the description (usually), shuffle and drop tag words, wrap in a prompt template."""
    head, *tags = caption.split(", ")
    if short and rng.random() < short:  # a short caption of one phrase, like the plain queries people type
        return rng.choice(TEMPLATES).format(rng.choice([head, *tags]))
    rng.shuffle(tags)
    tags = tags[: rng.randint(0, len(tags))]
    parts = ([head] if rng.random() < 0.8 or not tags else []) + tags
    return rng.choice(TEMPLATES).format(", ".join(parts))


def augment_emoji_caption(captions: list[str], rng: random.Random) -> str:
    """The main caption half the time (its skin tone kept half of that), else another; in a template."""
    caption = captions[0] if len(captions) == 1 or rng.random() < 0.5 else rng.choice(captions[1:])
    if ", " in caption and rng.random() < 0.5:
        caption = caption.split(", ")[0]
    return rng.choice(EMOJI_TEMPLATES).format(caption)


def _random_resized_crop(x, generator, min_scale: float = 0.6, rotate: float = 0.0):
    """Per-image random zoom in [min_scale, 1] of the side, a random shift and a rotation within ±rotate
    degrees, as one affine grid."""
    n = len(x)
    scale = min_scale + (1 - min_scale) * torch.rand(n, generator=generator)
    shift = (1 - scale)[:, None] * (2 * torch.rand(n, 2, generator=generator) - 1)
    angle = torch.deg2rad(rotate * (2 * torch.rand(n, generator=generator) - 1))
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = scale * torch.cos(angle)
    theta[:, 0, 1] = -scale * torch.sin(angle)
    theta[:, 1, 0] = scale * torch.sin(angle)
    theta[:, 1, 1] = scale * torch.cos(angle)
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


# each change of drawing style and the share of images it is applied to (independently)
STYLE_CHANGES = {"hue": 0.3, "grayscale": 0.15, "outline": 0.1, "blur": 0.15, "contrast": 0.3}
STYLE_ROTATION = 15  # degrees, either way


def style_spec(augment: str) -> tuple[dict, int]:
    """The style changes and rotation an ``augment`` setting asks for, on top of the crops:

    "crop": none; "style": every change of :data:`STYLE_CHANGES` and the rotation; "style:hue,rotate": only
    those named (how each is checked by itself on validation, ``python -m clipnb_train.ablation``).
    """
    if augment == "crop":
        return {}, 0
    if augment == "style":
        return dict(STYLE_CHANGES), STYLE_ROTATION
    names = augment.removeprefix("style:").split(",") if augment.startswith("style:") else None
    known = [*STYLE_CHANGES, "rotate"]
    if not names or any(n not in known for n in names):
        raise ValueError(f"unknown augment {augment!r}: 'crop', 'style', or 'style:' and some of {', '.join(known)} "
                         "(e.g. 'style:hue,rotate')")
    return {n: STYLE_CHANGES[n] for n in names if n != "rotate"}, STYLE_ROTATION if "rotate" in names else 0


def style_augment(x, generator, changes: dict = STYLE_CHANGES):
    """Changes of drawing style on a batch of images in [0, 1] (B, 3, H, W), each to a random share:

    * hue: the colour channels mixed by a random rotation about the grey axis (a hue shift; white stays white);
    * grayscale;
    * outline: the drawing reduced to its edges, dark lines on white (a line-art rendering);
    * blur: a 3×3 box blur (a soft, low-resolution rendering);
    * contrast: lighter or heavier ink, scaled about white.
    """
    n = len(x)

    def chosen(name):
        return (torch.rand(n, generator=generator) < changes.get(name, 0.0)).view(n, 1, 1, 1)

    grey_axis = torch.ones(3) / 3 ** 0.5
    angle = (2 * torch.rand(n, generator=generator) - 1) * math.pi
    cross = torch.tensor([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], dtype=torch.float32) / 3 ** 0.5  # [axis]x
    outer = torch.outer(grey_axis, grey_axis)
    rotation = (torch.cos(angle).view(n, 1, 1) * (torch.eye(3) - outer) + torch.sin(angle).view(n, 1, 1) * cross
                + outer)  # Rodrigues' formula about the grey axis
    hued = torch.einsum("nij,njhw->nihw", rotation, x).clamp(0, 1)
    x = torch.where(chosen("hue"), hued, x)
    grey = x.mean(1, keepdim=True).expand_as(x)
    x = torch.where(chosen("grayscale"), grey, x)
    luminance = x.mean(1, keepdim=True)
    edges = (F.avg_pool2d(F.pad(luminance, (1, 1, 1, 1), mode="replicate"), 3, 1) - luminance).abs() * 8
    x = torch.where(chosen("outline"), (1 - edges.clamp(0, 1)).expand_as(x), x)
    x = torch.where(chosen("blur"), F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, 1), x)
    ink = (0.6 + 0.8 * torch.rand(n, generator=generator)).view(n, 1, 1, 1)
    x = torch.where(chosen("contrast"), (1 - (1 - x) * ink).clamp(0, 1), x)
    return x


def _param_groups(model, weight_decay):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "embedding" in name or "logit_scale" in name else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def _lr_at(step, total, config):
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, total - config.warmup_steps)
    return config.lr * 0.5 * (1 + math.cos(math.pi * progress))


def save_checkpoint(folder: Path, model, optimizer, meta: dict, generator=None):
    """Model + AdamW moments + RNG states as safetensors, the rest as JSON; atomic."""
    from safetensors.torch import save_file

    tensors = {f"model.{k}": v.detach().contiguous() for k, v in model.state_dict().items()}
    for i, p in enumerate(p for g in optimizer.param_groups for p in g["params"]):
        for key, value in optimizer.state.get(p, {}).items():
            tensors[f"optim.{i}.{key}"] = value.detach().reshape(value.shape).contiguous()
    tensors["rng.torch"] = torch.get_rng_state()
    if generator is not None:  # the generator that draws batches and augmentations
        tensors["rng.generator"] = generator.get_state()
    folder.mkdir(parents=True, exist_ok=True)
    save_file(tensors, folder / "state.safetensors.tmp")
    os.replace(folder / "state.safetensors.tmp", folder / "state.safetensors")
    (folder / "meta.json.tmp").write_text(json.dumps(meta, indent=1))
    os.replace(folder / "meta.json.tmp", folder / "meta.json")


def load_checkpoint(folder: Path, model, optimizer, generator=None) -> dict:
    from safetensors.torch import load_file

    tensors = load_file(folder / "state.safetensors")
    meta = json.loads((folder / "meta.json").read_text())
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    params = [p for g in optimizer.param_groups for p in g["params"]]
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, i, name = key.split(".", 2)
            optimizer.state[params[int(i)]][name] = value
    torch.set_rng_state(tensors["rng.torch"])
    if generator is not None and "rng.generator" in tensors:
        generator.set_state(tensors["rng.generator"])
    return meta


def export_model(model, out: Path, extra: dict | None = None, config: dict = MODEL_CONFIG, name: str = MODEL_NAME,
                 exclude: tuple = ()):
    """Write open_clip's local-dir layout (:func:`clipnb.models.save_local_dir`); the bundled architecture by default."""
    save_local_dir(model, out, config, name, extra, exclude)


@torch.no_grad()
def retrieval_recall(model, data: ClipArtData, tokenizer, ks=(1, 5, 10)) -> dict:
    """Text→image and image→text recall@k over a held-out split (one caption per image)."""
    model.eval()
    image_features = torch.cat([F.normalize(model.encode_image(data.images(range(i, min(i + 256, len(data))), False)), dim=-1)
                                for i in range(0, len(data), 256)])
    text_features = F.normalize(model.encode_text(tokenizer(data.captions)), dim=-1)
    from clipnb.geometry import recall_at_k

    similarity = (text_features @ image_features.T).numpy()
    return {f"{name}_R@{k}": value for name, sim in [("text_to_image", similarity), ("image_to_text", similarity.T)]
            for k, value in recall_at_k(sim, ks).items()}


class FixedText:
    """A frozen text tower's features, computed once per caption string (training with fixed text)."""

    def __init__(self, model, tokenizer):
        self.model, self.tokenizer, self.features = model, tokenizer, {}

    @torch.no_grad()
    def __call__(self, captions: list[str]) -> torch.Tensor:
        missing = list(dict.fromkeys(c for c in captions if c not in self.features))
        if missing:  # (the text transformer has no dropout or batch statistics: train mode is harmless)
            computed = F.normalize(self.model.encode_text(self.tokenizer(missing)), dim=-1)
            self.features.update(zip(missing, computed))
        return torch.stack([self.features[c] for c in captions])


def train_step(model, optimizer, data: ClipArtData, index, tokenizer, generator, rng, augment: bool | str = True,
               short_captions: float = 0.0, fixed_text: FixedText | None = None, regulariser=None,
               regulariser_weight: float = 0.0) -> float:
    """One optimisation step on a batch of matching (image, caption) pairs; returns the loss.

    fixed_text : features of a text tower that is not trained (``TrainConfig.text == "english"``).
    regulariser : a callable model -> loss added with ``regulariser_weight`` (the distillation loss that
    keeps a trained text tower's English, ``text == "english-joint"``).
    """
    # channels_last: the convolutional image tower runs about 1.2x faster on a CPU (bench/training_step.py)
    images = data.images(index, augment=augment, generator=generator).contiguous(memory_format=torch.channels_last)
    captions = data.texts(index, augment=augment, rng=rng, short=short_captions)
    image_features, logit_scale = F.normalize(model.encode_image(images), dim=-1), model.logit_scale.exp()
    if fixed_text is not None:  # the text tower is not trained: its features are looked up
        text_features = fixed_text(captions)
    elif hasattr(model, "text"):  # a Hugging Face text tower (open_clip's HFTextEncoder) encodes whole batches
        text_features = F.normalize(model.encode_text(tokenizer(captions)), dim=-1)
    else:  # the text transformer runs on the batch's real length (exact: its attention is causal)
        from clipnb_train.distill import encode_trimmed

        text_features = F.normalize(encode_trimmed(model, tokenizer(captions)), dim=-1)
    loss = contrastive_loss(image_features, text_features, logit_scale)
    if regulariser is not None:
        loss = loss + regulariser_weight * regulariser(model)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    with torch.no_grad():  # CLIP caps the inverse temperature at 100
        model.logit_scale.clamp_(0, math.log(100))
    return loss.item()


def fit(model, data: ClipArtData, epochs: int, batch_size: int = 64, lr: float = 1e-3, seed: int = 0,
        progress: bool = True, augment: bool = True) -> list[float]:
    """A short training run without checkpoints (notebook 02); returns the loss of every step."""
    from clipnb.progress import progress_bar as tqdm

    rng, generator = random.Random(seed), torch.Generator().manual_seed(seed)
    tokenizer = tokenizer_for_bundled()
    optimizer = torch.optim.AdamW(_param_groups(model, 0.1), lr=lr, betas=(0.9, 0.98), eps=1e-6)
    steps_per_epoch = max(1, len(data) // batch_size)
    config = TrainConfig(lr=lr, warmup_steps=min(10, steps_per_epoch))
    losses = []
    model.train()
    for step in tqdm(range(epochs * steps_per_epoch), desc="training", disable=not progress):
        if step % steps_per_epoch == 0:
            order = torch.randperm(len(data), generator=generator)
        for group in optimizer.param_groups:
            group["lr"] = _lr_at(step, epochs * steps_per_epoch, config)
        i = step % steps_per_epoch
        losses.append(train_step(model, optimizer, data, order[i * batch_size:(i + 1) * batch_size].tolist(),
                                 tokenizer, generator, rng, augment))
    model.eval()
    return losses


def train(config: TrainConfig, model=None, progress: bool = True, on_epoch=None, data=None):
    """Train (or resume) and export; returns the model and the per-epoch log (list of dicts).

    data : the (train, validation) :class:`ClipArtData` of this configuration, when already loaded (several
    runs on the same data in one process, as in :mod:`clipnb_train.ablation`).
    """
    from clipnb.progress import progress_bar as tqdm

    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    architecture = ARCHITECTURES[config.arch]
    style_spec(config.augment)  # a mistyped augmentation fails before anything loads
    model = model or build_model(config.seed, architecture)
    if config.init:
        from safetensors.torch import load_file

        init = Path(config.init.removeprefix("local-dir:"))
        model.load_state_dict({k: v.float() for k, v in load_file(init / "open_clip_model.safetensors").items()})
    if config.init_visual:
        from safetensors.torch import load_file

        weights = load_file(Path(config.init_visual.removeprefix("local-dir:")) / "open_clip_model.safetensors")
        model.load_state_dict({k: v.float() for k, v in weights.items() if k.startswith("visual.")}, strict=False)
    out = Path(config.out)
    checkpoint = out / "checkpoint"
    text_log = {}
    frozen = tuple(p for p in config.freeze.split(",") if p)
    regulariser = None
    phrase_set = {}  # the distillation phrases and their teacher embeddings, built once and only if needed

    def english_phrases():
        if not phrase_set:
            phrase_set["value"] = _phrases_and_teacher(config)
        return phrase_set["value"]

    if config.text in ("english", "english-joint"):
        from clipnb_train.distill import TEXT_PREFIXES, Regulariser, split

        text_log = english_text(model, config, checkpoint, english_phrases, progress)
        if config.text == "english" or config.init:  # fixed text (a fine-tune keeps its base's text tower)
            frozen = tuple(dict.fromkeys(frozen + TEXT_PREFIXES))
        else:  # trained with the images, held to the teacher's geometry by the distillation loss
            phrases, teacher = english_phrases()
            train_index, _ = split(phrases)
            regulariser = Regulariser(model, [phrases[i] for i in train_index], teacher[train_index], seed=config.seed)
    elif config.text == "locked":  # the teacher itself as the text tower, frozen; its projection trains
        if not hasattr(model, "text"):
            raise ValueError(f"text 'locked' needs an architecture whose text tower is the teacher: --arch cnn-minilm, "
                             f"not {config.arch!r}")
        frozen = tuple(dict.fromkeys(frozen + ("text.transformer",)))
        if config.init_text:
            text_log = fit_projection(model, config)
    elif config.text != "contrastive":
        raise ValueError(f"unknown text {config.text!r}: 'contrastive', 'english', 'english-joint' or 'locked'")
    for name, parameter in model.named_parameters():
        parameter.requires_grad_(not name.startswith(frozen))
    model.visual.to(memory_format=torch.channels_last)
    tokenizer = tokenizer_for(architecture)
    train_data, val_data = data or load_data(config)
    shares = {k: float(v) for k, v in (part.split("=") for part in config.shares.split(",") if part)}
    optimizer = torch.optim.AdamW(_param_groups(model, config.weight_decay), lr=config.lr, betas=(0.9, 0.98), eps=1e-6)
    steps_per_epoch = config.epoch_steps or max(1, len(train_data) // config.batch_size)
    total = steps_per_epoch * config.epochs
    fixed_text = FixedText(model, tokenizer) if text_is_frozen(frozen) else None
    log, start_epoch = [], 0
    generator = torch.Generator().manual_seed(config.seed)
    if (checkpoint / "meta.json").exists():  # resume exactly: weights, optimizer, and every random state
        meta = load_checkpoint(checkpoint, model, optimizer, generator)
        if meta["config"] != asdict(config):
            raise ValueError(f"{checkpoint} was made with another configuration; delete it to start over")
        log, start_epoch = meta["log"], meta["epoch"]
        rng.setstate(_tuple(meta["python_rng"]))
        print(f"resuming from epoch {start_epoch}")
    for epoch in range(start_epoch, config.epochs):
        model.train()
        weights = train_data.sampling_weights(config.balance, config.clipart_share, shares)
        if config.focus:
            import re

            focused = torch.tensor([s == "emoji" and re.search(config.focus, g or "") is not None
                                    for s, g in zip(train_data.sources, train_data.groups)])
            weights[focused] *= config.focus_weight
        order = torch.multinomial(weights, max(len(train_data), steps_per_epoch * config.batch_size), replacement=True,
                                  generator=generator) if config.balance else torch.randperm(len(train_data), generator=generator)
        t0, losses = time.time(), []
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}/{config.epochs}", disable=not progress)
        for step in bar:
            for group in optimizer.param_groups:
                group["lr"] = _lr_at(epoch * steps_per_epoch + step, total, config)
            index = order[step * config.batch_size:(step + 1) * config.batch_size].tolist()
            losses.append(train_step(model, optimizer, train_data, index, tokenizer, generator, rng,
                                     augment=config.augment, short_captions=config.short_captions, fixed_text=fixed_text,
                                     regulariser=regulariser, regulariser_weight=config.distill_weight))
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
        entry = {"epoch": epoch + 1, "train_loss": float(np.mean(losses)), "seconds": time.time() - t0,
                 "validation_images": len(val_data),
                 "logit_scale": model.logit_scale.exp().item(), **retrieval_recall(model, val_data, tokenizer)}
        log.append(entry)
        print(json.dumps(entry))
        if on_epoch:
            on_epoch(entry)
        save_checkpoint(checkpoint, model, optimizer, generator=generator, meta=
                        {"epoch": epoch + 1, "log": log, "config": asdict(config), "python_rng": rng.getstate()})
    model.eval()
    extra = {"epochs": config.epochs, "seed": config.seed, "train_images": len(train_data), "arch": config.arch,
             "emoji": bool(config.emoji), "skew": SKEWS.get(config.skew, {}),
             "sources": dict(sorted(collections.Counter(train_data.sources).items()))}
    if config.text in ("english", "english-joint") and not config.init:
        extra["text"] = {"teacher": "all-MiniLM-L6-v2 (distilled)", "after distillation": text_log,
                         "trained with the images": regulariser is not None}
        if regulariser is not None:  # how much of the teacher's geometry the joint training kept
            from clipnb_train.distill import heldout_agreement

            agreement = heldout_agreement(model, *english_phrases(), seed=config.seed)
            agreement.pop("heldout_phrases")
            extra["text"]["after image training"] = agreement
            print(json.dumps(agreement))
    if config.init:  # a fine-tune ships only what it changed, on top of its base model
        extra.update(base=Path(config.init.removeprefix("local-dir:")).name, exclude=list(frozen))
    export_model(model, out, extra, architecture, name=out.name, exclude=frozen if config.init else ())
    (out / "train_log.json").write_text(json.dumps(log, indent=1) + "\n")
    return model, log


def load_data(config: TrainConfig) -> tuple[ClipArtData, ClipArtData]:
    """The training and validation images and captions a configuration trains and is checked on."""
    image_size = ARCHITECTURES[config.arch]["vision_cfg"]["image_size"]
    train_data = ClipArtData.from_builds(config.data, config.emoji, "train", image_size, config.max_images,
                                         config.seed, config.balance_by, config.skew, config.skew_style,
                                         config.icons, config.scenes, config.styles)
    val_data = ClipArtData.from_builds(config.data, config.emoji, "val", image_size, config.max_images, config.seed)
    return train_data, val_data


def text_is_frozen(frozen: tuple) -> bool:
    """Whether every text-tower parameter is frozen (its features can then be computed once per caption)."""
    from clipnb_train.distill import TEXT_PREFIXES

    return all(p in frozen for p in TEXT_PREFIXES)


def training_caption_lists(config: TrainConfig) -> list[list[str]]:
    """Each training image's captions in a configuration's builds (a clip-art title, an emoji's or icon's names),
    then each clip-art title cut into its head and tag phrases."""
    import pandas as pd

    captions = []
    for builder, table_name, column in [(config.data, "clipart.parquet", "caption"), (config.emoji, "emoji.parquet", "captions"),
                                        (config.icons, "icons.parquet", "captions"), (config.scenes, "scenes.parquet", "captions")]:
        if builder:
            table = pd.read_parquet(Path(builder).expanduser() / table_name)
            table = table[table["split"] == "train"]
            captions += [[c] if isinstance(c, str) else list(c) for c in table[column]]
            if column == "caption":  # clip-art: also the head and tag phrases the captions are cut into
                captions += [c.split(", ") for c in table[column]]
    return captions


def _phrases_and_teacher(config: TrainConfig):
    """The distillation phrase set for this data and its (cached) teacher embeddings."""
    from clipnb_train import distill

    phrases = distill.phrase_set(training_caption_lists(config), config.seed)
    return phrases, distill.teacher_embeddings(phrases)


def english_text(model, config: TrainConfig, checkpoint: Path, english_phrases, progress: bool = True) -> dict:
    """Distil the teacher into the text tower (or load the distilled tower from the checkpoint).

    english_phrases : a callable giving (phrases, teacher embeddings), built on first call.
    Returns the text stage's record: phrases, steps, and the held-out Spearman agreement.
    """
    from safetensors.torch import load_file, save_file

    from clipnb_train import distill
    from clipnb_train.distill import TEXT_PREFIXES as TEXT_PREFIXES_

    done = checkpoint / "text.safetensors"
    if done.exists():
        model.load_state_dict(load_file(done), strict=False)
        return json.loads((checkpoint / "text.json").read_text())
    if config.init:  # a fine-tune of an English model keeps its base's text tower
        return {}
    if config.init_text:  # a text tower distilled before, carried over; the distillation loss keeps holding it
        weights = load_file(Path(config.init_text.removeprefix("local-dir:")) / "open_clip_model.safetensors")
        model.load_state_dict({k: v.float() for k, v in weights.items()  # and the temperature learned with it
                               if k.startswith(TEXT_PREFIXES_ + ("logit_scale",))}, strict=False)
        return {"from": Path(config.init_text.removeprefix("local-dir:")).name}
    phrases, teacher = english_phrases()
    train_index, _ = distill.split(phrases)
    t0 = time.time()
    log = distill.distill(model, [phrases[i] for i in train_index], teacher[train_index], steps=config.distill_steps,
                          seed=config.seed, progress=progress)
    record = {"phrases": len(phrases), "steps": config.distill_steps, "seconds": time.time() - t0,
              "final_loss": log[-1], **distill.heldout_agreement(model, phrases, teacher, seed=config.seed)}
    print(json.dumps(record))
    checkpoint.mkdir(parents=True, exist_ok=True)
    from clipnb_train.distill import TEXT_PREFIXES

    (checkpoint / "text.json").write_text(json.dumps(record, indent=1))  # first: the weights mark the stage done
    save_file({k: v.contiguous() for k, v in model.state_dict().items() if k.startswith(TEXT_PREFIXES)},
              str(done) + ".tmp")
    os.replace(str(done) + ".tmp", done)
    return record


@torch.no_grad()
def fit_projection(model, config: TrainConfig) -> dict:
    """Start a Hugging Face text tower's linear projection where ``config.init_text``'s distilled tower is.

    The locked teacher's pooled features of the training captions are mapped, by least squares, onto the
    distilled tower's (unit) text features of the same captions, so that the image tower carried over with
    ``--init-visual`` meets the text where it learned to; the temperature comes with it. Returns the stage's record.
    """
    from safetensors.torch import load_file

    from clipnb.models import load_model

    init = config.init_text.removeprefix("local-dir:")
    reference = load_model(f"local-dir:{init}", device="cpu")
    unique = sorted({c for names in training_caption_lists(config) for c in names[:1]})
    captions = random.Random(config.seed).sample(unique, min(20000, len(unique)))
    tokenizer = tokenizer_for(ARCHITECTURES[config.arch])
    pooled = []
    for i in range(0, len(captions), 512):
        tokens = tokenizer(captions[i:i + 512])
        mask = (tokens != 0).long()
        pooled.append(model.text.pooler(model.text.transformer(input_ids=tokens, attention_mask=mask), mask))
    pooled = torch.cat(pooled)
    target = torch.from_numpy(reference.encode_text(captions).numpy())
    solution = torch.linalg.lstsq(pooled, target).solution  # (teacher width, embed_dim)
    model.text.proj.weight.copy_(solution.T)
    model.logit_scale.copy_(load_file(Path(init) / "open_clip_model.safetensors")["logit_scale"].float())
    record = {"from": Path(init).name, "captions": len(captions),
              "fitted cosine": F.cosine_similarity(pooled @ solution, target).mean().item()}
    print(json.dumps(record))
    return record


def _tuple(x):
    return tuple(_tuple(i) for i in x) if isinstance(x, list) else x


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m clipnb_train.training", description=__doc__.split("\n")[0])
    for field, value in asdict(TrainConfig()).items():
        parser.add_argument(f"--{field.replace('_', '-')}", type=type(value) if value is not None else int, default=value)
    args = parser.parse_args(argv)
    torch.set_num_threads(os.cpu_count() or 1)
    train(TrainConfig(**vars(args)))


if __name__ == "__main__":
    main()
