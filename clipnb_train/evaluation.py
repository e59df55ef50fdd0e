"""Evaluate a CLIP model on held-out data: the unseen emoji style and the clip-art test split.

Command (writes ``EVAL.md`` beside the bundled model)::

    python -m clipnb_train.evaluation [--model bundled] [--baseline bundled:emoji]

The emoji test set is one whole style (twemoji) that no model here was trained on or tuned
with.  Every number is printed next to chance, next to the same architecture untrained and
next to the baseline model.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np

from clipnb.models import random_weights_dir
from clipnb_train.emoji import emoji_table

# Zero-shot classes: top-level folders with enough test images ('unsorted'/'special' say nothing),
# each named by the folder word its captions carry (the model's own vocabulary, as CLIP's class
# names are words of its web captions).
FOLDER_CLASSES = {
    "animals": "animal", "buildings": "building", "computer": "computer", "food": "food",
    "geography": "map", "office": "office", "people": "person", "plants": "plant", "recreation": "games",
    "shapes": "shape", "signs_and_symbols": "sign symbol", "tools": "tool", "transportation": "transport",
}
TEMPLATES = ["{}", "a drawing of {}", "clip art of {}", "an icon of {}"]
# Plain queries and what makes an answer right: a pattern over the image's caption and SVG path.
PLAIN_QUERIES = {
    "a cat": r"\bcats?\b|housecat|\bgatt[oa]\b|kitten",
    "a dog": r"\bdogs?\b|puppy|\bcane\b",
    "a flag": r"\bflags?\b",
    "a car": r"\bcars?\b|automobile|vehicle",
    "a flower": r"flower|\brose\b|tulip|daisy|\bfiore\b",
    "a computer": r"computer|\bpc\b|monitor|laptop|keyboard|hardware",
    "a playing card": r"playing card|\bcards?\b",
    "food": r"\bfood|fruit|dessert|vegetable|meat|bread|cake",
    "a person": r"\bperson|people|\bman\b|woman|\bboy\b|\bgirl\b|stickm",
    "a house": r"\bhouses?\b|\bhomes?\b|building",
    "a star": r"\bstars?\b",
    "a map": r"\bmaps?\b|geography",
}


# --- the held-out emoji style -------------------------------------------------------------------
# Zero-shot classes: label -> the emoji concepts (names without tone) that show it.
EMOJI_CLASSES = {
    "cat": ["cat"], "dog": ["dog"], "monkey": ["monkey"], "burger": ["hamburger"], "pizza": ["pizza"],
    "car": ["automobile"], "bus": ["bus"], "bicycle": ["bicycle"], "airplane": ["airplane"], "rocket": ["rocket"],
    "house": ["house"], "horse": ["horse"], "cow": ["cow"], "pig": ["pig"], "rabbit": ["rabbit"],
    "elephant": ["elephant"], "snake": ["snake"], "frog": ["frog"], "penguin": ["penguin"], "owl": ["owl"],
    "banana": ["banana"], "apple": ["red-apple"], "grapes": ["grapes"], "strawberry": ["strawberry"],
    "watermelon": ["watermelon"], "cake": ["birthday-cake"], "guitar": ["guitar"], "umbrella": ["umbrella"],
    "football": ["soccer-ball"], "clock": ["alarm-clock"], "book": ["closed-book"], "snowman": ["snowman"],
    "pine tree": ["evergreen-tree"], "tree": ["deciduous-tree"], "palm tree": ["palm-tree"],
    "mushroom": ["mushroom"], "sun": ["sun"], "fire": ["fire"], "ship": ["ship"], "train": ["locomotive"],
    "tiger": ["tiger"], "lion": ["lion"], "bear": ["bear"], "mouse": ["mouse"], "spider": ["spider"],
    "fish": ["fish"], "bird": ["bird"], "camera": ["camera"],
}
EMOJI_TEMPLATES = ["a {}", "an emoji of a {}", "a drawing of a {}", "an icon of a {}"]
# Plain queries over the held-out style: what counts as right is a pattern over the concept's words.
EMOJI_QUERIES = {
    # the talk's nouns
    "a cat": r"\bcat\b", "a dog": r"(?<!hot )\bdog\b|poodle", "a monkey": r"monkey", "a burger": r"hamburger",
    "a cheeseburger": r"hamburger", "a doctor": r"health worker", "a nurse": r"health worker",
    "a teacher": r"teacher", "a software engineer": r"technologist", "a scientist": r"scientist",
    "a man": r"^(?:man|men|old man|prince|person beard)\b|^man ", "a woman": r"^(?:woman|women|old woman|princess)\b",
    "a person running": r"running", "a tree": r"\btree\b", "an evergreen tree": r"evergreen|christmas tree",
    "snow": r"snow|skier", "a happy face": r"grinning|smiling|beaming|joy|laughing|grin",
    "a sad face": r"crying|frowning|sad|disappointed|pensive|weary|anguished|sob",
    # everyday things
    "a car": r"automobile|\bcar\b", "a bus": r"\bbus\b", "a train": r"train|locomotive|railway|tram|metro",
    "an airplane": r"airplane", "a bicycle": r"bicycle|biking|\bbike\b", "a rocket": r"rocket", "a ship": r"ship|boat|ferry",
    "a house": r"\bhouses?\b|home", "a pizza": r"pizza", "an apple": r"apple", "a banana": r"banana",
    "grapes": r"grapes", "a strawberry": r"strawberry", "a cake": r"cake|cupcake", "coffee": r"coffee|hot beverage",
    "beer": r"beer", "a flag": r"\bflag\b", "a heart": r"heart", "a star": r"\bstar\b|glowing star",
    "the sun": r"\bsun\b", "the moon": r"moon", "a cloud": r"cloud", "fire": r"\bfire\b", "a flower": r"flower|blossom|rose|tulip|hibiscus|sunflower",
    "a horse": r"horse", "a cow": r"\bcow\b|\box\b", "a pig": r"\bpig\b", "a bird": r"\bbird\b|chick|eagle|dove|parrot",
    "a fish": r"\bfish\b", "a snake": r"snake", "a bear": r"\bbear\b", "a lion": r"\blion\b", "a tiger": r"tiger",
    "a rabbit": r"rabbit", "a mouse": r"\bmouse\b(?! trap)", "an elephant": r"elephant", "a frog": r"frog",
    "a spider": r"spider", "a guitar": r"guitar", "a book": r"\bbooks?\b", "a clock": r"clock", "a phone": r"phone",
    "a computer": r"computer|laptop|desktop", "a camera": r"camera", "an umbrella": r"umbrella",
    "a ball": r"\bball\b|football|baseball|basketball|volleyball|softball", "a key": r"\bkey\b",
    "a baby": r"\bbaby\b", "a firefighter": r"firefighter", "a police officer": r"police officer",
    "a cook": r"\bcook\b", "a farmer": r"farmer", "an astronaut": r"astronaut", "a pilot": r"pilot",
    "a crown": r"crown", "a ghost": r"ghost", "a robot": r"robot",
}
PEOPLE_PATTERN = r"^(man|woman)-(?!and-|holding)"


def emoji_zero_shot(model, table, classes=EMOJI_CLASSES, templates=EMOJI_TEMPLATES):
    """Top-1 accuracy of the nearest prompt-ensemble class, over the images of those classes."""
    label_of = {concept: label for label, concepts in classes.items() for concept in concepts}
    table = table[table["concept"].isin(label_of)]
    labels = sorted(set(label_of[c] for c in table["concept"]))
    prototypes = np.stack([model.encode_text([t.format(label) for t in templates]).numpy().mean(0) for label in labels])
    prototypes /= np.linalg.norm(prototypes, axis=1, keepdims=True)
    predicted = (model.encode_image(list(table["png"])).numpy() @ prototypes.T).argmax(1)
    truth = [labels.index(label_of[c]) for c in table["concept"]]
    return float((predicted == np.array(truth)).mean()), len(labels), len(table)


def man_woman(model, table):
    """Share of held-out man-/woman- images whose own gender's prompt scores higher.

    Two prompt pairs: "a man {rest}" vs "a woman {rest}" (e.g. "a man firefighter"), and plain
    "a man" vs "a woman".
    """
    people = table[table["concept"].str.match(PEOPLE_PATTERN)]
    gender = people["concept"].str.split("-").str[0]
    rest = people["concept"].str.split("-", n=1).str[1].str.replace("-", " ")
    image_features = model.encode_image(list(people["png"])).numpy()
    man = model.encode_text([f"a man {r}" for r in rest]).numpy()
    woman = model.encode_text([f"a woman {r}" for r in rest]).numpy()
    specific = np.where(gender == "man", (image_features * man).sum(1) > (image_features * woman).sum(1),
                        (image_features * woman).sum(1) > (image_features * man).sum(1))
    plain = image_features @ model.encode_text(["a man", "a woman"]).numpy().T
    plain_right = np.where(gender == "man", plain[:, 0] > plain[:, 1], plain[:, 1] > plain[:, 0])
    return {"a man X vs a woman X": float(specific.mean()), "a man vs a woman": float(plain_right.mean()),
            "images": len(people)}


def cat_first(model, table):
    """For the held-out cat images: how often "a cat" beats "a dog", "a monkey", "a cheeseburger"."""
    cats = table[table["concept"].isin(["cat", "cat-face", "black-cat"])]
    scores = model.encode_image(list(cats["png"])).numpy() @ model.encode_text(
        ["a dog", "a cat", "a monkey", "a cheeseburger"]).numpy().T
    return float((scores.argmax(1) == 1).mean()), len(cats)


def _split_table(data_dir: Path, split: str = "test"):
    import pandas as pd

    table = pd.read_parquet(Path(data_dir) / "clipart.parquet")
    table = table[table["split"] == split].reset_index(drop=True)
    table["png"] = [str(Path(data_dir) / "png" / f"{s}.png") for s in table["sha1"]]
    return table


def retrieval(model, table, ks=(1, 5, 10)) -> dict:
    """Recall@k both ways, one caption per image (images without a caption are left out)."""
    table = table[table["caption"].str.strip() != ""]
    image_features = model.encode_image(list(table["png"])).numpy()
    text_features = model.encode_text(list(table["caption"])).numpy()
    from clipnb.geometry import recall_at_k

    similarity = text_features @ image_features.T
    return {f"{name} R@{k}": value for name, sim in [("text→image", similarity), ("image→text", similarity.T)]
            for k, value in recall_at_k(sim, ks).items()}


def zero_shot(model, table, classes=FOLDER_CLASSES, templates=TEMPLATES):
    """Balanced accuracy of nearest prompt-ensemble class over the images of those folders."""
    from sklearn.metrics import balanced_accuracy_score

    table = table[table["folder"].isin(classes)]
    names = list(classes)
    prototypes = np.stack([model.encode_text([t.format(classes[n]) for t in templates]).numpy().mean(0)
                           for n in names])
    prototypes /= np.linalg.norm(prototypes, axis=1, keepdims=True)
    predicted = (model.encode_image(list(table["png"])).numpy() @ prototypes.T).argmax(1)
    return float(balanced_accuracy_score(table["folder"], [names[i] for i in predicted])), len(names)


def plain_queries(model, table, k: int = 5, queries=PLAIN_QUERIES, text=None):
    """For each query: how many of the top k images are right, and how many are right in the pool."""
    image_features = model.encode_image(list(table["png"])).numpy()
    text = (table["caption"] + " " + table["svg"]).str.lower() if text is None else text
    rows = []
    for query, pattern in queries.items():
        relevant = text.str.contains(pattern, regex=True).to_numpy()
        top = np.argsort(-(image_features @ model.encode_text([query])[0].numpy()))[:k]
        rows.append({"query": query, "first right": bool(relevant[top[0]]), "right in top-5": int(relevant[top].sum()),
                     "chance (expected)": k * relevant.mean(), "relevant in pool": int(relevant.sum()),
                     "top-5 captions": " | ".join(table["caption"].iloc[top].str.split(",").str[0])})
    return rows


def untrained_model(spec: str):
    """The same architecture as ``spec`` (bundled or local-dir) with random weights, loaded the same way."""
    import clipnb

    return clipnb.load_model(f"local-dir:{random_weights_dir(spec)}", device="cpu")


# the styles added in this round (the emoji build's monochrome sets); the rest were bundled:v2's
NEW_EMOJI_STYLES = ("emojione-monotone", "fluent-emoji-high-contrast")


def pictures_per_concept(emoji_dir: Path, clipart_dir: Path, icons_dir: Path | None = None,
                         scenes_dir: Path | None = None, queries: dict | None = None):
    """Training pictures whose main caption matches each plain query (the talk's subjects), before this round
    (clip-art and bundled:v2's five emoji styles) and after (+ the monochrome emoji, icons and scenes)."""
    import pandas as pd

    queries = queries or {q: EMOJI_QUERIES[q] for q in ("a cat", "a dog", "a monkey", "a burger", "a doctor",
                                                          "a teacher", "a man", "a woman", "a person running",
                                                          "a tree", "snow", "a happy face", "a sad face", "a car")}
    emoji = pd.read_parquet(Path(emoji_dir) / "emoji.parquet")
    emoji = emoji[emoji["split"] == "train"]
    words = emoji["concept"].str.replace("-", " ")
    old = emoji["style"].isin(NEW_EMOJI_STYLES)
    clipart = pd.read_parquet(Path(clipart_dir) / "clipart.parquet")
    clipart = clipart[clipart["split"] == "train"]["caption"].str.split(",").str[0].str.lower()
    extra = {}
    for name, folder in (("icons", icons_dir), ("scenes", scenes_dir)):
        if folder and (Path(folder) / f"{name}.parquet").exists():
            captions = pd.read_parquet(Path(folder) / f"{name}.parquet")["caption"].str.lower()
            extra[name] = captions.str.replace(r"^(?:a|an|the) ", "", regex=True)
    rows = []
    for query, pattern in queries.items():
        # captions in words ("a doctor", "a happy face") as well as emoji names ("health worker", "grinning")
        said = pattern + r"|\b" + re.escape(re.sub(r"^(?:a|an|the) ", "", query)) + r"s?\b"  # "three cats" too
        before = int(words[~old].str.contains(pattern).sum() + clipart.str.contains(said).sum())
        row = {"query": query, "before (v2's pictures)": before,
               "+ monochrome emoji": int(words[old].str.contains(pattern).sum())}
        for name, captions in extra.items():
            row[f"+ {name}"] = int(captions.str.contains(said).sum())
        row["after"] = sum(v for k, v in row.items() if k != "query")
        rows.append(row)
    return pd.DataFrame(rows)


def _times(value, chance):
    return f"{value:.3f} ({value / chance:.1f}× chance)"


def gender_section(models: dict, label: dict, skewed: str | None = "bundled:skewed", summary: dict | None = None) -> list[str]:
    """E6-sanity on the sample corpus's 46 + 46 people, and B1 (the planted skew) when a skewed model exists.

    summary : {model: {aim: value}}, filled with E6-sanity's count and B1's outcome (the aims table).
    """
    import re

    summary = summary if summary is not None else {}
    import clipnb
    from clipnb import claims, samples

    groups = samples.gender_groups()
    lines = ["## Gender: marked prompts, and a bias planted in the captions", ""]
    for name, model in models.items():
        result = claims.marked_prompts_move_scores(model, groups)
        lines.append(f"* E6-sanity on {label[name]} ({len(groups['man'])} + {len(groups['woman'])} sample images): "
                     f"{result.status}: {result.reason}")
        counts = result.numbers.set_index("measure")["value"] if result.numbers is not None else {}
        summary.setdefault(name, {})[AIMS[5][0]] = (f"{int(counts['right direction'])} of {int(counts['tests'])}"
                                                    if "tests" in counts else result.status)
    if skewed:
        skew = claims.SKEWS["professions"]
        images = claims.profession_images(clipnb.samples_dir() / "emoji" / "professions", [*skew, *claims.PROFESSION_CONTROLS])
        base = next(iter(models))
        planted = claims.planted_skew_shows(models[base], clipnb.load_model(skewed, device="cpu"), images, skew)
        moved = re.search(r"(\d+) of (\d+) skewed professions moved", planted.reason)
        p = re.search(r"p = ([0-9.e-]+)", planted.reason)
        summary.setdefault(base, {})[AIMS[7][0]] = (f"p = {p[1] if p else '?'}, {moved[1]} of {moved[2]} moved"
                                                    if moved else planted.status)
        lines += ["", f"B1, `{skewed}` against {label[base]} (three man and three woman twemoji per profession; the "
                  "skewed professions' other gender captioned only marked, e.g. 'a male nurse'): "
                  f"**{planted.status}**: {planted.reason}", "", planted.numbers.to_markdown(index=False, floatfmt="+.4f")]
    return lines + [""]


# The aims of the bundled model (issue 33, raised from issue 24's once a probe showed those within reach): (row,
# the aim), filled per model by report(); EVAL.md's first table
AIMS = [("plain queries, right images in the top 5", "≥ 0.50 of them"),
        ("plain queries, first image right", "≥ 48"),
        ('"a cat" / "a dog": right images in the top 5', "≥ 3 / ≥ 3"),
        ("zero-shot top-1, 48 classes", "≥ 0.85"),
        ('man/woman, "a man X" vs "a woman X"', "≥ 0.90"),
        ("E6-sanity, marked prompts pointing the right way", "10 of 10"),
        ("open vocabulary p@5 (twemoji)", "≥ 0.35"),
        ("B1, planted marked-caption skew (bundled:skewed)", "p < 0.05, 5 of 5"),
        ("verdicts beyond their null on the samples", "≥ 6 of 14"),
        ("the nine sample photos: own label first among 15", "the cat photo reads 'a cat'")]

# The sample corpus's photos (scikit-image's; test, like twemoji) with the label each should get first, and the
# distractors they are set against (EVAL.md, "Photos")
PHOTO_LABELS = {"chelsea": "a cat", "astronaut": "an astronaut", "coffee": "a cup of coffee", "rocket": "a rocket",
                "grass": "grass", "gravel": "gravel", "brick": "a brick wall", "hubble_deep_field": "galaxies in space",
                "moon": "the moon"}
PHOTO_DISTRACTORS = ["a dog", "a car", "a tree", "a burger", "a house", "a flower"]


def photo_reading(model) -> tuple[int, list[dict]]:
    """How many of the nine sample photos get their own label first among PHOTO_LABELS' and the distractors."""
    import clipnb

    labels = list(PHOTO_LABELS.values()) + PHOTO_DISTRACTORS
    paths = [clipnb.samples_dir() / "photos" / f"{name}.jpg" for name in PHOTO_LABELS]
    scores = model.encode_image(paths).numpy() @ model.encode_text(labels).numpy().T
    rows = [{"photo": f"{name}.jpg", "its label": label, "read as": labels[int(row.argmax())],
             "rank of its label": int((row > row[labels.index(label)]).sum()) + 1}
            for (name, label), row in zip(PHOTO_LABELS.items(), scores)]
    return sum(r["read as"] == r["its label"] for r in rows), rows


def verdicts_beyond(claims_csv: Path) -> dict:
    """{model: "k of n, j after correction"} from a ``clipnb.compare`` report's claims.csv: verdicts beyond their
    null on their own, of those checked, and how many stay beyond after Holm's correction across the model's claims."""
    import pandas as pd

    table = pd.read_csv(claims_csv)
    verdicts = table[table["measure"] == "verdict"]

    def count(rows, column):
        return int((rows[column].astype(str).str.lower() == "true").sum()) if column in rows else 0

    return {model: f"{count(rows, 'beyond_random')} of {len(rows)}, {count(rows, 'beyond_corrected')} after correction"
            for model, rows in verdicts.groupby("model")}


# verdict_kinds' kinds, said of several claims and of one
_KIND_PHRASES = {"beyond their null": ("are beyond their null", "is beyond its null"),
                 "hold, but as well on random weights": ("hold, but as well on random weights",
                                                         "holds, but as well on random weights"),
                 "are identities, true of any model": ("are identities, true of any model",
                                                       "is an identity, true of any model"),
                 "do not hold on the samples": ("do not hold on the samples", "does not hold on the samples"),
                 "cannot be checked on the samples": ("cannot be checked on the samples",
                                                      "cannot be checked on the samples")}


def verdict_kinds(claims_csv: Path, model: str) -> dict:
    """{kind: [claims]} for one model of a ``clipnb.compare`` report: why its verdicts are, or are not, beyond null."""
    import pandas as pd

    table = pd.read_csv(claims_csv)
    kinds = {"beyond their null": [], "hold, but as well on random weights": [], "are identities, true of any model": [],
             "do not hold on the samples": [], "cannot be checked on the samples": []}
    for row in table[(table["measure"] == "verdict") & (table["model"] == model)].itertuples():
        if str(row.beyond_random) == "True":
            kinds["beyond their null"].append(row.claim)
        elif row.status == "holds":
            kinds["hold, but as well on random weights" if str(row.beyond_random) == "False"
                  else "are identities, true of any model"].append(row.claim)
        elif row.status == "does not hold":
            kinds["do not hold on the samples"].append(row.claim)
        else:
            kinds["cannot be checked on the samples"].append(row.claim)
    return {kind: claims for kind, claims in kinds.items() if claims}


def aims_table(summary: dict, label: dict) -> list[str]:
    """The aims table: each aim beside every model's value."""
    import pandas as pd

    frame = pd.DataFrame({label[m]: {row: values.get(row, "") for row, _ in AIMS} for m, values in summary.items()})
    frame.insert(0, "aim", [aim for _, aim in AIMS])
    return ["## The aims", "", frame.to_markdown(), ""]


def report(emoji_dir: Path, clipart_dir: Path, trained: str = "bundled", baseline: str = "bundled:emoji",
           others: tuple = (), compare_csv: Path | None = None) -> str:
    import pandas as pd

    import clipnb
    from clipnb.models import BUNDLED_MODELS

    models = {trained: clipnb.load_model(trained, device="cpu"), baseline: clipnb.load_model(baseline, device="cpu"),
              **{m: clipnb.load_model(m, device="cpu") for m in others}, "untrained": untrained_model(trained)}
    label = {m: f"`{m}` ({BUNDLED_MODELS[m]})" if m in BUNDLED_MODELS else f"`{m}`" for m in models}
    label["untrained"] = "untrained (same architecture, random weights)"
    emoji = emoji_table(emoji_dir)
    lines = [f"# Evaluation of {label[trained]}", "",
             "Made by `python -m clipnb_train.evaluation`. Two held-out sets, never trained on (how the recipe was chosen, "
             "and where test was looked at: `data/README.md`):",
             f"* **the twemoji style**: {len(emoji)} images of {emoji['concept'].nunique()} concepts in a drawing style "
             "no model here ever saw (validation used another style, streamline);",
             "* **the clip-art test split**: the clip-art measures, side by side with the baseline.", "",
             f"Columns: {', '.join(label[m] for m in models)}.", "", "## Held-out emoji style (twemoji)", ""]
    rows, summary = {}, {name: {} for name in models}
    for name, model in models.items():
        rec = retrieval(model, emoji)
        zs, n_classes, n_zs = emoji_zero_shot(model, emoji)
        mw = man_woman(model, emoji)
        cat, n_cat = cat_first(model, emoji)
        plain = pd.DataFrame(plain_queries(model, emoji, queries=EMOJI_QUERIES, text=emoji["words"]))
        rows[name] = {"text→image R@10": rec["text→image R@10"], "image→text R@10": rec["image→text R@10"],
                      f"zero-shot top-1 over {n_classes} classes ({n_zs} images)": zs,
                      f"man/woman: 'a man X' vs 'a woman X' ({mw['images']} images)": mw["a man X vs a woman X"],
                      "man/woman: 'a man' vs 'a woman'": mw["a man vs a woman"],
                      f"'a cat' first among dog/cat/monkey/cheeseburger ({n_cat} cat images)": cat,
                      f"plain queries whose first image is right (of {len(plain)})": int(plain["first right"].sum()),
                      f"plain queries with ≥1 of top-5 right (of {len(plain)})": int((plain["right in top-5"] >= 1).sum()),
                      "plain queries: top-5 images right (of 5 per query)": int(plain["right in top-5"].sum())}
        if name == trained:
            trained_plain = plain
        right = plain.set_index("query")["right in top-5"]
        summary[name].update({
            AIMS[0][0]: f"{right.sum()} of {5 * len(plain)} ({right.sum() / (5 * len(plain)):.2f})",
            AIMS[1][0]: f"{int(plain['first right'].sum())} of {len(plain)}",
            AIMS[2][0]: f"{right['a cat']} / {right['a dog']}", AIMS[3][0]: f"{zs:.3f}",
            AIMS[4][0]: f"{mw['a man X vs a woman X']:.3f}"})
    frame = pd.DataFrame(rows).rename(columns=label)
    chance = {frame.index[0]: 10 / len(emoji), frame.index[1]: 10 / len(emoji), frame.index[2]: 1 / n_classes,
              frame.index[3]: 0.5, frame.index[4]: 0.5, frame.index[5]: 0.25}
    frame["chance"] = [chance.get(i, float("nan")) for i in frame.index]
    share = trained_plain["relevant in pool"] / len(emoji)  # chance that a random image is right
    frame.loc[frame.index[6:], "chance"] = [round(share.sum(), 1), round((1 - (1 - share) ** 5).sum(), 1),
                                           round(trained_plain["chance (expected)"].sum(), 1)]
    lines += [frame.to_markdown(floatfmt=".3f"), "",
              f"Zero-shot prompts: {EMOJI_TEMPLATES}, averaged; classes: {', '.join(EMOJI_CLASSES)} "
              "(those with images in the style). A plain query's image is right when the concept's words match the "
              "query's pattern (`EMOJI_QUERIES` in `clipnb_train/evaluation.py`).", "",
              f"### Plain queries on {label[trained]}", "", trained_plain.to_markdown(index=False), ""]
    from clipnb_train import aims

    english = {m: models[m] for m in models}
    lines += aims.report_section(english, label, emoji_dir, clipart_dir, summary=summary, key=AIMS[6][0])
    lines += aims.lean_section(english, label)
    lines += gender_section(models, label, "bundled:skewed" if trained == "bundled" else None, summary)
    photo_rows = {}
    for name, model in models.items():
        right, detail = photo_reading(model)
        summary[name][AIMS[9][0]] = f"{right} of {len(detail)}; the cat photo reads '{detail[0]['read as']}'"
        photo_rows[label[name]] = {row["photo"]: f"{row['read as']} (#{row['rank of its label']})" for row in detail}
    for name in summary:  # the verdicts need a `make compare` run (19 random twins per claim): say so, not a blank
        summary[name].setdefault(AIMS[8][0], "not measured here: `--compare claims.csv`")
    if compare_csv:
        for name, value in verdicts_beyond(compare_csv).items():
            if name in summary:
                summary[name][AIMS[8][0]] = value
    at = lines.index("## Held-out emoji style (twemoji)")
    lines[at:at] = aims_table(summary, label) + (
        [f"Verdicts: from `{Path(compare_csv).name}` of a `make compare` run (README, \"Comparing models\").", ""]
        if compare_csv else [])
    from clipnb.models import bundled_model_dir
    from clipnb_train import ablation, icons, scenes

    train_log = bundled_model_dir(trained) / "train_log.json" if trained in BUNDLED_MODELS else None
    at = lines.index("## Held-out emoji style (twemoji)")
    more = train_log.with_name("more_steps_log.json") if train_log else None
    lines[at:at] = misses_section(style_fit(models[trained], emoji_dir), label[trained],
                                  json.loads(train_log.read_text()) if train_log and train_log.exists() else None,
                                  json.loads(more.read_text()) if more and more.exists() else None,
                                  summary=summary[trained],
                                  verdicts=verdict_kinds(compare_csv, trained) if compare_csv else None)
    choices = bundled_model_dir(trained) / ablation.RESULTS if trained in BUNDLED_MODELS else None
    if choices and choices.exists():
        at = lines.index("## Held-out emoji style (twemoji)")
        lines[at:at] = ablation.section(json.loads(choices.read_text()))
    counts = pictures_per_concept(emoji_dir, clipart_dir, icons.default_dir(), scenes.default_dir())
    at = lines.index("## Held-out emoji style (twemoji)")
    lines[at:at] = ["## Training pictures of the talk's subjects", "",
                    "Training images whose caption (or emoji name) matches the subject's plain query, by source: "
                    "clip-art and the five colour emoji styles (`bundled:v2`'s pictures), two monochrome emoji styles, "
                    "the icon sets and the composed scenes (`make data`).", "", counts.to_markdown(index=False), ""]
    at = lines.index("## Held-out emoji style (twemoji)")
    lines[at:at] = ["## Photos", "",
                    "The sample corpus's nine photos (scikit-image's; never trained on) against their own labels and "
                    f"six distractors ({', '.join(PHOTO_DISTRACTORS)}): what each is read as first, and its own "
                    "label's rank among the 15. Chance: 1 in 15 per photo.", "",
                    pd.DataFrame(photo_rows).to_markdown(), ""]
    table = _split_table(clipart_dir)
    lines += [f"## Held-out clip-art (openclipart test split, {len(table)} images)", ""]
    rows = {}
    for name, model in models.items():
        rec = retrieval(model, table)
        zs, n_classes = zero_shot(model, table)
        plain = pd.DataFrame(plain_queries(model, table))
        rows[name] = {"text→image R@10": rec["text→image R@10"], "image→text R@10": rec["image→text R@10"],
                      f"zero-shot balanced accuracy over {n_classes} folders": zs,
                      f"plain queries: top-5 images right (of {5 * len(plain)})": int(plain["right in top-5"].sum())}
    frame = pd.DataFrame(rows).rename(columns=label)
    frame["chance"] = [10 / len(table), 10 / len(table), 1 / n_classes, round(plain["chance (expected)"].sum(), 1)]
    lines += [frame.to_markdown(floatfmt=".3f"), "",
              f"Zero-shot prompts: {TEMPLATES}; classes: {FOLDER_CLASSES}. Plain queries: `PLAIN_QUERIES`.", ""]
    return "\n".join(lines)


# aims 1, 2, 4 and 5 as shares, to set against the same measures on each style (misses_section)
_SHARE_AIMS = {"plain top-5 right": 0.50, "first image right": 48 / 75, "zero-shot top-1": 0.85, "man/woman": 0.90}


def style_fit(model, emoji_dir: Path):
    """The twemoji aims measured on every emoji style, those trained on included: fit against transfer.

    One row per style: zero-shot top-1 (the 48 classes, those drawn in the style), the share of the plain
    queries' top-5 images that are right and the share of queries whose first image is right (over the queries
    with a right image in the style), "a cat" / "a dog" right in the top 5, and man/woman ('a man X' vs
    'a woman X'). Each style is its own pool, as twemoji is for the aims.
    """
    import pandas as pd

    full = pd.concat([emoji_table(emoji_dir, split) for split in ("train", "val", "test")])
    rows = []
    for style, table in full.groupby("style"):
        table = table.reset_index(drop=True)
        zs, n_classes, _ = emoji_zero_shot(model, table)
        plain = pd.DataFrame(plain_queries(model, table, queries=EMOJI_QUERIES, text=table["words"]))
        plain = plain[plain["relevant in pool"] > 0].set_index("query")
        rows.append({"style": style, "split": table["split"].iloc[0], "images": len(table),
                     "zero-shot top-1": zs, "classes": n_classes,
                     "plain top-5 right": plain["right in top-5"].sum() / (5 * len(plain)),
                     # the most a perfect model could get: a query with 2 right images in the pool fills 2 of 5
                     "plain top-5 ceiling": plain["relevant in pool"].clip(upper=5).sum() / (5 * len(plain)),
                     "first image right": plain["first right"].mean(), "queries": len(plain),
                     '"a cat" / "a dog"': " / ".join(str(plain["right in top-5"].get(q, "–")) for q in ("a cat", "a dog")),
                     "man/woman": man_woman(model, table)["a man X vs a woman X"]})
    order = {"train": 0, "val": 1, "test": 2}
    return pd.DataFrame(rows).sort_values(["split", "style"], key=lambda s: s.map(order) if s.name == "split" else s,
                                          ignore_index=True)


def _span(values, fmt: str = ".2f") -> str:
    low, high = format(min(values), fmt), format(max(values), fmt)
    return low if low == high else f"{low}–{high}"


def misses_section(fit, name: str, log: list | None = None, more: dict | None = None,
                   summary: dict | None = None, verdicts: dict | None = None) -> list[str]:
    """'Why the aims are missed': each share aim read against the same measure on the styles trained on.

    fit : style_fit's table for the model ``name``; log : its train_log.json (the validation curve);
    more : a record of a run continued from the model ({"log": [...], "command": ...}; ``more_steps_log.json``);
    summary : the model's row of the aims table (for the aims measured elsewhere); verdicts : verdict_kinds.
    A miss on the training styles themselves is a miss of fit (the model has not learned the pictures it
    saw); a miss only on the held-out style is a miss of transfer.
    """
    import pandas as pd

    train = fit[fit["split"] == "train"]
    monochrome = train["style"].isin(NEW_EMOJI_STYLES)
    colour, mono = train[~monochrome], train[monochrome]
    test = fit[fit["split"] == "test"].iloc[0]

    def by_kind(column):  # "colour styles 0.69–0.81, monochrome 0.29–0.38"
        return ", ".join(f"{kind} {_span(list(part[column]))}" for kind, part in
                         (("colour styles", colour), ("monochrome", mono)) if not part.empty)
    lines = ["## Why the aims are missed: fit before transfer", "",
             f"Each aim is set on twemoji, a style {name} never saw. Measured the same way on the emoji styles it *was* "
             "trained on (the very pictures and captions it learned from, each style its own pool), the table separates "
             "two limits: a model that has not fitted its training pictures (**fit**), and one that fits them but does "
             "not carry that to a new style (**transfer**).", "",
             fit.to_markdown(index=False, floatfmt=".3f"), ""]
    ceiling = test["plain top-5 ceiling"]
    lines.append(f"* The plain queries' top 5 cannot all be right where the pool holds fewer than 5 right images: on "
                 f"twemoji a perfect model would score {ceiling:.2f}, so the aim of {_SHARE_AIMS['plain top-5 right']:.2f} "
                 f"is {_SHARE_AIMS['plain top-5 right'] / ceiling:.0%} of what is possible there, and {name} reaches "
                 f"{test['plain top-5 right'] / ceiling:.0%} of it.")
    for column, aim in _SHARE_AIMS.items():
        reached = train[train[column] >= aim]
        if reached.empty:
            why = (f"**fit**: no style it trained on reaches it ({by_kind(column)}), so the aim asks more of a new "
                   "style than the model does of its own training pictures")
        elif test[column] >= aim:
            why = "reached"
        else:
            why = (f"**transfer**: {len(reached)} of {len(train)} training styles reach it "
                   f"({', '.join(reached['style'])}; {by_kind(column)}), twemoji does not")
        lines.append(f"* {column[0].upper() + column[1:]} (aim {aim:.2f}): twemoji {test[column]:.3f}; {why}.")
    column = '"a cat" / "a dog"'
    for i, query in enumerate(("a cat", "a dog")):
        counts = pd.to_numeric(train[column].str.split(" / ").str[i], errors="coerce")
        held_out = test[column].split(" / ")[i]
        reached = train[counts >= 3]
        why = ("reached" if held_out != "–" and int(held_out) >= 3 else
               f"**fit**: no style it trained on puts 3 in its top 5 ({_span(list(counts.dropna().astype(int)), 'd')})"
               if reached.empty else
               f"**transfer**: {len(reached)} of {len(train)} training styles put 3 or more in their top 5 "
               f"({', '.join(reached['style'])}), twemoji does not")
        lines.append(f'* "{query}", right images in the top 5 (aim 3): twemoji {held_out}; {why}.')
    if not mono.empty and not colour.empty:
        gap = colour["zero-shot top-1"].mean() - mono["zero-shot top-1"].mean()
        lines.append(f"* The monochrome styles it trained on score {gap:.2f} below the colour ones in zero-shot "
                     f"({mono['zero-shot top-1'].mean():.2f} against {colour['zero-shot top-1'].mean():.2f}): "
                     f"{'the image side leans on colour' if gap > 0.1 else 'colour is not what it leans on'}.")
    if log and len(log) > 1:
        key = "text_to_image_R@10"
        last = log[-1][key] - log[-2][key]
        unit = "steps" if "step" in log[-1] else "epochs"
        lines.append(f"* The training run's validation text→image R@10 went {log[0][key]:.3f} → {log[-1][key]:.3f} over "
                     f"{log[-1].get('step', len(log))} {unit}, {last:+.3f} in the last logged stretch"
                     + (", still rising when it stopped." if last > 0.005 else ": it had levelled off."))
        if more and more.get("log"):
            curve = [entry[key] for entry in more["log"]]
            best = max(curve)
            lines.append(f"* Continued from it for {len(curve)} more epochs (`more_steps_log.json`: the same data and "
                         f"recipe, a new warm-up and cosine), validation R@10 went {', '.join(f'{v:.3f}' for v in curve)}: "
                         + (f"no higher than the {log[-1][key]:.3f} it started from, so more steps of this recipe do "
                            "not help at this size." if best <= log[-1][key] + 0.005 else
                            f"up to {best:.3f}, above the {log[-1][key]:.3f} it started from: more steps would help."))
    summary = summary or {}
    if AIMS[5][0] in summary or AIMS[7][0] in summary:
        lines.append(f"* E6-sanity ({summary.get(AIMS[5][0], 'not measured')}; aim {AIMS[5][1]}) and B1 "
                     f"({summary.get(AIMS[7][0], 'not measured')}; aim {AIMS[7][1]}) rest on the same man/woman "
                     f"separation as the row above (twemoji {test['man/woman']:.3f}), on far fewer images (46 + 46 sample "
                     "people; three man and three woman twemoji per profession): the prompts that fail and the "
                     "professions that did not move are listed, each with its p, under \"Gender\" below.")
    if AIMS[6][0] in summary:
        lines.append(f"* Open vocabulary (p@5 {summary[AIMS[6][0]]}, aim {AIMS[6][1]}): its key words are in no training "
                     "caption, so only the text side's English can carry them to the pictures, and the pictures' side "
                     "is the one measured above. The issue's probe (the same two towers frozen, an MLP head trained on the "
                     "emoji styles alone) reached 0.236 on its fixed 73 queries.")
    if verdicts:
        beyond = len(verdicts.get("beyond their null", []))
        lines.append(f"* Verdicts ({beyond} of {sum(map(len, verdicts.values()))} beyond their null; aim {AIMS[8][1]}): "
                     + "; ".join(f"{', '.join(claims)} {_KIND_PHRASES[kind][len(claims) == 1]}"
                                 for kind, claims in verdicts.items())
                     + " (each claim's reason: `make compare`'s report).")
    return lines + [""]


def main(argv=None):
    from clipnb_train import clipart, emoji
    from clipnb.models import bundled_model_dir

    parser = argparse.ArgumentParser(prog="python -m clipnb_train.evaluation", description=__doc__.split("\n")[0])
    parser.add_argument("--emoji", type=Path, default=emoji.default_dir(), help="the emoji build folder")
    parser.add_argument("--data", type=Path, default=clipart.default_dir(), help="the clip-art build folder")
    parser.add_argument("--model", default="bundled")
    parser.add_argument("--baseline", default="bundled:emoji")
    parser.add_argument("--others", default="bundled:v3", help="more models to set beside them (comma-separated)")
    parser.add_argument("--compare", type=Path, default=None, help="a compare report's claims.csv: verdicts beyond null")
    parser.add_argument("--out", type=Path, default=None, help="default: EVAL.md beside the bundled model")
    args = parser.parse_args(argv)
    text = report(args.emoji, args.data, args.model, args.baseline, tuple(m for m in args.others.split(",") if m),
                  args.compare)
    out = args.out or bundled_model_dir(args.model) / "EVAL.md"
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
