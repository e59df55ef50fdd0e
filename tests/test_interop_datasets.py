"""clip-retrieval interop, the ANN index, and safe downloads against a loopback HTTP server."""
import http.server
import io
import json
import re
import tarfile
import threading
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest

import clipnb
from clipnb import ann, datasets, nulls


def test_export_and_read_back_clip_retrieval(model, image_folder, cache, tmp_path):
    corpus = clipnb.ImageCorpus.from_folder(image_folder, model, cache=cache)
    corpus.export(tmp_path / "cr")
    again = clipnb.ImageCorpus.from_clip_retrieval(tmp_path / "cr", model)
    assert isinstance(again.image_features, np.memmap)
    assert np.array_equal(np.asarray(again.image_features), corpus.image_features)
    assert list(again.search("a cat", k=4)["path"]) == list(corpus.search("a cat", k=4)["path"])


def _synthetic_layout(folder, model, shards=2, n=50, dtype=np.float16, with_urls=True):
    rng = np.random.default_rng(0)
    (folder / "img_emb").mkdir(parents=True)
    (folder / "metadata").mkdir()
    for s in range(shards):
        x = rng.standard_normal((n, model.embed_dim)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        np.save(folder / "img_emb" / f"img_emb_{s}.npy", x.astype(dtype))
        column = "url" if with_urls else "image_path"
        pd.DataFrame({column: [f"https://example.org/{s}/{i}.jpg" for i in range(n)],
                      "caption": [f"picture {s}-{i}" for i in range(n)]}).to_parquet(folder / "metadata" / f"metadata_{s}.parquet")


def test_clip_retrieval_float16_shards_warn_about_the_model(model, tmp_path):
    _synthetic_layout(tmp_path / "cr", model)
    with pytest.warns(UserWarning, match="does not say which model"):
        corpus = clipnb.ImageCorpus.from_clip_retrieval(tmp_path / "cr", model)
    assert len(corpus) == 100 and corpus.image_features.dtype == np.float32
    results = corpus.search("a cat", k=5)
    assert results["path"].str.startswith("https://example.org/").all()
    html = corpus.show(results).data
    assert 'src="https://example.org/' in html and "picture" in html  # the browser fetches; captions otherwise


def test_clip_retrieval_errors(model, tmp_path):
    with pytest.raises(FileNotFoundError, match="clip-retrieval's layout"):
        clipnb.ImageCorpus.from_clip_retrieval(tmp_path, model)
    (tmp_path / "x" / "img_emb").mkdir(parents=True)
    (tmp_path / "x" / "metadata").mkdir()
    np.save(tmp_path / "x" / "img_emb" / "img_emb_0.npy", np.ones((3, 7), np.float32))
    pd.DataFrame({"url": ["a", "b", "c"]}).to_parquet(tmp_path / "x" / "metadata" / "metadata_0.parquet")
    with pytest.raises(ValueError, match="7 dimensions"):
        clipnb.ImageCorpus.from_clip_retrieval(tmp_path / "x", model)


def test_ann_index_recall_and_cache(model, tmp_path, monkeypatch):
    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((50, model.embed_dim))
    x = (centers[rng.integers(0, 50, 20_000)] + 0.6 * rng.standard_normal((20_000, model.embed_dim))).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    table = pd.DataFrame({"path": [f"/x/{i}.jpg" for i in range(len(x))], "caption": ""})
    user_folder = tmp_path / "user"
    user_folder.mkdir()
    corpus = clipnb.ImageCorpus(model, x, table, cache_path=user_folder, ann=True)
    queries = x[rng.choice(len(x), 50, replace=False)]
    assert ann.recall_at_k(corpus.index(), x, queries, k=10) >= 0.95
    assert corpus.index_report["use_index"] and corpus.index_report["recall_at_10"]
    assert list(user_folder.iterdir()) == []  # nothing written into the user's folder
    assert len(list((tmp_path / "cache" / "ann").glob("*.faiss"))) == 1
    reopened = clipnb.ImageCorpus(model, x, table, cache_path=user_folder, ann=True)
    assert reopened.index().ntotal == len(x)
    query = x[123]  # a query from the data's own distribution, as image-to-image search is
    exact = clipnb.ImageCorpus(model, x, table, ann=False).search(query, k=10)
    approx = reopened.search(query, k=10)
    assert len(set(exact["path"]) & set(approx["path"])) >= 9
    rows = [int(p[3:-4]) for p in approx["path"]]
    assert np.allclose(approx["score"], x[rows] @ query, atol=1e-5)  # scores are true cosines


def test_a_stale_index_is_never_reused(model, tmp_path, monkeypatch):
    """Same images re-embedded by another model of the same dimension: same count and dim, new index."""
    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    rng = np.random.default_rng(1)
    table = pd.DataFrame({"path": [f"/x/{i}.jpg" for i in range(3000)], "caption": ""})
    centers = rng.standard_normal((20, model.embed_dim))
    old, new = ((centers[rng.integers(0, 20, 3000)] + 0.5 * rng.standard_normal((3000, model.embed_dim)))
                .astype(np.float32) for _ in range(2))
    old /= np.linalg.norm(old, axis=1, keepdims=True)
    new /= np.linalg.norm(new, axis=1, keepdims=True)
    clipnb.ImageCorpus(model, old, table, ann=True).search(old[0], k=10)
    fresh = clipnb.ImageCorpus(model, new, table, ann=True)
    exact = clipnb.ImageCorpus(model, new, table, ann=False).search(new[7], k=10)
    assert len(set(fresh.search(new[7], k=10)["path"]) & set(exact["path"])) >= 9
    assert len(list((tmp_path / "cache" / "ann").glob("*.faiss"))) == 2


def test_an_index_that_cannot_reach_the_recall_stays_exact(model, tmp_path, monkeypatch):
    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(ann, "EF_SEARCH_STEPS", (1,))  # a budget too small for 0.95 on random 128-d vectors
    x = np.random.default_rng(2).standard_normal((5000, model.embed_dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    table = pd.DataFrame({"path": [f"/x/{i}.jpg" for i in range(len(x))], "caption": ""})
    corpus = clipnb.ImageCorpus(model, x, table, ann=True)
    with pytest.warns(UserWarning, match="search stays exact"):
        assert not corpus.uses_index()
    assert corpus.index_report["use_index"] is False
    exact = np.argsort(-(x @ x[3]))[:10]
    assert list(corpus.search(x[3], k=10)["path"]) == [f"/x/{i}.jpg" for i in exact]


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    payload = b""
    payloads = {}  # path -> bytes, where a test serves several files (else every path serves payload)
    cut_after = None  # bytes to send before dropping the connection (once)
    requests = []  # (path, Range header or None) of every request
    # a misbehaving server: (first byte asked for, None without Range) -> first byte it sends with a 206, or
    # None for a 200 with the whole file. None: Range is honoured, and a range past the end is a 416.
    offer = None
    size_on_416 = True  # whether a 416 names the file's size ("Content-Range: bytes */size"), as RFC 9110 asks

    def do_GET(self):  # noqa: N802
        type(self).requests.append((self.path, self.headers.get("Range")))
        if self.payloads and self.path not in self.payloads:
            self.send_error(404)
            return
        data = self.payloads.get(self.path, self.payload)
        asked = int(self.headers["Range"].split("=")[1].split("-")[0]) if "Range" in self.headers else None
        offer = type(self).offer
        if offer is None and asked is not None and asked >= len(data):
            self.send_response(416)
            if type(self).size_on_416:
                self.send_header("Content-Range", f"bytes */{len(data)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = offer(asked) if offer else asked
        if start is None:
            start = 0
            self.send_response(200)
        else:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if type(self).cut_after is not None:
            self.wfile.write(body[: type(self).cut_after])
            type(self).cut_after = None
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def server():
    _RangeHandler.payload, _RangeHandler.payloads, _RangeHandler.cut_after, _RangeHandler.requests = b"", {}, None, []
    _RangeHandler.offer, _RangeHandler.size_on_416 = None, True
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RangeHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_address[1]}/archive.tar.gz"
    httpd.shutdown()
    httpd.server_close()  # the listening socket too, not only the loop
    thread.join(timeout=5)


def _tar_bytes(members):
    """A .tar.gz of (name, content, kind[, mode]) members; kind is "file", "dir" or "symlink"."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as t:
        for name, content, kind, *mode in members:
            info = tarfile.TarInfo(name)
            if mode:
                info.mode = mode[0]
            if kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                t.addfile(info)
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            else:
                info.size = len(content)
                t.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_download_resumes_and_verifies(server, tmp_path):
    httpd, url = server
    noise = np.random.default_rng(0).bytes(120_000)  # incompressible, so the archive is ~120 kB
    payload = _tar_bytes([("images/a.jpg", noise[:50_000], "file"), ("images/b.jpg", noise[50_000:], "file")])
    _RangeHandler.payload, _RangeHandler.cut_after = payload, 40_000
    checksum = "sha256:" + __import__("hashlib").sha256(payload).hexdigest()
    with pytest.raises(ConnectionError, match="resume"):
        datasets.download(url, tmp_path / "archive.tar.gz", checksum, progress=False)
    assert (tmp_path / "archive.tar.gz.part").stat().st_size == 40_000
    path = datasets.download(url, tmp_path / "archive.tar.gz", checksum, progress=False)
    assert path.read_bytes() == payload
    folder = datasets.safe_extract(path, tmp_path / "out")
    assert (folder / "images" / "b.jpg").read_bytes() == noise[50_000:]


def test_bad_checksum_is_kept_aside(server, tmp_path):
    httpd, url = server
    _RangeHandler.payload, _RangeHandler.cut_after = b"hello", None
    with pytest.raises(datasets.ChecksumError, match="run again to download it afresh"):
        datasets.download(url, tmp_path / "f.bin", "sha256:" + "0" * 64, progress=False)
    assert not (tmp_path / "f.bin").exists() and (tmp_path / "f.bin.bad").exists()


def test_unreachable_server_says_what_to_do(tmp_path):
    with pytest.raises(ConnectionError, match="cannot reach"):
        datasets.download("http://127.0.0.1:9/x.tar", tmp_path / "x.tar", progress=False, timeout=2)


@pytest.mark.parametrize("members, message", [
    ([("../evil.txt", b"x", "file")], "climbs out"),
    ([("/abs.txt", b"x", "file")], "absolute path"),
    ([("images/link", b"", "symlink")], "not a plain file"),
    ([("./", b"", "dir"), ("./../evil.txt", b"x", "file")], "climbs out"),
])
def test_unsafe_tar_is_refused(tmp_path, members, message):
    archive = tmp_path / "bad.tar.gz"
    archive.write_bytes(_tar_bytes([("images/ok.jpg", b"ok", "file")] + members))
    with pytest.raises(datasets.UnsafeArchiveError, match=message):
        datasets.safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "evil.txt").exists()


def test_unsafe_zip_is_refused(tmp_path):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ok.jpg", b"ok")
        z.writestr("../../evil.txt", b"x")
    with pytest.raises(datasets.UnsafeArchiveError, match="climbs out"):
        datasets.safe_extract(archive, tmp_path / "out")


def test_unknown_dataset():
    with pytest.raises(KeyError, match="oxford-iiit-pet"):
        datasets.fetch("imagenet-please")


def test_a_corrupt_existing_download_is_set_aside_as_the_message_says(tmp_path):
    from clipnb.datasets import ChecksumError, download

    existing = tmp_path / "f.bin"
    existing.write_bytes(b"not what was published")
    with pytest.raises(ChecksumError, match="kept aside as \\*.bad"):
        download("http://127.0.0.1:9/never-asked", existing, checksum="sha256:" + "0" * 64)
    assert not existing.exists() and (tmp_path / "f.bin.bad").read_bytes() == b"not what was published"


def _sha256(data):
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()


def _interrupted_download(url, dest, payload, cut_after=40_000):
    """A download cut after ``cut_after`` bytes, leaving ``dest.part`` for the next one to resume."""
    _RangeHandler.payload, _RangeHandler.cut_after = payload, cut_after
    with pytest.raises(ConnectionError, match="resume"):
        datasets.download(url, dest, _sha256(payload), progress=False)
    assert dest.with_name(dest.name + ".part").stat().st_size == cut_after


def test_a_resume_answered_for_other_bytes_starts_over(server, tmp_path):
    """A 206 whose Content-Range starts elsewhere than asked (here 1000 bytes early) must not be appended."""
    _, url = server
    payload = np.random.default_rng(1).bytes(100_000)
    dest = tmp_path / "archive.tar.gz"
    _interrupted_download(url, dest, payload)
    _RangeHandler.offer = lambda asked: None if asked is None else asked - 1000
    assert datasets.download(url, dest, _sha256(payload), progress=False).read_bytes() == payload
    assert _RangeHandler.requests[-2:] == [("/archive.tar.gz", "bytes=40000-"), ("/archive.tar.gz", None)]


def test_a_server_that_keeps_answering_for_other_bytes_is_an_error(server, tmp_path):
    _, url = server
    _RangeHandler.payload, _RangeHandler.offer = b"0123456789" * 100, lambda asked: 7
    with pytest.raises(ConnectionError, match="byte range that was not asked for.*try again later"):
        datasets.download(url, tmp_path / "f.bin", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_a_server_that_ignores_range_rewrites_the_file(server, tmp_path):
    """A 200 to a Range request carries the whole file: it replaces the part instead of following it."""
    _, url = server
    payload = np.random.default_rng(2).bytes(100_000)
    dest = tmp_path / "archive.tar.gz"
    _interrupted_download(url, dest, payload)
    _RangeHandler.offer = lambda asked: None
    assert datasets.download(url, dest, _sha256(payload), progress=False).read_bytes() == payload
    assert _RangeHandler.requests[-1] == ("/archive.tar.gz", "bytes=40000-")


@pytest.mark.parametrize("part, size_on_416, requests", [
    ("whole", True, 1),          # interrupted after the last byte: the server's size says it is complete
    ("whole", False, 1),         # no size in the 416: the checksum says so
    ("longer", True, 2),         # more bytes than the file: start over
    ("longer", False, 2),
])
def test_a_range_past_the_end_is_checked_not_trusted(server, tmp_path, part, size_on_416, requests):
    _, url = server
    payload = np.random.default_rng(3).bytes(50_000)
    _RangeHandler.payload, _RangeHandler.size_on_416 = payload, size_on_416
    dest = tmp_path / "archive.tar.gz"
    held = payload if part == "whole" else payload + b"trailing junk"
    dest.with_name(dest.name + ".part").write_bytes(held)
    assert datasets.download(url, dest, _sha256(payload), progress=False).read_bytes() == payload
    assert _RangeHandler.requests[0] == ("/archive.tar.gz", f"bytes={len(held)}-")
    assert len(_RangeHandler.requests) == requests
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.tar.gz"]


def test_a_whole_but_wrong_part_is_kept_aside_and_the_next_run_downloads_afresh(server, tmp_path):
    _, url = server
    payload = np.random.default_rng(4).bytes(50_000)
    _RangeHandler.payload = payload
    dest = tmp_path / "archive.tar.gz"
    dest.with_name(dest.name + ".part").write_bytes(bytes(len(payload)))  # the right size, the wrong bytes
    with pytest.raises(datasets.ChecksumError, match="run again to download it afresh"):
        datasets.download(url, dest, _sha256(payload), progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.tar.gz.bad"]
    assert datasets.download(url, dest, _sha256(payload), progress=False).read_bytes() == payload
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.tar.gz"]  # the .bad went with the good download


def test_bad_downloads_keep_only_the_latest_and_go_when_a_good_one_lands(server, tmp_path):
    _, url = server
    dest = tmp_path / "f.bin"
    for payload in (b"first wrong file", b"second wrong file"):
        _RangeHandler.payload = payload
        with pytest.raises(datasets.ChecksumError, match="kept aside as \\*.bad"):
            datasets.download(url, dest, _sha256(b"the published file"), progress=False)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bin.bad"]
        assert (tmp_path / "f.bin.bad").read_bytes() == payload
    _RangeHandler.payload = b"the published file"
    datasets.download(url, dest, _sha256(b"the published file"), progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]


def test_a_tar_of_dot_extracts_and_its_root_entry_is_skipped(tmp_path):
    """``tar -C folder -czf x.tar.gz .`` names its top folder './'; that is the target itself, not an empty name."""
    archive = tmp_path / "dot.tar.gz"
    archive.write_bytes(_tar_bytes([("./", b"", "dir"), ("./images/", b"", "dir"), ("./images/x.jpg", b"jpeg", "file")]))
    folder = datasets.safe_extract(archive, tmp_path / "out")
    assert _files(folder) == ["images/x.jpg"] and (folder / "images" / "x.jpg").read_bytes() == b"jpeg"
    zipped = tmp_path / "dot.zip"
    zipped.write_bytes(_zip_bytes([("./", b""), ("./images/x.jpg", b"jpeg")]))
    assert _files(datasets.safe_extract(zipped, tmp_path / "out2")) == ["images/x.jpg"]
    with pytest.raises(datasets.UnsafeArchiveError, match="an empty name.*download again"):
        datasets._check_member("./", tmp_path / "out", is_dir=False)  # a file cannot be the root


def test_extraction_without_tarfiles_data_filter(tmp_path, monkeypatch):
    """Python 3.10.0-3.10.11 and 3.11.0-3.11.3 have no tarfile.data_filter and no extractall(filter=...)."""
    real = tarfile.TarFile.extractall

    def old_extractall(self, path=".", members=None, *, numeric_owner=False, **kwargs):
        if kwargs:
            raise TypeError(f"extractall() got an unexpected keyword argument {next(iter(kwargs))!r}")
        trusting = {"filter": "fully_trusted"} if hasattr(tarfile, "fully_trusted_filter") else {}  # as old Pythons
        return real(self, path, members, numeric_owner=numeric_owner, **trusting)

    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    monkeypatch.setattr(tarfile.TarFile, "extractall", old_extractall)
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(_tar_bytes([("./", b"", "dir"), ("images/x.jpg", b"jpeg", "file", 0o4777)]))
    folder = datasets.safe_extract(archive, tmp_path / "out")
    assert (folder / "images" / "x.jpg").read_bytes() == b"jpeg"
    assert (folder / "images" / "x.jpg").stat().st_mode & 0o7777 == 0o755  # no set-uid, no write for others
    for members, message in [([("../evil.txt", b"x", "file")], "climbs out"),
                             ([("images/link", b"", "symlink")], "not a plain file")]:
        archive.write_bytes(_tar_bytes([("images/ok.jpg", b"ok", "file")] + members))
        with pytest.raises(datasets.UnsafeArchiveError, match=message):
            datasets.safe_extract(archive, tmp_path / "bad")
        assert not (tmp_path / "bad").exists() and not (tmp_path / "evil.txt").exists()


def test_oxford_pet_is_pinned_by_the_sha256_tensorflow_datasets_publishes():
    # tensorflow_datasets/url_checksums/oxford_iiit_pet.txt: images.tar.gz, 791,918,971 bytes
    spec = datasets.DATASETS["oxford-iiit-pet"]
    assert spec.checksum == "sha256:67195c5e1c01f1ab5f9b6a5d22b8c27a580d896ece458917e61d459337fa318d"
    assert spec.size_mb == round(791_918_971 / 1e6)


# -- COCO 2017 val, in its real layout, served from the loopback server ----------------------------------

_COCO_LICENSES = [  # as in captions_val2017.json
    {"url": "http://creativecommons.org/licenses/by-nc-sa/2.0/", "id": 1,
     "name": "Attribution-NonCommercial-ShareAlike License"},
    {"url": "http://creativecommons.org/licenses/by/2.0/", "id": 4, "name": "Attribution License"},
    {"url": "http://flickr.com/commons/usage/", "id": 7, "name": "No known copyright restrictions"},
]
_COCO_IMAGES = [(139, 1), (285, 4), (632, 7)]  # (image id, licence id)


def _jpeg(seed):
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, (40, 56, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _coco_captions_json():
    images = [{"license": lic, "file_name": f"{i:012d}.jpg",
               "coco_url": f"http://images.cocodataset.org/val2017/{i:012d}.jpg", "height": 40, "width": 56, "date_captured": "2013-11-14 17:02:52",
               "flickr_url": f"http://farm7.staticflickr.com/6116/{i}_da26cf2c9e_z.jpg", "id": i}
              for i, lic in _COCO_IMAGES]
    notes = [{"image_id": i, "id": 1000 * k + i, "caption": f"  caption {k} of image {i}, \"quoted\"\n"}
             for i, _ in _COCO_IMAGES for k in range(5)]
    notes = notes[::-1]  # not in id order, so the writer must sort
    return json.dumps({"info": {"description": "COCO 2017 Dataset", "url": "http://cocodataset.org", "version": "1.0",
                                "year": 2017, "contributor": "COCO Consortium", "date_created": "2017/09/01"},
                       "licenses": _COCO_LICENSES, "images": images, "annotations": notes}).encode()


def _zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        for name, content in members:
            z.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture()
def coco(server, tmp_path, monkeypatch):
    """"coco-2017-val" registered with loopback URLs and the checksums of tiny archives in COCO's layout."""
    import dataclasses
    import hashlib

    _, url = server
    base = url.rsplit("/", 1)[0]
    images = _zip_bytes([(f"val2017/{i:012d}.jpg", _jpeg(i)) for i, _ in _COCO_IMAGES])
    annotations = _zip_bytes([("annotations/instances_val2017.json", np.random.default_rng(9).bytes(300_000)),
                              ("annotations/captions_val2017.json", _coco_captions_json()),
                              ("annotations/captions_train2017.json", b"{}")])
    _RangeHandler.payloads = {"/zips/val2017.zip": images, "/annotations/annotations_trainval2017.zip": annotations}
    sha = {path: "sha256:" + hashlib.sha256(data).hexdigest() for path, data in _RangeHandler.payloads.items()}
    spec = dataclasses.replace(
        datasets.DATASETS["coco-2017-val"], url=base + "/zips/val2017.zip", checksum=sha["/zips/val2017.zip"],
        extra=((base + "/annotations/annotations_trainval2017.zip", sha["/annotations/annotations_trainval2017.zip"]),))
    monkeypatch.setitem(datasets.DATASETS, "coco-2017-val", spec)
    return tmp_path / "datasets"


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_coco_captions_csv_one_row_per_image_and_only_the_captions_json(coco):
    folder = datasets.fetch("coco-2017-val", root=coco, progress=False)
    assert folder == coco / "coco-2017-val"
    assert _files(folder) == [".complete", "annotations/captions_val2017.json", "captions.csv",
                              "val2017/000000000139.jpg", "val2017/000000000285.jpg", "val2017/000000000632.jpg"]
    table = pd.read_csv(folder / "captions.csv", keep_default_na=False)
    assert list(table.columns) == ["image_path", "caption", "folder", "concept", "source", "licence"]
    assert list(table["image_path"]) == [f"val2017/{i:012d}.jpg" for i, _ in _COCO_IMAGES]
    assert table["caption"][0] == " | ".join(f'caption {k} of image 139, "quoted"' for k in range(5))
    assert list(table["licence"]) == [
        "Attribution-NonCommercial-ShareAlike License (http://creativecommons.org/licenses/by-nc-sa/2.0/)",
        "Attribution License (http://creativecommons.org/licenses/by/2.0/)",
        "No known copyright restrictions (http://flickr.com/commons/usage/)"]
    assert table["source"][1] == "http://farm7.staticflickr.com/6116/285_da26cf2c9e_z.jpg"
    assert set(table["folder"]) == {"coco-2017-val"} and set(table["concept"]) == {""}
    assert sorted(p.name for p in coco.iterdir()) == ["annotations_trainval2017.zip", "coco-2017-val", "val2017.zip"]
    asked = len(_RangeHandler.requests)
    assert asked == 2
    assert datasets.fetch("coco-2017-val", root=coco, progress=False) == folder
    assert len(_RangeHandler.requests) == asked  # complete: nothing downloaded again


def test_coco_an_interrupted_fetch_resumes(coco):
    _RangeHandler.cut_after = 1500
    with pytest.raises(ConnectionError, match="run again to resume"):
        datasets.fetch("coco-2017-val", root=coco, progress=False)
    assert sorted(p.name for p in coco.iterdir()) == ["val2017.zip.part"]  # no folder, half built or otherwise
    folder = datasets.fetch("coco-2017-val", root=coco, progress=False)
    assert ("/zips/val2017.zip", "bytes=1500-") in _RangeHandler.requests
    assert (folder / "val2017" / "000000000285.jpg").read_bytes() == _jpeg(285)
    assert len(pd.read_csv(folder / "captions.csv")) == 3


def test_coco_a_wrong_checksum_leaves_nothing_half_built(coco, monkeypatch):
    import dataclasses

    spec = datasets.DATASETS["coco-2017-val"]
    (url, _), = spec.extra
    monkeypatch.setitem(datasets.DATASETS, "coco-2017-val",
                        dataclasses.replace(spec, extra=((url, "sha256:" + "0" * 64),)))
    with pytest.raises(datasets.ChecksumError, match="run again to download it afresh"):
        datasets.fetch("coco-2017-val", root=coco, progress=False)
    assert sorted(p.name for p in coco.iterdir()) == ["annotations_trainval2017.zip.bad", "val2017.zip"]


def test_a_build_that_fails_after_extracting_leaves_no_folder(coco, monkeypatch):
    import dataclasses

    def broken(files, folder):
        raise ValueError("captions json unreadable")

    spec = dataclasses.replace(datasets.DATASETS["coco-2017-val"], captions=broken)
    monkeypatch.setitem(datasets.DATASETS, "coco-2017-val", spec)
    with pytest.raises(ValueError, match="unreadable"):
        datasets.fetch("coco-2017-val", root=coco, progress=False)
    assert sorted(p.name for p in coco.iterdir()) == ["annotations_trainval2017.zip", "val2017.zip"]


def test_a_dataset_built_under_other_pins_is_verified_again_and_rebuilt(coco, monkeypatch):
    import dataclasses
    import hashlib

    folder = datasets.fetch("coco-2017-val", root=coco, progress=False)
    (folder / "left from the old build").write_text("")
    spec = datasets.DATASETS["coco-2017-val"]
    (url, _), = spec.extra
    annotations = (coco / "annotations_trainval2017.zip").read_bytes()
    md5 = "md5:" + hashlib.md5(annotations).hexdigest()  # the same file, pinned another way
    monkeypatch.setitem(datasets.DATASETS, "coco-2017-val", dataclasses.replace(spec, extra=((url, md5),)))
    asked = len(_RangeHandler.requests)
    with pytest.warns(UserWarning, match="other checksums .*than clipnb pins now.*verifying the downloads again"):
        assert datasets.fetch("coco-2017-val", root=coco, progress=False) == folder
    assert len(_RangeHandler.requests) == asked  # the files on disk match the new pins: nothing downloaded
    assert not (folder / "left from the old build").exists() and md5 in (folder / ".complete").read_text()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        datasets.fetch("coco-2017-val", root=coco, progress=False)  # complete under the current pins: quiet

    # the file changed upstream and the pin with it: the old download fails the new pin, the next run fetches it
    changed = annotations.replace(b"{}", b"[]")
    _RangeHandler.payloads["/annotations/annotations_trainval2017.zip"] = changed
    monkeypatch.setitem(datasets.DATASETS, "coco-2017-val",
                        dataclasses.replace(spec, extra=((url, "sha256:" + hashlib.sha256(changed).hexdigest()),)))
    with pytest.warns(UserWarning, match="rebuilding"), pytest.raises(datasets.ChecksumError, match="run again"):
        datasets.fetch("coco-2017-val", root=coco, progress=False)
    assert (folder / "captions.csv").exists()  # the old build stays until a new one is complete
    with pytest.warns(UserWarning, match="rebuilding"):
        datasets.fetch("coco-2017-val", root=coco, progress=False)
    assert (coco / "annotations_trainval2017.zip").read_bytes() == changed
    assert sorted(p.name for p in coco.iterdir()) == ["annotations_trainval2017.zip", "coco-2017-val", "val2017.zip"]


def test_coco_folder_gives_the_corpus_its_captions(coco, model, cache):
    folder = datasets.fetch("coco-2017-val", root=coco, progress=False)
    corpus = clipnb.ImageCorpus.from_folder(folder, model, cache=cache, progress=False)
    assert len(corpus) == 3
    captions = dict(zip(corpus.table["image_path"], corpus.table["caption"]))
    assert captions["val2017/000000000632.jpg"] == " | ".join(f'caption {k} of image 632, "quoted"' for k in range(5))


def test_extract_member_checks_the_name(tmp_path):
    archive = tmp_path / "a.zip"
    archive.write_bytes(_zip_bytes([("../evil.json", b"{}"), ("annotations/ok.json", b"{}")]))
    with pytest.raises(datasets.UnsafeArchiveError, match="climbs out"):
        datasets.extract_member(archive, "../evil.json", tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="no member 'annotations/captions_val2017.json'"):
        datasets.extract_member(archive, "annotations/captions_val2017.json", tmp_path / "out")
    assert not (tmp_path / "evil.json").exists()


def test_registered_checksums_are_well_formed():
    hex_length = {"sha256": 64, "md5": 32}
    names = []
    for name, spec in datasets.DATASETS.items():
        for url, checksum in spec.files:
            algorithm, _, digest = checksum.partition(":")
            assert algorithm in hex_length, (name, checksum)
            assert re.fullmatch(f"[0-9a-f]{{{hex_length[algorithm]}}}", digest), (name, checksum)
            assert url.startswith(("http://", "https://")), (name, url)
            names.append(url.rsplit("/", 1)[1])
    assert len(names) == len(set(names)), "two downloads would share one file name in the cache"


def test_submodules_after_a_plain_import():
    import subprocess
    import sys

    code = "import clipnb; print(clipnb.datasets.fetch.__name__, clipnb.claims.HOLDS)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["fetch", "holds"]


def _write_shard(folder, s, model, n, name_width=1, **columns):
    rng = np.random.default_rng(s)
    x = rng.standard_normal((n, model.embed_dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    (folder / "img_emb").mkdir(parents=True, exist_ok=True)
    (folder / "metadata").mkdir(exist_ok=True)
    np.save(folder / "img_emb" / f"img_emb_{s:0{name_width}d}.npy", x.astype(np.float16))
    pd.DataFrame(columns).to_parquet(folder / "metadata" / f"metadata_{s:0{name_width}d}.parquet")
    return x


def test_webdataset_output_keeps_its_urls(model, tmp_path):
    """clip-retrieval in webdataset mode writes image_path = the sample key, and the url beside it."""
    _write_shard(tmp_path / "cr", 0, model, 3, image_path=["000010155", "000010156", "000010157"],
                 url=[f"https://example.org/{i}.jpg" for i in range(3)], caption=["a", "b", "c"])
    with pytest.warns(UserWarning, match="does not say which model"):
        corpus = clipnb.ImageCorpus.from_clip_retrieval(tmp_path / "cr", model)
    assert list(corpus.table["path"]) == [f"https://example.org/{i}.jpg" for i in range(3)]


def test_shards_pair_by_number_and_an_unpaired_one_is_an_error(model, tmp_path):
    rows = {}
    for s in range(12):  # 12 partitions: clip-retrieval zero-pads to img_emb_00.npy …
        rows[s] = _write_shard(tmp_path / "cr", s, model, 4, name_width=2,
                               url=[f"https://example.org/{s}/{i}.jpg" for i in range(4)], caption=[""] * 4)
    with pytest.warns(UserWarning):
        corpus = clipnb.ImageCorpus.from_clip_retrieval(tmp_path / "cr", model)
    expected = np.concatenate([rows[s] for s in range(12)]).astype(np.float16).astype(np.float32)
    assert np.allclose(corpus.image_features, expected / np.linalg.norm(expected, axis=1, keepdims=True), atol=1e-3)
    assert corpus.table["path"].iloc[40] == "https://example.org/10/0.jpg"  # numeric order: 0 … 9, 10, 11
    (tmp_path / "cr" / "img_emb" / "img_emb_03.npy").unlink()
    (tmp_path / "cr" / "metadata" / "metadata_05.parquet").unlink()
    with pytest.raises(ValueError, match=r"no metadata for shards \[5\].*no embeddings for shards \[3\]"):
        clipnb.ImageCorpus.from_clip_retrieval(tmp_path / "cr", model)


def test_relative_paths_resolve_against_the_folder_clip_retrieval_ran_in(model, tmp_path):
    (tmp_path / "run" / "imgs").mkdir(parents=True)
    for i in range(2):
        (tmp_path / "run" / "imgs" / f"{i}.png").write_bytes(b"")
    _write_shard(tmp_path / "cr", 0, model, 2, image_path=["imgs/0.png", "imgs/1.png"], caption=["", ""])
    with pytest.warns(UserWarning, match="0 of the first 2 image paths exist"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not say which model")
        clipnb.ImageCorpus.from_clip_retrieval(tmp_path / "cr", model)
    with pytest.warns(UserWarning, match="does not say which model") as record:
        corpus = clipnb.ImageCorpus.from_clip_retrieval(tmp_path / "cr", model, images_root=tmp_path / "run")
    assert not any("image paths exist" in str(w.message) for w in record)
    assert list(corpus.table["path"]) == [str(tmp_path / "run" / "imgs" / f"{i}.png") for i in range(2)]


def test_float16_shards_stay_mapped_and_read_like_one_matrix(tmp_path):
    from clipnb.interop import ShardedEmbeddings

    rng = np.random.default_rng(4)
    parts = [rng.standard_normal((n, 8)).astype(np.float16) for n in (5, 3, 7)]
    for i, p in enumerate(parts):
        np.save(tmp_path / f"{i}.npy", p)
    x = ShardedEmbeddings([np.load(tmp_path / f"{i}.npy", mmap_mode="r") for i in range(3)])
    whole = np.concatenate(parts).astype(np.float32)
    assert x.shape == (15, 8) and len(x) == 15 and np.array_equal(np.asarray(x), whole)
    q = rng.standard_normal(8).astype(np.float32)
    x.BLOCK = 2  # blocks smaller than a shard
    assert np.allclose(x @ q, whole @ q, atol=1e-5)
    for key in [6, -1, slice(2, 11, 3), np.array([14, 0, 5]), np.arange(15) % 2 == 0]:
        assert np.array_equal(x[key], whole[key]), key
    assert np.allclose(x.mean(0), whole.mean(0), atol=1e-6)


def test_a_large_corpus_searches_exactly_until_an_index_is_asked_for(model, tmp_path, monkeypatch):
    """The first search never builds an index unasked (a 1M-row corpus stalled minutes on it); build_index()
    builds one, and a corpus opened later over the same embeddings uses it without being asked."""
    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(ann, "INDEX_MIN_IMAGES", 1000)  # a small corpus stands in for a large one
    rng = np.random.default_rng(3)
    centers = rng.standard_normal((30, model.embed_dim))
    x = (centers[rng.integers(0, 30, 4000)] + 0.5 * rng.standard_normal((4000, model.embed_dim))).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    table = pd.DataFrame({"path": [f"/x/{i}.jpg" for i in range(len(x))], "caption": ""})
    corpus = clipnb.ImageCorpus(model, x, table)
    results = corpus.search(x[5], k=5)
    assert not corpus.uses_index() and not list((tmp_path / "cache").rglob("*.faiss"))
    assert list(results["path"])[0] == "/x/5.jpg"
    assert corpus.build_index(progress=False) is not None and corpus.uses_index()
    assert len(list((tmp_path / "cache" / "ann").glob("*.faiss"))) == 1
    later = clipnb.ImageCorpus(model, x, table)
    assert later.uses_index() and later.index().ntotal == len(x)
    assert not clipnb.ImageCorpus(model, x, table, ann=False).uses_index()


def test_clip_retrieval_paths_are_joined_column_wise(model, tmp_path):
    """Relative image_path joins images_root, absolute paths and URLs stay, a url column wins where set."""
    folder = tmp_path / "cr"
    (folder / "img_emb").mkdir(parents=True)
    (folder / "metadata").mkdir()
    x = np.eye(4, model.embed_dim, dtype=np.float16)
    np.save(folder / "img_emb" / "img_emb_0.npy", x)
    pd.DataFrame({"image_path": ["a/1.jpg", "/abs/2.jpg", "3.jpg", "k4"],
                  "url": [None, None, "", "https://x.org/4.jpg"], "caption": ["one", None, "three", "four"],
                  "width": [1, 2, 3, 4]}).to_parquet(folder / "metadata" / "metadata_0.parquet")
    with pytest.warns(UserWarning):
        corpus = clipnb.ImageCorpus.from_clip_retrieval(folder, model, images_root=tmp_path / "root")
    assert list(corpus.table["path"]) == [str(tmp_path / "root" / "a/1.jpg"), "/abs/2.jpg",
                                          str(tmp_path / "root" / "3.jpg"), "https://x.org/4.jpg"]
    assert list(corpus.table["caption"]) == ["one", "", "three", "four"]
    assert list(corpus.search(x[2].astype(np.float32), k=1)["path"]) == [str(tmp_path / "root" / "3.jpg")]


def test_compare_on_a_captioned_photo_set_fetched_in_cocos_layout(server, tmp_path, monkeypatch):
    """`make compare CORPUS=coco`, offline: a small set in COCO's layout from the loopback server, fetched,
    captioned, and the claims run on it, the talk's cats, men and women found by their captions."""
    import dataclasses
    import hashlib

    import clipnb
    from clipnb import compare

    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    samples = pd.read_csv(clipnb.samples_dir() / "captions.csv")
    picked = samples[samples["image_path"].str.match(
        r"emoji/animals/(cat|dog|monkey)|emoji/professions/(man|woman)-(teacher|cook|pilot|farmer)|scenes/|photos/")]
    woods = picked.index[picked["caption"].str.endswith("in front of trees")][-1]  # COCO's forest: "woods", not "trees"
    picked.loc[woods, "caption"] = "a person running through the woods"
    images, notes = [], []
    for i, row in enumerate(picked.itertuples(), start=1):
        images.append({"license": 4, "file_name": f"{i:012d}.jpg", "id": i, "height": 128, "width": 128,
                       "flickr_url": f"http://farm1.staticflickr.com/{i}.jpg", "coco_url": ""})
        notes += [{"image_id": i, "id": 10 * i + k, "caption": f"{row.caption} ({k})"} for k in range(5)]
        (tmp_path / "src").mkdir(exist_ok=True)
        clipnb.load_image(clipnb.samples_dir() / row.image_path).save(tmp_path / "src" / f"{i:012d}.jpg")
    annotations = json.dumps({"info": {}, "licenses": _COCO_LICENSES, "images": images, "annotations": notes}).encode()
    _RangeHandler.payloads = {
        "/val2017.zip": _zip_bytes([(f"val2017/{p.name}", p.read_bytes()) for p in sorted((tmp_path / "src").iterdir())]),
        "/annotations.zip": _zip_bytes([("annotations/captions_val2017.json", annotations)])}
    base = server[1].rsplit("/", 1)[0]
    sha = {p: "sha256:" + hashlib.sha256(d).hexdigest() for p, d in _RangeHandler.payloads.items()}
    monkeypatch.setitem(datasets.DATASETS, "coco-2017-val", dataclasses.replace(
        datasets.DATASETS["coco-2017-val"], url=base + "/val2017.zip", checksum=sha["/val2017.zip"],
        extra=((base + "/annotations.zip", sha["/annotations.zip"]),)))

    context_for = compare.context_for_corpus("coco")
    model = clipnb.load_model("bundled")
    context = context_for(model)
    captions = dict(zip(context.corpus.paths, context.corpus.table["caption"]))
    assert len(context.corpus) == len(picked) and 3 <= len(context.cat_images) <= compare.ROLE_IMAGES
    assert all("cat" in captions[p] and "dog" not in captions[p] for p in context.cat_images)
    assert all(re.search(r"\bman\b", captions[p]) and "woman" not in captions[p] for p in context.groups["man"])
    assert len(context.groups["man"]) >= 4 and len(context.groups["woman"]) >= 4
    assert "through the woods" in captions[context.forest_image]  # the scenes "in front of trees" are no forest

    table, errors, _ = compare.compare(["bundled"], tmp_path / "out", context_for, progress=False, null=2)
    verdicts = table[table["measure"] == "verdict"].set_index("claim")
    assert not errors and set(verdicts.index) == set(compare.CHECKS)
    assert verdicts.loc["E3", "status"] != "cannot be checked here"  # the cats were found by their captions
    assert verdicts.loc["E6-sanity", "status"] != "cannot be checked here"
    checked = verdicts[verdicts["status"] != "cannot be checked here"]
    held = checked[(checked["status"] == "holds") & ~checked.index.isin(["E8", "E9", "E10", "E12a", "E12b"])]
    assert held["null_models"].between(1, 2).all()  # random twins (2 asked for)
    subtractions = checked[checked.index.isin(["E8", "E9", "E10", "E12a"])]
    held_subtractions = subtractions[subtractions["status"] == "holds"]   # only a claim that holds gets its null
    assert (held_subtractions["null_models"] == len(nulls.CONTROL_WORDS)).all()  # control words in the word's place
    assert (subtractions[subtractions["status"] != "holds"]["null_models"] == 0).all()
    assert (verdicts.loc[verdicts.index.difference(checked.index), "null_models"] == 0).all()
    page = (tmp_path / "out" / "report.html").read_text()
    assert "coco-2017-val" in page and "found by their captions" in page
    with pytest.raises(FileNotFoundError, match="neither a dataset"):
        compare.context_for_corpus(str(tmp_path / "no-such-folder"))
