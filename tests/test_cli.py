"""The `clipnb` command: notebooks, lab, doctor, and the offline model kit (fetch, pack, unpack)."""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import torch

import clipnb
from clipnb.cache import NOTEBOOKS_DIR
from clipnb.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_notebooks_are_copied_and_a_learners_edits_are_kept(tmp_path, capsys):
    work = tmp_path / "w"
    code, out, _ = _run(capsys, "notebooks", str(work))
    names = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))
    assert code == 0 and sorted(p.name for p in work.glob("*.ipynb")) == names
    assert f"{len(list(work.rglob('*.ipynb')))} notebook(s) copied" in out
    edited = work / names[3]
    edited.write_text(edited.read_text().replace("clipnb", "my own words", 1))
    mine = edited.read_text()
    code, out, _ = _run(capsys, "notebooks", str(work))
    assert code == 0 and edited.read_text() == mine
    assert f"kept 1 notebook(s) you changed: {names[3]}" in out and "--force" in out
    code, out, _ = _run(capsys, "notebooks", str(work), "--force")
    assert code == 0 and edited.read_bytes() == (NOTEBOOKS_DIR / names[3]).read_bytes()
    assert "1 notebook(s) copied" in out


def test_a_notebook_left_as_copied_is_updated_by_a_newer_clipnb(tmp_path, capsys):
    work = tmp_path / "w"
    assert _run(capsys, "notebooks", str(work))[0] == 0
    name = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))[5]
    # as if an older clipnb had copied another version and the learner never touched it
    old = (NOTEBOOKS_DIR / name).read_text().replace("clipnb", "clipnb-0.0", 1)
    (work / name).write_text(old)
    record = json.loads((work / ".clipnb-copied.json").read_text())
    record[name] = hashlib.sha256(old.encode()).hexdigest()
    (work / ".clipnb-copied.json").write_text(json.dumps(record))
    code, out, _ = _run(capsys, "notebooks", str(work))
    assert code == 0 and f"1 notebook(s) copied to {work}: {name}" in out and "kept" not in out
    assert (work / name).read_bytes() == (NOTEBOOKS_DIR / name).read_bytes()


def test_bad_inputs_exit_nonzero_with_the_reason_on_stderr(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    code, out, err = _run(capsys, "notebooks", str(tmp_path / "file"))
    assert code == 1 and out == "" and "is a file, not a folder" in err
    code, _, err = _run(capsys, "unpack-models", str(tmp_path))
    assert code == 1 and "not a model kit" in err and "pack-models" in err
    code, _, err = _run(capsys, "pack-models", str(tmp_path / "file"))
    assert code == 1 and "is a file: give a folder for the kit" in err
    code, _, err = _run(capsys, "fetch-model", "bundled")
    assert code == 1 and "ships inside clipnb" in err
    for spec in ["local-dir:/x", "ViT-B-32:/weights/mine.safetensors", "ViT-B-32:mine.pt"]:
        code, _, err = _run(capsys, "fetch-model", spec)
        assert code == 1 and "copy as it is" in err, err
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2 and "COMMAND" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["notebooks"], ["lab"], ["doctor"], ["fetch-model"], ["pack-models"],
                                     ["unpack-models"]])
def test_help_everywhere(command):
    result = subprocess.run([sys.executable, "-m", "clipnb.cli", *command, "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("usage: clipnb") and result.stderr == ""


def test_doctor_reads_ok_offline(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    code, out, _ = _run(capsys, "doctor")
    lines = {line.split()[1]: line.split()[0] for line in out.splitlines() if line.startswith("  ") and line.split()
             and line.split()[0] in ("ok", "warn", "fail")}
    assert code == 0, out
    assert lines["bundled"] == "ok" and "reads as 'a cat'" in out
    assert lines["hub"] == "warn" and "HF_HUB_OFFLINE is set" in out and "unpack-models" in out
    assert lines["cached"] == "warn" and "fetch-model MobileCLIP-S2:datacompdr" in out
    assert str(tmp_path / "cache") in out and "ready" in out.splitlines()[-1]


def test_doctor_fails_an_incomplete_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("clipnb.models.models_dir", lambda: tmp_path / "empty")
    code, out, _ = _run(capsys, "doctor")
    assert code == 1
    assert "fail  clipnb" in out and "fail  bundled model" in out and "reinstall" in out
    assert out.splitlines()[-1].endswith("not ready: fix the lines marked fail")


# --- the offline kit ------------------------------------------------------------------------------

REPO = "clipnb-test/tiny-random-clip"


def _download_like_huggingface_hub(hub, repo_id, files, commit="a" * 40):
    """Lay files out as huggingface_hub's downloads do: content-named blobs, snapshot symlinks, refs/main."""
    root = hub / f"models--{repo_id.replace('/', '--')}"
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text(commit)
    for name, source in files.items():
        blob = root / "blobs" / hashlib.sha256(source.read_bytes()).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, blob)
        link = root / "snapshots" / commit / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))


@pytest.fixture()
def hub_with_random_model(tmp_path, monkeypatch):
    """A real open_clip architecture (bundled:emoji's, which needs nothing but its own two files) with random weights,
    in a Hugging Face cache."""
    import open_clip
    from safetensors.torch import save_file

    from clipnb.models import bundled_model_dir

    config = json.loads((bundled_model_dir("bundled:emoji") / "open_clip_config.json").read_text())
    config.pop("clipnb", None)
    folder = tmp_path / "source"
    folder.mkdir()
    (folder / "open_clip_config.json").write_text(json.dumps(config))
    torch.manual_seed(3)
    random_model = open_clip.create_model(f"local-dir:{bundled_model_dir('bundled:emoji')}", pretrained=None).eval()
    for parameter in random_model.parameters():  # local-dir loads the bundled weights: replace them all
        torch.nn.init.normal_(parameter, std=0.02)
    save_file({k: v.contiguous() for k, v in random_model.state_dict().items()}, folder / "open_clip_model.safetensors")
    hub = tmp_path / "hub-a"
    _download_like_huggingface_hub(hub, REPO, {p.name: p for p in folder.iterdir()})
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    return folder


def test_a_packed_model_unpacks_checked_and_loads_offline(hub_with_random_model, tmp_path, monkeypatch, capsys):
    spec = f"hf-hub:{REPO}"
    original = clipnb.load_model(f"local-dir:{hub_with_random_model}", device="cpu")
    code, out, _ = _run(capsys, "fetch-model", spec)  # already cached: checks it loads, prints checksums
    assert code == 0 and hashlib.sha256((hub_with_random_model / "open_clip_model.safetensors").read_bytes()
                                        ).hexdigest() in out
    kit = tmp_path / "usb stick"
    code, out, _ = _run(capsys, "pack-models", str(kit))  # default: every cached open_clip model
    assert code == 0 and spec in out and "unpack-models" in out
    manifest = json.loads((kit / "clipnb-models.json").read_text())
    assert manifest["models"] == {spec: [REPO]} and len(manifest["files"]) == 2

    other = tmp_path / "hub-b"
    monkeypatch.setenv("HF_HUB_CACHE", str(other))
    with pytest.raises(clipnb.ModelNotAvailableError):
        clipnb.load_model(spec, device="cpu")
    code, out, _ = _run(capsys, "unpack-models", str(kit))
    assert code == 0 and spec in out
    loaded = clipnb.load_model(spec, device="cpu")
    assert torch.allclose(loaded.encode_text(["a cat"]), original.encode_text(["a cat"]), atol=1e-6)
    from huggingface_hub import scan_cache_dir

    (repo,) = scan_cache_dir(other).repos  # the layout huggingface_hub itself reads
    assert repo.repo_id == REPO and {f.file_name for r in repo.revisions for f in r.files} == \
        {"open_clip_config.json", "open_clip_model.safetensors"}
    code, _, _ = _run(capsys, "unpack-models", str(kit))  # again: nothing breaks
    assert code == 0 and clipnb.load_model(spec, device="cpu").embed_dim == original.embed_dim


def test_a_corrupt_kit_installs_nothing(hub_with_random_model, tmp_path, monkeypatch, capsys):
    kit = tmp_path / "kit"
    assert _run(capsys, "pack-models", str(kit), f"hf-hub:{REPO}")[0] == 0
    weights = next(kit.rglob("open_clip_model.safetensors"))
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-b"))
    code, out, err = _run(capsys, "unpack-models", str(kit))
    assert code == 1 and str(weights) in err and "checksum" in err and "nothing was installed" in err
    assert not (tmp_path / "hub-b").exists()


def test_packing_what_is_not_cached_says_fetch_first(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    code, _, err = _run(capsys, "pack-models", str(tmp_path / "kit"), "ViT-B-32:laion2b_s34b_b79k")
    assert code == 1 and "laion/CLIP-ViT-B-32-laion2B-s34B-b79K is not in the Hugging Face cache" in err
    assert "clipnb fetch-model ViT-B-32:laion2b_s34b_b79k" in err
    code, _, err = _run(capsys, "pack-models", str(tmp_path / "kit"))
    assert code == 1 and "no open_clip model is in the Hugging Face cache" in err
    start = time.monotonic()
    code, _, err = _run(capsys, "fetch-model", "MobileCLIP-S2:datacompdr")
    assert code == 1 and "not cached here" in err and time.monotonic() - start < 30


def test_pretrained_tags_map_to_their_hub_repository():
    from clipnb.kit import _spec_repos

    assert _spec_repos("ViT-B-32:laion2b_s34b_b79k") == ["laion/CLIP-ViT-B-32-laion2B-s34B-b79K"]
    assert _spec_repos("MobileCLIP-S2:datacompdr") == ["apple/MobileCLIP-S2-OpenCLIP"]
    # NLLB-CLIP's tokenizer is another hub repository, so a kit must carry both
    assert _spec_repos("nllb-clip-base:v1") == ["visheratin/nllb-clip-base-oc", "facebook/nllb-200-distilled-600M"]
    assert _spec_repos("ViT-B-16-SigLIP:webli") == ["timm/ViT-B-16-SigLIP"]  # its tokenizer lives in the same one


def test_lab_without_jupyterlab_says_how_to_get_it(tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jupyterlab" else real(name, *a))
    code, out, err = _run(capsys, "lab", str(tmp_path / "w"))
    assert code == 1 and 'pip install "clipnb[lab]"' in err and out == ""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_lab_copies_the_notebooks_and_serves_them(tmp_path):
    port = _free_port()
    folder = tmp_path / "lab"
    process = subprocess.Popen([sys.executable, "-m", "clipnb.cli", "lab", str(folder), "--", "--no-browser",
                                f"--port={port}", "--IdentityProvider.token=", "--ServerApp.password="],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, listing = time.monotonic() + 60, None
        while time.monotonic() < deadline and listing is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=2) as response:
                    listing = json.load(response)
            except OSError:
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer within 60 s"
        assert "00_start_here.ipynb" in {item["name"] for item in listing["content"]}
    finally:
        process.terminate()  # what an instructor's script or a process manager does
        process.wait(timeout=30)
    # stopping `clipnb lab` stopped the server: nothing still answers on its port
    time.sleep(1)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=2)
