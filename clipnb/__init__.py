"""clipnb: a notebook suite that takes you inside CLIP embeddings.

Public API::

    model = clipnb.load_model("bundled")            # or "MobileCLIP-S2:datacompdr", ...
    text_features = model.encode_text(["a cat"])    # (N, D) float32, L2-normalised
    corpus = clipnb.sample_corpus(model)            # or ImageCorpus.from_folder(path, model)
    corpus.show(corpus.search("a cat", k=9))
"""
from clipnb.cache import cache_dir, samples_dir
from clipnb.corpus import ImageCorpus
from clipnb.errors import (CacheError, ClipnbError, EmptyCorpusError, ImageLoadError, ModelNotAvailableError,
                           UnknownModelError)
from clipnb.images import load_image
from clipnb.models import ClipModel, default_model_spec, load_model

__version__ = "0.1.0"


def sample_corpus(model, **kwargs) -> ImageCorpus:
    """The bundled sample images as a corpus (encoded once, then cached)."""
    return ImageCorpus.from_folder(samples_dir(), model, **kwargs)


_SUBMODULES = {"ann", "captions", "claims", "clusters", "compare", "datasets", "display", "doctor", "geometry", "interop", "kit", "narrate",
               "nulls", "opposition", "paths", "probes", "query", "report", "samples", "widgets", "zeroshot"}


def __getattr__(name):
    """``clipnb.datasets.fetch(...)`` works after a plain ``import clipnb``: submodules load on first use."""
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"clipnb.{name}")
    raise AttributeError(f"module 'clipnb' has no attribute {name!r}")


__all__ = ["CacheError", "ClipModel", "ClipnbError", "EmptyCorpusError", "ImageCorpus", "ImageLoadError",
           "ModelNotAvailableError", "UnknownModelError", "cache_dir", "default_model_spec", "load_image",
           "load_model", "sample_corpus", "samples_dir"]
