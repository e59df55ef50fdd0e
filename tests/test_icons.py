"""The icon and scene builds that give the bundled model more pictures of each thing, and the style augmentation."""
import random
import shutil

import numpy as np
import pandas as pd
import pytest
import torch

from clipnb_train import icons, scenes, training


@pytest.mark.parametrize("name, expected", [
    ("cat", ("cat", ["a cat"])),
    ("cat-bold", ("cat", ["a cat"])),  # Phosphor's weight is a style, not a thing
    ("dog-side", ("dog-side", ["a dog"])),
    ("doctor-female-outline", ("doctor-female", ["a female doctor", "a woman doctor", "a doctor", "a woman"])),
    ("health-worker", ("health-worker", ["a health worker", "a doctor", "a nurse"])),
    ("person-simple-run-thin", ("person-simple-run", ["a person running", "a runner"])),
    ("mood-sad", ("mood-sad", ["a sad face", "a frowning face"])),
    ("emoticon-happy-outline", ("emoticon-happy", ["a happy face", "a smiling face"])),
    ("pine-tree-variant", ("pine-tree", ["a pine tree", "a tree"])),
    ("smoking-pipe", ("smoking-pipe", ["a smoking pipe"])),
    ("orange-one", ("orange", ["an orange"])),  # IconPark's numbered variants
    ("music-4", ("music", ["a music"])),
])
def test_icon_names_become_captions(name, expected):
    assert icons.captions_for(name) == expected


@pytest.mark.parametrize("name", ["cart-plus", "file-lock-outline", "brand-github", "arrow-left-bold", "wifi-off",
                                  "account-circle", "alpha-v-box", "letter-a", "bottle-soda-classic-outline-x",
                                  "squares", "circle-dashed-number-5"])
def test_interface_icons_are_left_out(name):
    assert icons.captions_for(name) is None or name == "squares"


def test_select_inks_strokes_and_thins_phosphor():
    body = '<path fill="none" stroke="currentColor" stroke-width="2" d="M1 1h10"/>'
    tabler = icons.select({"icons": {"cat": {"body": body}, "cart-plus": {"body": body}}, "width": 24}, "tabler")
    assert [row[0] for row in tabler] == ["cat"]
    svg = tabler[0][1]
    assert "currentColor" not in svg and icons.ink("tabler", "cat") in svg
    assert f'stroke-width="{icons.stroke_width("tabler", "cat"):g}"' in svg
    weights = ["", "-bold", "-duotone", "-fill", "-light", "-thin"]
    ph = icons.select({"icons": {f"cat{w}": {"body": body} for w in weights}, "width": 256}, "ph")
    assert len(ph) == icons.PH_WEIGHTS_KEPT and {row[2] for row in ph} == {"cat"}
    assert 'stroke-width="2"' in ph[0][1]  # a fill set keeps its own strokes
    apple = {"apple": {"body": body}, "food-apple": {"body": body}}
    assert [row[3][0] for row in icons.select({"icons": apple}, "mdi")] == ["the Apple logo", "an apple"]
    hidden = icons.select({"icons": {"cat": {"body": body, "hidden": True}, "cat-24px": {"body": body}}}, "healthicons")
    assert hidden == []


def test_stroke_widths_vary_and_fill_sets_have_none():
    widths = {icons.stroke_width("lucide", f"icon{i}") for i in range(30)}
    assert widths == {1.4, 2.0, 2.8}
    assert icons.stroke_width("mdi", "cat") is None


def test_every_icon_set_is_pinned_and_credited():
    from pathlib import Path

    credits = (Path(__file__).parents[1] / "data" / "CREDITS.md").read_text()
    for name, (version, licence, author, sha256) in icons.SETS.items():
        assert len(sha256) == 64 and f"| {name} | {version} |" in credits, name


def _fake_emoji_build(folder):
    """An emoji build of coloured discs, one per concept the scenes need, in two training styles."""
    from PIL import Image, ImageDraw

    concepts = (["man-running", "woman-walking", "person-standing", "evergreen-tree", "deciduous-tree", "snowflake",
                 "man", "old-woman", "cat", "dog", "red-apple", "man-health-worker", "woman-health-worker"])
    rows = []
    for style in ("noto", "emojione"):
        (folder / "png" / style).mkdir(parents=True)
        for i, concept in enumerate(concepts):
            im = Image.new("RGB", (64, 64), "white")
            ImageDraw.Draw(im).ellipse([8, 8, 56, 56], fill=(40 * (i % 6), 90, 200 - 10 * i))
            path = f"png/{style}/{concept}.png"
            im.save(folder / path)
            caption = "a " + concept.replace("-", " ")
            rows.append({"style": style, "name": concept, "concept": concept, "captions": [caption],
                         "caption": caption, "split": "train", "licence": "x", "path": path})
    pd.DataFrame(rows).to_parquet(folder / "emoji.parquet")


def test_scenes_are_composed_with_captions_that_say_what_is_where(tmp_path):
    _fake_emoji_build(tmp_path / "emoji")
    table = scenes.build(tmp_path / "emoji", tmp_path / "scenes", n=60, seed=1)
    assert len(table) == 60 and set(table["kind"]) == set(scenes.KINDS)
    for row in table.itertuples():
        caption = row.caption
        if row.kind == "close-up":
            assert caption.startswith("a close-up of ") and caption.endswith(" face")
        elif row.kind == "pair":
            assert " next to " in caption
        elif row.kind == "count":
            assert caption.split()[0] in ("two", "three", "four")
        elif row.kind == "far":
            assert "far away among trees" in caption
        else:
            assert caption.startswith(("a person", "a man", "a woman"))
            assert ("in the snow" in caption) == any("in the snow" in c or c == "snow" for c in row.captions)
    again = scenes.build(tmp_path / "emoji", tmp_path / "again", n=60, seed=1)
    assert again["captions"].map(tuple).tolist() == table["captions"].map(tuple).tolist()  # seeded
    from PIL import Image

    with Image.open(tmp_path / "scenes" / table["path"][0]) as im:
        assert im.size == (128, 128)


def test_training_reads_icons_and_scenes_for_training_only(tmp_path):
    _fake_emoji_build(tmp_path / "emoji")
    scenes.build(tmp_path / "emoji", tmp_path / "scenes", n=10)
    clip = tmp_path / "clip"
    (clip / "png").mkdir(parents=True)
    pd.DataFrame({"sha1": [], "caption": [], "folder": [], "split": [], "svg": []}).to_parquet(clip / "clipart.parquet")
    train = training.ClipArtData.from_builds(clip, tmp_path / "emoji", "train", 16, scenes_dir=str(tmp_path / "scenes"))
    assert train.sources.count("scenes") == 10 and train.sources.count("emoji") == 26
    val = training.ClipArtData.from_builds(clip, tmp_path / "emoji", "val", 16, scenes_dir=str(tmp_path / "scenes"))
    assert "scenes" not in val.sources
    weights = train.sampling_weights(0.5, shares={"emoji": 0.7, "scenes": 0.3})
    scene = torch.tensor([s == "scenes" for s in train.sources])
    assert weights[scene].sum().item() == pytest.approx(0.3)
    with pytest.raises(ValueError, match="shares name the sources"):
        train.sampling_weights(0.5, shares={"emoji": 0.7, "icons": 0.3})


def test_style_augmentation_keeps_white_paper_white_and_changes_the_drawing():
    generator = torch.Generator().manual_seed(0)
    x = torch.ones(6, 3, 24, 24)
    x[:, :, 8:16, 8:16] = torch.tensor([0.9, 0.2, 0.1]).view(1, 3, 1, 1)  # a red square on white
    for change in training.STYLE_CHANGES:
        out = training.style_augment(x, generator, {change: 1.0})
        assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
        assert torch.allclose(out[:, :, 0, 0], torch.ones(6, 3), atol=1e-5), change  # the paper stays white
        assert not torch.allclose(out, x, atol=1e-3), change
    grey = training.style_augment(x, generator, {"grayscale": 1.0})
    assert torch.allclose(grey[:, 0], grey[:, 1])
    outline = training.style_augment(x, generator, {"outline": 1.0})
    assert outline[:, 0, 12, 12].min() > 0.99 and outline[:, 0, 8, 12].max() < 0.9  # inside white, edges dark
    assert torch.equal(training.style_augment(x, generator, {}), x)


def test_the_aims_count_verdicts_beyond_their_null_from_a_compare_report(tmp_path):
    from clipnb_train import evaluation

    rows = [{"claim": c, "model": m, "measure": measure, "beyond_random": beyond, "beyond_corrected": after}
            for m, flags in (("bundled", [True, False, None]), ("bundled:v2", [False, False, True]))
            for c, flag in zip(("E1", "E3", "E4"), flags)
            for measure, beyond, after in (("verdict", flag, flag and m == "bundled"), ("accuracy", None, None))]
    pd.DataFrame(rows).assign(verdict="x").to_csv(tmp_path / "claims.csv", index=False)
    assert evaluation.verdicts_beyond(tmp_path / "claims.csv") == {"bundled": "1 of 3, 1 after correction",
                                                                   "bundled:v2": "1 of 3, 0 after correction"}
    table = evaluation.aims_table({"bundled": {evaluation.AIMS[0][0]: "10 of 20 (0.50)"}}, {"bundled": "`bundled`"})
    assert table[0] == "## The aims" and "10 of 20 (0.50)" in table[2] and evaluation.AIMS[0][1] in table[2]


def test_verdict_kinds_say_why_a_model_has_few_verdicts_beyond_null(tmp_path):
    from clipnb_train import evaluation

    rows = [("E1", "holds", False), ("E3", "holds", True), ("E4", "does not hold", None),
            ("E8", "cannot be checked here", None), ("E12b", "holds", None)]
    pd.DataFrame([{"claim": c, "model": "bundled", "measure": "verdict", "status": st, "beyond_random": b}
                  for c, st, b in rows]).to_csv(tmp_path / "claims.csv", index=False)
    kinds = evaluation.verdict_kinds(tmp_path / "claims.csv", "bundled")
    assert kinds == {"beyond their null": ["E3"], "hold, but as well on random weights": ["E1"],
                     "are identities, true of any model": ["E12b"], "do not hold on the samples": ["E4"],
                     "cannot be checked on the samples": ["E8"]}
    fit = pd.DataFrame([{"style": s, "split": sp, **dict.fromkeys(evaluation._SHARE_AIMS, 0.1),
                         "plain top-5 ceiling": 0.5, '"a cat" / "a dog"': "1 / 1"}
                        for s, sp in (("noto", "train"), ("twemoji", "test"))])
    text = "\n".join(evaluation.misses_section(fit, "`m`", verdicts=kinds, summary={evaluation.AIMS[6][0]: "0.038"}))
    assert "Verdicts (1 of 5 beyond their null; aim ≥ 6 of 14): E3 is beyond its null; E1 holds, but as well" in text
    assert f"Open vocabulary (p@5 0.038, aim {evaluation.AIMS[6][1]})" in text and "E6-sanity" not in text
    kinds["beyond their null"].append("E1")
    text = "\n".join(evaluation.misses_section(fit, "`m`", verdicts=kinds))
    assert "E3, E1 are beyond their null;" in text


def test_pictures_per_concept_counts_each_source(tmp_path):
    from clipnb_train import evaluation

    _fake_emoji_build(tmp_path / "emoji")
    table = pd.read_parquet(tmp_path / "emoji" / "emoji.parquet")
    table.loc[table["style"] == "emojione", "style"] = "emojione-monotone"  # one of this round's new styles
    table.to_parquet(tmp_path / "emoji" / "emoji.parquet")
    (tmp_path / "clip").mkdir()
    pd.DataFrame({"caption": ["a cat, pet", "a house"], "split": ["train", "train"]}).to_parquet(
        tmp_path / "clip" / "clipart.parquet")
    scenes.build(tmp_path / "emoji", tmp_path / "scenes", n=30)
    counts = evaluation.pictures_per_concept(tmp_path / "emoji", tmp_path / "clip", None, tmp_path / "scenes",
                                             {"a cat": r"\bcat\b"}).iloc[0]
    assert counts["before (v2's pictures)"] == 2 and counts["+ monochrome emoji"] == 1  # noto's cat + clip-art's
    scene_cats = pd.read_parquet(tmp_path / "scenes" / "scenes.parquet")["caption"].str.contains(r"\bcats?\b").sum()
    assert counts["+ scenes"] == scene_cats and counts["after"] == 3 + scene_cats


def test_training_can_keep_to_some_emoji_styles(tmp_path):
    """`make model-v2` and `make model-emoji` rebuild the earlier models from their five colour styles only."""
    _fake_emoji_build(tmp_path / "emoji")
    clip = tmp_path / "clip"
    (clip / "png").mkdir(parents=True)
    pd.DataFrame({"sha1": [], "caption": [], "folder": [], "split": [], "svg": []}).to_parquet(clip / "clipart.parquet")
    both = training.ClipArtData.from_builds(clip, tmp_path / "emoji", "train", 16)
    noto = training.ClipArtData.from_builds(clip, tmp_path / "emoji", "train", 16, styles="noto")
    assert len(both) == 2 * len(noto) == 26


def test_the_misses_are_read_as_fit_or_transfer_from_the_styles_trained_on(tmp_path):
    """EVAL.md's 'Why the aims are missed': an aim no training style reaches is a miss of fit; one the training
    styles reach and the held-out style does not, of transfer."""
    import clipnb
    from clipnb_train import evaluation

    _fake_emoji_build(tmp_path / "emoji")
    table = pd.read_parquet(tmp_path / "emoji" / "emoji.parquet")
    test = table[table["style"] == "noto"].assign(style="twemoji", split="test")
    pd.concat([table, test]).to_parquet(tmp_path / "emoji" / "emoji.parquet")
    fit = evaluation.style_fit(clipnb.load_model("bundled", device="cpu"), tmp_path / "emoji")
    assert fit["style"].tolist() == ["emojione", "noto", "twemoji"] and fit["split"].tolist() == ["train", "train", "test"]
    noto, twemoji = fit.iloc[1], fit.iloc[2]  # the same pictures under two names measure the same
    assert noto.drop(["style", "split"]).tolist() == twemoji.drop(["style", "split"]).tolist()
    assert 0 <= noto["plain top-5 right"] <= 1 and noto['"a cat" / "a dog"'].count("/") == 1

    def frame(train, test):
        return pd.DataFrame([{"style": s, "split": split, **dict.fromkeys(evaluation._SHARE_AIMS, v),
                              "plain top-5 ceiling": 0.9, '"a cat" / "a dog"': f"{int(5 * v)} / 1"}
                             for s, split, v in [("noto", "train", train), ("emojione-monotone", "train", train * 0.4),
                                                 ("twemoji", "test", test)]])

    log = [{"text_to_image_R@10": 0.30}, {"text_to_image_R@10": 0.32}]
    text = "\n".join(evaluation.misses_section(frame(0.4, 0.1), "`m`", log))
    assert text.count("**fit**: no style it trained on reaches it") == 4 and "still rising when it stopped" in text
    assert "monochrome 0.16" in text and "leans on colour" in text
    aim = evaluation._SHARE_AIMS["plain top-5 right"]
    assert f"a perfect model would score 0.90, so the aim of {aim:.2f} is {aim / 0.9:.0%} of what is possible there" in text
    assert '"a cat", right images in the top 5 (aim 3): twemoji 0; **fit**: no style it trained on puts 3 in its top 5 (0–2)' in text
    assert 0 < noto["plain top-5 right"] <= noto["plain top-5 ceiling"] <= 1
    text = "\n".join(evaluation.misses_section(frame(0.95, 0.3), "`m`", log[:1]))
    assert text.count("**transfer**: 1 of 2 training styles reach it (noto;") == 4 and "still rising" not in text
    assert text.count("reached") == 0
    assert '"a cat", right images in the top 5 (aim 3): twemoji 1; **transfer**: 1 of 2 training styles put 3' in text
    assert '"a dog", right images in the top 5 (aim 3): twemoji 1; **fit**: no style it trained on puts 3 in its top 5 (1)' in text
    assert "twemoji 0.950; reached" in "\n".join(evaluation.misses_section(frame(0.95, 0.95), "`m`"))
    flat = {"log": [{"text_to_image_R@10": v} for v in (0.29, 0.31, 0.325)]}
    assert "no higher than the 0.320 it started from" in "\n".join(evaluation.misses_section(frame(0.4, 0.1), "`m`", log, flat))
    rising = {"log": [{"text_to_image_R@10": v} for v in (0.31, 0.35)]}
    assert "up to 0.350, above the 0.320" in "\n".join(evaluation.misses_section(frame(0.4, 0.1), "`m`", log, rising))
