"""Zero-shot classification: compare images with candidate labels, by raw cosine and by softmax.

CLIP has no classifier head: a "class" is just a text. Classification is a similarity table
``image_features @ text_features.T`` read row by row; probabilities come from a softmax at the
model's ``logit_scale`` (its inverse temperature).
"""
from __future__ import annotations

import numpy as np

# A few of the prompt templates open_clip ships for ImageNet (open_clip.zero_shot_metadata).
DEFAULT_TEMPLATES = ("a photo of a {}.", "a drawing of a {}.", "a picture of a {}.", "art of the {}.",
                     "a cartoon {}.", "a sketch of a {}.", "a close-up photo of a {}.", "a rendering of a {}.")


def _labels(labels) -> list[str]:
    if isinstance(labels, str) or not isinstance(labels, (list, tuple)) or not labels:
        raise TypeError("labels must be a non-empty list of strings, e.g. ['a dog', 'a cat']")
    if len(set(labels)) != len(labels):
        raise ValueError(f"labels contain duplicates: {[x for x in labels if labels.count(x) > 1]}; give each once")
    return list(labels)


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    z = logits - logits.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def image_features_of(model, images) -> np.ndarray:
    """(N, D) features from paths / PIL images, or passed through if already an array."""
    if isinstance(images, np.ndarray):
        return images.astype(np.float32)
    if hasattr(images, "detach"):
        return images.detach().cpu().numpy().astype(np.float32)
    return model.encode_image(images).numpy()


def label_features(model, labels, templates=None) -> np.ndarray:
    """One unit vector per label; with templates, the normalised mean over the filled-in prompts."""
    labels = _labels(labels)
    if not templates:
        return model.encode_text(labels).numpy()
    if isinstance(templates, str) or any("{}" not in t for t in templates):
        raise ValueError("templates must be a list of strings each containing '{}', e.g. ['a photo of a {}.']")
    vectors = np.stack([model.encode_text([t.format(label) for t in templates]).numpy().mean(0) for label in labels])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def similarity_table(model, images, labels, names=None, templates=None):
    """DataFrame (images × labels) of raw cosine similarities."""
    import pandas as pd

    labels = _labels(labels)
    sims = image_features_of(model, images) @ label_features(model, labels, templates).T
    index = names if names is not None else [_name(i) for i in images] if isinstance(images, (list, tuple)) \
        else list(range(len(sims)))
    return pd.DataFrame(sims, index=index, columns=labels)


def classify(model, images, labels, names=None, templates=None, logit_scale=None):
    """Zero-shot predictions, one row per image: the best label, its cosine, its probability,
    and the margin to the runner-up. ``logit_scale`` defaults to the model's own."""
    import pandas as pd

    sims = similarity_table(model, images, labels, names, templates)
    scale = model.logit_scale if logit_scale is None else float(logit_scale)
    probs = softmax(scale * sims.to_numpy())
    order = np.argsort(-sims.to_numpy(), axis=1)
    rows = np.arange(len(sims))
    return pd.DataFrame({
        "label": np.array(sims.columns)[order[:, 0]],
        "cosine": sims.to_numpy()[rows, order[:, 0]],
        "probability": probs[rows, order[:, 0]],
        "runner_up": np.array(sims.columns)[order[:, 1]] if sims.shape[1] > 1 else "",
        "margin": (sims.to_numpy()[rows, order[:, 0]] - sims.to_numpy()[rows, order[:, 1]]) if sims.shape[1] > 1 else np.nan,
    }, index=sims.index)


def probabilities(model, images, labels, names=None, templates=None, logit_scale=None):
    """DataFrame (images × labels) of softmax probabilities at ``logit_scale`` (default: the model's)."""
    import pandas as pd

    sims = similarity_table(model, images, labels, names, templates)
    scale = model.logit_scale if logit_scale is None else float(logit_scale)
    return pd.DataFrame(softmax(scale * sims.to_numpy()), index=sims.index, columns=sims.columns)


def _name(image) -> str:
    from pathlib import Path

    return Path(image).stem if isinstance(image, (str, Path)) else type(image).__name__
