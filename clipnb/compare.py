"""Run the talk's claims across models, side by side: "does this work for other embedding models?"

Command::

    python -m clipnb.compare --models bundled,bundled:emoji --out compare-report [--null 8]
    python -m clipnb.compare --models MobileCLIP-S2:datacompdr,ViT-B-32:laion2b_s34b_b79k,bundled
    python -m clipnb.compare --models MobileCLIP-S2:datacompdr --corpus coco   # COCO 2017 val photos (~1 GB, once)

writes ``OUT/claims.csv`` (tidy: claim, model, measure, value, verdict, beyond_random, null_share) and
``OUT/report.html`` (one section per claim: models × numbers, the speaker's MobileCLIP-S2 numbers in a
labelled column of their own, each model's statistic against random-weight models of its
architecture (``clipnb.nulls``), the verdicts, and how far the models agree).  A model that fails to
load becomes a column holding its error; the rest of the report is still written.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clipnb import claims, nulls, report
from clipnb.models import architecture, random_heads_dir

AGREEMENT_QUERIES = ["a cat", "a dog", "an image of a man", "a person running in front of trees", "a happy face",
                     "a sad face", "a doctor", "snow"]


@dataclass
class Context:
    """What the claims run on, for one model: the corpus and the talk's images in it.

    make_corpus : the corpus, or a function that builds it on first use: the claims on a few images (E3–E7)
    never embed the corpus, so random twins that run only those never do.
    """

    model: object
    make_corpus: object
    cat_images: list = field(default_factory=list)
    groups: dict = field(default_factory=dict)
    forest_image: str | None = None
    gaps: object = None  # E6's table, computed once for both of its claims
    folder: Path | None = None  # the corpus's folder: E1 and E13 read a fixed draw of its images (``subset``)
    _subset: object = None
    _subset_features: object = None  # their embeddings, computed once for both claims

    def subset(self):
        """(paths, captions) of SUBSET_IMAGES images of the corpus, drawn with seed 0 (E1 reads them, E13 the first
        TOUR_IMAGES): a random twin encodes these, never the whole corpus."""
        if self._subset is None:
            from clipnb.corpus import read_captions

            listed = sorted((str(self.folder / p), c) for p, c in read_captions(self.folder).items()
                            if (self.folder / p).is_file())
            rng = np.random.default_rng(0)
            chosen = np.sort(rng.choice(len(listed), size=min(SUBSET_IMAGES, len(listed)), replace=False))
            self._subset = ([listed[i][0] for i in chosen], [listed[i][1] if isinstance(listed[i][1], str) and
                                                              listed[i][1] else "an image" for i in chosen])
        return self._subset

    @property
    def corpus(self):
        if callable(self.make_corpus):
            self.make_corpus = self.make_corpus()
        return self.make_corpus

    @classmethod
    def samples(cls, model):
        import functools

        import clipnb
        from clipnb import samples

        return cls(model, functools.partial(clipnb.sample_corpus, model, progress=False), samples.cat_images(),
                   samples.gender_groups(), str(samples.forest_image()), folder=clipnb.samples_dir().resolve())


# claims on a few given images (the cats, the men and women, the signs): cheap for random twins of any size
MODEL_CLAIMS = ("E3", "E4", "E5a", "E5b", "E6", "E6-sanity", "E7")
# what random twins run: every claim but the subtractions (their null is control words on the model itself) and
# E12b (an identity)
TWIN_CLAIMS = (*MODEL_CLAIMS, "E1", "E13")


SUBSET_IMAGES = 100  # E1's images (and captions), drawn once with seed 0: all a random twin encodes for E1 and E13
TOUR_IMAGES = 40     # E13's: the first of them
ROLE_IMAGES = 24  # at most this many images per role (cats; men; women), the first by path


def corpus_context(folder, model):
    """A :class:`Context` on any captioned folder (``captions.csv``): the talk's images found by their captions.

    Cats: captions naming a cat and no dog. Men and women: captions naming one and not the other (E6's groups).
    The forest image: the first captioned as a forest or woods (not any tree). Up to ROLE_IMAGES of each, the
    first by path. The labels are :mod:`clipnb.captions`'.
    """
    import functools
    import os

    import pandas as pd

    import clipnb
    from clipnb import captions as labels
    from clipnb.corpus import read_captions

    folder = Path(folder).expanduser().resolve()  # as ImageCorpus.from_folder names its paths
    listed = read_captions(folder)
    table = pd.DataFrame({"path": [os.path.join(str(folder), p) for p in listed], "caption": list(listed.values())})
    table = table[[os.path.isfile(p) for p in table["path"]]].sort_values("path")
    captions = table["caption"].fillna("").str
    if not captions.len().any():
        raise ValueError(f"{folder} has no captions.csv (columns image_path, caption) naming its images: the claims "
                         "find the talk's images by their captions")
    corpus = functools.partial(clipnb.ImageCorpus.from_folder, folder, model, progress=False)
    text = list(table["caption"].fillna("").astype(str))
    dog, men, women = (labels.matches(label, text) for label in ("dogs", "men", "women"))
    cats = table[labels.matches("cats", text) & ~dog]["path"]
    forest = table[labels.matches("forest_scene", text)]["path"]
    return Context(model, corpus, list(cats.head(ROLE_IMAGES)),
                   {"man": list(table[men & ~women]["path"].head(ROLE_IMAGES)),
                    "woman": list(table[women & ~men]["path"].head(ROLE_IMAGES))},
                   forest.iloc[0] if len(forest) else None, folder=folder)


def context_for_corpus(name: str | None):
    """How to build each model's context: the sample corpus (None), a registered dataset, or a folder."""
    import functools

    from clipnb import datasets

    if not name:
        return Context.samples
    if name in ("coco", "coco-2017-val"):
        name = "coco-2017-val"
    if name in datasets.DATASETS:
        folder = datasets.fetch(name)
    else:
        folder = Path(name).expanduser()
        if not folder.is_dir():
            raise FileNotFoundError(f"--corpus {name!r} is neither a dataset ({', '.join(datasets.DATASETS)}, or coco) "
                                    "nor a folder of images")
    return functools.partial(corpus_context, folder)


def _bias(context):
    if context.gaps is None:
        context.gaps = claims.bias_table(context.model, context.groups, n_permutations=2000)
    return context.gaps


def _subset_features(context):
    """(images, texts): the subset's embeddings, encoded once per context (E1 reads both, E13 the first images)."""
    if context._subset_features is None:
        paths, captions = context.subset()
        context._subset_features = (context.model.encode_image(paths).numpy(),
                                    context.model.encode_text(captions).numpy())
    return context._subset_features


def _gap(context):
    return claims.modality_gap(*_subset_features(context))


def _forest(context, word="forest", trees=None):
    trees = claims.caption_mask(context.corpus, "trees") if trees is None else trees
    return claims.image_minus_word(context.corpus, context.forest_image, word, trees, k=9)


def control_checks(context) -> dict:
    """The subtraction claims, each as a function of the word subtracted (its own, or a control word in its place):
    the control-word null (:func:`clipnb.nulls.controls`) runs each with ``nulls.CONTROL_WORDS``. The caption
    masks are read once here, not once per word."""
    corpus = context.corpus
    men, close_ups, winter, trees = (claims.caption_mask(corpus, label) for label in ("men", "close_ups", "winter", "trees"))
    poles = (claims.pole_images(corpus, "happy"), claims.pole_images(corpus, "sad"))
    return {"E8": lambda w: claims.man_minus_close_up(corpus, men=men, close_ups=close_ups, term=w),
            "E9": lambda w: claims.subtraction_removes_the_term(corpus, term=w, relevant=winter),
            "E10": lambda w: _forest(context, w, trees),
            "E12a": lambda w: claims.delta_differs_from_nearest(corpus, "happy", "sad", poles=poles, opposite=w)}


def _tsp(context):
    return claims.ordered_path_is_shorter(_subset_features(context)[0][:TOUR_IMAGES])


def _sample(*parts):
    """A sample image's path, or None where the samples lack it."""
    import clipnb

    path = clipnb.samples_dir().joinpath(*parts)
    return str(path) if path.exists() else None


def _names(paths, most: int = 4) -> str:
    names = [Path(p).name for p in paths]
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")


def tested_on(claim_id: str, context) -> str:
    """What a claim was tested on, for the report: which images (how many, from where), the test and its threshold."""
    n, cats, groups = len(context.corpus), context.cat_images, context.groups

    def count(pattern):
        return int(claims.caption_mask(context.corpus, pattern).sum())

    people = f"{len(groups.get('man', []))} images of men and {len(groups.get('woman', []))} of women"
    described = {
        "E1": f"{min(SUBSET_IMAGES, n)} of the {n} images, drawn with seed 0, and their captions; a linear SVM, "
              "5-fold accuracy ≥ 0.95 and a positive margin",
        "E3": f"{len(cats)} cat images ({_names(cats)}); mean cosine; one of three labels must win (chance 1 in 3)",
        "E4": f"{len(cats)} cat images; the best of 3 descriptions against \"a cat\" (chance: 3 in 4)",
        "E5a": f"{len(cats)} cat images; one prompt against \"a dog\" (chance: a coin)",
        "E5b": f"{len(cats)} cat images; one prompt against \"a dog\" (chance: a coin)",
        "E6": f"{people}; 5 profession prompts against {len(claims.PERSON_PROMPTS)} gender-neutral person prompts, "
              f"Holm-corrected p ≤ {claims.ALPHA}",
        "E6-sanity": f"{people}; 10 marked prompts (\"a male …\", \"a female …\"), each pointing the right way, and "
                     f"their mean right-way gap against the same gap with each profession's man and woman drawing "
                     f"swapped at random (one-sided p ≤ {claims.ALPHA})",
        "E7": "the text \"a cat\", the word \"cat\", a cat emoji and the photo chelsea.jpg, against \"a dog\", \"dog\", "
              "a dog emoji and the photo coffee.jpg: all 12 pairs",
        "E8": f"all {n} images; men and close-ups found by caption "
              f"({count('close_ups')} close-ups); top 9",
        "E9": f"all {n} images; {count('winter')} "
              "captioned with winter or snow; top 12 at weights 0.2, 0.3, 0.5, 1",
        "E10": f"the query image {Path(context.forest_image).name if context.forest_image else '(none)'}; "
               f"{count('trees')} images of trees or forests by caption; top 9",
        "E12a": f"all {n} images; {int(claims.pole_images(context.corpus, 'happy').sum())} happy and "
                f"{int(claims.pole_images(context.corpus, 'sad').sum())} sad by caption; the 5 at each end",
        "E12b": f"all {n} images; one prompt per pole",
        "E13": f"{min(TOUR_IMAGES, n)} of the {n} images (the first of E1's draw); the solver's path against 20 "
               "random orders",
    }
    return described.get(claim_id, "")


# claim id -> how to run it on a context
CHECKS = {
    "E1": _gap,
    "E3": lambda c: claims.cat_beats_dog_and_monkey(c.model, c.cat_images),
    "E4": lambda c: claims.description_beats_a_cat(c.model, c.cat_images),
    "E5a": lambda c: claims.cheezburger_beats_dog(c.model, c.cat_images),
    "E5b": lambda c: claims.keyboard_mash_beats_dog(c.model, c.cat_images),
    "E6": lambda c: claims.unmarked_prompts_lean(c.model, c.groups),
    "E6-sanity": lambda c: claims.marked_prompts_move_scores(c.model, c.groups, gaps=_bias(c)),
    "E7": lambda c: claims.signs_of_one_idea(c.model, emoji=c.cat_images[0] if c.cat_images else None,
                                             photo=_sample("photos", "chelsea.jpg"),
                                             controls=("a dog", "dog", _sample("emoji", "animals", "dog.png"),
                                                       _sample("photos", "coffee.jpg"))),
    "E8": lambda c: claims.man_minus_close_up(c.corpus),
    "E9": lambda c: claims.subtraction_removes_the_term(c.corpus),
    "E10": _forest,
    "E12a": lambda c: claims.delta_differs_from_nearest(c.corpus, "happy", "sad"),
    "E12b": lambda c: claims.probability_same_order(c.corpus, "happy", "sad"),
    "E13": _tsp,
}


def collapse(model, image_features=None) -> tuple[float, float]:
    """Mean pairwise cosine of the model's images (``image_features``, or a probe of 27 sample images) and of
    its texts (the agreement queries and the cat labels): near 1 when the model maps everything to one point."""
    if image_features is None:
        from clipnb import samples

        image_features = model.encode_image(samples.probe_images()).numpy()
    texts = model.encode_text(AGREEMENT_QUERIES + claims.CAT_LABELS).numpy()
    return claims.collapsed(image_features), claims.collapsed(texts)


def _collapsed_results(images: float, texts: float) -> dict:
    return {claim_id: claims.ClaimResult(
        claim_id, "", claims.UNCHECKABLE, f"the model's embeddings collapse to one point (mean pairwise cosine "
        f"{images:.4f} between images, {texts:.4f} between texts): nothing to compare") for claim_id in CHECKS}


def _run_checks(context, progress: bool = False, desc: str = "", only=None):
    """{claim: ClaimResult} for one model's context (``only``: these claims); a model whose embeddings
    collapsed (on the probe images) is named, not judged."""
    from clipnb.progress import progress_bar as tqdm

    image_collapse, text_collapse = collapse(context.model)
    if max(image_collapse, text_collapse) > claims.DEGENERATE_COSINE:
        return _collapsed_results(image_collapse, text_collapse)
    out = {}
    for claim_id, check in tqdm(CHECKS.items(), desc=desc, disable=not progress):
        if only is not None and claim_id not in only:
            continue
        try:
            out[claim_id] = check(context)
        except Exception as error:  # noqa: BLE001
            out[claim_id] = claims.ClaimResult(claim_id, "", claims.UNCHECKABLE, f"failed: {type(error).__name__}: {error}")
    return out


def _code_key() -> str:
    """A hash of clipnb's source: a cached null result is kept only while the code that made it is unchanged."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _null_cache(model, seed: int, context_for, kind: str = nulls.RANDOM) -> Path | None:
    """Where a twin's claim results are kept on disk (None for a context this module did not make)."""
    import hashlib

    import clipnb
    from clipnb.cache import cache_dir

    if context_for == Context.samples:  # (a bound classmethod: equal, not the same object)
        root = clipnb.samples_dir()
    elif getattr(context_for, "func", None) is corpus_context:
        root = Path(context_for.args[0]).expanduser().resolve()
    else:
        return None
    digest = hashlib.sha256(json.dumps(architecture(model.name), sort_keys=True).encode())
    if kind == nulls.HEADS:  # keyed to the bundled weights its networks come from (the folder's name holds their hash)
        digest.update(f"{kind} {random_heads_dir(seed).name}".encode())
    digest.update(str(root).encode())
    if (root / "captions.csv").exists():
        digest.update((root / "captions.csv").read_bytes())
    return cache_dir() / "nulls" / f"{digest.hexdigest()[:16]}-{_code_key()}-{seed}.json"


def _to_json(result) -> dict:
    numbers = result.numbers if result.numbers is not None and "measure" in result.numbers else None
    return {"claim": result.claim, "statement": result.statement, "status": result.status, "reason": result.reason,
            "measure": list(numbers["measure"]) if numbers is not None else None,
            "value": [float(v) for v in numbers["value"]] if numbers is not None else None}


def _from_json(item) -> "claims.ClaimResult":
    import pandas as pd

    numbers = pd.DataFrame({"measure": item["measure"], "value": item["value"]}) if item["measure"] is not None else None
    return claims.ClaimResult(item["claim"], item["statement"], item["status"], item["reason"], numbers)


def _twin_results(model, seed: int, context_for, only, kind: str = nulls.RANDOM) -> dict:
    """One twin's claim results (``only``: these claims, None: all), from the disk cache where it has them; ``kind``
    HEADS: the bundled model with random heads (:func:`clipnb.nulls.twin`)."""
    need = [c for c in CHECKS if only is None or c in only]
    path = _null_cache(model, seed, context_for, kind)
    cached = {}
    if path is not None and path.exists():
        try:
            cached = {c: _from_json(item) for c, item in json.loads(path.read_text()).items()}
        except (ValueError, KeyError, TypeError):
            cached = {}  # a damaged cache file is computed again and rewritten
    missing = [c for c in need if c not in cached]
    if missing:
        cached.update(_run_checks(context_for(nulls.twin(model, seed, kind)), only=missing))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({c: _to_json(r) for c, r in cached.items()}))
            os.replace(tmp, path)
    return {c: cached[c] for c in need}


def null_results(model, context_for=Context.samples, n: int = nulls.NULL_MODELS, n_corpus: int | None = None,
                 targets=None, kind: str = nulls.RANDOM) -> list[dict]:
    """The claims on ``n`` random-weight twins of ``model`` (seeds 1…n), the claims on the corpus only on the first
    ``n_corpus`` (default all), since those embed images anew. ``targets`` names the claims to run (default every
    twin claim). Every twin runs every claim asked for: the t-tail needs all their statistics. Kept on disk
    (``$CLIPNB_CACHE/nulls``, keyed by architecture, seed, corpus and clipnb's code). ``kind`` HEADS: random heads
    on the bundled networks instead of random weights."""
    n_corpus = n if n_corpus is None else n_corpus
    targets = list(TWIN_CLAIMS if targets is None else targets)
    out = []
    for seed in range(1, n + 1):  # one twin at a time: a large architecture's twins never sit in memory together
        wanted = [c for c in targets if c in MODEL_CLAIMS or seed <= n_corpus]
        if not wanted:
            break
        results = _twin_results(model, seed, context_for, wanted, kind)
        out.append({c: results[c] for c in wanted if c in results})
    return out


def run(specs, context_for=Context.samples, progress: bool = True, null: int | None = None):
    """Every claim for every model, each against ``null`` random-weight twins of its architecture
    (None: :func:`clipnb.nulls.default_count` per model, 19 for small architectures, 2 for the corpus claims of
    large ones); the subtraction claims against control words instead (:func:`clipnb.nulls.controls`).

    Returns (tidy DataFrame, {spec: error}, {spec: query rankings}). A verdict row carries the
    model's statistic, the null's spread, ``null_share`` and ``beyond_random``.
    """
    import pandas as pd

    import clipnb

    rows, errors, rankings, loaded, per_model = [], {}, {}, {}, {}
    for spec in specs:
        target = spec.split("=", 1)[1] if _has_label(spec) else spec
        spec = _label(spec)
        try:
            model = clipnb.load_model(target)
            model.progress = progress
            probe = collapse(model)  # before the corpus is embedded: a collapsed model need not embed it
            context = context_for(model) if max(probe) <= claims.DEGENERATE_COSINE else None
        except Exception as error:  # noqa: BLE001  a model that fails becomes a column with its error
            errors[spec] = f"{type(error).__name__}: {error}"
            continue
        if context is not None:  # the corpus first: embedding it fills the model's memo, so the claims' own images
            with contextlib.suppress(Exception):  # (E1's subset, the cats, the groups) come free. One that fails is
                context.corpus                      # reported by each claim that reads it, as before
        results = _run_checks(context, progress, spec) if context is not None else _collapsed_results(*probe)
        targets = {}
        count = 0
        try:
            count = nulls.default_count(model, corpus=False) if null is None else null
            corpus_count = nulls.default_count(model, corpus=True) if null is None else null
            if all(r.status == claims.UNCHECKABLE for r in results.values()):
                count = 0  # nothing to set against a null (a collapsed model, say): the twins are not run
            targets = {c: nulls.statistic(r) for c, r in results.items()
                       if c in TWIN_CLAIMS and r.status == claims.HOLDS and nulls.statistic(r) is not None}
            randoms = null_results(model, context_for, count, min(count, corpus_count), list(targets)) \
                if count and targets and architecture(target) else []
        except Exception as error:  # noqa: BLE001  no null costs the null, not the comparison
            errors[f"{spec} (random-weight null)"] = f"{type(error).__name__}: {error}"
            randoms = []
        # the subtractions: this model's own word against control words in its place (nothing re-encoded)
        controlled = {claim_id: nulls.controls(results[claim_id], run_with, model=context.model)
                      for claim_id, run_with in control_checks(context).items()} if context is not None and count else {}
        judged = {}
        for claim_id, result in results.items():
            ran = [r[claim_id] for r in randoms if claim_id in r] if result.status != claims.UNCHECKABLE else []
            planned = (count if claim_id in MODEL_CLAIMS else min(count, corpus_count)) if claim_id in targets else 0
            judged[claim_id] = controlled.get(claim_id) or nulls.Judged(
                result, nulls.statistic(result), [nulls.statistic(r) for r in ran],
                sum(r.status == claims.HOLDS for r in ran), len(ran), planned=planned)
        per_model[spec] = (judged, context)
        if context is not None:
            rankings[spec] = {q: list(context.corpus.search(q, k=10)["path"]) for q in AGREEMENT_QUERIES}
        loaded[target] = (spec, model)
    planted = {}
    for skewed, base in SKEW_PAIRS.items():
        if skewed in loaded and base in loaded:
            planted[loaded[skewed][0]] = planted_rows(loaded[base][1], *loaded[skewed])
    for spec, (judged, context) in per_model.items():
        b1 = planted.get(spec, [])
        extra = {"B1": b1[0]["null_p"] if b1[0]["status"] == claims.HOLDS else 1.0} \
            if b1 and b1[0]["status"] != claims.UNCHECKABLE else {}  # one that does not hold enters with p = 1
        adjusted = nulls.correct(judged, {c: (p if np.isfinite(p) else 1.0) for c, p in extra.items()})
        for claim_id, j in judged.items():
            rows += verdict_rows(spec, j, tested_on(claim_id, context) if context is not None else "")
        if b1 and "B1" in adjusted:
            verdict = b1[0]
            verdict["p_holm"], verdict["entering_p"] = adjusted["B1"], extra["B1"]
            verdict["beyond_corrected"] = bool(verdict["beyond_random"] and adjusted["B1"] <= claims.ALPHA)
            if verdict["status"] == claims.HOLDS:
                verdict["verdict"] += (f"; after Holm's correction over this model's {len(adjusted)} claims, p = "
                                       f"{adjusted['B1']:.2g}: " + ("beyond" if verdict["beyond_corrected"] else
                                                                    "not beyond") + " after correction")
            if verdict["beyond_random"] and not verdict["beyond_corrected"]:
                verdict["short"] += f" (but not after correcting for checking {len(adjusted)} claims at once)"
        rows += b1
    return pd.DataFrame(rows), errors, rankings


def claim_results(table, label: str) -> dict:
    """One model's {claim: ClaimResult} read back from the comparison's ``table`` (its verdict row and its numbers),
    for a second null on results already computed (:func:`heads_check`)."""
    import pandas as pd

    mine = table[table["model"] == label]
    out = {}
    for row in mine[mine["measure"] == "verdict"].itertuples():
        numbers = mine[(mine["claim"] == row.claim) & (mine["measure"] != "verdict")]
        out[row.claim] = claims.ClaimResult(row.claim, row.statement, row.status, row.reason,
                                            pd.DataFrame({"measure": list(numbers["measure"]),
                                                          "value": list(numbers["value"])}) if len(numbers) else None)
    return out


def heads_check(spec: str = "bundled", context_for=Context.samples, n: int | None = None, results=None) -> dict:
    """What the training here added: ``spec``'s claims that random twins run (``TWIN_CLAIMS``), each set against
    ``n`` copies of the model with its pretrained networks kept and random heads (seeds 1…n; default
    :func:`clipnb.nulls.default_count`), Holm-corrected across them. For a model with the bundled networks
    (:func:`clipnb.models.has_bundled_networks`): random weights randomise the networks too, so "beyond random
    weights" credits their pretraining as well; "beyond random heads" credits the heads' training alone.
    ``results``: ``spec``'s own {claim: ClaimResult} where they were computed already (:func:`claim_results` reads
    them from a comparison's table), so that only the random heads run.
    Returns {claim: Judged} (kind ``nulls.HEADS``)."""
    import types

    import clipnb
    from clipnb.models import has_bundled_networks

    if not has_bundled_networks(spec):
        raise ValueError(f"{spec!r} does not have the bundled model's pretrained networks, so it has no random-heads "
                         "null: use 'bundled' or 'bundled:skewed' (any other model's null is random weights, in run)")
    n = nulls.default_count() if n is None else n   # the bundled networks are small: no large-model default
    if results is None:
        model = clipnb.load_model(spec)
        model.progress = False
        results = _run_checks(context_for(model), only=TWIN_CLAIMS)
    else:   # only the model's name is read below (the cache key of the twins' results)
        model = types.SimpleNamespace(name=spec)
        results = {c: r for c, r in results.items() if c in TWIN_CLAIMS}
    # every claim that can be checked runs on the random heads, a failing one too: how often untrained heads pass a
    # claim the model fails says how hard the test is to pass
    targets = [c for c, r in results.items() if r.status != claims.UNCHECKABLE]
    randoms = null_results(model, context_for, n, targets=targets, kind=nulls.HEADS) if n and targets else []
    judged = {}
    for claim_id, result in results.items():
        ran = [r[claim_id] for r in randoms if claim_id in r]
        judged[claim_id] = nulls.Judged(result, nulls.statistic(result), [nulls.statistic(r) for r in ran],
                                        sum(r.status == claims.HOLDS for r in ran), len(ran), nulls.HEADS,
                                        planned=n if claim_id in targets else 0)
    nulls.correct(judged)
    return judged


def heads_marks(table, heads: dict, model: str = "bundled"):
    """``model``'s claims side by side: the mark against random weights (from the comparison's ``table``) and against
    random heads (``heads``: :func:`heads_check`'s {claim: Judged}), each rendered by :func:`clipnb.report.mark` from its
    verdict's fields. Index: the claim; columns: the claim in words, then the two marks."""
    import pandas as pd

    weights = table[(table["measure"] == "verdict") & (table["model"] == model)].set_index("claim")
    rows = pd.DataFrame([r for j in heads.values() for r in verdict_rows(model, j, "") if r["measure"] == "verdict"])
    rows = rows.set_index("claim")
    return pd.DataFrame({"the claim": rows["statement"],
                         "against random weights": [report.mark(weights.loc[c].to_dict() | {"claim": c})
                                                    if c in weights.index else "–" for c in rows.index],
                         "against random heads": [report.mark(r.to_dict() | {"claim": c}) for c, r in rows.iterrows()]})


def verdict_rows(spec: str, judged, tested: str) -> list[dict]:
    """A claim's rows of the tidy table: its verdict (the long and the short reading, and every field both are
    rendered from), then one row per number."""
    import pandas as pd

    result, known = judged.result, judged.draws
    p = judged.pvalue
    common = {"claim": result.claim, "model": spec, "verdict": judged.verdict, "short": judged.short,
              "status": result.status, "statement": result.statement, "reason": result.reason, "tested_on": tested}
    rows = [{**common, "measure": "verdict", "value": np.nan, "statistic": judged.statistic,
             "null_min": min(known) if known else np.nan, "null_median": float(np.median(known)) if known else np.nan,
             "null_max": max(known) if known else np.nan,
             "null_mean": float(np.mean(known)) if known else np.nan,
             "null_sd": float(np.std(known, ddof=1)) if len(known) > 1 else np.nan,
             "lead": judged.lead if judged.lead is not None else np.nan,
             "z": p.z if p is not None and p.z is not None and p.method == nulls.TAIL else np.nan,  # a rank has no z
             "method": p.method if p is not None else "",
             "null_models": judged.n, "null": judged.kind if judged.n else "", "null_tested": judged.tested,
             "null_holds": judged.null_holds if judged.n else np.nan, "null_share": judged.null_share,
             "null_p": judged.p_value, "entering_p": nulls.entering_p(judged),
             "p_holm": judged.p_holm, "beyond_random": judged.beyond_random,
             "beyond_corrected": judged.beyond_corrected, "null_more": judged.null_does_more,
             "cannot_tell": judged.cannot_tell}]
    numbers = result.numbers if result.numbers is not None else pd.DataFrame({"measure": [], "value": []})
    return rows + [{**common, "measure": m, "value": v} for m, v in zip(numbers["measure"], numbers["value"])]


SKEW_PAIRS = {"bundled:skewed": "bundled"}  # a model fine-tuned on skewed captions -> the model it started from


def planted_rows(base_model, spec, skewed_model) -> list[dict]:
    """B1 for a skewed/base pair: its null is the exact permutation over professions (clipnb.claims)."""
    import clipnb
    skew = claims.SKEWS["professions"]
    images = claims.profession_images(clipnb.samples_dir() / "emoji" / "professions", [*skew, *claims.PROFESSION_CONTROLS])
    result = claims.planted_skew_shows(base_model, skewed_model, images, skew)
    p = float(result.reason.split("p = ")[1].split()[0]) if "p = " in result.reason else np.nan
    verdict = (f"holds, beyond its permutation null (p = {p:.4f})" if result.status == claims.HOLDS else result.status)
    if result.status == claims.FAILS and p < claims.ALPHA and result.numbers is not None and "change" in result.numbers:
        # the claim asks for every skewed profession; together they moved beyond chance: the same fields as the short form
        verdict = (f"does not hold as stated, in part: together beyond chance (p = {p:.4f}), but "
                   f"{result.numbers.attrs['moved']} of {len(skew)} moved the planted way, not all")
    common = {"claim": "B1", "model": spec, "verdict": verdict, "status": result.status,
              "statement": result.statement, "reason": f"against {base_model.name}: {result.reason}",
              "tested_on": f"{sum(len(v['man']) + len(v['woman']) for v in images.values())} held-out emoji of "
                           f"{len(images)} professions, 3 man and 3 woman images each; {len(skew)} skewed, "
                           f"{len(images) - len(skew)} left alone; every choice of {len(skew)} professions as the null"}
    moved = None   # from the result's own table, not its words: how many skewed professions moved the planted way
    if result.numbers is not None and "change" in result.numbers:
        moved = result.numbers.attrs["moved"]
    short = {claims.HOLDS: "✔ shows it, beyond chance",
             claims.FAILS: f"◐ in part: together beyond chance (p = {p:.2g}), but {moved} of {len(skew)} moved the "
             "planted way, not all" if result.status == claims.FAILS and p < claims.ALPHA and moved is not None
             else "✘ not on this model"}.get(
        result.status, f"? cannot be checked here: {result.reason}")
    rows = [{**common, "short": short, "measure": "verdict", "value": np.nan, "statistic": np.nan, "null_models": 0,
             "null": "permutation", "method": "exact permutation", "null_share": p, "null_p": p,
             "beyond_random": result.status == claims.HOLDS if result.status != claims.UNCHECKABLE else None}]
    if result.numbers is not None and "change" in result.numbers:
        rows += [{**common, "measure": f"change {r.profession}", "value": r.change}
                 for r in result.numbers.itertuples()]
    return rows


def _has_label(spec: str) -> bool:
    """``untrained=local-dir:/tmp/x`` names a model; ``NAME:TAG`` and paths have no '=' before a ':'."""
    head = spec.split("=", 1)[0]
    return "=" in spec and ":" not in head and "/" not in head


def _label(spec: str) -> str:
    return spec.split("=", 1)[0] if _has_label(spec) else spec


def compare(specs, out, context_for=Context.samples, progress: bool = True, null: int | None = None):
    """Run, then write ``claims.csv`` and ``report.html`` into ``out``; returns (table, errors, rankings)."""
    specs = [s.strip() for s in specs if s.strip()]
    if not specs:
        raise ValueError("give at least one model, e.g. --models bundled,bundled:emoji")
    table, errors, rankings = run(specs, context_for, progress, null)
    specs = [_label(s) for s in specs]
    folder = getattr(context_for, "args", [None])[0]
    where = f"the images in {folder}, the talk's cats, men, women and forest found by their captions" if folder else \
        "the sample corpus (data/samples)"
    report.write(out, table, errors, rankings, specs, where)
    return table, errors, rankings


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m clipnb.compare", description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="bundled,bundled:emoji",
                        help="comma-separated model specs (as CLIPNB_MODEL takes them), each optionally "
                             "named: label=spec")
    parser.add_argument("--out", type=Path, default=Path("compare-report"), help="folder for report.html and claims.csv")
    parser.add_argument("--corpus", default=None,
                        help="the images the claims run on: a dataset (coco, oxford-iiit-pet: downloaded once) or a "
                             "folder with captions.csv; default the sample corpus")
    parser.add_argument("--null", type=int, default=None,
                        help=f"random-weight models per architecture to set each claim against (0: none; default "
                             f"$CLIPNB_NULL_MODELS, else {nulls.NULL_MODELS}, or {nulls.LARGE_NULL_MODELS} for "
                             f"architectures over {nulls.LARGE_PARAMETERS // 10**6}M parameters)")
    args = parser.parse_args(argv)
    try:
        context_for = context_for_corpus(args.corpus)
    except (FileNotFoundError, ConnectionError, ValueError) as error:
        parser.error(str(error))
    table, errors, _ = compare(args.models.split(","), args.out, context_for, null=args.null)
    verdicts = table[table["measure"] == "verdict"].pivot_table(index="claim", columns="model", values="verdict",
                                                                aggfunc="first", sort=False)
    print(verdicts.fillna("–").to_string())  # B1 belongs to the skewed model alone
    for spec, error in errors.items():
        print(f"{spec}: not loaded: {error}")
    print(f"wrote {args.out / 'report.html'} and {args.out / 'claims.csv'}")
    return 1 if errors and len(errors) == len(args.models.split(",")) else 0


if __name__ == "__main__":
    raise SystemExit(main())
