import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import pytest
import torch

torch.set_num_threads(max(1, os.cpu_count() or 1))


@pytest.fixture(scope="session")
def model():
    """The bundled model: real weights, trained by this project, on the CPU."""
    import clipnb

    return clipnb.load_model("bundled", device="cpu")


@pytest.fixture()
def cache(tmp_path):
    return tmp_path / "cache"


@pytest.fixture()
def image_folder(tmp_path):
    """A few real sample images copied into a fresh folder."""
    import shutil

    import clipnb

    folder = tmp_path / "images"
    (folder / "sub").mkdir(parents=True)
    samples = sorted((clipnb.samples_dir() / "clipart" / "animals").glob("*.png"))[:3]
    for i, path in enumerate(samples):
        shutil.copy(path, folder / ("sub" if i == 2 else "") / path.name)
    shutil.copy(clipnb.samples_dir() / "photos" / "chelsea.jpg", folder / "cat.jpg")
    return folder
