"""The Tux Paint stamps build: cut-out photos of things, with the sentence beside each as its caption."""
import hashlib

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from clipnb_train import stamps


@pytest.mark.parametrize("text, caption", [
    ("A european bear.\naf.utf8='n Europese beer.\n", "a european bear"),
    ("An old Chinese sailing ship.", "an old Chinese sailing ship"),
    ("A US “Sacagawea” dollar ($1.00).", 'a US "Sacagawea" dollar ($1.00)'),
    ("Balsam.", "balsam"),
])
def test_the_first_sentence_is_the_caption(text, caption):
    assert stamps.sentence_caption(text) == caption


@pytest.mark.parametrize("name, concept", [("frog-1", "frog"), ("sedan_police_mirror", "sedan police"),
                                           ("005nickel", "nickel"), ("Brown_slug", "brown slug")])
def test_file_names_become_concepts(name, concept):
    assert stamps.concept_of(name) == concept


def _stamp(folder, name, text, size=(60, 30)):
    folder.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    im.paste(Image.new("RGBA", size, (200, 40, 40, 255)), (10, 20))
    im.save(folder / f"{name}.png")
    if text is not None:
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")


def test_collect_and_render_a_stamp_tree(tmp_path):
    root = tmp_path / "deb"
    base = root / stamps.STAMPS
    _stamp(base / "animals" / "mammals", "bear", "A bear.\nfr.utf8=Un ours.\n")
    _stamp(base / "vehicles", "sedan_mirror", None)  # no sentence of its own: left out
    _stamp(base / "symbols" / "alphabets" / "english", "A_filled", "The letter A.")  # letters: left out
    table = stamps.collect(root)
    assert list(table["name"]) == ["animals/mammals/bear"]
    assert table.loc[0, "caption"] == "a bear" and table.loc[0, "folder"] == "animals/mammals"
    assert table.loc[0, "split"] in ("train", "val")
    out = tmp_path / "bear.png"
    stamps.render(base / "animals" / "mammals" / "bear.png", out, 64)
    pixels = np.asarray(Image.open(out))
    assert pixels.shape == (64, 64, 3)
    assert (pixels[0, 0] == 255).all() and (pixels[32, 32] == (200, 40, 40)).all()  # on white, centred, cropped


def test_one_in_seven_is_held_out_by_name():
    names = [f"animals/x{i}.png" for i in range(2000)]
    held = [n for n in names if stamps.split_of(n) == "val"]
    assert 0.11 < len(held) / len(names) < 0.18
    assert all(int(hashlib.sha256(n.encode()).hexdigest(), 16) % 7 == 0 for n in held)


def test_a_package_with_the_wrong_hash_is_deleted(tmp_path, monkeypatch):
    deb = tmp_path / f"{stamps.PACKAGE}_{stamps.VERSION}_all.deb"
    deb.write_bytes(b"not the package")
    with pytest.raises(SystemExit, match="not the pinned"):
        stamps.fetch(tmp_path)
    assert not deb.exists()
