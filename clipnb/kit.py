"""The offline kit: download CLIP weights once, carry them to other machines as a folder.

Venue Wi-Fi cannot carry forty people downloading the same weights. An instructor fetches them
once (``clipnb fetch-model MobileCLIP-S2:datacompdr``), packs them into a folder
(``clipnb pack-models /media/usb``) and every learner unpacks that folder
(``clipnb unpack-models /media/usb``). The files land in the Hugging Face cache exactly where
``load_model(spec)`` looks for them offline. Every file is checked against its SHA-256 before
anything is placed.

A kit is a folder::

    clipnb-models.json                    the manifest: specs, and per file repo, commit, path, sha256, size
    <repo as org--name>/<commit>/<path>   the files themselves
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from clipnb.cache import file_sha256
from clipnb.errors import ClipnbError, ModelNotAvailableError, UnknownModelError
from clipnb.models import BUNDLED_MODELS, hf_cache_dir

MANIFEST = "clipnb-models.json"
FORMAT = 1


class KitError(ClipnbError, ValueError):
    """A kit folder that is missing, incomplete or corrupt."""


def _repo_folder(repo_id: str) -> str:
    return "models--" + repo_id.replace("/", "--")


def _spec_repos(spec: str) -> list[str]:
    """The hub repositories a spec's weights (and its tokenizer, if it has a hub one) come from."""
    import open_clip

    if spec in BUNDLED_MODELS:
        raise KitError(f"{spec!r} ships inside clipnb: every install has it, there is nothing to fetch or pack")
    if spec.startswith("hf-hub:"):
        repos, config = [spec[len("hf-hub:"):]], None
        cached = _snapshot(repos[0])
        if cached and (cached[1] / "open_clip_config.json").exists():
            config = json.loads((cached[1] / "open_clip_config.json").read_text()).get("model_cfg", {})
    elif spec.count(":") == 1 and not spec.startswith("local-dir:") and not _is_file_spec(spec):
        name, tag = spec.split(":")
        cfg = open_clip.get_pretrained_cfg(name, tag) if name in open_clip.list_models() else {}
        if not cfg.get("hf_hub"):
            from clipnb.models import _resolve_pretrained

            _resolve_pretrained(name, tag)  # raises UnknownModelError naming the closest specs
            raise UnknownModelError(f"{spec!r} has no Hugging Face repository to fetch from")
        repos, config = ["/".join(cfg["hf_hub"].rstrip("/").split("/")[:2])], open_clip.get_model_config(name)
    else:
        raise KitError(f"{spec!r} is not a hub model: say NAME:TAG (e.g. MobileCLIP-S2:datacompdr) or hf-hub:org/repo. "
                       "A local-dir or a weights file is already a folder you can copy as it is")
    tokenizer = ((config or {}).get("text_cfg") or {}).get("hf_tokenizer_name")
    return repos + ([tokenizer] if tokenizer and tokenizer not in repos else [])


def _is_file_spec(spec: str) -> bool:
    weights = spec.split(":", 1)[1]
    return "/" in weights or os.sep in weights or weights.endswith((".safetensors", ".bin", ".pt", ".pth"))


def _snapshot(repo_id: str, cache: Path | None = None) -> tuple[str, Path] | None:
    """(commit, snapshot folder) that the cache's ``refs/main`` points at, or None if not cached."""
    root = Path(cache or hf_cache_dir()) / _repo_folder(repo_id)
    ref = root / "refs" / "main"
    if not ref.is_file():
        return None
    commit = ref.read_text().strip()
    folder = root / "snapshots" / commit
    return (commit, folder) if folder.is_dir() and any(folder.iterdir()) else None


def cached_models(cache: Path | None = None) -> dict[str, list[str]]:
    """{repo id: [specs that load from it]} for every open_clip repository in the Hugging Face cache."""
    import open_clip

    by_repo: dict[str, list[str]] = {}
    for name in open_clip.list_models():
        for tag in open_clip.list_pretrained_tags_by_model(name):
            hub = open_clip.get_pretrained_cfg(name, tag).get("hf_hub", "").rstrip("/")
            if hub:
                by_repo.setdefault("/".join(hub.split("/")[:2]), []).append(f"{name}:{tag}")
    root = Path(cache or hf_cache_dir())
    found = {}
    for folder in sorted(root.glob("models--*")) if root.is_dir() else []:
        repo_id = folder.name[len("models--"):].replace("--", "/", 1)
        cached = _snapshot(repo_id, root)
        if not cached:
            continue
        files = {p.name for p in cached[1].iterdir()}
        if repo_id in by_repo and files & {"open_clip_model.safetensors", "open_clip_pytorch_model.bin"}:
            found[repo_id] = by_repo[repo_id]
        elif "open_clip_config.json" in files:
            found[repo_id] = [f"hf-hub:{repo_id}"]
    return found


def fetch(spec: str, log=print) -> list[tuple[Path, str]]:
    """Download ``spec`` into the Hugging Face cache (or find it there) and load it once to prove it works.

    Returns [(file, sha256)] for every cached file of the spec.
    """
    from clipnb.models import load_model

    repos = _spec_repos(spec)  # rejects bundled and local specs before any download
    model = load_model(spec, device="cpu")
    log(f"{spec} loads: embed_dim {model.embed_dim}")
    files = []
    for repo_id in repos:
        cached = _snapshot(repo_id)
        if cached:
            files += [(p, file_sha256(p)) for p in sorted(cached[1].rglob("*")) if p.is_file()]
    return files


def pack(kit: Path, specs: list[str] | None = None, log=print) -> dict:
    """Copy the cached files of ``specs`` (default: every cached open_clip model) into the folder ``kit``.

    Adds to a kit that is already there. Raises ModelNotAvailableError for a spec that is not cached.
    Returns the manifest.
    """
    kit = Path(kit)
    if kit.exists() and not kit.is_dir():
        raise KitError(f"{kit} is a file: give a folder for the kit (it is created if missing)")
    if not specs:
        specs = sorted({loads_as[0] for loads_as in cached_models().values()})
        if not specs:
            raise ModelNotAvailableError(f"no open_clip model is in the Hugging Face cache ({hf_cache_dir()}) to pack: "
                                         "fetch one first, e.g. clipnb fetch-model MobileCLIP-S2:datacompdr")
    manifest = read_manifest(kit) if (kit / MANIFEST).exists() else {"format": FORMAT, "models": {}, "files": []}
    known = {(f["repo"], f["commit"], f["path"]) for f in manifest["files"]}
    plan = []
    for spec in specs:
        repos = _spec_repos(spec)
        for repo_id in repos:
            cached = _snapshot(repo_id)
            if not cached:
                raise ModelNotAvailableError(f"{spec}: {repo_id} is not in the Hugging Face cache ({hf_cache_dir()}): "
                                             f"run clipnb fetch-model {spec} first, on a machine with internet")
            plan.append((spec, repo_id, *cached))
        manifest["models"][spec] = repos
    kit.mkdir(parents=True, exist_ok=True)
    for spec, repo_id, commit, folder in plan:
        for source in sorted(p for p in folder.rglob("*") if p.is_file()):
            path = source.relative_to(folder).as_posix()
            if (repo_id, commit, path) in known:
                continue
            target = kit / _repo_folder(repo_id) / commit / path
            target.parent.mkdir(parents=True, exist_ok=True)
            log(f"packing {repo_id}/{path} ({source.stat().st_size / 1e6:.1f} MB)")
            shutil.copyfile(source, target)
            manifest["files"].append({"repo": repo_id, "commit": commit, "path": path, "size": target.stat().st_size,
                                      "sha256": file_sha256(target), "blob": Path(os.path.realpath(source)).name})
            known.add((repo_id, commit, path))
    _write_json(kit / MANIFEST, manifest)
    return manifest


def read_manifest(kit: Path) -> dict:
    path = Path(kit) / MANIFEST
    if not path.is_file():
        raise KitError(f"{kit} is not a model kit: it has no {MANIFEST}. Make one with clipnb pack-models {kit}")
    try:
        manifest = json.loads(path.read_text())
        assert manifest["format"] == FORMAT and isinstance(manifest["files"], list)
    except (ValueError, KeyError, AssertionError, TypeError) as error:
        raise KitError(f"{path} is not a manifest clipnb {FORMAT} can read ({error!r}); pack the kit again") from None
    return manifest


def verify(kit: Path) -> dict:
    """Check every file of the kit against the manifest; raise KitError naming each bad file."""
    kit = Path(kit)
    manifest = read_manifest(kit)
    bad = []
    for entry in manifest["files"]:
        path = kit / _repo_folder(entry["repo"]) / entry["commit"] / entry["path"]
        if not path.is_file():
            bad.append(f"{path}: missing")
        elif path.stat().st_size != entry["size"] or file_sha256(path) != entry["sha256"]:
            bad.append(f"{path}: checksum differs from the manifest (a broken copy?)")
    if bad:
        raise KitError(f"{len(bad)} file(s) of the kit in {kit} are bad, so nothing was installed:\n  "
                       + "\n  ".join(bad) + "\nCopy the kit again from the machine that packed it.")
    return manifest


def unpack(kit: Path, log=print) -> list[str]:
    """Verify the kit, then place its files in the Hugging Face cache. Returns the specs it holds."""
    kit = Path(kit)
    manifest = verify(kit)
    cache = Path(hf_cache_dir())
    for entry in manifest["files"]:
        root = cache / _repo_folder(entry["repo"])
        blob = root / "blobs" / entry["blob"]
        if not (blob.is_file() and blob.stat().st_size == entry["size"] and file_sha256(blob) == entry["sha256"]):
            blob.parent.mkdir(parents=True, exist_ok=True)
            partial = blob.with_name(blob.name + ".incomplete")
            shutil.copyfile(kit / _repo_folder(entry["repo"]) / entry["commit"] / entry["path"], partial)
            os.replace(partial, blob)  # never a half-written blob under the real name
        link = root / "snapshots" / entry["commit"] / entry["path"]
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        try:  # the layout huggingface_hub writes; where symlinks are not allowed (Windows) it copies too
            link.symlink_to(os.path.relpath(blob, link.parent))
        except OSError:
            shutil.copyfile(blob, link)
        log(f"installed {entry['repo']}/{entry['path']}")
    for repo_id in {e["repo"] for e in manifest["files"]}:
        commits = {e["commit"] for e in manifest["files"] if e["repo"] == repo_id}
        current = _snapshot(repo_id)
        if current is None or current[0] not in commits:
            ref = cache / _repo_folder(repo_id) / "refs" / "main"
            ref.parent.mkdir(parents=True, exist_ok=True)
            ref.write_text(sorted(commits)[0])
    return sorted(manifest["models"])


def _write_json(path: Path, data: dict) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(partial, path)
