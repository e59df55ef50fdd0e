"""clip-retrieval's embedding layout, both ways: search what it produced, export ours to it.

clip-retrieval (inference on Spark or slurm) writes::

    img_emb/img_emb_0.npy, img_emb_1.npy, ...      (N_i, D) float16 or float32
    metadata/metadata_0.parquet, ...               url or image_path, caption, ...

It records no model name, so a corpus read from it cannot be checked against the model you
search it with -- unless an ``info.json`` from clipnb sits beside it. Otherwise clipnb warns.
"""
from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np


def _shards(folder: Path, sub: str, prefix: str, suffix: str) -> dict[int, Path]:
    """{shard number: file}; clip-retrieval zero-pads the number from 10 partitions on (img_emb_07.npy)."""
    out = {}
    for p in (folder / sub).glob(f"{prefix}_*{suffix}"):
        m = re.fullmatch(re.escape(prefix) + r"_(\d+)" + re.escape(suffix), p.name)
        if m:
            if int(m.group(1)) in out:
                raise ValueError(f"two files for shard {int(m.group(1))} in {folder / sub}: {out[int(m.group(1))].name}, {p.name}")
            out[int(m.group(1))] = p
    return dict(sorted(out.items()))


def read_clip_retrieval(folder, model, images_root=None):
    """(features (N, D) unit rows, table with path + caption, info dict or None).

    Shards are paired by their number, never by position: a missing or extra shard is an error.
    Rows follow shard numbers in numeric order (0, 1, …, 9, 10); embedding-reader and clip_back
    sort file names as text (…_1, …_10, …_2): with 10+ shards a row number means another row there.
    Paths: ``url`` wins where present (in webdataset mode ``image_path`` is only the sample key);
    relative ``image_path`` values are resolved against ``images_root`` (clip-retrieval writes them
    relative to the folder it ran in), else the folder named in clipnb's ``info.json``, else the
    current folder; a warning says how many exist.
    """
    folder = Path(folder).expanduser()
    embeddings = _shards(folder, "img_emb", "img_emb", ".npy")
    metadata = _shards(folder, "metadata", "metadata", ".parquet")
    if not embeddings or not metadata:
        raise FileNotFoundError(f"{folder} is not in clip-retrieval's layout: expected img_emb/img_emb_<n>.npy and "
                                "metadata/metadata_<n>.parquet (n = 0, 1, … or 00, 01, … from 10 partitions on)")
    if embeddings.keys() != metadata.keys():
        only_emb = sorted(embeddings.keys() - metadata.keys())
        only_meta = sorted(metadata.keys() - embeddings.keys())
        raise ValueError(f"{folder}: shards do not pair up by number: {folder / 'img_emb'} has no metadata for "
                         f"shards {only_emb or 'none'}; {folder / 'metadata'} has no embeddings for shards "
                         f"{only_meta or 'none'}. Restore or remove the unpaired files.")
    arrays = [np.load(p, mmap_mode="r") for p in embeddings.values()]
    tables = [_read_metadata(p) for p in metadata.values()]
    for a, t, p in zip(arrays, tables, embeddings.values()):
        if a.ndim != 2 or len(a) != t.num_rows:
            raise ValueError(f"{p.name}: {a.shape} embeddings for {t.num_rows} metadata rows")
    dim = arrays[0].shape[1]
    if dim != model.embed_dim:
        raise ValueError(f"these embeddings have {dim} dimensions but {model.name} makes {model.embed_dim}: "
                         "they come from another model; load that model to search them")
    info_path = folder / "info.json"
    info = json.loads(info_path.read_text()) if info_path.exists() else None
    if info is None:
        warnings.warn(f"{folder} does not say which model made its embeddings (clip-retrieval does not record it). "
                      f"Searching it with {model.name} gives meaningless results unless it is the same model.",
                      stacklevel=3)
    elif info.get("model_identity") not in (None, model.identity):
        raise ValueError(f"{folder} was embedded by {info.get('model_name')} ({info.get('model_identity')}), not by "
                         f"{model.name} ({model.identity}): load that model to search it")
    features = arrays[0] if len(arrays) == 1 and arrays[0].dtype == np.float32 else ShardedEmbeddings(arrays)
    sample = np.asarray(features[: min(len(features), 1000)], np.float32)
    norms = np.linalg.norm(sample, axis=1)
    if not np.allclose(norms, 1, atol=1e-2):
        warnings.warn(f"{folder}: embeddings are not unit length (e.g. {norms[0]:.3f}); normalising them", stacklevel=3)
        from clipnb.geometry import unit

        features = unit(np.asarray(features, np.float32))
    root = Path(images_root).expanduser() if images_root else (
        Path(info["folder"]) if info and info.get("folder") else Path.cwd())
    table = _paths_and_captions(tables, root, folder)
    local = [p for p in table["path"].iloc[:1000] if not p.startswith(("http://", "https://"))]
    if local:
        found = sum(Path(p).exists() for p in local)
        if found < len(local):
            warnings.warn(f"{folder}: {found} of the first {len(local)} image paths exist under {root}; clip-retrieval "
                          "writes paths relative to the folder it ran in: pass images_root= that folder",
                          stacklevel=3)
    return features, table, info


_PATH_COLUMNS = ("url", "image_path", "path", "caption")


def _read_metadata(path: Path):
    """One metadata shard as an Arrow table of the columns clipnb reads (never the others)."""
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    return pq.read_table(path, columns=[c for c in _PATH_COLUMNS if c in names])


def _paths_and_captions(tables, root: Path, folder: Path):
    """DataFrame(path, caption) with Arrow-backed strings, computed column-wise (no Python object per row).

    ``url`` wins where present (in webdataset mode ``image_path`` is only the sample key); a relative
    ``image_path`` is joined to ``root``.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.concat_tables(tables, promote_options="default")
    columns = set(table.column_names)
    if not columns & {"url", "image_path", "path"}:
        raise ValueError(f"{folder}: metadata has no image_path or url column (columns: {sorted(columns)})")
    empty = pa.array([""] * table.num_rows, pa.string())

    def strings(name):
        return pc.fill_null(pc.cast(table[name], pa.string()), "") if name in columns else empty

    paths = strings("image_path") if "image_path" in columns else strings("path")
    absolute = pc.or_(pc.starts_with(paths, "/"), pc.match_substring_regex(paths, r"^https?://"))
    paths = pc.if_else(absolute, paths, pc.binary_join_element_wise(str(root).rstrip("/"), paths, "/"))
    if "url" in columns:
        url = strings("url")
        paths = pc.if_else(pc.not_equal(url, ""), url, paths)
    arrow = pa.table({"path": paths, "caption": strings("caption")})
    return arrow.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow"),
                                         pa.large_string(): pd.StringDtype("pyarrow")}.get)


class ShardedEmbeddings:
    """Several memory-mapped shards (float16 as clip-retrieval writes them, or float32) used as one
    (N, D) matrix without a float32 copy: ``x @ q`` runs block by block, rows are read on demand.

    Opening is lazy (nothing is read), and resident memory stays near the pages the OS keeps.
    ``np.asarray(x)`` still gives the whole float32 matrix when a caller really needs it.
    """

    BLOCK = 1 << 15  # rows per block: a 32k × D float32 buffer (16 MB at D = 128), reused, stays in cache

    def __init__(self, arrays):
        self.arrays = list(arrays)
        self.offsets = np.cumsum([0] + [len(a) for a in self.arrays])
        self.shape = (int(self.offsets[-1]), int(self.arrays[0].shape[1]))
        self.dtype = np.dtype(np.float32)  # what rows come out as

    def __len__(self):
        return self.shape[0]

    @property
    def ndim(self):
        return 2

    def __matmul__(self, query):
        import warnings

        import torch  # its float16 -> float32 copy is vectorised (F16C); numpy's is ~2× slower

        query = torch.from_numpy(np.ascontiguousarray(query, np.float32))
        out = torch.empty((self.shape[0],) + tuple(query.shape[1:]), dtype=torch.float32)
        buffer = torch.empty((self.BLOCK, self.shape[1]), dtype=torch.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # torch notes the memory map is read-only: we only read
            for array, start in zip(self.arrays, self.offsets):
                for i in range(0, len(array), self.BLOCK):
                    rows = min(self.BLOCK, len(array) - i)
                    buffer[:rows].copy_(torch.from_numpy(np.asarray(array[i:i + rows])))  # reused, no new allocation
                    torch.matmul(buffer[:rows], query, out=out[start + i:start + i + rows])
        return out.numpy()

    def __getitem__(self, key):
        if isinstance(key, tuple):
            return self[key[0]][(slice(None),) + key[1:]]
        if isinstance(key, (int, np.integer)):
            key = int(key) + (self.shape[0] if key < 0 else 0)
            shard = int(np.searchsorted(self.offsets, key, side="right")) - 1
            return np.asarray(self.arrays[shard][key - self.offsets[shard]], np.float32)
        rows = np.arange(self.shape[0])[key] if isinstance(key, slice) else np.asarray(key)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        out = np.empty((len(rows), self.shape[1]), np.float32)
        shard_of = np.searchsorted(self.offsets, rows, side="right") - 1
        for shard in np.unique(shard_of):
            mask = shard_of == shard
            out[mask] = self.arrays[shard][rows[mask] - self.offsets[shard]]
        return out

    def __array__(self, dtype=None, copy=None):
        whole = np.concatenate([np.asarray(a, np.float32) for a in self.arrays])
        return whole.astype(dtype) if dtype is not None else whole

    def mean(self, axis=None):
        if axis != 0:
            return np.asarray(self).mean(axis)
        total = sum(np.asarray(a, np.float64).sum(0) for a in self.arrays)
        return (total / self.shape[0]).astype(np.float32)


def read_layout(folder):
    """(features float32 (N, D), metadata DataFrame, info dict) of a single-shard folder that
    ``write_layout`` wrote, after checking the embedding file against its recorded SHA-256."""
    import hashlib

    import pandas as pd

    folder = Path(folder)
    info = json.loads((folder / "info.json").read_text())
    raw = (folder / "img_emb" / "img_emb_0.npy").read_bytes()
    if hashlib.sha256(raw).hexdigest() != info.get("emb_sha256"):
        raise ValueError("the embedding file does not match its checksum (truncated or corrupted)")
    features = np.load(folder / "img_emb" / "img_emb_0.npy")
    metadata = pd.read_parquet(folder / "metadata" / "metadata_0.parquet")
    return features.astype(np.float32), metadata, info


def write_layout(out, model, features, metadata, **info):
    """The one writer of clip-retrieval's layout in clipnb (exports and the corpus cache alike).

    Writes ``img_emb/img_emb_0.npy`` (float32), ``metadata/metadata_0.parquet`` and an ``info.json``
    with the fields every reader here checks: model_name, model_identity, embed_dim, count,
    emb_sha256, plus ``info`` (the cache adds its format and folder).
    """
    import hashlib
    import os

    out = Path(out).expanduser()
    (out / "img_emb").mkdir(parents=True, exist_ok=True)
    (out / "metadata").mkdir(parents=True, exist_ok=True)
    emb = out / "img_emb" / "img_emb_0.npy"
    with open(emb.with_name(emb.name + ".tmp"), "wb") as f:
        np.save(f, np.asarray(features, np.float32))
    os.replace(emb.with_name(emb.name + ".tmp"), emb)
    metadata.to_parquet(out / "metadata" / "metadata_0.parquet")
    fields = {"model_name": model.name, "model_identity": model.identity, "embed_dim": model.embed_dim,
              "count": len(metadata), "emb_sha256": hashlib.sha256(emb.read_bytes()).hexdigest(), **info}
    (out / "info.json").write_text(json.dumps(fields, indent=1))
    return out


def write_clip_retrieval(corpus, folder):
    """Write a corpus in clip-retrieval's layout (plus clipnb's info.json naming the model)."""
    return write_layout(folder, corpus.model, corpus.image_features,
                        corpus.table[["path", "caption"]].rename(columns={"path": "image_path"}))
