"""An image corpus: a folder of images, its embeddings (cached on disk) and search over them.

The cache uses clip-retrieval's layout, so other tools can read it::

    <cache>/corpora/<folder>-<hash>-<model identity>/
        img_emb/img_emb_0.npy          float32 (N, D), L2-normalised
        metadata/metadata_0.parquet    image_path, caption, size, mtime_ns, sha256
        info.json                      model, embed_dim, count, sha256 of the .npy

It is written atomically (a new folder renamed into place). A cache that is
truncated, corrupted or made by another model is detected and rebuilt.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from clipnb.cache import corpora_dir, file_sha256, index_dir
from clipnb.errors import CacheError, EmptyCorpusError

CACHE_FORMAT = 1
CAPTIONS_FILE = "captions.csv"


def scan_folder(folder: Path):
    """Image files under folder (recursive, hidden folders skipped), sorted, with size and mtime."""
    import pandas as pd

    from clipnb.images import IMAGE_SUFFIXES

    paths, sizes, mtimes = [], [], []

    def walk(directory: str, prefix: str):  # os.scandir and plain strings: reopening is mostly this
        with os.scandir(directory) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    walk(entry.path, f"{prefix}{entry.name}/")
                elif os.path.splitext(entry.name)[1].lower() in IMAGE_SUFFIXES and entry.is_file():
                    st = entry.stat()
                    paths.append(prefix + entry.name)
                    sizes.append(st.st_size)
                    mtimes.append(st.st_mtime_ns)

    walk(str(folder), "")
    return pd.DataFrame({"image_path": paths, "size": np.array(sizes, np.int64), "mtime_ns": np.array(mtimes, np.int64)})


def read_captions(folder: Path) -> dict[str, str]:
    """Optional ``captions.csv`` (columns image_path, caption) beside the images."""
    import pandas as pd

    path = folder / CAPTIONS_FILE
    if not path.exists():
        return {}
    table = pd.read_csv(path)
    if not {"image_path", "caption"} <= set(table.columns):
        raise ValueError(f"{path} needs the columns image_path and caption, it has {list(table.columns)}")
    return dict(zip(table["image_path"], table["caption"].fillna("")))


class ImageCorpus:
    """Images with their embeddings.

    image_features : ndarray, shape (N, D), float32, L2-normalised; row i belongs to ``table.iloc[i]``
        (clip-retrieval shards stay memory-mapped: a float32 memmap, or ``interop.ShardedEmbeddings``).
    table : DataFrame with at least ``path`` (absolute) and ``caption`` ('' when unknown).
    """

    def __init__(self, model, image_features, table, name="corpus", cache_path=None, ann=None):
        self.model = model
        from clipnb.interop import ShardedEmbeddings

        lazy = isinstance(image_features, ShardedEmbeddings) or (
            isinstance(image_features, np.memmap) and image_features.dtype == np.float32)
        self.image_features = image_features if lazy else np.ascontiguousarray(image_features, dtype=np.float32)
        self.ann = ann  # None: exact, or an index built before for these embeddings; True: build one; False: exact
        self._index = None
        self._row_by_path = None  # path -> row, built on the first image query
        self.table = table.reset_index(drop=True)
        self.folder = None  # set by from_folder
        self.name = name
        self.cache_path = cache_path
        if len(self.image_features) != len(self.table):
            raise ValueError(f"{len(self.image_features)} embeddings for {len(self.table)} images")

    def __len__(self):
        return len(self.table)

    def __repr__(self):
        return f"ImageCorpus({self.name!r}, {len(self)} images, model={self.model.name!r})"

    @property
    def paths(self) -> list[str]:
        return list(self.table["path"])

    # -- building -----------------------------------------------------------------------------

    @classmethod
    def from_folder(cls, folder, model, cache=None, progress=True) -> "ImageCorpus":
        """Encode every image under ``folder`` (recursively), reusing the on-disk cache.

        Only added or changed files are encoded; removed files are dropped. Unreadable images
        are reported by name and left out. ``cache``: the cache root (default
        ``$CLIPNB_CACHE/corpora``).
        """
        folder = Path(folder).expanduser().resolve()
        if not folder.exists():
            raise FileNotFoundError(f"image folder not found: {folder}")
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder} is a file, not a folder of images")
        files = scan_folder(folder)
        if files.empty:
            raise EmptyCorpusError(f"no images in {folder} (looked for {', '.join(sorted(_suffixes()))}, "
                                   "recursively): put some images there or pick another folder")
        root = Path(cache).expanduser() if cache else corpora_dir()
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", folder.name)[:40] or "root"
        key = f"{slug}-{hashlib.sha1(str(folder).encode()).hexdigest()[:8]}-{model.identity}"
        path = root / key
        _check_writable(root)
        cached_features, cached_meta = _read_cache(path, model)

        reuse_index = np.full(len(files), -1)
        if cached_meta is not None:
            by_key = {(p, s, m): i for i, (p, s, m) in enumerate(zip(
                cached_meta["image_path"].tolist(), cached_meta["size"].tolist(), cached_meta["mtime_ns"].tolist()))}
            reuse_index = np.array([by_key.get(key, -1) for key in zip(
                files["image_path"].tolist(), files["size"].tolist(), files["mtime_ns"].tolist())], dtype=np.int64)
        hashes = list(cached_meta["sha256"].iloc[reuse_index].where(reuse_index >= 0, "")) \
            if cached_meta is not None else [""] * len(files)
        by_hash = dict(zip(cached_meta["sha256"], range(len(cached_meta)))) if cached_meta is not None else {}
        for i in np.flatnonzero(reuse_index < 0):  # new or changed: the content decides
            hashes[i] = file_sha256(folder / files["image_path"].iloc[i])
            reuse_index[i] = by_hash.get(hashes[i], -1)
        files["sha256"] = hashes

        features = np.zeros((len(files), model.embed_dim), np.float32)
        keep = np.ones(len(files), bool)
        if cached_features is not None and (reuse_index >= 0).any():
            features[reuse_index >= 0] = cached_features[reuse_index[reuse_index >= 0]]
        todo = np.flatnonzero(reuse_index < 0)
        if len(todo):
            encoded, failures = model.encode_image_files([folder / files["image_path"].iloc[i] for i in todo],
                                                         progress=progress)
            ok = np.array([j not in failures for j in range(len(todo))], bool)
            features[todo[ok]] = encoded.numpy()
            keep[todo[~ok]] = False
            if failures:
                names = "\n  ".join(failures.values())
                warnings.warn(f"{len(failures)} unreadable image(s) left out of the corpus:\n  {names}", stacklevel=2)
        files = files[keep].reset_index(drop=True)
        features = features[keep]
        if not len(files):
            raise EmptyCorpusError(f"none of the images in {folder} could be read")
        captions = read_captions(folder)
        files["caption"] = [captions.get(p, "") for p in files["image_path"].tolist()]
        changed = cached_meta is None or len(todo) > 0 or len(files) != len(cached_meta) \
            or list(files["image_path"]) != list(cached_meta["image_path"]) \
            or list(files["caption"]) != list(cached_meta["caption"]) \
            or list(files["size"]) != list(cached_meta["size"]) \
            or list(files["mtime_ns"]) != list(cached_meta["mtime_ns"])  # touched: record the new mtime
        if changed:
            _write_cache(path, model, features, files, folder)
        root = str(folder)
        table = files.assign(path=[os.path.join(root, p) for p in files["image_path"].tolist()])
        corpus = cls(model, features, table[["path", "caption", "image_path", "size", "mtime_ns", "sha256"]],
                     name=folder.name, cache_path=path)
        from clipnb.models import remember_images

        remember_images(model, table["path"].tolist(), table["size"].tolist(),  # the folder is resolved already
                        table["mtime_ns"].tolist(), corpus.image_features)
        corpus.folder = folder  # the images, for embedding them again with another model (clipnb.nulls)
        return corpus

    @classmethod
    def from_clip_retrieval(cls, folder, model, ann=None, images_root=None) -> "ImageCorpus":
        """Embeddings made elsewhere, in clip-retrieval's layout (memory-mapped when float32).

        images_root : the folder clip-retrieval ran in, which its relative image paths start from.
        Thumbnails come from the URLs when the browser is online, captions otherwise.
        """
        from clipnb.interop import read_clip_retrieval

        features, table, _ = read_clip_retrieval(folder, model, images_root)
        return cls(model, features, table, name=Path(folder).name, cache_path=Path(folder).expanduser(), ann=ann)

    def export(self, folder):
        """Write this corpus in clip-retrieval's layout (with an info.json naming the model)."""
        from clipnb.interop import write_clip_retrieval

        return write_clip_retrieval(self, folder)

    # -- searching ------------------------------------------------------------------------------

    def uses_index(self) -> bool:
        """Whether searches go through the HNSW index: asked for (``ann=True``), or built before for these
        embeddings (``ann=None``, looked up once); ``ann=False`` is always exact."""
        if self.ann is False:
            return False
        if self.ann is None and self._index is None:
            from clipnb import ann

            if len(self) < ann.INDEX_MIN_IMAGES:  # exact search is instant here: no index is worth looking up
                self._index = False
                return False

            key = ann.fingerprint(self.image_features, self.model.identity)
            index, report = ann.cached_index(self.image_features, index_dir(), key)
            self._index = index if index is not None else False
            if report is not None:
                self.index_report = report
        return self.index() is not None

    def build_index(self, progress: bool = True):
        """Build (or load) the HNSW index now and search through it from here on; returns it or None."""
        self.ann = True
        if self._index is False:
            self._index = None
        return self.index(progress)

    def index(self, progress: bool = True):
        """The FAISS HNSW index over the embeddings, or None where its recall@10 stays under 0.95 at
        every efSearch tried (search is then exact). Kept in clipnb's cache, keyed to a fingerprint of
        these embeddings and the model; ``self.index_report`` says how it was tuned. Builds it only when
        the corpus was asked to (``ann=True`` or :meth:`build_index`)."""
        from clipnb import ann

        if self._index is None and self.ann:
            key = ann.fingerprint(self.image_features, self.model.identity)
            try:
                index, self.index_report = ann.tuned_index(self.image_features, index_dir(), key,
                                                           progress=progress and len(self) >= 50_000)
            except OSError as e:
                warnings.warn(f"could not keep the ANN index in {index_dir()} ({e}); it stays in memory",
                              stacklevel=2)
                index, self.index_report = ann.build_index(self.image_features), {"use_index": True}
            if index is None:
                warnings.warn(f"the HNSW index reaches recall@10 {max(self.index_report['recall_at_10'].values()):.2f} "
                              f"at best on this corpus (under {ann.TARGET_RECALL}): search stays exact", stacklevel=2)
            self._index = index if index is not None else False
        return self._index or None

    def query_vector(self, query) -> np.ndarray:
        """The unit vector of a query: text, image path, PIL image, or an embedding (D,)."""
        from clipnb.query import query_vector

        return query_vector(self.model, query)

    def scores(self, query) -> np.ndarray:
        """Cosine similarity of every image to the query: shape (N,)."""
        return self.image_features @ self.query_vector(query)

    def search(self, query, k: int = 9, exclude_query_images: bool = True):
        """The k images closest to the query, best first: DataFrame(rank, path, score, caption).

        An image of the corpus used as a query term would come back as its own #1 at 1.0000; it is
        left out (``exclude_query_images=False`` keeps it) and named in ``results.attrs["left_out"]``.
        """
        import pandas as pd

        from clipnb.query import to_query

        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be a positive whole number, not {k!r}")
        query = to_query(query)  # parsed once, here; every step below reuses it
        left_out = self._query_image_rows(query) if exclude_query_images else []
        if self.uses_index():
            from clipnb import ann

            top, top_scores = ann.search(self.index(), self.query_vector(query), k + len(left_out))
        else:
            started = time.perf_counter()
            scores = self.scores(query)
            top = top_k(scores, k + len(left_out))
            top_scores = scores[top]
            self._notice_slow_exact(time.perf_counter() - started)
        keep = ~np.isin(top, left_out)
        top, top_scores = top[keep][:k], top_scores[keep][:k]
        rows = self.table.iloc[top]  # only the k rows: a million-row path column is never converted whole
        results = pd.DataFrame({"rank": np.arange(1, len(top) + 1), "path": rows["path"].to_numpy(dtype=object),
                                "score": top_scores, "caption": rows["caption"].to_numpy(dtype=object)})
        results.attrs["left_out"] = [self.paths[i] for i in left_out]
        return results

    def captions_of(self, paths) -> list[str]:
        """The caption of each path of this corpus ('' for a path it does not hold)."""
        rows, captions = self._rows(), self.table["caption"]
        return [str(captions.iloc[rows[os.path.abspath(p)]]) if os.path.abspath(p) in rows else "" for p in paths]

    def _notice_slow_exact(self, seconds: float):
        from clipnb.ann import EXACT_NOTICE_SECONDS

        if seconds > EXACT_NOTICE_SECONDS and self.ann is None and not getattr(self, "_noticed", False):
            self._noticed = True
            warnings.warn(f"an exact search over {len(self):,} images took {seconds:.1f} s. corpus.build_index() "
                          "builds an HNSW index once (minutes at a million images, with a progress bar), after which "
                          "a search takes about a millisecond; it is kept and reused.", stacklevel=3)

    def _query_image_rows(self, query) -> list[int]:
        """Rows of this corpus that are image terms of the query (a parsed Query; matched by resolved path)."""
        wanted = [os.path.abspath(Path(t.value).expanduser()) for t in query.terms
                  if t.kind == "image" and isinstance(t.value, (str, os.PathLike))]
        if not wanted:
            return []
        rows = self._rows()
        return sorted({rows[w] for w in wanted if w in rows})

    def row_of(self, path) -> int:
        """The row of an image of this corpus, by its path (the index is built once per corpus)."""
        return self._rows()[os.path.abspath(path)]

    def _rows(self) -> dict[str, int]:
        """Absolute path -> row, built once per corpus (not per slider move)."""
        if self._row_by_path is None:
            self._row_by_path = {os.path.abspath(p): i for i, p in enumerate(self.paths)}
        return self._row_by_path

    def show(self, results, title: str | None = None, columns: int = 6):
        """An HTML grid of the results' thumbnails with scores, labelled with the model's name."""
        from clipnb.display import image_grid

        return image_grid(results, model_name=self.model.name, title=title, columns=columns)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, largest first (ties by index)."""
    k = min(k, len(scores))
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


def _suffixes():
    from clipnb.images import IMAGE_SUFFIXES

    return IMAGE_SUFFIXES


def _check_writable(root: Path):
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".probe-"):
            pass
    except OSError as e:
        raise CacheError(f"cannot write the embedding cache in {root} ({e.strerror or e}): set CLIPNB_CACHE "
                         "(or pass cache=...) to a folder you can write to") from e


def _read_cache(path: Path, model):
    """(features, metadata) from a valid cache, else (None, None) with a warning saying why."""
    info_path = path / "info.json"
    if not path.exists():
        return None, None
    try:
        from clipnb.interop import read_layout

        info = json.loads(info_path.read_text())
        if info.get("format") != CACHE_FORMAT:
            raise ValueError(f"format {info.get('format')} is not {CACHE_FORMAT}")
        if info.get("model_identity") != model.identity:
            raise ValueError(f"it was made by another model ({info.get('model_name')}, "
                             f"{info.get('model_identity')}), not {model.name} ({model.identity})")
        features, meta, info = read_layout(path)
        if features.shape != (info["count"], model.embed_dim) or len(meta) != info["count"]:
            raise ValueError(f"shapes disagree: {features.shape} embeddings, {len(meta)} rows, {info['count']} expected")
        return features.astype(np.float32), meta
    except Exception as e:  # noqa: BLE001 -- any defect means: rebuild, never use
        warnings.warn(f"ignoring the embedding cache at {path}: {e}. It will be rebuilt.", stacklevel=3)
        return None, None


def _write_cache(path: Path, model, features, files, folder):
    """Write into a fresh sibling folder, then swap it in: readers never see half a cache."""
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.tmp-"))
    try:
        from clipnb.interop import write_layout

        write_layout(tmp, model, features, files[["image_path", "caption", "size", "mtime_ns", "sha256"]],
                     format=CACHE_FORMAT, folder=str(folder))
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise CacheError(f"could not write the embedding cache {path} ({e}): set CLIPNB_CACHE to a writable folder "
                         "with free space") from e
