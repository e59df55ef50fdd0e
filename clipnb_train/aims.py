"""What an English text side should change, measured: the aims of the English bundled model.

* **open vocabulary**: queries whose key word is in *no* training caption ("a kitten", "a physician",
  "a musical instrument"), judged by the emoji's concept names; precision@5;
* **text structure**: the nearest words of "meow", "kitten", "feline" in notebook 05's vocabulary;
* **bias inherited from text**: does "a nurse" sit nearer "a woman" than "a man" in the text space
  alone, before any image is seen (the teacher's space, and the model's)?

``python -m clipnb_train.evaluation`` puts them in ``EVAL.md``, side by side with ``bundled:emoji``.
"""
from __future__ import annotations

import re

import numpy as np

from clipnb.probes import text_lean

# query -> (its key word, what makes an image right: a pattern over the concept's words)
_CATS, _DOGS = r"\bcat\b", r"(?<!hot )\bdog\b|poodle"
_HORSES, _CARS = r"\bhorse\b|\bunicorn\b", r"\bautomobile\b|\bcar\b|racing car|police car|\btaxi\b|sport utility"
OPEN_QUERIES = {
    # animals
    "a kitten": ("kitten", _CATS), "a kitty": ("kitty", _CATS), "a tomcat": ("tomcat", _CATS),
    "a feline": ("feline", _CATS + r"|\blion\b|tiger|leopard"), "a puppy": ("puppy", _DOGS), "a pooch": ("pooch", _DOGS),
    "a hound": ("hound", _DOGS), "a canine": ("canine", _DOGS + r"|\bwolf\b|\bfox\b"),
    "a stallion": ("stallion", _HORSES), "a mare": ("mare", _HORSES), "a pony": ("pony", _HORSES),
    "an equine": ("equine", _HORSES + r"|zebra|donkey"), "a piglet": ("piglet", r"\bpig\b"),
    "a hog": ("hog", r"\bpig\b|\bboar\b"), "a swine": ("swine", r"\bpig\b|\bboar\b"),
    "a bovine": ("bovine", r"\bcow\b|\box\b|water buffalo|bison"), "a bunny": ("bunny", r"rabbit"),
    "a serpent": ("serpent", r"snake"), "a toad": ("toad", r"\bfrog\b"), "an amphibian": ("amphibian", r"\bfrog\b"),
    "a simian": ("simian", r"monkey|gorilla|orangutan"), "a primate": ("primate", r"monkey|gorilla|orangutan"),
    "a rodent": ("rodent", r"\bmouse\b|\brat\b|hamster|chipmunk|beaver|squirrel"),
    "an arachnid": ("arachnid", r"spider|scorpion"), "a cephalopod": ("cephalopod", r"octopus|squid"),
    "a crustacean": ("crustacean", r"\bcrab\b|lobster|shrimp"), "a pachyderm": ("pachyderm", r"elephant|rhinoceros|hippopotamus"),
    "a marsupial": ("marsupial", r"kangaroo|koala"), "poultry": ("poultry", r"chicken|rooster|turkey|\bhen\b"),
    "a fowl": ("fowl", r"chicken|rooster|turkey|duck|\bhen\b"), "a raptor": ("raptor", r"eagle|\bowl\b|\bhawk\b"),
    "a songbird": ("songbird", r"\bbird\b|parrot|dove"), "a reptile": ("reptile", r"snake|lizard|turtle|crocodile|dragon|sauropod|t rex"),
    "an insect": ("insect", r"\bant\b|\bbee\b|honeybee|beetle|butterfly|cricket|mosquito|\bfly\b|\bbug\b|cockroach"),
    "a sea creature": ("sea creature", r"\bfish\b|whale|dolphin|octopus|shark|\bcrab\b|squid|shrimp|lobster|\bseal\b|jellyfish|blowfish"),
    # people and professions
    "a physician": ("physician", r"health worker"), "a surgeon": ("surgeon", r"health worker"),
    "a medic": ("medic", r"health worker"), "a clinician": ("clinician", r"health worker"),
    "an instructor": ("instructor", r"teacher"), "a professor": ("professor", r"teacher"), "a lecturer": ("lecturer", r"teacher"),
    "an educator": ("educator", r"teacher"), "a tutor": ("tutor", r"teacher"), "a chef": ("chef", r"\bcook\b"),
    "a fireman": ("fireman", r"firefighter"), "a cop": ("cop", r"police"), "a policeman": ("policeman", r"police"),
    "a constable": ("constable", r"police"), "an aviator": ("aviator", r"pilot"), "an airman": ("airman", r"pilot"),
    "a cosmonaut": ("cosmonaut", r"astronaut"), "a spaceman": ("spaceman", r"astronaut"),
    "a coder": ("coder", r"technologist"), "a developer": ("developer", r"technologist"),
    "a magistrate": ("magistrate", r"\bjudge\b"), "a chemist": ("chemist", r"scientist"), "a biologist": ("biologist", r"scientist"),
    "a vocalist": ("vocalist", r"singer"), "a crooner": ("crooner", r"singer"), "a painter": ("painter", r"artist"),
    "a rancher": ("rancher", r"farmer"), "a repairman": ("repairman", r"mechanic"),
    "an infant": ("infant", r"\bbaby\b"), "a newborn": ("newborn", r"\bbaby\b"), "a toddler": ("toddler", r"\bbaby\b|\bchild\b"),
    "royalty": ("royalty", r"prince|princess|crown"), "a monarch": ("monarch", r"prince|princess|crown"),
    # things
    "a lorry": ("lorry", r"truck"), "a motorbike": ("motorbike", r"motorcycle|motor scooter"), "a cab": ("cab", r"\btaxi\b"),
    "a motorcar": ("motorcar", _CARS), "a sedan": ("sedan", _CARS), "an airliner": ("airliner", r"airplane"),
    "a chopper": ("chopper", r"helicopter"), "a vessel": ("vessel", r"\bship\b|\bboat\b|sailboat|canoe|ferry|speedboat"),
    "a watercraft": ("watercraft", r"\bship\b|\bboat\b|sailboat|canoe|ferry|speedboat|motor boat"),
    "a vehicle": ("vehicle", _CARS + r"|\bbus\b|truck|tractor|ambulance|fire engine|motorcycle|scooter|bicycle|minibus|trolleybus"),
    "an aircraft": ("aircraft", r"airplane|helicopter|parachute|flying saucer"),
    "a fruit": ("fruit", r"apple|banana|grapes|strawberr|watermelon|melon|\bpear\b|peach|cherries|lemon|tangerine|pineapple|mango|kiwi|blueberr|coconut"),
    "a vegetable": ("vegetable", r"carrot|broccoli|eggplant|\bcorn\b|potato|cucumber|pepper|garlic|onion|leafy green|avocado|tomato"),
    "a confection": ("confection", r"candy|lollipop|chocolate|custard|dango|cake|cookie|doughnut"),
    "a pastry": ("pastry", r"croissant|\bpie\b|doughnut|cake|cupcake|moon cake"),
    "a dessert": ("dessert", r"cake|ice cream|cookie|doughnut|\bpie\b|candy|chocolate|custard|lollipop|shaved ice"),
    "a beverage": ("beverage", r"coffee|\btea\b|beer|wine|cocktail|juice|milk|beverage|\bsake\b|bubble tea|champagne|tumbler"),
    "a timepiece": ("timepiece", r"clock|\bwatch\b|hourglass|stopwatch|timer"), "a wristwatch": ("wristwatch", r"\bwatch\b"),
    "a handset": ("handset", r"phone"), "a cellphone": ("cellphone", r"mobile phone"), "a smartphone": ("smartphone", r"mobile phone"),
    "spectacles": ("spectacles", r"glasses|goggles"), "eyeglasses": ("eyeglasses", r"glasses"),
    "a dwelling": ("dwelling", r"\bhouses?\b|\bhut\b|home"), "a residence": ("residence", r"\bhouses?\b|home"),
    "a firearm": ("firearm", r"pistol|\bgun\b"), "a weapon": ("weapon", r"sword|dagger|\bbow and arrow\b|pistol|bomb|\baxe\b|boomerang"),
    "currency": ("currency", r"money|banknote|\bcoin\b|dollar|\byen\b|euro|pound|currency"), "cash": ("cash", r"money|banknote|dollar|\byen\b|euro|pound"),
    "an inferno": ("inferno", r"\bfire\b"), "a blaze": ("blaze", r"\bfire\b"), "a conifer": ("conifer", r"evergreen|christmas tree"),
    "a bloom": ("bloom", r"flower|blossom|\brose\b|tulip|hibiscus|sunflower"), "a melody": ("melody", r"musical note|musical notes|musical score"),
    "a musical instrument": ("instrument", r"guitar|violin|trumpet|saxophone|drum|piano|keyboard|accordion|banjo|flute|harp|maracas"),
    "a stringed instrument": ("stringed", r"guitar|violin|banjo|harp"), "footwear": ("footwear", r"\bshoe\b|\bboot\b|sandal|sneaker|high heeled"),
    "a celestial body": ("celestial", r"\bsun\b|moon|\bstar\b|planet|comet|globe"),
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
    """Mean precision@k over the queries that have a right image in the table (``words``, ``png``,
    ``caption`` columns); the rows say which queries were measured."""
    image_features = model.encode_image(list(table["png"])).numpy()
    text_features = model.encode_text(list(queries)).numpy()
    rows = []
    for query, features in zip(queries, text_features):
        relevant = table["words"].str.contains(queries[query], regex=True).to_numpy()
        if not relevant.any():  # nothing to find in this pool: the query says nothing here
            continue
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


def _teacher_phrases():
    """The cached teacher embeddings of the distillation phrases (``make model`` writes them), or None."""
    from safetensors.numpy import load_file

    from clipnb.cache import build_dir

    caches = sorted((build_dir("english")).glob("teacher-*.safetensors"), key=lambda p: p.stat().st_mtime)
    if not caches:
        return None
    phrases = caches[-1].with_suffix(".txt").read_text().split("\n")
    return phrases, load_file(caches[-1])["embeddings"].astype(np.float32)


def report_section(models: dict, label: dict, emoji_dir, clipart_dir, summary: dict | None = None,
                   key: str = "open vocabulary p@5 (twemoji)") -> list[str]:
    """EVAL.md's English section: every aim, for every model, with what it was measured on.

    summary : {model: {aim: value}}, filled with the test style's open-vocabulary p@5 under ``key``.
    """
    import pandas as pd

    from clipnb_train import distill, icons, scenes
    from clipnb_train.emoji import emoji_table

    train = emoji_table(emoji_dir, "train")
    captions = [c for cs in train["captions"] for c in cs]
    captions += list(pd.read_parquet(f"{clipart_dir}/clipart.parquet")["caption"])
    fixed, _ = unseen_queries(captions)  # the emoji's and clip-art's unseen words: bundled:v2's set, held fixed
    for build, table_name in ((icons.default_dir(), "icons.parquet"), (scenes.default_dir(), "scenes.parquet")):
        if (build / table_name).exists():  # the bundled model's other training captions: a word they hold is not unseen
            captions += [c for cs in pd.read_parquet(build / table_name)["captions"] for c in cs]
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
            row[f"open vocabulary, {style}: mean p@5 over the {len(detail)} queries with a right image there"] = f"{p5:.3f}"
            if style.startswith("test"):
                fixed_p5, fixed_detail = open_vocabulary(model, table, fixed)
                row[f"open vocabulary, {style}: the fixed {len(fixed_detail)} queries (unseen in the emoji and clip-art "
                    "captions)"] = f"{fixed_p5:.3f}"
                if summary is not None:
                    summary.setdefault(name, {})[key] = (f"{fixed_p5:.3f} (fixed {len(fixed_detail)} queries); "
                                                         f"{p5:.3f} (its own unseen {len(detail)})")
            per_query[(name, style)] = detail
        near = nearest_words(model)
        for word, words in near.items():
            row[f'3 nearest words to "{word}"'] = ", ".join(words)
        if cached:
            agreement = distill.text_agreement(model.model, [phrases[i] for i in heldout], teacher[heldout], pairs)
            row[f"Spearman ρ with the teacher's text cosines, {len(pairs)} held-out phrase pairs"] = \
                f"{agreement['spearman_all_pairs']:.3f}"
            row[f"  … the {len(pairs) // 2} random pairs alone"] = f"{agreement['spearman_random_pairs']:.3f}"
        rows[name] = row
    frame = pd.DataFrame(rows).rename(columns=label)
    lines = ["## English: the text side's aims", "",
             frame.to_markdown(floatfmt=".3f"), "",
             f"**Open vocabulary**: {len(queries)} queries whose key word appears in no training caption (emoji "
             "or clip-art; checked by `clipnb_train.aims.unseen_queries`), each judged by the emoji's concept names: "
             "p@5 is the share of the top 5 images whose concept matches the query's pattern (`OPEN_QUERIES`), "
             "averaged over the queries that have at least one right image in the style's pool. "
             f"Left out of {len(OPEN_QUERIES)} candidates because a training caption holds the key word: "
             f"{', '.join(left_out) or 'none'}.",
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
        from clipnb_train.english import Teacher

        teacher = Teacher()
        columns["teacher (all-MiniLM-L6-v2)"] = text_lean(teacher.encode, PROFESSIONS)
    except ImportError:
        pass
    for name, model in models.items():
        columns[label[name]] = text_lean(lambda texts: model.encode_text(texts).numpy(), PROFESSIONS)
    frame = pd.DataFrame({k: {r["profession"]: r["towards woman"] for r in v} for k, v in columns.items()})
    return ["## Bias inherited from text, before any image", "",
            'cos("a nurse", "a woman") − cos("a nurse", "a man") for each profession, in each text space alone '
            "(positive: nearer \"a woman\"). The teacher's column is what distillation copies into the model; "
            "the images never enter it.", "", frame.to_markdown(floatfmt="+.3f"), ""]
