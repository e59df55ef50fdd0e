"""Load any CLIP model open_clip knows, behind one small interface.

``load_model(spec)`` accepts

* ``"bundled"`` — the project's own offline model in ``data/models/``: an ImageNet-trained image network and an
  English sentence encoder, both pretrained and locked, with the heads between them trained on named emoji,
  icons, composed scenes and clip-art (LiT); ``"bundled:v3"`` — the previous one, both towers small and trained
  here (in a clone, not the wheel); ``"bundled:v2"`` — the one before (emoji and clip-art; in a clone, not the
  wheel); ``"bundled:emoji"`` — a text side that learned only its captions; ``"bundled:clipart"`` — clip-art
  alone (in a clone, not the wheel);
  ``"bundled:skewed"`` — ``bundled`` fine-tuned on captions with a planted skew;
* ``"NAME:TAG"`` — open_clip's pretrained weights, e.g. ``"MobileCLIP-S2:datacompdr"`` (the talk's
  model) or ``"ViT-B-32:laion2b_s34b_b79k"``, fetched once into the Hugging Face cache;
* ``"NAME:/path/weights.safetensors"`` — an open_clip architecture with your own weights;
* ``"local-dir:DIR"`` — a folder with ``open_clip_config.json`` + ``open_clip_model.safetensors``;
* ``"hf-hub:org/repo"`` — an open_clip repository on the Hugging Face hub;
* ``"random:SPEC"`` — SPEC's architecture with random weights (seed 0), e.g. ``"random:bundled"``: what a
  notebook shows when nothing was learned.

``CLIPNB_MODEL`` picks the model for every notebook (see :func:`default_model_spec`).
:func:`save_local_dir` writes a model in the ``local-dir`` layout; :func:`random_weights_dir` gives the
same architecture as a spec with random weights (the claims' null, and notebook 11's untrained model).
"""
from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import json
import os
import socket
import warnings
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from clipnb.cache import DATA_DIR, models_dir  # noqa: F401  (DATA_DIR stays importable from here)
from clipnb.errors import ModelNotAvailableError, UnknownModelError
from clipnb.images import PROGRESS_DELAY_S, PROGRESS_MIN

BUNDLED_NAME = "clipnb-v4-lit"
# the offline models this project trains and ships: spec -> folder name in data/models/
BUNDLED_MODELS = {"bundled": BUNDLED_NAME,  # EfficientNet-Lite0 (ImageNet) + all-MiniLM-L6-v2, locked; heads trained
                  # the previous bundled model: both towers small and trained here (emoji, icons, scenes, clip-art)
                  "bundled:v3": "clipnb-v3-s",
                  # the one before: emoji and clip-art only, a text side distilled from the same sentence encoder
                  "bundled:v2": "clipnb-english-s",
                  # the one before: the same pictures as v2, a text tower trained on the captions alone
                  "bundled:emoji": "clipnb-emoji-s",
                  # the round before: clip-art alone (in a clone; not in the wheel, `make model-clipart` rebuilds it)
                  "bundled:clipart": "clipnb-clipart-s",
                  # `bundled` fine-tuned on captions skewed on purpose (some professions' other gender marked)
                  "bundled:skewed": "clipnb-v4-lit-skewed"}
# pyproject's exclude-package-data: in a clone, not in the pip package
WHEEL_LEAVES_OUT = {"bundled:clipart", "bundled:v2", "bundled:v3"}
TALK_MODEL = "MobileCLIP-S2:datacompdr"


def bundled_model_dir(spec: str = "bundled") -> Path:
    """The folder of a bundled model (``"bundled"``, ``"bundled:emoji"``, ``"bundled:clipart"``, ``"bundled:skewed"``)."""
    if spec not in BUNDLED_MODELS:
        close = difflib.get_close_matches(spec, list(BUNDLED_MODELS), n=1)
        raise UnknownModelError(f"unknown bundled model {spec!r}; the bundled models are "
                                f"{', '.join(BUNDLED_MODELS)}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return models_dir() / BUNDLED_MODELS[spec]


class ClipModel:
    """A loaded CLIP model: two encoders into one space.

    ``encode_text`` and ``encode_image`` return ``torch.Tensor`` (N, D) float32 on the CPU, as openai/CLIP
    and open_clip do: code written against either reads the same, and ``.numpy()`` is a free view.

    Attributes: ``name`` (the spec it was loaded from), ``embed_dim`` (D), ``logit_scale``
    (float, the inverse temperature it was trained with), ``device``, and the open_clip
    ``model``, ``preprocess`` and ``tokenizer``.
    """

    def __init__(self, name, model, preprocess, tokenizer, device, batch_size=64):
        self.name = name
        self.model = model
        self.preprocess = preprocess
        self.tokenizer = tokenizer
        self.device = device
        self.batch_size = batch_size
        self.logit_scale = float(model.logit_scale.exp()) if hasattr(model, "logit_scale") else 100.0
        self._identity = None
        self.progress = True  # progress bars for long encodes (random-weight twins run without)
        # a convolutional image tower runs about twice as fast on a CPU in channels_last (bench/encode_throughput.py)
        import torch

        self.channels_last = device == "cpu" and any(isinstance(m, torch.nn.BatchNorm2d) for m in model.visual.modules())
        self._fingerprint = _weights_fingerprint(model)  # of the weights as loaded, before BatchNorm is folded
        self.image_batch_size = batch_size
        if self.channels_last:
            model.visual = fold_batch_norm(model.visual)
            model.visual.to(memory_format=torch.channels_last)
            # on a CPU a convolutional tower runs small batches faster: its activations stay in the caches
            # (bench/image_tower_cpu.py: 8 images a batch 1.92× the images per second of 64 unfolded, 2.52× folded)
            self.image_batch_size = min(batch_size, CPU_IMAGE_BATCH)
        self._text_cache: dict[str, np.ndarray] = {}
        # open_clip's Hugging Face text tower masks its padding (attention and mean pooling), so trimming the padding a
        # tokenizer adds up to the context length changes nothing but the time (bench/prompt_encoding.py)
        text = getattr(model, "text", None)
        self._pad_token = getattr(text.config, "pad_token_id", None) if hasattr(text, "pooler") else None
        # open_clip's own causal text transformer (OpenAI's CLIP design) never lets a token see the padding after it
        self._causal_text = None if self._pad_token is not None else _trimmed_causal_text(model, tokenizer)
        self._image_cache: dict[tuple, np.ndarray] = {}  # (path, size, mtime) -> features: each file encoded once
        self.embed_dim = int(self.encode_text(["a"]).shape[1])

    def __repr__(self):
        return f"ClipModel({self.name!r}, embed_dim={self.embed_dim}, device={self.device!r})"

    @property
    def identity(self) -> str:
        """A fingerprint of the weights (name + a hash of every tensor's shape and first values).

        Caches are keyed by it, so two models with the same name and other weights never mix.
        """
        if self._identity is None:
            self._identity = hashlib.sha256(self.name.encode() + self._fingerprint).hexdigest()[:16]
        return self._identity

    def encode_text(self, texts) -> "torch.Tensor":
        """Encode prompts.

        texts : str or list[str], each non-empty.
        Returns text_features : Tensor, shape (N, D), float32, L2-normalised, on the CPU.
        Results are memoised per prompt, so re-encoding a prompt costs nothing.
        """
        import torch

        texts = _check_texts(texts)
        # shortest first: a batch is padded to its longest prompt, so prompts of a length share a batch (the features
        # do not depend on the batch, as the padding is masked or trimmed; bench/text_length_order.py)
        missing = sorted(dict.fromkeys(t for t in texts if t not in self._text_cache), key=len)
        for start in _batches(len(missing), self.batch_size, "encode text", self.progress):
            chunk = missing[start:start + self.batch_size]
            tokens = self.tokenizer(chunk)
            if self._pad_token is not None:  # a Hugging Face tower: run on the batch's real length, not the padded one
                tokens = tokens[:, :max(1, int((tokens != self._pad_token).sum(1).max()))]
            with torch.inference_mode():
                features = (self._causal_text or self.model.encode_text)(tokens.to(self.device))
                features = torch.nn.functional.normalize(features.float(), dim=-1).cpu().numpy()
            self._text_cache.update(zip(chunk, features))
        return torch.from_numpy(np.stack([self._text_cache[t] for t in texts]))

    def encode_image(self, images) -> "torch.Tensor":
        """Encode images.

        images : a path, a PIL image, or a list of them.
        Returns image_features : Tensor, shape (N, D), float32, L2-normalised, on the CPU.
        Raises ImageLoadError naming the file if an image cannot be read (use
        :meth:`encode_image_files` to skip unreadable files instead).
        Image files are memoised by path, size and modification time (a changed file is encoded
        again); PIL images are always encoded.
        """
        from clipnb.images import check_image_inputs

        import torch

        images = check_image_inputs(images)
        keys = [_file_key(image) for image in images]
        todo = [i for i, key in enumerate(keys) if key is None or key not in self._image_cache]
        if todo:
            features, failures = self.encode_image_files([images[i] for i in todo], skip_unreadable=False,
                                                         progress=self.progress)
            if len(self._image_cache) + len(todo) > IMAGE_CACHE_SIZE:
                self._image_cache.clear()
            fresh = dict(zip(todo, features.numpy()))
            self._image_cache.update((keys[i], row) for i, row in fresh.items() if keys[i] is not None)
        else:
            fresh = {}
        return torch.from_numpy(np.stack([fresh[i] if i in fresh else self._image_cache[keys[i]]
                                          for i in range(len(images))]))

    def encode_image_files(self, images, skip_unreadable=True, progress=True):
        """Encode images, reporting unreadable ones instead of failing.

        Returns (image_features, failures): features (M, D) for the M readable images in
        order, and a dict {index: error message} for the others.
        """
        import torch

        from clipnb.images import load_image_batches

        parts, failures = [], {}
        for batch, fails in load_image_batches(images, self.preprocess, self.image_batch_size, skip_unreadable,
                                               progress=progress):
            failures.update(fails)
            if batch is not None:
                if self.channels_last:
                    batch = batch.contiguous(memory_format=torch.channels_last)
                with torch.inference_mode():
                    features = self.model.encode_image(batch.to(self.device))
                parts.append(torch.nn.functional.normalize(features.float(), dim=-1).cpu())
        features = torch.cat(parts) if parts else torch.empty(0, self.embed_dim)
        return features, failures


def _weights_fingerprint(model) -> bytes:
    """Every tensor's name, shape and first 64 values (rounded): what :attr:`ClipModel.identity` hashes."""
    parts = []
    for key, value in model.state_dict().items():
        flat = value.detach().flatten()[:64].float().cpu().numpy()
        parts += [f"{key}{tuple(value.shape)}".encode(), np.round(flat, 4).tobytes()]
    return b"".join(parts)


def _trimmed_causal_text(model, tokenizer):
    """For open_clip's ``CLIP`` class (a causal text transformer pooled at the end-of-text token): its
    ``encode_text`` run on the batch's real length instead of the context's 77 tokens (the padding after a
    prompt's end changes nothing before it; 8.2× faster on 100 prompts; bench/causal_text_trim.py).
    Checked against ``encode_text`` on two prompts; None where the model is another design or they differ."""
    import open_clip
    import torch
    from open_clip.transformer import text_global_pool

    if (type(model) is not open_clip.model.CLIP or getattr(model, "attn_mask", None) is None
            or getattr(model, "text_pool_type", None) not in ("argmax", "eos")):
        return None

    def encode(tokens):
        length = max(1, int(((tokens != 0) * torch.arange(1, tokens.shape[1] + 1, device=tokens.device)).max()))
        tokens = tokens[:, :length]
        cast = model.transformer.get_cast_dtype()
        x = model.token_embedding(tokens).to(cast) + model.positional_embedding[:length].to(cast)
        x = model.ln_final(model.transformer(x, attn_mask=model.attn_mask[:length, :length]))
        x = text_global_pool(x, tokens, model.text_pool_type, eos_token_id=getattr(model, "text_eos_id", None))
        if model.text_projection is None:
            return x
        return model.text_projection(x) if isinstance(model.text_projection, torch.nn.Linear) else x @ model.text_projection

    try:
        probe = tokenizer(["a", "a photo of a cat sitting on a mat"]).to(next(model.parameters()).device)
        with torch.inference_mode():
            full, trimmed = model.encode_text(probe), encode(probe)
        same = full.shape == trimmed.shape and torch.allclose(full, trimmed, rtol=1e-4, atol=1e-4 * float(full.abs().max()))
    except Exception:  # noqa: BLE001 -- a design this does not know: the model's own encode_text
        return None
    return encode if same else None


def fold_batch_norm(visual):
    """``visual`` with each BatchNorm folded into the convolution registered just before it (torch's
    ``fuse_conv_bn_eval``): the same function in eval mode, without the BatchNorm pass (an EfficientNet encodes
    1.35× faster on a CPU; bench/image_tower_cpu.py). A BatchNorm with an activation (timm's
    ``BatchNormAct2d``) keeps its activation. The folded tower is checked against the original on two random
    images (64 × 64 where the tower takes them); where the outputs differ (a BatchNorm that does not follow its
    convolution), the original is kept."""
    import copy

    import torch
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    folded = copy.deepcopy(visual).eval()
    count = 0
    for parent in list(folded.modules()):
        previous = None
        for name, child in list(parent.named_children()):
            if (isinstance(child, torch.nn.BatchNorm2d) and isinstance(previous[1] if previous else None, torch.nn.Conv2d)
                    and child.running_mean is not None and previous[1].out_channels == child.num_features):
                setattr(parent, previous[0], fuse_conv_bn_eval(previous[1], child))
                rest = [getattr(child, part) for part in ("drop", "act") if isinstance(getattr(child, part, None), torch.nn.Module)]
                setattr(parent, name, torch.nn.Sequential(*rest) if rest else torch.nn.Identity())
                count += 1
            previous = (name, child)
    if not count:
        return visual
    size = getattr(visual, "image_size", 224)
    size = tuple(size) if isinstance(size, (tuple, list)) else (size, size)
    parameter = next(visual.parameters())
    # the check runs at 64 × 64 where the tower takes it (a convolution folds the same at any size; about a tenth of
    # the time at 224), else at the tower's own size
    for side in ((64, 64), size):
        probe = torch.randn(2, 3, *side, generator=torch.Generator().manual_seed(0)).to(parameter.device, parameter.dtype)
        try:
            with torch.inference_mode():
                before, after = visual(probe), folded(probe)
            break
        except (RuntimeError, ValueError, AssertionError):
            if side == size:
                raise
    if not torch.allclose(before, after, rtol=1e-3, atol=1e-4 * float(before.abs().max())):
        return visual
    for p in folded.parameters():
        p.requires_grad_(False)
    return folded


CPU_IMAGE_BATCH = 8  # images per batch through a convolutional image tower on a CPU
IMAGE_CACHE_SIZE = 50_000  # memoised image files per model (about 25 MB at D = 128), then it starts afresh


def remember_images(model, paths, sizes, mtimes, features):
    """Seed ``model``'s image memo with features it has already computed (a corpus it embedded or read from
    its cache): the claims then ask for those files again for free. Keys as :func:`_file_key` makes them."""
    memo = getattr(model, "_image_cache", None)
    if memo is None or len(paths) + len(memo) > IMAGE_CACHE_SIZE:
        return
    for path, size, mtime, row in zip(paths, sizes, mtimes, features):
        memo[(str(path), int(size), int(mtime))] = row


def _file_key(image):
    """(resolved path, size, mtime) for an image file, None for a PIL image or a file that is not there."""
    if not isinstance(image, (str, os.PathLike)):
        return None
    try:
        path = Path(image).expanduser().resolve()
        stat = path.stat()
    except OSError:
        return None  # encode_image_files names the problem
    return str(path), stat.st_size, stat.st_mtime_ns


def _check_texts(texts) -> list[str]:
    if isinstance(texts, str):
        texts = [texts]
    if texts is None or not isinstance(texts, (list, tuple)):
        raise TypeError(f"texts must be a string or a list of strings, not {type(texts).__name__}; "
                        "e.g. model.encode_text(['a cat', 'a dog'])")
    if not texts:
        raise ValueError("texts is an empty list: give at least one prompt, e.g. ['a cat']")
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}] is {type(t).__name__} ({t!r}), not a string: every prompt must be text")
        if not t.strip():
            raise ValueError(f"texts[{i}] is an empty string: every prompt needs some words")
    return list(texts)


def _batches(n, batch_size, desc, progress: bool = True):
    starts = range(0, n, batch_size)
    if progress and n >= PROGRESS_MIN:
        from clipnb.progress import progress_bar as tqdm

        return tqdm(starts, desc=desc, unit="batch", delay=PROGRESS_DELAY_S)
    return starts


def pick_device(device=None) -> str:
    import torch

    if device:
        return str(device)
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def hub_reachable(timeout: float = 2.0) -> bool:
    """Can we open a TCP connection to the Hugging Face hub (or ``HF_ENDPOINT``) within timeout?"""
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        return False
    endpoint = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    port = endpoint.port or (80 if endpoint.scheme == "http" else 443)
    try:
        with socket.create_connection((endpoint.hostname or "huggingface.co", port), timeout=timeout):
            return True
    except OSError:
        return False


def hf_cache_dir() -> str:
    """The Hugging Face hub cache, read from the environment now (huggingface_hub reads it at import)."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "huggingface")
    return os.path.join(os.path.expanduser(home), "hub")


def _cached_hf_file(repo_id: str, filenames: list[str]) -> str | None:
    from huggingface_hub import hf_hub_download

    for filename in filenames:
        try:
            return hf_hub_download(repo_id, filename, cache_dir=hf_cache_dir(), local_files_only=True)
        except Exception:  # noqa: BLE001 -- any failure means "not cached"
            continue
    return None


_WEIGHT_FILES = ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"]


def _how_to_get(spec: str) -> str:
    return (f"On a machine with internet run `clipnb fetch-model {spec}`; to carry it here, `clipnb pack-models DIR "
            f"{spec}` there and `clipnb unpack-models DIR` here. Or use the offline model: "
            "clipnb.load_model('bundled') / CLIPNB_MODEL=bundled")


def _resolve_pretrained(name: str, tag: str) -> tuple[str, dict]:
    """(weights file, pretrained cfg) for NAME:TAG, from the cache or downloaded; fails fast offline."""
    import open_clip

    if name not in open_clip.list_models():
        close = difflib.get_close_matches(name, [*BUNDLED_MODELS, *open_clip.list_models()], n=5, cutoff=0.5)
        raise UnknownModelError(f"unknown model name {name!r}. Closest model names: {close or 'none'}; "
                                "all of them: open_clip.list_models()")
    cfg = open_clip.get_pretrained_cfg(name, tag)
    if not cfg:
        tags = open_clip.list_pretrained_tags_by_model(name)
        close = difflib.get_close_matches(tag, tags, n=5, cutoff=0.3)
        raise UnknownModelError(f"{name!r} has no pretrained tag {tag!r}. Did you mean: "
                                f"{', '.join(f'{name}:{t}' for t in (close or tags))}?")
    hf_hub = cfg.get("hf_hub", "")
    if hf_hub:
        repo_id, filename = os.path.split(hf_hub.rstrip("/")) if not hf_hub.endswith("/") else (hf_hub.rstrip("/"), "")
        names = [filename] if filename else _WEIGHT_FILES
        cached = _cached_hf_file(repo_id, names)
        if cached:
            return cached, cfg
    elif cfg.get("url"):
        cached_path = Path(os.path.expanduser("~/.cache/clip")) / os.path.basename(cfg["url"])
        if cached_path.exists():
            return str(cached_path), cfg
    if not hub_reachable():
        raise ModelNotAvailableError(f"the weights of {name}:{tag} are not cached here and the hub cannot be "
                                     f"reached (offline?). {_how_to_get(f'{name}:{tag}')}")
    return open_clip.download_pretrained(cfg, cache_dir=hf_cache_dir() if hf_hub else None), cfg


def _resolve_hf_hub(repo_id: str) -> str:
    """A local folder holding the repo's open_clip config and weights (a local-dir)."""
    config = _cached_hf_file(repo_id, ["open_clip_config.json"])
    weights = _cached_hf_file(repo_id, _WEIGHT_FILES)
    if not (config and weights):
        if not hub_reachable():
            raise ModelNotAvailableError(f"hf-hub:{repo_id} is not cached here and the hub cannot be reached. "
                                         + _how_to_get(f"hf-hub:{repo_id}"))
        from huggingface_hub import hf_hub_download

        from open_clip.pretrained import download_pretrained_from_hf

        config = hf_hub_download(repo_id, "open_clip_config.json", cache_dir=hf_cache_dir())
        weights = download_pretrained_from_hf(repo_id, cache_dir=hf_cache_dir())
    if Path(config).parent != Path(weights).parent:
        raise ModelNotAvailableError(f"hf-hub:{repo_id}: config and weights are in different snapshots; "
                                     "delete the repo from the Hugging Face cache and load it again")
    return str(Path(config).parent)


def _text_here(folder: Path) -> dict:
    """open_clip keyword arguments that point a Hugging Face text tower at the folder it is installed in.

    A model folder that carries its text tower's ``config.json`` (and tokenizer files, where open_clip's
    ``get_tokenizer("local-dir:…")`` looks) names the tower by its hub name; loading it from the folder instead needs
    no network and never a path of the machine that built it. Other folders: no arguments."""
    text_cfg = json.loads((folder / "open_clip_config.json").read_text())["model_cfg"].get("text_cfg", {})
    if "hf_model_name" not in text_cfg or not (folder / "config.json").exists():
        return {}
    # the weights are the folder's (or a twin's random ones): never fetched as the tower's pretrained weights
    return {"text_cfg": {**text_cfg, "hf_model_name": str(folder), "hf_tokenizer_name": str(folder),
                         "hf_model_pretrained": False}}


def _create_local_dir(folder: Path, device: str, **kwargs):
    import open_clip

    model, _, preprocess = open_clip.create_model_and_transforms(f"local-dir:{folder}", device=device,
                                                                 **_text_here(folder), **kwargs)
    return model, preprocess, open_clip.get_tokenizer(f"local-dir:{folder}")


def _create_fine_tune(folder: Path, base: Path, device: str):
    from safetensors.torch import load_file

    if not (base / "open_clip_model.safetensors").exists():
        raise ModelNotAvailableError(f"{folder} is a fine-tune of {base.name}, which is missing from {base.parent}: "
                                     "keep the two folders side by side")
    model, preprocess, tokenizer = _create_local_dir(base, device)
    changed = load_file(folder / "open_clip_model.safetensors")
    unknown = set(changed) - set(model.state_dict())
    if unknown:
        raise ValueError(f"{folder} holds tensors its base {base.name} does not have: {sorted(unknown)[:3]}")
    model.load_state_dict({k: v.to(device) for k, v in changed.items()}, strict=False)
    return model, preprocess, tokenizer


def _create(spec: str, device: str):
    """Build the open_clip model, preprocess and tokenizer for a spec."""
    import open_clip

    if not isinstance(spec, str) or not spec.strip():
        raise TypeError(f"model spec must be a non-empty string like 'bundled' or 'ViT-B-32:laion2b_s34b_b79k', "
                        f"not {spec!r}")
    spec = spec.strip()
    if spec.startswith("random:"):  # the same architecture with random weights (seed 0): what no training shows
        return _create_random(spec[len("random:"):] or "bundled", 0, device)
    if spec == "bundled" or spec.startswith("bundled:"):
        folder = bundled_model_dir(spec)
        if not (folder / "open_clip_model.safetensors").exists():
            raise ModelNotAvailableError(
                f"{spec} ({folder.name}) is not in {folder.parent}. The pip-installed package leaves out "
                f"{' and '.join(sorted(WHEEL_LEAVES_OUT))} to stay small: use a clone of the repository (it is in "
                f"data/models/) or rebuild it with `make data model-{spec.split(':')[1]}`. Otherwise the checkout is "
                "incomplete -- re-clone."
                if spec in WHEEL_LEAVES_OUT else
                f"the bundled model {spec} is missing from {folder}: the repository checkout is "
                "incomplete (git lfs? partial clone?) -- re-clone, or train it with `make data model`")
        spec = f"local-dir:{folder}"
    if spec.startswith("hf-hub:"):
        spec = f"local-dir:{_resolve_hf_hub(spec[len('hf-hub:'):])}"
    if spec.startswith("local-dir:"):
        folder = Path(spec[len("local-dir:"):]).expanduser()
        for required in ["open_clip_config.json"]:
            if not (folder / required).exists():
                raise FileNotFoundError(f"{folder} is not an open_clip model folder: it has no {required} "
                                        "(a local-dir needs open_clip_config.json + open_clip_model.safetensors)")
        base = json.loads((folder / "open_clip_config.json").read_text()).get("clipnb", {}).get("base")
        if base:  # a fine-tune that ships only what it changed: its base model's weights, then its own
            return _create_fine_tune(folder, folder.parent / base, device)
        return _create_local_dir(folder, device)
    if ":" not in spec:
        tags = open_clip.list_pretrained_tags_by_model(spec) if spec in open_clip.list_models() else []
        hint = f" e.g. {spec}:{tags[0]}" if tags else " e.g. 'ViT-B-32:laion2b_s34b_b79k' or 'bundled'"
        if not tags and spec not in open_clip.list_models():
            _resolve_pretrained(spec, "")  # raises UnknownModelError with close names
        raise UnknownModelError(f"{spec!r} names an architecture but no weights: say NAME:TAG or NAME:/path/file,{hint}")
    name, weights = spec.split(":", 1)
    extra = {}
    if weights.endswith((".safetensors", ".bin", ".pt", ".pth")) or "/" in weights or os.sep in weights:
        if name not in open_clip.list_models():
            _resolve_pretrained(name, "")
        path = Path(weights).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"weights file {path} not found (from model spec {spec!r})")
        checkpoint = str(path)
    else:
        checkpoint, cfg = _resolve_pretrained(name, weights)
        extra = {"force_quick_gelu": bool(cfg.get("quick_gelu", False)),
                 **{f"image_{k}": cfg[k] for k in ("mean", "std", "interpolation", "resize_mode") if k in cfg}}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*QuickGELU mismatch.*")
        model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=checkpoint, device=device, **extra)
    return model, preprocess, open_clip.get_tokenizer(name)


def load_model(spec: str | None = None, device: str | None = None, batch_size: int = 64) -> ClipModel:
    """Load a CLIP model by spec (see the module doc); ``None`` means :func:`default_model_spec`.

    The model is in eval mode with gradients off; MobileCLIP's re-parameterisable blocks are
    fused for inference, and on a CPU a convolutional image tower's BatchNorm layers are folded into their
    convolutions (:func:`fold_batch_norm`: the same features, faster; ``identity`` hashes the weights as
    loaded); a text tower that cannot see its padding (a Hugging Face tower, or OpenAI's causal design) encodes each
    batch on its real length; the device is cuda, then mps, then cpu unless given.
    """
    spec = default_model_spec() if spec is None else spec
    device = pick_device(device)
    return _ready(spec, *_create(spec, device), device, batch_size)


def random_model(spec: str = "bundled", seed: int = 0, device: str | None = None, batch_size: int = 64) -> ClipModel:
    """The model of :func:`random_weights_dir` (``spec``'s architecture, random weights for ``seed``), loaded; its
    name is the folder's ``local-dir:`` spec. Where this call builds the folder, the model it built is used as it
    stands instead of being read back: the same weights and features, without building the architecture a second
    time (bench/random_twins.py: 1.09× faster for a twin of the bundled model, 1.79× for ViT-B-32's). A model over
    DISK_PARAMETERS keeps only its config there, as reading its weights back would cost what building them does:
    :func:`random_weights_dir` writes them, for a folder to load."""
    device = pick_device(device)
    built = _create_random(spec, seed, device)
    return _ready(f"local-dir:{random_weights_dir(spec, seed, build=False)}", *built, device, batch_size)


def _ready(spec, model, preprocess, tokenizer, device, batch_size) -> ClipModel:
    """A built open_clip model made ready for inference, wrapped as a :class:`ClipModel`."""
    model.eval()
    if "MobileCLIP" in spec or any(hasattr(m, "reparameterize") for m in model.modules()):
        from timm.utils.model import reparameterize_model

        model = reparameterize_model(model)
    for p in model.parameters():
        p.requires_grad_(False)
    return ClipModel(spec, model, preprocess, tokenizer, device, batch_size)


def is_random(model) -> bool:
    """Whether a loaded model carries random weights (``random:SPEC``, or a random-weight twin)."""
    return str(model.name).startswith(("random:", "random weights"))


def is_bundled(model) -> bool:
    """Whether a loaded model is one of the small offline models this project trained (``bundled…``)."""
    return str(model.name) == "bundled" or str(model.name).startswith("bundled:")


def default_model_spec(verbose: bool = True) -> str:
    """``$CLIPNB_MODEL`` if set; else the talk's model when its weights are cached or the hub
    answers; else ``"bundled"`` (with a visible notice)."""
    spec = os.environ.get("CLIPNB_MODEL", "").strip()
    if spec:
        return spec
    name, tag = TALK_MODEL.split(":")
    import open_clip

    repo_id = open_clip.get_pretrained_cfg(name, tag)["hf_hub"].rstrip("/")
    if _cached_hf_file(repo_id, _WEIGHT_FILES) or hub_reachable():
        return TALK_MODEL
    if verbose:
        print(f"Offline: the talk's model ({TALK_MODEL}) is not here, so this uses the bundled model "
              f"'{BUNDLED_NAME}', whose scores are not a web CLIP's. Set CLIPNB_MODEL to choose.")
    return "bundled"


# --- the local-dir layout, and random-weight twins of an architecture --------------------------------------------

MEAN = (0.48145466, 0.4578275, 0.40821073)  # OpenAI's normalisation, open_clip's default
STD = (0.26862954, 0.26130258, 0.27577711)


def save_local_dir(model, out: Path, config: dict, name: str, extra: dict | None = None, exclude: tuple = (),
                   mean: tuple = MEAN, std: tuple = STD, weights: bool = True):
    """Write open_clip's local-dir layout: ``open_clip_config.json`` (``config`` is the model's architecture,
    ``model_cfg``; ``mean``/``std`` its image normalisation) and fp16 ``open_clip_model.safetensors`` (unless
    ``weights=False``), each replaced whole (never left half written)."""
    from safetensors.torch import save_file

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    full = {"model_cfg": config,
            "preprocess_cfg": {"mean": list(mean), "std": list(std), "interpolation": "bicubic",
                               "resize_mode": "shortest"},
            "clipnb": {"name": name, **(extra or {})}}
    if weights:
        state = {k: v.detach().half().contiguous() for k, v in model.state_dict().items()
                 if not k.startswith(tuple(exclude))}
        save_file(state, out / "open_clip_model.safetensors.tmp")
        os.replace(out / "open_clip_model.safetensors.tmp", out / "open_clip_model.safetensors")
    (out / "open_clip_config.json.tmp").write_text(json.dumps(full, indent=2) + "\n")
    os.replace(out / "open_clip_config.json.tmp", out / "open_clip_config.json")


def random_clip(config: dict, seed: int = 0):
    """An open_clip ``CLIP`` (``CustomTextCLIP`` for a Hugging Face text tower) built from an architecture dict
    (``model_cfg``) with fresh random weights (a pretrained Hugging Face tower keeps its own)."""
    import torch
    from open_clip.model import CLIP, CustomTextCLIP

    torch.manual_seed(seed)
    config = dict(config)
    # a Hugging Face text tower needs open_clip's CustomTextCLIP, as open_clip.create_model decides too
    custom = config.pop("custom_text", False) or bool(config["text_cfg"].get("hf_model_name"))
    return (CustomTextCLIP if custom else CLIP)(**config)


def architecture(spec: str) -> dict | None:
    """The open_clip architecture (``{"model_cfg": ...}``, with ``"name"`` for open_clip's own) behind a model
    spec, or None where it is not known here (``hf-hub:``)."""
    folder = _folder_of(spec)
    if folder is not None:
        config = json.loads((folder / "open_clip_config.json").read_text())
        return {"model_cfg": config["model_cfg"]}
    if ":" in spec and not spec.startswith("hf-hub:"):
        import open_clip

        name = spec.split(":", 1)[0]
        config = open_clip.get_model_config(name)
        return {"model_cfg": config, "name": name} if config else None
    return None


def _custom_architecture(config: dict) -> bool:
    return bool(config.get("custom_text") or "timm_model_name" in config.get("vision_cfg", {})
                or "hf_model_name" in config.get("text_cfg", {}))


def _register(config: dict, key: str) -> str:
    """Register an architecture with open_clip under a name of its own (its config written beside the twins)."""
    import open_clip

    from clipnb.cache import cache_dir

    name = f"clipnb-twin-{key}"
    path = cache_dir() / "untrained" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(config))
    tmp.replace(path)
    open_clip.add_model_config(path)
    return name


@contextlib.contextmanager
def _quiet_random_init():
    """open_clip warns "No pretrained weights loaded … initialized randomly" on the root logger; a random-weight
    model asked for on purpose should not print it (a learner reads it as an error)."""
    import logging

    class _Filter(logging.Filter):
        def filter(self, record):
            return "No pretrained weights loaded" not in record.getMessage()

    quiet = _Filter()
    logging.getLogger().addFilter(quiet)
    try:
        yield
    finally:
        logging.getLogger().removeFilter(quiet)


def random_weights_dir(spec: str = "bundled", seed: int = 0, build: bool = True) -> Path:
    """A local-dir with the architecture of ``spec`` and random weights (seeded), built once and kept in clipnb's
    cache; ``load_model(f"local-dir:{folder}")`` loads it the way ``spec`` loads.

    Every weight is the architecture's default initialisation: image tower, text tower (a Hugging Face one too) and
    projections. BatchNorm layers then get their running statistics from the probe images
    (:func:`clipnb.samples.probe_images`) instead of the default mean 0 / variance 1: a random EfficientNet with
    the defaults maps every image to nearly one point (mean cosine 0.99), which says nothing about its
    architecture; with statistics of real images, it is an untrained network that still tells images apart.
    ``build=False``: where the folder is, or would be, without building it."""
    return _random_weights(spec, seed)[0] if build else _random_place(spec, seed)[0]


HEAD_PREFIXES = ("visual.head.", "text.proj.")   # the bundled model's trained layers; the rest are its locked networks


def random_heads_dir(seed: int = 0) -> Path:
    """A local-dir of the bundled model with its two pretrained networks as they are and its trained heads
    (``HEAD_PREFIXES``) replaced by a random twin's (:func:`random_weights_dir`, ``seed``): what the networks bring
    before any training here. Built once into clipnb's cache, keyed to the bundled weights it came from."""
    import shutil

    from safetensors.torch import load_file, save_file

    from clipnb.cache import cache_dir

    source = bundled_model_dir("bundled")
    weights = source / "open_clip_model.safetensors"
    key = hashlib.sha256(weights.read_bytes()).hexdigest()[:12]
    folder = cache_dir() / "random-heads" / f"{key}-{seed}"
    if not (folder / "open_clip_model.safetensors").exists():
        trained = load_file(weights)
        twin = load_file(random_weights_dir("bundled", seed) / "open_clip_model.safetensors")
        mixed = {k: (twin[k].to(v.dtype) if k.startswith(HEAD_PREFIXES) else v) for k, v in trained.items()}
        building = folder.with_name(folder.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        shutil.copytree(source, building, ignore=shutil.ignore_patterns("open_clip_model.safetensors"))   # written next
        save_file(mixed, building / "open_clip_model.safetensors")
        shutil.rmtree(folder, ignore_errors=True)
        building.rename(folder)   # whole or not at all: an interrupted build leaves no half folder behind
    return folder


def has_bundled_networks(spec: str) -> bool:
    """Whether ``spec`` is the bundled model's two pretrained networks with heads of its own (``bundled``,
    ``bundled:skewed``, a copy of either in a local-dir): every tensor outside ``HEAD_PREFIXES`` equals the bundled
    model's. Such a model has a random-heads null (:func:`random_heads_dir`); any other has not."""
    folder = _folder_of(spec)
    if folder is None or not (folder / "open_clip_config.json").exists():
        return False
    layers = [folder]   # a fine-tune that ships only what it changed reads the rest from its base (load_model's rule)
    base = json.loads((folder / "open_clip_config.json").read_text()).get("clipnb", {}).get("base")
    if base:
        layers.insert(0, folder.parent / base)
    files = [f / "open_clip_model.safetensors" for f in layers]
    if not all(f.exists() for f in files):
        return False
    reference_file = bundled_model_dir("bundled") / "open_clip_model.safetensors"
    return _same_networks(tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in [reference_file, *files]))


@functools.lru_cache(maxsize=32)
def _same_networks(files: tuple) -> bool:
    """:func:`has_bundled_networks`' tensor comparison (55 MB, about a second), once per set of files as they stand:
    each is named with its size and modification time, so a file rewritten is compared afresh."""
    from safetensors import safe_open

    reference_file, *files = [name for name, _, _ in files]
    with contextlib.ExitStack() as stack:
        reference = stack.enter_context(safe_open(reference_file, "pt"))
        opened = [stack.enter_context(safe_open(f, "pt")) for f in files]
        keys = set().union(*(set(o.keys()) for o in opened))
        if keys != set(reference.keys()):
            return False
        for key in keys:
            if not key.startswith(HEAD_PREFIXES):
                mine = next(o for o in reversed(opened) if key in o.keys())
                if not mine.get_tensor(key).equal(reference.get_tensor(key)):
                    return False
    return True


def _random_place(spec: str, seed: int):
    """(folder, architecture, source folder or None) of a random-weight model, nothing built."""
    from clipnb.cache import cache_dir

    if spec.startswith("random:"):  # a random-weight model's own twins: its architecture's
        spec = spec[len("random:"):] or "bundled"
    arch = architecture(spec)
    if arch is None:
        raise ValueError(f"no random-weight model for {spec!r}: its architecture is not known here "
                         "(use a bundled model, NAME:TAG or local-dir:DIR)")
    key = hashlib.sha256(json.dumps([arch, TWIN_RECIPE], sort_keys=True).encode()).hexdigest()[:12]
    return cache_dir() / "untrained" / f"{key}-{seed}", arch, _folder_of(spec)


# random models over this size keep only their config on disk (``keep_large=False``): rebuilding one from its seed costs
# what reading it back does (its default initialisation either way, and no BatchNorm to estimate in ViTs), and 19
# twins of ViT-B-32 would fill 5.7 GB of the cache
DISK_PARAMETERS = 30_000_000


def _random_weights(spec: str, seed: int, keep_large: bool = True):
    """(folder, model): :func:`random_weights_dir`'s folder, and the open_clip model where this call built it
    (None where the folder was there already). The model's floating-point weights are rounded to the fp16 the folder
    keeps, so it is the model a load of the folder gives. ``keep_large=False``: the weights of a model over
    DISK_PARAMETERS are not written (the folder gets its config and tokenizer), so the next call builds it again."""
    import shutil

    import torch

    folder, arch, source = _random_place(spec, seed)
    key = folder.name.rsplit("-", 1)[0]
    model = None
    if not all((folder / name).exists() for name in ("open_clip_model.safetensors", "open_clip_config.json")):
        text = _text_here(source) if source else {}
        if "name" in arch or _custom_architecture(arch["model_cfg"]):  # timm image towers, Hugging Face text towers
            import open_clip

            name = arch.get("name") or _register(arch["model_cfg"], key)
            torch.manual_seed(seed)
            with _quiet_random_init():  # random weights are the point here, not a warning
                model = open_clip.create_model(name, pretrained=None, pretrained_text=False, **text)
        else:
            model = random_clip(arch["model_cfg"], seed)
        preprocess = (json.loads((source / "open_clip_config.json").read_text()).get("preprocess_cfg", {})
                      if source else {})
        mean, std = preprocess.get("mean", MEAN), preprocess.get("std", STD)
        _estimate_batch_norm(model, arch["model_cfg"]["vision_cfg"].get("image_size", 224), mean, std)
        keep = keep_large or sum(p.numel() for p in model.parameters()) <= DISK_PARAMETERS
        save_local_dir(model, folder, config=arch["model_cfg"], name=f"random weights, seed {seed}", mean=mean, std=std,
                       weights=keep)
        for name in TEXT_FILES if text else ():  # the text tower's config and tokenizer, as its source has them
            shutil.copyfile(source / name, folder / name)
        with torch.no_grad():  # the weights as the folder keeps them
            for tensor in model.state_dict().values():
                if tensor.is_floating_point():
                    tensor.copy_(tensor.half())
    return folder, model


def _create_random(spec: str, seed: int, device: str):
    """(model, preprocess, tokenizer) of :func:`random_weights_dir`'s folder: the model built in memory where this
    call builds the folder, with the preprocess and tokenizer open_clip gives a load of it; else loaded from it.
    A model over DISK_PARAMETERS is built each time, never written."""
    folder, model = _random_weights(spec, seed, keep_large=False)
    if model is None:
        return _create_local_dir(folder, device)
    from dataclasses import asdict

    import open_clip
    from open_clip.factory import merge_preprocess_dict
    from open_clip.model import set_model_preprocess_cfg
    from open_clip.transform import PreprocessCfg, image_transform_v2

    # open_clip's own order for a local-dir: its defaults, the folder's preprocess_cfg, then the tower's image size
    saved = json.loads((folder / "open_clip_config.json").read_text()).get("preprocess_cfg", {})
    preprocess_cfg = merge_preprocess_dict(asdict(PreprocessCfg()), saved)
    if hasattr(model.visual, "image_size"):
        preprocess_cfg["size"] = model.visual.image_size
    set_model_preprocess_cfg(model, preprocess_cfg)
    preprocess = image_transform_v2(PreprocessCfg(**model.visual.preprocess_cfg), is_train=False)
    return model.to(device), preprocess, open_clip.get_tokenizer(f"local-dir:{folder}")


TWIN_RECIPE = "default init; BatchNorm statistics from the probe images"  # in the twins' cache key
# a Hugging Face text tower's config and tokenizer, beside the weights in a model folder (the bundled model's build writes them)
TEXT_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def _folder_of(spec: str) -> Path | None:
    if spec in BUNDLED_MODELS:
        return bundled_model_dir(spec)
    if spec.startswith("local-dir:"):
        return Path(spec.removeprefix("local-dir:")).expanduser()
    return None


def _estimate_batch_norm(model, size, mean, std):
    """Running statistics of every BatchNorm layer of the image tower, from the probe images (a cumulative
    average over one pass); nothing else changes. A tower without BatchNorm is left as it is."""
    import torch

    norms = [m for m in model.visual.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    from clipnb.images import load_image
    from clipnb.samples import probe_images

    size = size if isinstance(size, int) else size[0]
    pixels = torch.stack([torch.from_numpy(np.array(load_image(p).resize((size, size)))) for p in probe_images()])
    pixels = pixels.permute(0, 3, 1, 2).float() / 255
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average
    model.visual.train()
    with torch.no_grad():
        model.visual((pixels - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1))
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum  # as a load of the saved model has it
    model.eval()
