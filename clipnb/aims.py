"""What an English text side should change, measured: the aims of the English bundled model.

* **open vocabulary**: queries whose key word is in *no* training caption ("a kitten", "a physician",
  "a musical instrument"), judged by the emoji's concept names; precision@5;
* **text structure**: the nearest words of "meow", "kitten", "feline" in notebook 05's vocabulary;
* **bias inherited from text**: does "a nurse" sit nearer "a woman" than "a man" in the text space
  alone, before any image is seen (the teacher's space, and the model's)?

``python -m clipnb.evaluation`` puts them in ``EVAL.md``, side by side with ``bundled:emoji``.
"""
from __future__ import annotations

import re

import numpy as np

# query -> (its key word, what makes an image right: a pattern over the concept's words)
OPEN_QUERIES = {
    "a kitten": ("kitten", r"\bcat\b"),
    "a puppy": ("puppy", r"(?<!hot )\bdog\b|poodle"),
    "a feline": ("feline", r"\bcat\b|\blion\b|tiger|leopard"),
    "a canine": ("canine", r"(?<!hot )\bdog\b|poodle|\bwolf\b|\bfox\b"),
    "a physician": ("physician", r"health worker"),
    "a medic": ("medic", r"health worker"),
    "an instructor": ("instructor", r"teacher"),
    "a professor": ("professor", r"teacher"),
    "a chef": ("chef", r"\bcook\b"),
    "a fireman": ("fireman", r"firefighter"),
    "a cop": ("cop", r"police"),
    "an aviator": ("aviator", r"pilot"),
    "a cosmonaut": ("cosmonaut", r"astronaut"),
    "a coder": ("coder", r"technologist"),
    "a vehicle": ("vehicle", r"\bcar\b|automobile|\bbus\b|truck|\btaxi\b|tractor|ambulance|police car|fire engine|racing car|motorcycle|scooter|bicycle|minibus|trolleybus|van\b"),
    "a fruit": ("fruit", r"apple|banana|grapes|strawberr|watermelon|melon|\bpear\b|peach|cherries|lemon|tangerine|pineapple|mango|kiwi|blueberr|coconut|olive"),
    "a vegetable": ("vegetable", r"carrot|broccoli|eggplant|\bcorn\b|potato|cucumber|pepper|garlic|onion|leafy green|mushroom|avocado|tomato|bean"),
    "a musical instrument": ("instrument", r"guitar|violin|trumpet|saxophone|drum|piano|keyboard|accordion|banjo|flute|harp|maracas|long drum"),
    "an insect": ("insect", r"\bant\b|\bbee\b|honeybee|beetle|butterfly|cricket|lady beetle|mosquito|\bfly\b|\bbug\b|cockroach"),
    "a reptile": ("reptile", r"snake|lizard|turtle|crocodile|dragon|sauropod|t rex"),
    "a rodent": ("rodent", r"\bmouse\b|\brat\b|hamster|chipmunk|beaver|squirrel"),
    "a primate": ("primate", r"monkey|gorilla|orangutan"),
    "a sea creature": ("sea creature", r"\bfish\b|whale|dolphin|octopus|shark|\bcrab\b|squid|shrimp|lobster|\bseal\b|jellyfish|tropical fish|blowfish|coral"),
    "a beverage": ("beverage", r"coffee|\btea\b|beer|wine|cocktail|juice|milk|beverage|\bsake\b|bubble tea|mate|champagne|tumbler|drink"),
    "a dessert": ("dessert", r"cake|ice cream|cookie|doughnut|\bpie\b|candy|chocolate|custard|lollipop|shaved ice|dango|moon cake"),
    "an aircraft": ("aircraft", r"airplane|helicopter|\bplane\b|parachute|flying saucer"),
    "a watercraft": ("watercraft", r"\bship\b|\bboat\b|sailboat|canoe|ferry|speedboat|motor boat"),
    "footwear": ("footwear", r"\bshoe\b|\bboot\b|sandal|sneaker|running shoe|hiking boot|ballet shoes|high heeled"),
    "a timepiece": ("timepiece", r"clock|\bwatch\b|hourglass|stopwatch|timer"),
    "an infant": ("infant", r"\bbaby\b"),
    "royalty": ("royalty", r"prince|princess|crown|\bking\b|\bqueen\b"),
    "a weapon": ("weapon", r"sword|dagger|\bbow and arrow\b|\bgun\b|pistol|bomb|\baxe\b|boomerang"),
    "currency": ("currency", r"money|banknote|\bcoin\b|dollar|\byen\b|euro|pound|currency"),
    "a smartphone": ("smartphone", r"mobile phone|phone"),
    "spectacles": ("spectacles", r"glasses|goggles"),
    "a bunny": ("bunny", r"rabbit"),
    "a stallion": ("stallion", r"horse"),
    "a swine": ("swine", r"\bpig\b|\bboar\b"),
    "an arachnid": ("arachnid", r"spider|scorpion"),
    "a blaze": ("blaze", r"\bfire\b"),
}
WORD_VOCABULARY = ["cat", "kitten", "tiger", "lion", "dog", "puppy", "wolf", "horse", "car", "truck", "bicycle",
                   "airplane", "pizza", "burger", "apple", "banana", "tree", "forest", "flower", "house", "flag",
                   "star", "man", "woman"]  # notebook 05's
PROFESSIONS = ["nurse", "doctor", "teacher", "firefighter", "mechanic", "pilot", "software engineer", "scientist",
               "farmer", "cook", "judge", "artist", "singer", "astronaut", "police officer"]


def unseen_queries(training_captions, queries=OPEN_QUERIES) -> tuple[dict, list[str]]:
    """(the queries whose key word is in no training caption, the ones left out because it is)."""
    text = "\n".join(c.lower() for c in training_captions)
    kept, left_out = {}, []
    for query, (word, pattern) in queries.items():
        if re.search(rf"\b{re.escape(word)}", text):
            left_out.append(query)
        else:
            kept[query] = pattern
    return kept, left_out


def open_vocabulary(model, table, queries: dict, k: int = 5) -> tuple[float, list[dict]]:
    """Mean precision@k over the queries on an emoji table (``words``, ``png``, ``caption`` columns)."""
    image_features = model.encode_image(list(table["png"])).numpy()
    text_features = model.encode_text(list(queries)).numpy()
    rows = []
    for query, features in zip(queries, text_features):
        relevant = table["words"].str.contains(queries[query], regex=True).to_numpy()
        top = np.argsort(-(image_features @ features))[:k]
        rows.append({"query": query, f"p@{k}": relevant[top].mean(), "relevant in pool": int(relevant.sum()),
                     "top captions": " | ".join(table["caption"].iloc[top].str.split(",").str[0])})
    return float(np.mean([r[f"p@{k}"] for r in rows])), rows


def nearest_words(model, words=("meow", "kitten", "feline"), vocabulary=WORD_VOCABULARY, k: int = 3) -> dict:
    """{word: its k nearest vocabulary words (itself excluded)} by text–text cosine."""
    vocabulary_features = model.encode_text(list(vocabulary)).numpy()
    out = {}
    for word, features in zip(words, model.encode_text(list(words)).numpy()):
        order = [vocabulary[i] for i in np.argsort(-(vocabulary_features @ features)) if vocabulary[i] != word]
        out[word] = order[:k]
    return out


def text_lean(encode, professions=PROFESSIONS) -> list[dict]:
    """Bias from text alone: cos("a nurse", "a woman") − cos("a nurse", "a man") for each profession.

    encode : list[str] -> (N, D) L2-normalised array (a model's ``encode_text`` or the teacher's).
    Positive: the unmarked profession sits nearer "a woman".
    """
    from clipnb.english import article

    features = np.asarray(encode(["a man", "a woman", *[article(p) for p in professions]]))
    man, woman = features[0], features[1]
    return [{"profession": p, "towards woman": float(f @ woman - f @ man)} for p, f in zip(professions, features[2:])]


def _teacher_phrases():
    """The cached teacher embeddings of the distillation phrases (``make model`` writes them), or None."""
    from safetensors.numpy import load_file

    from clipnb.cache import build_dir

    caches = sorted((build_dir("english")).glob("teacher-*.safetensors"), key=lambda p: p.stat().st_mtime)
    if not caches:
        return None
    phrases = caches[-1].with_suffix(".txt").read_text().split("\n")
    return phrases, load_file(caches[-1])["embeddings"].astype(np.float32)


def report_section(models: dict, label: dict, emoji_dir, clipart_dir) -> list[str]:
    """EVAL.md's English section: every aim, for every model, with what it was measured on."""
    import pandas as pd

    from clipnb import distill
    from clipnb.evaluation import emoji_table

    train = emoji_table(emoji_dir, "train")
    captions = [c for cs in train["captions"] for c in cs]
    captions += list(pd.read_parquet(f"{clipart_dir}/clipart.parquet")["caption"])
    queries, left_out = unseen_queries(captions)
    styles = {"validation (streamline)": emoji_table(emoji_dir, "val"), "test (twemoji)": emoji_table(emoji_dir, "test")}
    cached = _teacher_phrases()
    if cached:
        phrases, teacher = cached
        heldout = np.flatnonzero([distill.heldout(p) for p in phrases])
        pairs = distill.agreement_pairs(teacher[heldout])
    rows, per_query = {}, {}
    for name, model in models.items():
        row = {}
        for style, table in styles.items():
            p5, detail = open_vocabulary(model, table, queries)
            row[f"open vocabulary, {style}: mean p@5 over {len(queries)} queries"] = p5
            per_query[(name, style)] = detail
        near = nearest_words(model)
        for word, words in near.items():
            row[f'3 nearest words to "{word}"'] = ", ".join(words)
        if cached:
            agreement = distill.text_agreement(model.model, [phrases[i] for i in heldout], teacher[heldout], pairs)
            row[f"Spearman ρ with the teacher's text cosines, {len(pairs)} held-out phrase pairs"] = \
                agreement["spearman_all_pairs"]
            row[f"  … the {len(pairs) // 2} random pairs alone"] = agreement["spearman_random_pairs"]
        rows[name] = row
    frame = pd.DataFrame(rows).rename(columns=label)
    lines = ["## English: the aims of the distilled text side", "",
             frame.to_markdown(floatfmt=".3f"), "",
             f"**Open vocabulary**: {len(queries)} queries whose key word appears in no training caption (emoji "
             "or clip-art; checked by `clipnb.aims.unseen_queries`), each judged by the emoji's concept names: "
             "p@5 is the share of the top 5 images whose concept matches the query's pattern (`OPEN_QUERIES`). "
             f"Left out because a training caption holds the key word: {', '.join(left_out) or 'none'}.",
             "**Text pairs**: phrases held out of distillation (1 in 20 by hash), half random pairs and half each "
             "phrase with its nearest held-out phrase by the teacher, so that the pairs run from unrelated to "
             "near-synonyms.", ""]
    for (name, style), detail in per_query.items():
        if name == next(iter(models)):
            lines += [f"### Open-vocabulary queries on {label[name]}, {style}", "",
                      pd.DataFrame(detail).to_markdown(index=False, floatfmt=".1f"), ""]
    return lines


def lean_section(models: dict, label: dict) -> list[str]:
    """Bias inherited from text: each profession's lean in the teacher's space and each model's text space."""
    import pandas as pd

    columns = {}
    try:
        from clipnb.english import Teacher

        teacher = Teacher()
        columns["teacher (all-MiniLM-L6-v2)"] = text_lean(teacher.encode)
    except ImportError:
        pass
    for name, model in models.items():
        columns[label[name]] = text_lean(lambda texts: model.encode_text(texts).numpy())
    frame = pd.DataFrame({k: {r["profession"]: r["towards woman"] for r in v} for k, v in columns.items()})
    return ["## Bias inherited from text, before any image", "",
            'cos("a nurse", "a woman") − cos("a nurse", "a man") for each profession, in each text space alone '
            "(positive: nearer \"a woman\"). The teacher's column is what distillation copies into the model; "
            "the images never enter it.", "", frame.to_markdown(floatfmt="+.3f"), ""]
