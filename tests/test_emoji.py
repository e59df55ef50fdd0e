"""The emoji data: caption rules (each with its case), selection, rendering, pinned downloads, splits."""
import io
import random
import shutil
import tarfile
from pathlib import Path

import pandas as pd
import pytest

import clipnb
from clipnb_train import emoji, samples, training

FLUENT_TONES = {"police-car-light", "police-car", *(f"health-worker-{t}" for t in emoji.TONES), "health-worker"}


def test_skin_tone_becomes_words():
    assert emoji.captions_for("woman-firefighter-medium-skin-tone")[1][0] == "a woman firefighter, medium skin tone"


def test_fluent_bare_tone_suffix_only_with_all_five_variants():
    assert emoji.strip_tone("health-worker-dark", FLUENT_TONES) == ("health-worker", "dark skin tone")
    # police-car-light has no -dark/-medium siblings: a light, not a skin tone
    assert emoji.strip_tone("police-car-light", FLUENT_TONES) == ("police-car-light", None)
    assert emoji.captions_for("police-car-light", FLUENT_TONES)[1][0] == "a police car light"


def test_two_tones_in_one_name():
    base, tone = emoji.strip_tone("handshake-light-skin-tone-dark-skin-tone", set())
    assert base == "handshake" and tone == "light and dark skin tone"


def test_flags_read_as_flags():
    assert emoji.captions_for("flag-france")[1][0] == "the flag of France"
    assert emoji.captions_for("flag-for-palau")[1][0] == "the flag of Palau"
    assert emoji.captions_for("flag-in-hole")[1][0] == "a flag in hole"  # golf, not a country


@pytest.mark.parametrize("name, wanted", [
    ("hamburger", ["a burger", "a cheeseburger"]),
    ("automobile", ["a car"]),
    ("man-health-worker", ["a doctor", "a male doctor", "a nurse", "a man"]),
    ("woman-technologist", ["a software engineer", "a female programmer", "a woman"]),
    ("woman-scientist", ["a researcher", "a woman researcher"]),
])
def test_synonyms_speak_the_talks_words(name, wanted):
    captions = emoji.captions_for(name)[1]
    for caption in wanted:
        assert caption in captions, (caption, captions)


@pytest.mark.parametrize("name, first, forbidden", [
    ("hot-dog", "a hot dog sausage in a bun", "a dog"),
    ("flower-playing-cards", "flower playing cards", "a flower"),
    ("kiss-mark", "a lipstick kiss mark", "a kiss"),
    ("cat-face-with-tears-of-joy", "tears of joy on a cat face", "a cat"),
])
def test_false_friends(name, first, forbidden):
    captions = emoji.captions_for(name)[1]
    assert captions[0] == first and forbidden not in captions


def test_family_and_couple_names_are_shortened():
    concept, captions = emoji.captions_for("family-man-woman-girl-boy")
    assert concept == "family" and captions[0] == "a family" and all(len(c) < 40 for c in captions)
    assert emoji.captions_for("kiss-woman-man-medium-skin-tone")[1][0] == "a kiss, medium skin tone"


def test_actions_and_articles():
    captions = emoji.captions_for("man-running")[1]
    assert captions[:2] == ["a man running", "a person running"] and "a male running" not in captions
    assert emoji.captions_for("crossed-flags")[1][0] == "crossed flags"
    assert emoji.captions_for("grinning-cat-with-smiling-eyes")[1][0] == "a grinning cat with smiling eyes"
    assert emoji.captions_for("man-health-worker-2")[0] == "man-health-worker"  # streamline's numbered variants


def test_select_skips_hidden_and_downsamples_tones():
    body = '<circle cx="8" cy="8" r="6" fill="#c00"/>'
    icons = {"cat": {"body": body}, "ghost": {"body": body, "hidden": True},
             "person": {"body": body}, **{f"person-{t}-skin-tone": {"body": body} for t in emoji.TONES}}
    chosen = [name for name, _ in emoji.select({"icons": icons, "aliases": {"kitty": {"parent": "cat"}},
                                               "width": 16, "height": 16})]
    assert "ghost" not in chosen and "kitty" not in chosen and "cat" in chosen and "person" in chosen
    assert sum(name.startswith("person-") for name in chosen) == emoji.MAX_TONED_PER_BASE


@pytest.mark.skipif(shutil.which("rsvg-convert") is None, reason="needs rsvg-convert (librsvg2-bin)")
def test_render_and_blank_detection(tmp_path):
    from PIL import Image

    icons = {"dot": {"body": '<circle cx="8" cy="8" r="6" fill="#c00"/>'}, "blank": {"body": ""}}
    svgs = dict(emoji.select({"icons": icons, "width": 16, "height": 16}))
    assert emoji.render_svg(svgs["dot"], tmp_path / "dot.png", 32)
    with Image.open(tmp_path / "dot.png") as im:
        assert im.size == (32, 32) and im.getpixel((16, 16))[0] > 150 and im.getpixel((0, 0)) == (255, 255, 255)
    assert not emoji.render_svg(svgs["blank"], tmp_path / "blank.png", 32)
    assert not emoji.render_svg("<svg", tmp_path / "broken.png", 32) and not (tmp_path / "broken.png").exists()


def test_a_tampered_tarball_is_refused_and_removed(tmp_path):
    version = emoji.SETS["twemoji"][0]
    tarball = tmp_path / f"iconify-json-twemoji-{version}.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        data = b'{"icons": {}}'
        info = tarfile.TarInfo("package/icons.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(RuntimeError, match="not the pinned"):
        emoji.fetch("twemoji", tmp_path)
    assert not tarball.exists()


def test_one_style_each_for_validation_and_test():
    splits = [split for _, _, split in emoji.SETS.values()]
    assert splits.count("test") == 1 and splits.count("val") == 1
    assert set(emoji.PINNED_SHA256) == set(emoji.SETS)


def test_sample_corpus_holds_the_talks_subjects_and_no_training_image():
    captions = pd.read_csv(clipnb.samples_dir() / "captions.csv")
    for image_path in captions["image_path"]:
        assert (clipnb.samples_dir() / image_path).is_file(), image_path
    emoji_rows = captions[captions["image_path"].str.startswith("emoji/")]
    styles = emoji_rows["source"].str.extract(r"@iconify-json/([\w-]+) ")[0]
    assert set(styles) == {samples.EMOJI_STYLE} and emoji.SETS[samples.EMOJI_STYLE][2] == "test"
    concepts = set(emoji_rows["concept"])
    for subject in ["cat", "dog", "monkey", "hamburger", "man-health-worker", "woman-technologist",
                    "scientist", "person-running", "evergreen-tree", "snowflake", "grinning-face", "crying-face"]:
        assert subject in concepts, subject
    size = sum(p.stat().st_size for p in clipnb.samples_dir().rglob("*") if p.is_file())
    assert size <= 8e6, f"data/samples is {size / 1e6:.1f} MB, over its 8 MB budget"


def test_emoji_captions_sampled_in_training():
    rng = random.Random(0)
    options = ["a man health worker, light skin tone", "a doctor", "a male nurse"]
    seen = {training.augment_emoji_caption(options, rng) for _ in range(200)}
    assert any("doctor" in s for s in seen) and any("male nurse" in s for s in seen)
    assert any(s.endswith("light skin tone") for s in seen) and any(s.endswith("health worker") for s in seen)


def test_mixed_sampling_gives_clipart_its_share():
    clipart = training.ClipArtData([], ["a", "b", "c"], 8, groups=["x", "x", "y"])
    emoji_part = training.ClipArtData([], ["d", "e", "f", "g"], 8, groups=["cat", "cat", "cat", "dog"],
                                      alternatives=[["d"], ["e"], ["f"], ["g"]], sources=["emoji"] * 4)
    weights = clipart.concat(emoji_part).sampling_weights(1.0, clipart_share=0.3)
    assert weights[:3].sum().item() == pytest.approx(0.3) and weights[3:].sum().item() == pytest.approx(0.7)
    assert weights[6].item() == pytest.approx(3 * weights[3].item())  # one dog weighs as much as three cats


def test_missing_emoji_build_says_how_to_build(tmp_path):
    clip = tmp_path / "clip"
    clip.mkdir()
    pd.DataFrame({"sha1": [], "caption": [], "folder": [], "split": [], "svg": []}).to_parquet(clip / "clipart.parquet")
    with pytest.raises(FileNotFoundError, match="python -m clipnb_train.emoji build"):
        training.ClipArtData.from_builds(clip, tmp_path / "nope", "train", 8)
