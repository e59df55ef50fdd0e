"""Teach the bundled model's text tower English: distil a pretrained sentence encoder into it.

The student is open_clip's own small text transformer (the bundled architecture's, so the shipped
model needs open_clip alone); the teacher is all-MiniLM-L6-v2 (``clipnb_train.english``).  On an English
phrase set (WordNet lemmas and definitions, the image data's captions, prompt templates) the student
learns to reproduce the teacher's sentence geometry:

* a direct term: its output's cosine to the teacher's embedding projected onto the teacher's top
  ``embed_dim`` singular directions (a fixed linear map, so cosines carry over), and
* a relational term: the squared difference between the student's and the teacher's cosine
  matrices within each batch (the geometry itself).

Held-out phrases (1 in 20, by a hash of the text) measure the result as the Spearman correlation
between the student's and the teacher's cosines on phrase pairs (:func:`text_agreement`).
"""
from __future__ import annotations

import hashlib
import math
import random
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from clipnb.cache import build_dir
from clipnb_train.english import article, heldout, wordnet_phrases

# the prompt templates learners and the notebooks wrap words in
PROMPTS = ["{}", "a photo of {}", "a drawing of {}", "a picture of {}", "an icon of {}", "an emoji of {}",
           "an image of {}", "clip art of {}"]
TEXT_PREFIXES = ("token_embedding", "positional_embedding", "transformer", "ln_final", "text_projection")


def phrase_set(caption_lists, seed: int = 0, lemmas: int = 40000, definitions: int = 15000,
               prompted: int = 12000) -> list[str]:
    """The distillation phrases: WordNet (frequent lemmas first), definitions, prompted nouns, captions.

    caption_lists : iterable of caption lists (the image data's captions, every alternative).
    """
    from clipnb_train.english import WORDNET_DIR

    rng = random.Random(seed)
    all_lemmas, all_definitions = wordnet_phrases()
    counted = set()
    with open(WORDNET_DIR / "cntlist.rev", encoding="latin-1") as f:  # lemmas seen in the tagged corpus
        for line in f:
            counted.add(line.split("%")[0].replace("_", " "))
    frequent = [w for w in all_lemmas if w in counted]
    rest = [w for w in all_lemmas if w not in counted]
    rng.shuffle(rest)
    chosen_lemmas = (frequent + rest)[:lemmas]
    chosen_definitions = rng.sample(all_definitions, min(definitions, len(all_definitions)))
    nouns = [w for w in chosen_lemmas if w.islower() and len(w.split()) <= 2]
    prompted_phrases = [rng.choice(PROMPTS).format(article(w)) for w in rng.sample(nouns, min(prompted, len(nouns)))]
    captions = [c for captions in caption_lists for c in captions]
    captions += [rng.choice(PROMPTS).format(c) for c in captions if rng.random() < 0.3]
    return list(dict.fromkeys([*chosen_lemmas, *chosen_definitions, *prompted_phrases, *captions]))


def teacher_embeddings(phrases: list[str], cache: Path | None = None, progress: bool = True) -> np.ndarray:
    """The teacher's (N, 384) embeddings of the phrases, cached (safetensors) under their list's hash."""
    from safetensors.numpy import load_file, save_file

    key = hashlib.sha256("\n".join(phrases).encode()).hexdigest()[:16]
    cache = cache or build_dir("english") / f"teacher-{key}.safetensors"
    if cache.exists():
        return load_file(cache)["embeddings"].astype(np.float32)
    from clipnb_train.english import Teacher

    embeddings = Teacher().encode(phrases, progress=progress)
    cache.parent.mkdir(parents=True, exist_ok=True)
    (cache.with_suffix(".txt")).write_text("\n".join(phrases))  # first: the embeddings mark the cache complete
    save_file({"embeddings": embeddings.astype(np.float16)}, str(cache) + ".tmp")
    Path(str(cache) + ".tmp").replace(cache)
    return embeddings


def projection(embeddings: np.ndarray, dim: int) -> np.ndarray:
    """(384, dim): the top right singular vectors of the (uncentred) embeddings; cosines survive it."""
    _, _, vt = np.linalg.svd(embeddings[: 50000].astype(np.float64), full_matrices=False)
    return vt[:dim].T.astype(np.float32)


def encode_trimmed(model, tokens: torch.Tensor) -> torch.Tensor:
    """open_clip's ``CLIP.encode_text`` on tokens cut after the batch's longest text.

    Exact, not approximate: the text transformer's attention is causal and pools at the end-of-text
    token, so the padding after it never reaches the output; short phrases cost a fraction.
    """
    from open_clip.transformer import text_global_pool

    length = int((tokens != 0).sum(1).max())
    tokens = tokens[:, :length]
    x = model.token_embedding(tokens) + model.positional_embedding[:length]
    x = model.transformer(x, attn_mask=model.attn_mask[:length, :length])
    x = text_global_pool(model.ln_final(x), tokens, model.text_pool_type,
                         eos_token_id=getattr(model, "text_eos_id", None))
    return x @ model.text_projection


def encode_texts(model, tokenizer, texts, batch_size: int = 512) -> torch.Tensor:
    """(N, D) L2-normalised text features, in batches of similar length."""
    tokens = tokenizer(texts)
    order = torch.argsort((tokens != 0).sum(1))
    out = torch.empty(len(texts), model.text_projection.shape[1])
    for i in range(0, len(texts), batch_size):
        index = order[i:i + batch_size]
        out[index] = F.normalize(encode_trimmed(model, tokens[index]), dim=-1)
    return out


def length_batches(lengths: torch.Tensor, batch_size: int, generator) -> list[torch.Tensor]:
    """Batches of phrases of similar token length (cheap to encode), in random order."""
    jitter = torch.rand(len(lengths), generator=generator)  # random order within a length
    order = torch.argsort(lengths.float() + jitter)
    if len(order) < batch_size:
        raise ValueError(f"{len(order)} phrases are fewer than one batch of {batch_size}")
    batches = [order[i:i + batch_size] for i in range(0, len(order) - batch_size + 1, batch_size)]
    return [batches[i] for i in torch.randperm(len(batches), generator=generator)]


def distill(model, phrases: list[str], targets: np.ndarray, steps: int = 6000, batch_size: int = 256,
            lr: float = 1e-3, relational_weight: float = 10.0, seed: int = 0, progress: bool = True,
            on_log=None) -> list[dict]:
    """Train the text tower of an open_clip CLIP (in place) towards the teacher; returns a loss log.

    phrases, targets : training phrases and their teacher embeddings (N, 384), L2-normalised.
    Only the text tower's parameters change.
    """
    from tqdm.auto import tqdm

    loss_terms = Regulariser(model, phrases, targets, batch_size, seed, relational_weight)
    parameters = [p for n, p in model.named_parameters() if n.startswith(TEXT_PREFIXES)]
    optimizer = torch.optim.AdamW(parameters, lr=lr, weight_decay=0.01, betas=(0.9, 0.98), eps=1e-6)
    model.train()
    warmup = min(200, max(1, steps // 10))
    log, bar = [], tqdm(range(steps), desc="distil text", disable=not progress)
    for step in bar:
        for group in optimizer.param_groups:  # warm-up then cosine decay
            group["lr"] = lr * min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * step / steps))
        direct, relational = loss_terms.terms(model)
        loss = direct + relational_weight * relational
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % 100 == 0 or step == steps - 1:
            entry = {"step": step, "direct": direct.item(), "relational": relational.item()}
            log.append(entry)
            bar.set_postfix(direct=f"{entry['direct']:.3f}", relational=f"{entry['relational']:.4f}")
            if on_log:
                on_log(entry)
    model.eval()
    return log


def agreement_pairs(embeddings: np.ndarray, n: int = 1000, seed: int = 0) -> np.ndarray:
    """(2n, 2) index pairs over held-out phrases: n random pairs and n nearest-neighbour pairs
    (each phrase with its nearest other held-out phrase by the teacher), so the pairs span
    unrelated to near-synonyms."""
    rng = np.random.default_rng(seed)
    first = rng.choice(len(embeddings), size=n, replace=False)
    random_partner = (first + rng.integers(1, len(embeddings), size=n)) % len(embeddings)
    similarity = embeddings[first] @ embeddings.T
    similarity[np.arange(n), first] = -np.inf
    nearest = similarity.argmax(1)
    return np.concatenate([np.stack([first, random_partner], 1), np.stack([first, nearest], 1)])


@torch.no_grad()
def text_agreement(model, phrases: list[str], teacher: np.ndarray, pairs: np.ndarray) -> dict:
    """Spearman ρ between the model's and the teacher's cosines over the pairs (all; random half)."""
    from scipy.stats import spearmanr

    from clipnb_train.architectures import tokenizer_for_bundled

    model.eval()
    used = np.unique(pairs)
    student = np.zeros((len(phrases), model.text_projection.shape[1]), np.float32)
    student[used] = encode_texts(model, tokenizer_for_bundled(), [phrases[i] for i in used]).numpy()
    student_cos = (student[pairs[:, 0]] * student[pairs[:, 1]]).sum(1)
    teacher_cos = (teacher[pairs[:, 0]] * teacher[pairs[:, 1]]).sum(1)
    half = len(pairs) // 2
    return {"spearman_all_pairs": float(spearmanr(student_cos, teacher_cos).statistic),
            "spearman_random_pairs": float(spearmanr(student_cos[:half], teacher_cos[:half]).statistic),
            "pairs": int(len(pairs))}


def heldout_agreement(model, phrases: list[str], teacher: np.ndarray, seed: int = 0) -> dict:
    """:func:`text_agreement` on the held-out phrases' :func:`agreement_pairs`, with their count."""
    _, heldout = split(phrases)
    pairs = agreement_pairs(teacher[heldout], seed=seed)
    return {"heldout_phrases": len(heldout),
            **text_agreement(model, [phrases[i] for i in heldout], teacher[heldout], pairs)}


def split(phrases: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and held-out phrases."""
    mask = np.array([heldout(p) for p in phrases])
    return np.flatnonzero(~mask), np.flatnonzero(mask)


class Regulariser:
    """The distillation loss on a batch of phrases: what :func:`distill` minimises, and what is added to
    the contrastive loss while the text tower trains with the images, so that it keeps the teacher's
    English geometry (``text="english-joint"``)."""

    def __init__(self, model, phrases: list[str], targets: np.ndarray, batch_size: int = 128, seed: int = 0,
                 relational_weight: float = 10.0):
        from clipnb_train.architectures import tokenizer_for_bundled

        self.tokens = tokenizer_for_bundled()(phrases)
        self.lengths = (self.tokens != 0).sum(1)
        self.teacher = torch.from_numpy(targets)
        embed_dim = model.text_projection.shape[1]
        self.projected = F.normalize(self.teacher @ torch.from_numpy(projection(targets, embed_dim)), dim=-1)
        self.batch_size, self.relational_weight = batch_size, relational_weight
        self.generator = torch.Generator().manual_seed(seed)
        self.batches: list = []

    def terms(self, model) -> tuple[torch.Tensor, torch.Tensor]:
        """(direct, relational) on the next batch of phrases of one token length."""
        if not self.batches:
            self.batches = length_batches(self.lengths, self.batch_size, self.generator)
        index = self.batches.pop()
        student = F.normalize(encode_trimmed(model, self.tokens[index]), dim=-1)
        direct = (1 - (student * self.projected[index]).sum(1)).mean()
        teacher = self.teacher[index]
        return direct, F.mse_loss(student @ student.T, teacher @ teacher.T)

    def __call__(self, model) -> torch.Tensor:
        direct, relational = self.terms(model)
        return direct + self.relational_weight * relational
