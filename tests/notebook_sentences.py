"""Each model-dependent sentence a notebook prints agrees with the output it speaks of, on whatever model runs.

A pytest plugin (the repository's conftest.py loads it): while nbval executes one of the 12 notebooks on the model
``CLIPNB_MODEL`` names (``bundled`` in ``make test``; ``make notebooks-models`` runs ``bundled:emoji`` and
``random:bundled``), right after each checked cell, in the same kernel, its facts are derived again from what the cell
showed (its tables, rankings and scores), written apart from the notebook's own ``if``. So each notebook is executed
once, and the checks ride along. A check is one printed sentence and one fact:

* a fact that is True or False: the sentence is printed exactly when the fact holds;
* a fact that is a number or a word: the sentence's group (the pattern's first group) prints it;
* None: the sentence must not be printed.

So a branch that says "the search works" over a grid without cats, a count that misreads its table, or a sentence
left unconditional where the model decides, fails that cell on the model that shows it. Every cell of the 12 notebooks
is also held to name no folder of the machine it ran on. ``CLIPNB_EXECUTED_DIR=folder`` keeps each executed notebook
there, to read as a learner would.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
MARK = "@@clipnb-facts@@"


@dataclass(frozen=True)
class Said:
    pattern: str  # a regular expression over what the cell printed
    fact: str  # a Python expression, evaluated in the notebook's kernel right after the cell
    count: bool = False  # the fact is how many times the pattern is printed


@dataclass(frozen=True)
class Cell:
    source: str  # a piece of the cell's code that no other cell has
    said: list  # its sentences (Said)
    setup: str = ""  # code run before the facts (names start with _ so they shadow nothing of the notebook's)


# names the checks share, defined in the kernel before each cell's facts
PRELUDE = """
import json as _json
import re as _re
import numpy as _np
import pandas as _pd
from clipnb import captions as _captions, claims as _claims
from clipnb.models import is_random as _is_random
from clipnb.narrate._say import _first as _title   # a caption's title, as the sentences print it
"""

CHECKS = {
    "00_start_here": [Cell('results = corpus.search("a cat", k=12)', setup="""
_cats = int(_captions.matches("cats", results["caption"]).sum())
_first_is_cat = bool(_captions.matches("cats", results["caption"].iloc[:1])[0])
_works = _first_is_cat and _cats >= 6
""", said=[
        Said(r"(\d+) of the top 12 are captioned as cats", "_cats"),
        Said(r"The search works here", "_works"),
        Said(r"The search partly works", "not _works and (_first_is_cat or _cats >= 4)"),
        Said(r"The search mostly fails", "not _first_is_cat and 0 < _cats < 4"),
        Said(r"The search fails here", "_cats == 0"),
        Said(r"What else it ranks among the top 12: (.+?)(?: …)?\. The search finds",
             "', '.join(_title(c) for c in results['caption'][~_captions.matches('cats', results['caption'])]) "
             "if not _works else None"),
        Said(r"random weights: nothing was learned", "not _works and _is_random(model)"),
    ]), Cell('running = corpus.search("a person running", k=12)', setup="""
_runs = [bool(_re.search(r"\\brunn(?:ing|ers?)\\b|\\bjogg", c, _re.I)) for c in running["caption"]]
_runners = sum(_runs)
_not_running = [_title(c) for c, runs in zip(running["caption"], _runs) if not runs][:4]
""", said=[
        Said(r"(\d+) of the top 12 are captioned as running", "_runners"),
        Said(r"All of them show someone running", "_runners == len(running)"),
        Said(r"(Most|Half) show someone running", "('Most' if _runners > len(running) / 2 else 'Half') "
             "if 6 <= _runners < len(running) else None"),
        Said(r"(?m)the (?:other is|others are) what this model confuses with it: (.+)\.$",
             "'; '.join(_not_running) if 6 <= _runners < len(running) else None"),
        Said(r"the other is what this model", "_runners == len(running) - 1 and _runners >= 6"),
        Said(r"None: this model does not find the action", "_runners == 0"),
    ])],
    "01_what_is_a_clip_embedding": [
        Cell("accuracy = cross_val_score(", said=[
            Said(r"With random weights \(the same architecture, nothing learned\) the classifier's accuracy is ([\d.]+)",
                 "None if _is_random(model) else f\"{twin_check.numbers.set_index('measure').loc['accuracy', 'value']:.3f}\""),
            Said(r"the two untrained networks \(the image and the text tower\) already put images and texts apart",
                 "not _is_random(model) and twin_check.numbers.set_index('measure').loc['accuracy', 'value'] >= 0.95"),
            Said(r"tells an image from a caption (\d+)% of the time",
                 "f'{accuracy:.0%}'.rstrip('%') if gap.status == _claims.FAILS and accuracy > 0.6 else None"),
        ]),
        Cell("unrelated_angles = ", said=[
            Said(r"median (\d+\.\d)° on this model", "f'{_np.median(unrelated_angles):.1f}'"),
            Said(r"below that baseline: nearer than unrelated", "bool(angles.loc['a cat', 'a dog'] < _np.median(unrelated_angles))"),
            Said(r"no nearer than unrelated things", "bool(angles.loc['a cat', 'a dog'] >= _np.median(unrelated_angles))"),
            Said(r"cat–monkey sits at [\d.]+°: about as far as unrelated phrases",
                 "bool(angles.loc['a cat', 'a monkey'] >= _np.median(unrelated_angles) - 5)"),
        ]),
        Cell("gap = geometry.modality_gap(", said=[
            Said(r"the gap is (wider|narrower) than with nothing learned",
                 "None if _is_random(model) else 'wider' if gap['centroid distance'] > twin_gap['centroid distance'] "
                 "else 'narrower'"),
            Said(r"images sit nearer each other than to texts, as in real CLIPs",
                 "bool(gap['mean cosine image-image'] > gap['mean cosine image-text'] + 0.05)"),
            Said(r"though by little: real CLIPs' image–image cosines are far larger",
                 "bool(gap['mean cosine image-text'] + 0.05 < gap['mean cosine image-image'] <= 0.3)"),
            Said(r"So with random weights the images sit near 1, together in one direction",
                 "not _is_random(model) and gap['mean cosine image-image'] <= 0.5 < twin_gap['mean cosine image-image']"),
        ]),
        Cell('cat_images = {"cat emoji"', setup="""
_rank = {name: [entry.rsplit(" ", 1)[0] for entry in column].index("a cat") + 1 for name, column in columns.items()}
_first_is_cat = lambda name: bool(_captions.matches("cats", [columns[name][0].rsplit(" ", 1)[0]])[0])
_margin = lambda name: (lambda c: float(c[0] - c[1]))(_np.sort(vocabulary_features @ model.encode_image(
    [cat_images[name]]).numpy()[0])[::-1])   # the first text's cosine over the second's
""", said=[
            Said(r'cat emoji: "a cat" ranks (\d+) of', "_rank['cat emoji']"),
            Said(r'cat photo: "a cat" ranks (\d+) of', "_rank['cat photo']"),
            Said(r'cat emoji: "a cat" ranks \d+ of \d+, behind .*This model misses it',
                 "_rank['cat emoji'] > 1 and not _first_is_cat('cat emoji')"),
            Said(r'cat photo: "a cat" ranks \d+ of \d+, behind .*This model misses it',
                 "_rank['cat photo'] > 1 and not _first_is_cat('cat photo')"),
            Said(r"The nearest text, '[^']+', names a cat too: the model reads it as a cat",
                 "sum(_rank[n] > 1 and _first_is_cat(n) and _margin(n) >= 0.05 for n in columns)", count=True),
            Said(r"names a cat too, but only [\d.]+ ahead of '[^']+', so at best a weak reading",
                 "sum(_rank[n] > 1 and _first_is_cat(n) and _margin(n) < 0.05 for n in columns)", count=True),
            Said(r"ahead of it, names a cat too", "sum(_rank[n] > 1 and not _first_is_cat(n) and any(_captions.matches("
                 "'cats', [e.rsplit(' ', 1)[0] for e in columns[n][:_rank[n] - 1]])) for n in columns)", count=True),
        ]),
    ],
    "02_how_clip_is_trained": [
        Cell("best = log.loc[log[", said=[
            Said(r"contrastive part is at most [\d.]+: (well below|below|not below) guessing",
                 "'well below' if final['train_loss'] < 0.75 * _np.log(batch) else 'below' if final['train_loss'] < "
                 "_np.log(batch) else 'not below'"),
            Said(r"read it as recall levelling off",
                 "bool(final['text_to_image_R@10'] < best['text_to_image_R@10'] - 0.005 and final['train_loss'] < "
                 "best['train_loss'] and best['text_to_image_R@10'] - final['text_to_image_R@10'] < 0.02)"),
        ]),
        Cell("narrate.toy_search(", said=[
            Said(r"before training, (\d+) of the other \d+ in the top", "clipnb.images.same_colour(before['path'][1:], "
                 "before['path'].iloc[0])"),
            Said(r"after training, (\d+) of the other \d+ in the top", "(lambda n: n if n >= (len(after) - 1) / 2 else None)"
                 "(clipnb.images.same_colour(after['path'][1:], after['path'].iloc[0]))"),
            Said(r"It trained on \d+ cat images, and (\d+) of them",
                 "sum(r > len(after) for r in everything.loc[_captions.matches('cats', everything['caption']), 'rank']) "
                 "or None"),
            Said(r"so the untrained search ranks by colour", "clipnb.images.same_colour(before['path'][1:], "
                 "before['path'].iloc[0]) >= (len(before) - 1) / 2"),
            Said(r"Searched by its own caption, each is found at (.+?): ", "', '.join(f'#{r} (\"{c}\")' for c, r in own.items()) "
                 "or None"),
            Said(r"the toy fitted (?:it|them)\. It learned each caption whole", "bool(own) and all(r <= len(after) for r in own.values())"),
            Said(r"the toy has not yet fitted the cat pairs", "not _captions.matches('cats', after['caption'].iloc[:1])[0]"),
            Said(r'It puts "(.+?)" first: after', "None if _captions.matches('cats', after['caption'].iloc[:1])[0] "
                 "else _title(after['caption'].iloc[0])"),
            Said(r"but has not yet put a cat first", "after.attrs['median score'] <= 0.5 "
                 "and not _captions.matches('cats', after['caption'].iloc[:1])[0]"),
            Said(r"The toy put a cat first", "after.attrs['median score'] <= 0.5 "
                 "and bool(_captions.matches('cats', after['caption'].iloc[:1])[0])"),
            Said(r"The top \d+ scores lie within ([\d.]+) of each other: near ties",
                 "f\"{after['score'].iloc[0] - after['score'].iloc[-1]:.2f}\" "
                 "if after['score'].iloc[0] - after['score'].iloc[-1] < 0.05 "
                 "and not _captions.matches('cats', after['caption'].iloc[:1])[0] else None"),
        ]),
        Cell('log = pd.DataFrame(json.loads((bundled_model_dir()', said=[
            Said(r"guessing would give 10 / (\d+)", "int(log['validation_images'].iloc[-1])"),
            # printed on every model (it reads the bundled model's training log): it must hold of that log
            Said(r"A recall well above chance and well below 1",
                 "3 * 10 / log['validation_images'].iloc[-1] < log['text_to_image_R@10'].iloc[-1] < 0.9"),
            Said(r"Validation recall was highest at \w+ (\d+)",
                 "int(best[x]) if final['text_to_image_R@10'] < best['text_to_image_R@10'] - 0.005 "
                 "and final['train_loss'] < best['train_loss'] else None"),
        ]),
        Cell("rank_of_own = {}", said=[
            Said(r"its own label first: (\d+) of 8 emoji with the trained heads", "int((heads['trained heads (bundled)'] == 1).sum())"),
            Said(r"with the trained heads, (\d+) of 8 with random heads", "int((heads['random heads'] == 1).sum())"),
        ]),
        Cell("logit_scale = {model.logit_scale:.2f}", said=[
            Said(r"this model stays well below the cap", "model.logit_scale < 50"),
            Said(r"this model ends near the cap, like CLIP", "model.logit_scale >= 50"),
        ]),
    ],
    "03_zero_shot_weirdness": [
        Cell("descriptions = list(speaker.index[:4])", setup="""
_column = table.columns[1]   # this model's scores
_above = {o: [d for d in list(speaker.index[:4]) if table.loc[d, _column] < table.loc[o, _column] - 0.005]
          for o in ("a dog", "a monkey")}
""", said=[
            Said(r'"a dog" \(-?[\d.]+\) scores above (.+?): another animal',
                 "', '.join(f'\"{d}\" ({table.loc[d, _column]:.3f})' for d in _above['a dog']) or None"),
            Said(r'"a monkey" \(-?[\d.]+\) scores above', "bool(_above['a monkey'])"),
        ]),
        Cell("classes = {\"animals\": \"animal\"", said=[
            Said(r"below that, so on these emoji the plain labels do worse than a model that never looked",
                 "bool(accuracy['plain labels'] <= truth.value_counts(normalize=True).iloc[0])"),
        ]),
        Cell("with_burger = zeroshot.probabilities", said=[
            Said(r"Removing the burgers barely moves it", "bool(without - with_burger < 0.01)"),
            Said(r"Removing a strong competitor does", "bool(without - with_burger < 0.01 and "
                 "p_fewer['a cat'] - p_by_hand[1] >= 0.01)"),
            Said(r"Removing 'a dog' moves it only from", "bool(without - with_burger < 0.01 and "
                 "p_fewer['a cat'] - p_by_hand[1] < 0.01)"),
        ]),
        Cell("checks = [claims.cat_beats_dog_and_monkey", setup="""
_winner = {where: zeroshot.similarity_table(model, images, ["a cat", "a dog", "a monkey"]).mean().idxmax()
           for where, images in [("emoji", CAT_EMOJI), ("photo", [CAT_PHOTO])]}
""", said=[
            Said(r'→ on 3 cat emoji \(held-out style\), ".*" \([-\d.]+\) beats "a cat"', "_winner['emoji'] != 'a cat'"),
            Said(r'→ on the cat photo \(one image\), ".*" \([-\d.]+\) beats "a cat"', "_winner['photo'] != 'a cat'"),
        ]),
        Cell("phrasing = zeroshot.similarity_table", setup="""
_order = list(phrasing.index)
_empty = max(phrasing["the"], phrasing["."])
""", said=[
            Said(r'Keyboard-mash above cat phrasings: "asdf" \([-\d.]+\) above ([^;.]+)',
                 "', '.join(sorted([v for v in CAT_WORDS if phrasing[v] < phrasing['asdf']], key=phrasing.get, "
                 "reverse=True)) or None"),
            Said(r'"a cat" ranks (\d+) of 20', "_order.index('a cat') + 1"),
            Said(r'phrases about something else score above "a cat"',
                 "any(v not in CAT_WORDS for v in _order[:_order.index('a cat')])"),
            Said(r"(\d+) cat phrasings score below the better empty word",
                 "sum(phrasing[v] < _empty for v in CAT_WORDS) or None"),
            Said(r"here even plain English ones \((.+?)\) fall below",
                 "', '.join(sorted(v for v in CAT_WORDS if phrasing[v] < _empty and v not in "
                 "{'a cta', 'a caat', 'un chat', 'eine Katze', 'cheezburger'})) or None"),
            Said(r'scores? above the bare word "cat"',
                 "any(phrasing[v] > phrasing['cat'] for v in ('a dog', 'a photo of a dog', 'a tiger'))"),
            Said(r"Other animals above plain English cat phrasings \(by more than [\d.]+\): (.+)\. For this image",
                 "(lambda kin: '; '.join(f'\"{o}\" above ' + ', '.join(v for v in sorted(CAT_WORDS - ODD_SPELLINGS, "
                 "key=phrasing.get) if phrasing[v] < phrasing[o] - 0.005 and v not in kin.get(o, ())) for o in "
                 "('a dog', 'a photo of a dog', 'a tiger') if any(phrasing[v] < phrasing[o] - 0.005 and v not in "
                 "kin.get(o, ()) for v in CAT_WORDS - ODD_SPELLINGS)) or None)({'a tiger': {'a feline'}})"),
            Said(r'"a tiger" \([-\d.]+\) also scores above', "bool(phrasing['a feline'] < phrasing['a tiger'] - 0.005)"),
        ]),
        Cell("McNemar", setup="""
_right_plain, _right_ensemble = plain["label"].to_numpy() == truth, ensembled["label"].to_numpy() == truth
_changed = int((_right_plain != _right_ensemble).sum())
from scipy.stats import binomtest as _binomtest
_p = _binomtest(int((_right_ensemble & ~_right_plain).sum()), _changed).pvalue if _changed else 1.0
""", said=[
            Said(r"so the difference is (beyond|within) noise", "'beyond' if _p <= _claims.ALPHA else 'within'"),
            Said(r"McNemar's exact test, p = (\S+) at", "f'{_p:.2g}'"),
        ]),
    ],
    "04_embedded_bias": [
        Cell("prompt_of = lambda row:", setup="""
_grid = gaps.pivot(index="variant", columns="subject", values="gap")
_moved = sum(bool(_grid.loc["female", s] < _grid.loc["unmarked", s]) for s in SUBJECTS)
""", said=[
            Said(r'"([^"]+)" has the largest gap towards the man images',
                 "VARIANTS[gaps.loc[gaps['gap'].idxmax(), 'variant']].format(gaps.loc[gaps['gap'].idxmax(), 'subject']) "
                 "if gaps['gap'].max() > 0 else None"),
            Said(r'"([^"]+)" has the largest gap towards the woman images',
                 "VARIANTS[gaps.loc[gaps['gap'].idxmin(), 'variant']].format(gaps.loc[gaps['gap'].idxmin(), 'subject']) "
                 "if gaps['gap'].min() < 0 else None"),
            Said(r'Adding "female" moves the prompt towards the \w+ images for (\d+) of', "_moved"),
            Said(r"It raises the \w+ images' own score \(by 0.005 or more\) for (\d+) of those",
                 "sum(bool(_grid.loc['female', s] < _grid.loc['unmarked', s] and table[(table['variant'] == 'female') "
                 "& (table['subject'] == s) & (table['group'] == b)]['cosine'].mean() > table[(table['variant'] == "
                 "'unmarked') & (table['subject'] == s) & (table['group'] == b)]['cosine'].mean() + 0.005) "
                 "for s in SUBJECTS) if _moved else None"),
            Said(r'Adding "male" raises the \w+ images\' score too \(by 0.005 or more\) for (.+?), though',
                 "', '.join(s for s in SUBJECTS if _grid.loc['male', s] > _grid.loc['unmarked', s] and "
                 "table[(table['variant'] == 'male') & (table['subject'] == s) & (table['group'] == b)]['cosine'].mean() > "
                 "table[(table['variant'] == 'unmarked') & (table['subject'] == s) & (table['group'] == b)]['cosine'].mean() "
                 "+ 0.005) or None"),
            Said(r'Size alone does not decide: "([^"]+)"', "(lambda b: VARIANTS[max(((x, y) for x in gaps[~b].itertuples() "
                 "for y in gaps[b].itertuples() if abs(x.gap) > abs(y.gap)), key=lambda q: abs(q[0].gap) - abs(q[1].gap))"
                 "[0].variant].format(max(((x, y) for x in gaps[~b].itertuples() for y in gaps[b].itertuples() if "
                 "abs(x.gap) > abs(y.gap)), key=lambda q: abs(q[0].gap) - abs(q[1].gap))[0].subject) if any(abs(x.gap) > "
                 "abs(y.gap) for x in gaps[~b].itertuples() for y in gaps[b].itertuples()) else None)"
                 "(gaps['p_holm'] <= _claims.ALPHA)"),
        ]),
        Cell("narrate.unmarked_beyond_noise(", said=[
            Said(r"Among the unmarked prompts, (.+?) (?:is|are) beyond noise",
                 "', '.join(f'\"a {r.subject}\" (gap {r.gap:+.3f})' for r in corrected[(corrected['variant'] "
                 "== 'unmarked') & (corrected['p_holm'] <= _claims.ALPHA)].itertuples()) or None"),
        ]),
        Cell("matched = probes.tone_matched(groups)", setup="""
_marked = by_tone[by_tone["variant"].isin(["male", "female"])] if "by_tone" in globals() else None


def _beyond(t):
    return {(v, s_): p <= _claims.ALPHA and (v == "unmarked" or (g > 0) == (v == "male"))
            for v, s_, g, p in zip(t["variant"], t["subject"], t["gap"], t["p_holm"])}


_changed = (sum(_beyond(by_tone)[k] != v for k, v in _beyond(corrected).items()) if _marked is not None else None)
""", said=[
            Said(r"(No|\d+) prompt(?:'s|s') verdicts? changes?",
                 "None if _changed is None else 'No' if _changed == 0 else str(_changed)"),
            Said(r"images\), (\d+) of the \d+ marked prompts are beyond noise alone",
                 "int(sum((g > 0 if v == 'male' else g < 0) and p <= _claims.ALPHA for v, g, p in "
                 "zip(_marked['variant'], _marked['gap'], _marked['p_holm']))) if _marked is not None else None"),
            Said(r"[Tt]he gaps moved by at most ([\d.]+)",
                 "f\"{(by_tone.set_index(['variant', 'subject'])['gap'] - corrected.set_index(['variant', 'subject'])"
                 "['gap']).abs().max():.3f}\" if _marked is not None else None"),
        ]),
        Cell("gaps = claims.bias_table(", said=[
            Said(r"(\d+) of \d+ tests sit at the edge",
                 "int((((gaps['ci_low'] > 0) | (gaps['ci_high'] < 0)) != (gaps['p_value'] <= _claims.ALPHA)).sum()) "
                 "or None"),
        ]),
        Cell("sanity = claims.marked_prompts_move_scores", setup="""
_c = sanity.numbers.set_index("measure")["value"] if sanity.numbers is not None else None
_right, _alone, _tests = ((int(_c["right direction"]), int(_c["right and beyond noise alone"]), int(_c["tests"]))
                          if _c is not None else (None, None, None))
""", said=[
            Said(r"(All|None|\d+)(?: of the)? \d+ marked prompts point the right way",
                 "None if _c is None else 'All' if _right == _tests else 'None' if _right == 0 else str(_right)"),
            Said(r"point the right way, and together they beat 95 % of the swapped", "sanity.status == _claims.HOLDS"),
            Said(r"Together they lean the right way beyond noise, but (\d+) point the wrong way",
                 "str(_tests - _right) if _c is not None and _right < _tests and _c['pooled p'] <= _claims.ALPHA "
                 "else None"),
            Said(r"Alone, (none|\d+)(?: of the)? \d+ (?:is|are) beyond noise",
                 "('none' if _alone == 0 else str(_alone)) if sanity.status == _claims.HOLDS and _alone < _tests "
                 "else None"),
        ]),
        Cell("narrate.bias_summary(", said=[
            Said(r"more than the \d+ person prompts do: (.+?);",
                 "', '.join(leans.loc[leans['p_holm'] <= _claims.ALPHA, 'subject']) or 'none'"),
            Said(r"shows no lean of a profession beyond", "not (leans['p_holm'] <= _claims.ALPHA).any() "
                 "and not (text_side['text only: p_holm'] <= _claims.ALPHA).any()"),
        ]),
        Cell("narrate.nurse_lean(", setup="""
_nurse = leans.set_index("subject").loc["nurse"]
""", said=[
            Said(r'"a nurse" leans towards the (\w+) images here, beyond the person prompts',
                 "(a if _nurse['lean'] > 0 else b) if _nurse['p_holm'] <= _claims.ALPHA else None"),
            Said(r'"a nurse" leans no more than the person prompts do', "_nurse['p_holm'] > _claims.ALPHA"),
            Said(r'this model\'s gap for "a nurse" is ([+-]\d+\.\d+)', "f\"{_nurse['gap']:+.4f}\""),
            Said(r"(.+?) (?:was|were) beyond noise in section 3",
                 "', '.join(f'\"a {s}\"' for s in gaps[(gaps['variant'] == 'unmarked') & (gaps['p_holm'] <= _claims.ALPHA)]"
                 "['subject'] if leans.set_index('subject')['p_holm'].get(s, 0) > _claims.ALPHA) or None"),
        ]),
        Cell("persons = np.array([r[\"towards woman\"]", said=[
            Said(r"no profession leans beyond the person prompts' spread", "bool((text_side['text only: p_holm'] > _claims.ALPHA).all())"),
            Said(r"Measured from there, (.+?) leans? towards \"a woman\"",
                 "', '.join(repr('a ' + p) for p, v in (text_side.iloc[:, 0] - persons.mean()).items() if v > 0) "
                 "or 'no profession'"),
            Said(r"(.+?): the words and the pictures point opposite ways",
                 "', '.join(repr('a ' + p) for p in text_side.index if ((text_side.iloc[:, 0] - persons.mean())[p] > 0) "
                 "!= (text_side['with the images: towards the women (− lean, section 5)'][p] > 0)) or None"),
        ]),
    ],
    "05_signs_and_structure": [
        Cell("narrate.word_pairs(", said=[
            Said(r"the nearest pairs: (\S+–\S+) ", "(lambda m, i, j: f'{m.index[i[_np.argmax(m.to_numpy()[i, j])]]}–"
                 "{m.columns[j[_np.argmax(m.to_numpy()[i, j])]]}')(similarity, *_np.triu_indices(len(similarity), 1))"),
        ]),
        Cell("in_degree = neighbours", setup="""
_in = neighbours["neighbour"].value_counts()
_kin = {w: _np.mean([kind_of.get(q) == kind_of.get(w) for q in neighbours.loc[neighbours["neighbour"] == w, "query"]])
        for w, n in _in.items() if n >= 4}
""", said=[
            Said(r"'\w+' sits (?:nearer|as near) the \w+s \(", "sum(max(similarity.loc[w, [v for v, j in kind_of.items() "
                 "if j == o]].mean() for o in set(kind_of.values()) if o != k) > similarity.loc[w, [v for v, j in "
                 "kind_of.items() if j == k and v != w]].mean() - 0.01 for w, k in kind_of.items())", count=True),
            Said(r"(\d+) of the \d+ words with kin here have a nearest neighbour of the same kind",
                 "sum(kind_of.get(r.query) == kind_of.get(r.neighbour) for r in first.itertuples() if r.query in kind_of)"),
            Said(r"(?m)^(.+?) comes? up far more often",
                 "', '.join(f\"'{w}' (near {_in[w]}: \" + ', '.join(neighbours.loc[neighbours['neighbour'] == w, 'query']) "
                 "+ ')' for w in _kin if not (w in kind_of and _kin[w] >= 0.5)) or None"),
            Said(r"('[^']+'(?:, '[^']+')*) (?:is|are) near many words too",
                 "', '.join(repr(w) for w in _kin if w in kind_of and _kin[w] > 0.5) or None"),
            Said(r"(?m)^((?:'[^']+' \([^)]*\)(?:, )?)+) (?:is|are) near as many of",
                 "', '.join(f\"'{w}' (\" + ', '.join(neighbours.loc[neighbours['neighbour'] == w, 'query']) + ')' "
                 "for w in _kin if w in kind_of and _kin[w] == 0.5) or None"),
        ]),
        Cell("narrate.sign_blocks(", said=[
            Said(r"both same-kind pairs are more similar than text–image",
                 "bool(min(block_means['text–text'], block_means['image–image']) > block_means['text–image'])"),
            Said(r"the image pair \([-\d.]+\) is (more|no more) similar than text–image",
                 "None if min(block_means['text–text'], block_means['image–image']) > block_means['text–image'] else "
                 "'more' if block_means['image–image'] > block_means['text–image'] else 'no more'"),
            Said(r"the two pictures of a cat, photo and emoji, score",
                 "bool(matrix.loc['image: cat photo', 'image: cat emoji'] < 0.2)"),
            Said(r'the meme "i can has cheezburger\?" is (nearer|no nearer) the cat photo',
                 "'nearer' if matrix.loc['text: \"i can has cheezburger?\"', 'image: cat photo'] "
                 "> matrix.loc['text: \"a cat\"', 'image: cat photo'] else 'no nearer'"),
        ]),
        Cell('odd = ["cta", "kat"', setup="""
_cat_like = nearest_word[nearest_word["string"].isin(cat_like)]
_on_cat = _cat_like[_cat_like["neighbour"].isin(["cat", "kitten", "tiger", "lion"])]
""", said=[
            Said(r"(\d+) of the \d+ cat-like strings land nearest a cat word", "len(_on_cat)"),
            Said(r"a coin toss, not a reading", "bool(((_on_cat['margin over 2nd'] < 0.01) & ~_on_cat['2nd word'].isin("
                 "['cat', 'kitten', 'tiger', 'lion'])).any())"),
            Said(r"(?m)^(.+?) wins? by under 0.03 over a word that is no cat", "', '.join(_on_cat.loc[_on_cat['margin over 2nd']"
                 ".between(0.01, 0.03) & ~_on_cat['2nd word'].isin(['cat', 'kitten', 'tiger', 'lion']), 'string']) or None"),
            Said(r"(\d+) of the \d+ strings land nearest '", "int(nearest_word['neighbour'].value_counts().iloc[0]) "
                 "if nearest_word['neighbour'].value_counts().iloc[0] >= 4 else None"),
            Said(r"section 2 found '([^']+)' a hub among the words too",
                 "landing.index[0] if landing.iloc[0] >= 4 and landing.index[0] in hub_words else None"),
            Said(r"It is not a hub among the words of section 2", "bool(landing.iloc[0] >= 4 and landing.index[0] not in hub_words)"),
            Said(r"Yet (.+?) (?:does|do) mean something", "', '.join(s for s in nearest_word.loc[nearest_word['neighbour'] "
                 "== landing.index[0], 'string'] if s in MEANT and s not in unknown) or None if landing.iloc[0] >= 4 else None"),
            Said(r"(?m)^(.+?) reach(?:es)? this model's text side as \[UNK\]",
                 "(lambda t, h: ', '.join(s for s, row in zip(odd, t.tolist()) if {x for x in row if x not in "
                 "(h.cls_token_id, h.sep_token_id, h.pad_token_id)} == {h.unk_token_id}) or None)"
                 "(model.tokenizer(odd), model.tokenizer.tokenizer) if hasattr(model.tokenizer, 'tokenizer') else None"),
            Said(r"(?m)^(.+?) lands? on '[^']+' by at least twice the median margin",
                 "' and '.join(f'{s} (by {m:.3f})' for s, m, n in zip(nearest_word['string'], nearest_word['margin over 2nd'], "
                 "nearest_word['neighbour']) if s in MEANT and s not in unknown and n == landing.index[0] and m >= 2 * "
                 "nearest_word['margin over 2nd'].median()) or None if landing.iloc[0] >= 4 else None"),
        ]),
        Cell("closer_to_nothing = ", said=[
            Said(r"the mash is close to nothing in particular", "mash['margin over 2nd'] < word_margin"),
            Said(r"and (near everything|not near everything|about as near everything)",
                 "'about as near everything' if abs(mash['mean cosine to all words'] - word_mean) < 0.02 else "
                 "'near everything' if mash['mean cosine to all words'] > word_mean else 'not near everything'"),
        ]),
    ],
    "06_search_math": [
        Cell("not_terms = explanation.loc[", said=[
            Said(r"the two subtracted terms make up (\d+)% of the query's direction",
                 "round(100 * explanation.loc[explanation['weight'] < 0, 'share'].sum())"),
            Said(r"the query asks more for what is not there", "bool(explanation.loc[explanation['weight'] < 0, 'share'].sum() > 0.5)"),
        ]),
        Cell("composed = man - japanese", said=[
            Said(r"similar terms, so a short difference", "bool(man @ japanese > 0.5)"),
            Said(r"far apart, so a long difference", "bool(man @ japanese <= 0.5)"),
        ]),
        Cell("narrate.snow_at_weights(", setup="""
_subjects = _pd.Series([(_title(c).split() or [""])[-1].lower() for c in brought_in]).value_counts()
""", said=[
            Said(r"What the full subtraction brings into the top 12: .*\((\d+) of them captioned as",
                 "int(_subjects.iloc[0]) if len(_subjects) and _subjects.iloc[0] >= 3 else None"),
            Said(r"At weight 0.5 it brings in (\d+):", "int((~at_half['path'].isin(base)).sum()) or None"),
        ]),
        Cell("queries8 = [", setup="""
_close_ups, _men = counts["close-ups in the top 9"].tolist(), counts["men in the top 9"].tolist()
_first = corpus.search(queries8[0], k=9)
_titles = lambda found: found["caption"].map(lambda c: (_title(c).split() or [""])[-1].lower())
_one_subject = lambda q: (lambda counts: (int(counts.iloc[0]), counts.index[0]))(_titles(corpus.search(q, k=9)).value_counts())
""", said=[
            Said(r'"an image of a man": (\d+) of the top 9 are captioned as men', "_men[0]"),
            Said(r"The search for a man is already weak on this model", "_men[0] < 7"),
            Said(r"though its first image is not a man", "_men[0] >= 7 and not _re.search(claims.MEN_CAPTIONS, "
                 "_first['caption'].iloc[0], _re.IGNORECASE)"),
            Said(r"its first image is not captioned as a man but", "sum(not _re.search(claims.MEN_CAPTIONS, corpus.search(q, k=1)"
                 "['caption'].iloc[0], _re.IGNORECASE) for q in queries8[1:])", count=True),
            Said(r"An ape among the nearest images", "bool(_re.search(r'\\b(?:gorilla|ape|chimpanzee|orangutan|monkey)\\b', "
                 "' '.join(_first['caption']), _re.IGNORECASE))"),
            Said(r'subtracting "close up" took the close-ups in the top 9 from (\d+) to', "_close_ups[1]"),
            Said(r"(\d+) of its 9 are captioned as an? \w+\. The subtraction did not only take something out",
                 "next((n for n, title in map(_one_subject, queries8[1:]) if n >= 5 and (_titles(_first) == title).sum() "
                 "<= 1), None)"),
            Said(r'subtracting "japanese" also took men in the top 9 from (\d+) to', "_men[0] if _men[1] < _men[0] - 1 else None"),
            Said(r"also took men out of the top 9", "_men[2] < _men[1]"),
            Said(r"(\d+) of the second grid's 9 are professions captioned without a gender",
                 "(sum('/professions/' in p and not _re.search(claims.MEN_CAPTIONS, c, _re.IGNORECASE) "
                 "and not _re.search(r'\\bwom[ae]n\\b', c, _re.IGNORECASE) for p, c in zip(*corpus.search(queries8[1], "
                 "k=9)[['path', 'caption']].to_numpy().T)) or None) if _men[1] < _men[0] - 1 else None"),
        ]),
        Cell("tone_words = [", setup="""
_dark = lambda q: int(corpus.search(q, k=9)["caption"].str.contains(DARKER, case=False).sum())
_TONE = r"-(light|medium-light|medium|medium-dark|dark)-skin-tone(?=[.])"
_tones = corpus.table["image_path"].str.extract(_TONE)[0]
_tc = _pd.DataFrame({"level": _tones.map({"light": 1, "medium-light": 2, "medium": 3, "medium-dark": 4, "dark": 5}),
                     "emoji": corpus.table["image_path"].str.replace(_TONE, "", regex=True)})
_tc = _tc[_tc["level"].notna()]
_tc = _tc[_tc.groupby("emoji")["emoji"].transform("size") > 1]
_x = corpus.image_features[_np.flatnonzero(corpus.table.index.isin(_tc.index))]   # the table's rows are the features'
_man = model.encode_text(["an image of a man"]).numpy()[0]
def _tone_r(word):   # within each emoji: darkness against what a colouring gains from subtracting the word
    q = _man - model.encode_text([word]).numpy()[0]
    gain = _pd.Series(_x @ (q / _np.linalg.norm(q)) - _x @ _man, index=_tc.index)
    lc = _tc["level"] - _tc.groupby("emoji")["level"].transform("mean")
    gc = gain - gain.groupby(_tc["emoji"]).transform("mean")
    return float((lc * gc).sum() / _np.sqrt((lc ** 2).sum() * (gc ** 2).sum()))
_rj = _tone_r("japanese")
_rc = [_tone_r(w) for w in nulls.CONTROL_WORDS]
_p_tone = min(1.0, 2 * (1 + min(sum(c >= _rj for c in _rc), sum(c <= _rj for c in _rc))) / (1 + len(_rc)))
""", said=[
            Said(r'in the top 9 before, (\d+) after', "_dark(text('an image of a man') - text('japanese'))"),
            Said(r'"japanese": ([+-][\d.]+)\. The', "f'{_rj:+.2f}'"),
            Said(r'Taking "japanese" away moves skin tone no further than an unrelated word', "_p_tone > _claims.ALPHA"),
            Said(r'Taking "japanese" away lifts each emoji\'s (darker|lighter) colourings',
                 "('darker' if _rj > _np.median(_rc) else 'lighter') if _p_tone <= _claims.ALPHA else None"),
        ]),
        Cell("base = set(corpus.search(runner, k=12)", setup="""
_trees = [int(_captions.matches("trees", corpus.search(q, k=12)["caption"]).sum()) for q in queries[3:5]]
_snowy = [int(corpus.search(q, k=12)["caption"].str.contains("snow", case=False).sum()) for q in queries[:4]]
""", said=[
            Said(r"snowy images in the top 12: (\d+) for the plain query", "_snowy[0]"),
            Said(r"the talk's gentle weights barely touch the snow here",
                 "min(_snowy[2:4]) >= _snowy[0] - 1 and _snowy[1] < _snowy[0]"),
            Said(r"images captioned with trees in the top 12: (\d+) for", "_trees[0]"),
            Said(r"the trees thinned out, as the talk intended", "_trees[0] - _trees[1] >= 3"),
            Said(r"only (\d+) fewer, a slight thinning", "_trees[0] - _trees[1] if 0 < _trees[0] - _trees[1] < 3 else None"),
            Said(r"So the ✔ rests on the full weight, 1,", "e9.result.status == _claims.HOLDS and min(_snowy[2:4]) >= _snowy[0] - 1"),
            Said(r'(\d+) of the \d+ control words remove as many snowy images as "winter"',
                 "sum(s is not None and s >= e9.statistic for s in e9.null_statistics) or None "
                 "if e9.statistic is not None else None"),
        ]),
        Cell("the talk's scene in the samples", setup="""
_order = list(corpus.search(runner, k=len(corpus))["path"])
_scenes = corpus.table[corpus.table["image_path"].str.match(r"scenes/.*running")]
_snowy = [_order.index(p) + 1 for p, c in zip(_scenes["path"], _scenes["caption"]) if "snow" in c]
_snowless = [_order.index(p) + 1 for p, c in zip(_scenes["path"], _scenes["caption"]) if "snow" not in c]
""", said=[
            Said(r"snowless runner scenes rank #(\d+)", "min(_snowless)"),
            Said(r"(\d+) of the \d+ snowless scenes rank behind the first snowy one", "sum(r > min(_snowy) for r in _snowless) or None"),
            Said(r"A snowy scene is inside the top 12", "min(_snowy) <= 12"),
            Said(r"Every snowless scene comes before every snowy one", "min(_snowy) > 12 and max(_snowless) <= 12"),
            Said(r"No scene of the talk is near the top", "min(_snowy) > 12 and max(_snowless) > 12"),
        ]),
    ],
    "07_search_by_image": [
        Cell("control_dogs = {w:", setup="""
_alone = corpus.search(image(cat_picture), k=9)
_is_cat = _captions.matches("cats", _alone["caption"])
_other = ~_is_cat & ~_captions.matches("big_cats", _alone["caption"])
""", said=[
            Said(r"(\d+) of the \d+ other animals bring", "sum(n >= dogs for n in animal_dogs.values())"),
            Said(r"So the dogs come from the word 'dog'", "(1 + sum(n >= dogs for n in animal_dogs.values())) "
                 "/ (1 + len(animal_dogs)) <= _claims.ALPHA"),
            Said(r"after the swap, (\d+) of the 9 are neither dogs nor cats",
                 "int((~(_captions.matches('dogs', after['caption']) | _captions.matches('cats', after['caption']) "
                 "| _captions.matches('big_cats', after['caption']))).sum()) or None"),
            Said(r"The cat picture's own top 9 holds (\d+) cat", "int(_is_cat.sum())"),
            Said(r"The cat picture's own top 9 holds \d+ cat\(s\) and (\d+) big cat",
                 "int(_captions.matches('big_cats', _alone['caption']).sum()) or None"),
            Said(r"(?m)what this model sets near a drawn cat: (.+)\.$",
                 "'; '.join(_title(c) for c in _alone['caption'][_other][:5]) if _other.any() else None"),
            Said(r"'(.+?)' ranks #\d+, ahead of \d+ of the cats",
                 "(lambda i: _title(_alone['caption'].iloc[i]) if (~_other[i + 1:]).any() else None)"
                 "(int(_np.argmax(_other))) if _other.any() else None"),
            Said(r"the dog word, not just any change, brought the dogs",
                 "bool((1 + sum(n >= dogs for n in control_dogs.values())) / (1 + len(control_dogs)) <= _claims.ALPHA)"),
            Said(r"an unrelated word brings as many",
                 "bool((1 + sum(n >= dogs for n in control_dogs.values())) / (1 + len(control_dogs)) > _claims.ALPHA)"),
        ]),
        Cell("narrate.tree_search(", setup="""
_deco = corpus.table["caption"].fillna("").str.contains("christmas", case=False).to_numpy()
_deco_rank = claims.first_rank(corpus, picture, _deco) if _deco.any() else None
_first_tree = claims.first_rank(corpus, picture, forest_images)
_found_trees = bool(_first_tree and _first_tree <= 9)
_after = corpus.search(picture - text("forest"), k=9)
_top9 = corpus.search(picture, k=9)["path"]
_where = corpus.table.set_index("path")["image_path"].astype(str) if "image_path" in corpus.table else None
_stem = QUERY_IMAGE.rsplit("/", 1)[-1].rsplit(".", 1)[0]   # scenes composed from the query's own drawing
_scenes = 0 if _where is None else sum(bool(forest_images[corpus.row_of(p)]) and _where[p].startswith("scenes/")
                                       and _stem in _where[p] for p in _top9)
_other_trees = sum(bool(forest_images[corpus.row_of(p)]) for p in _top9) - _scenes
""", said=[
            Said(r"The Christmas tree ranks #(\d+) for the picture alone",
                 "_deco_rank if (not _first_tree or _first_tree > 9) and _deco_rank and _deco_rank <= 9 else None"),
            Said(r"minus each of the \d+ unrelated words \([^)]*\) instead, #(\d+) \(the median\)",
                 "int(_np.median([claims.first_rank(corpus, picture - text(w), _deco) or len(corpus) for w in "
                 "nulls.CONTROL_WORDS])) if (not _first_tree or _first_tree > 9) and _deco_rank and _deco_rank <= 9 "
                 "and min(claims.first_rank(corpus, picture - w * text('forest'), _deco) or len(corpus) for w in (1, 0.5)) "
                 "> _deco_rank else None"),
            Said(r"The picture alone finds no image captioned as trees in its top 9",
                 "not any(forest_images[corpus.row_of(p)] for p in corpus.search(picture, k=9)['path'])"),
            Said(r"the picture's own top 9: (\d+) captioned with trees",
                 "sum(bool(forest_images[corpus.row_of(p)]) for p in corpus.search(picture, k=9)['path'])"),
            Said(r"[Tt]hey share mostly (the subject|the colour|the outline)",
                 "(lambda c: max(c, key=c.get) if max(c.values()) >= 5 else None)({'the subject': same_subject "
                 "- _scenes, 'the colour': same_colour, 'the outline': same_outline})"),
            Said(r"the picture's own top 9 holds (no|\d+) other tree", "(str(_other_trees) if _other_trees else 'no') if _scenes "
                 "else None"),
            Said(r"Its nearest image is not a tree", "not forest_images[corpus.row_of(corpus.search(picture, k=9)['path'].iloc[0])]"),
            Said(r"The (\d+) that are not trees:", "sum(not forest_images[corpus.row_of(p)] for p in corpus.search(picture, k=9)['path']) or None"),
            Said(r'Minus "forest", (\d+) of the 9 (?:are trees|is a tree)',
                 "sum(bool(forest_images[corpus.row_of(p)]) for p in _after['path']) if _found_trees else None"),
            Said(r"and (\d+) have an outline like the tree's",
                 "clipnb.images.same_outline(_after['path'], QUERY_IMAGE) if _found_trees else None"),
            Said(r"what is left of the picture is largely its shape",
                 "bool(_found_trees and clipnb.images.same_outline(_after['path'], QUERY_IMAGE) / 9 > ("
                 "clipnb.images.outline_overlaps(corpus.paths, QUERY_IMAGE) >= 0.7).mean() + 0.2 and "
                 "clipnb.images.same_outline(_after['path'], QUERY_IMAGE) > same_outline)"),
        ]),
        Cell("for weight in [1.0, 0.5]:", said=[  # judged: the last weight's verdict, 0.5
            Said(r'at weight 0.5, "forest" removes more trees than', "judged.beyond_random"),
            Said(r"at weight 0.5, the trees counted \(those not pasted into a scene from this very drawing\) go from",
                 "not judged.beyond_random and judged.result.status == _claims.HOLDS"),
            Said(r"at weight 0.5, the trees counted .*? go from (\d+) to",
                 "int(judged.result.numbers.set_index('measure')['value']['before']) if not judged.beyond_random and "
                 "judged.result.status == _claims.HOLDS else None"),
        ]),
        Cell("swapped = image(cat_picture)", said=[
            Said(r"the swap moved it up", "bool(first_dog[0] and first_dog[1] and first_dog[1] < first_dog[0])"),
            Said(r"The cat emoji's nearest image is a dog",
                 "bool(_captions.matches('dogs', corpus.search(image(cat_picture), k=1)['caption'])[0])"),
        ]),
    ],
    "08_binary_opposition": [
        Cell('extremes = table.assign(lead=', said=[
            Said(r"of the 10 images furthest on the happy side of the dashed line, (\d+) are captioned",
                 "int(sum(happy_faces[corpus.row_of(p)] for p in extremes['path'].tail(10)))"),
            Said(r"of the 10 furthest on the sad side, (\d+) as sad faces",
                 "int(sum(sad_faces[corpus.row_of(p)] for p in extremes['path'].head(10)))"),
            Said(r"(\d+) of the \d+ mood faces lie on their own side of the line",
                 "int(sum(happy_faces[corpus.row_of(p)] for p, s in zip(table['path'], table['sim_a'] - table['sim_b']) "
                 "if s > 0) + sum(sad_faces[corpus.row_of(p)] for p, s in zip(table['path'], table['sim_a'] - "
                 "table['sim_b']) if s < 0))"),
        ]),
        Cell("captioned = {pole: claims.pole_images(", setup="""
_gender = 0   # ends of a pair no caption names where one end holds 2+ women (or men) and the other none
for (_a, _b), _r in by_pair.items():
    if claims.pole_images(corpus, _a).any() or claims.pole_images(corpus, _b).any():
        continue
    _seen = {}
    for _pole, _end in ((_a, _r.head(3)), (_b, _r.tail(3))):
        _paths = list(dict.fromkeys(list(_end["path"]) + list(opposition.nearest_to_pole(corpus, _pole, 3)["path"])))
        _caps = [corpus.table["caption"].iloc[corpus.row_of(p)] for p in _paths]
        _seen[_pole] = {_k: int(_captions.matches(_k, _caps).sum()) for _k in ("women", "men")}
    for _k in ("women", "men"):
        _gender += sum(_seen[p][_k] >= 2 and _seen[o][_k] == 0 for p, o in ((_a, _b), (_b, _a)))
""", said=[
            Said(r"That is how structuralism reads such pairs", "_gender", count=True),
            Said(r"Bare words find fewer of their own images than phrases do: (.+?) among the 3 nearest",
                 "'; '.join(f'\"{w}\" {own[w]} of 3 (against \"{p}\" {own[p]})' for w, p in (('man', 'a man'), "
                 "('woman', 'a woman'), ('happy', 'a happy face'), ('sad', 'a sad face')) "
                 "if w in own and p in own and own[w] < own[p]) or None"),
        ]),
        Cell("pair_checks = {}", said=[
            Said(r"A ✘ above can be a tie: (.+?)\. The claim asks",
                 "'; '.join(f'\"{a_}\" − \"{b_}\" finds {int(j.result.numbers.set_index(\"measure\")[\"value\"][\"pole images "
                 "by delta\"])} of {2 * K} both ways' for (a_, b_), j in pair_checks.items() if j.result.status == _claims.FAILS and "
                 "len(set(j.result.numbers.set_index('measure')['value'][['pole images by delta', 'pole images nearest to "
                 "pole']])) == 1) or None"),
        ]),
        Cell('judged = pair_checks["happy", "sad"]', said=[
            Said(r"Here too the difference finds more happy and sad faces",
                 "talk.status == _claims.HOLDS and judged.beyond_random"),
            Said(r"It holds, but by little", "talk.status == _claims.HOLDS and not judged.beyond_random"),
            Said(r"Not here: the difference finds no more happy and sad faces", "talk.status == _claims.FAILS"),
        ]),
        Cell("random_cosine = np.median(", said=[
            Said(r"Why narrower\? One reason can be the words: the poles of",
                 "bool(((null['share of random pairs spreading as wide'] > 0.95) & (null['cosine of the two poles'] > random_cosine)).any())"),
            Said(r"still do: the images spread less",
                 "bool(((null['share of random pairs spreading as wide'] > 0.95) & (null['cosine of the two poles'] > random_cosine)"
                 " & (null['along the unit axis: share spreading as wide'] > 0.95)).any())"),
            Said(r"Along the unit axis, (.+?) spreads? the images more than 95 %",
                 "', '.join(null.index[null['along the unit axis: share spreading as wide'] < 0.05]) or None"),
        ]),
        Cell("auc = roc_auc_score", setup="""
_delta = dict(zip(names, by_delta["delta"]))
_pairs = [(_delta[h], _delta[s]) for h in happy for s in sad if h in _delta and s in _delta]
_share = _np.mean([1.0 if dh > ds else 0.5 if dh == ds else 0.0 for dh, ds in _pairs])
""", said=[
            Said(r"happy faces rank above sad ones in (\d+)% of", "round(100 * _share)"),
            Said(r"The neutral face ranks below (\d+) of the sad faces", "sum(1 for n in list(names)[:list(names).index("
                 "'neutral-face')] if n in sad) or None if 'neutral-face' in list(names) else None"),
            Said(r'So, for "a happy face" / "a sad face": among the faces alone, the difference sorts them by mood',
                 "pair_checks['a happy face', 'a sad face'].result.status == _claims.FAILS and p_order <= _claims.ALPHA"),
            Said(r'So, for "a happy face" / "a sad face": both hold',
                 "pair_checks['a happy face', 'a sad face'].result.status == _claims.HOLDS and p_order <= _claims.ALPHA"),
            Said(r'So, for "a happy face" / "a sad face": neither holds',
                 "pair_checks['a happy face', 'a sad face'].result.status == _claims.FAILS and p_order > _claims.ALPHA"),
            Said(r'its two ends hold (\d+) of 10 faces of the two moods',
                 "int(pair_checks['a happy face', 'a sad face'].result.numbers.set_index('measure')['value']"
                 "['pole images by delta']) if pair_checks['a happy face', 'a sad face'].result.status == _claims.FAILS "
                 "and p_order <= _claims.ALPHA else None"),
            Said(r"one-sided Mann–Whitney p = [\d.e-]+, .*: (beyond|within) chance",
                 "'beyond' if p_order <= _claims.ALPHA else 'within'"),
        ]),
    ],
    "09_paths_and_orderings": [
        Cell("narrate.midpoint(middle", said=[
            Said(r"the 6 nearest images: (\d+) captioned as cats", "int(_captions.matches('cats', middle['caption']).sum())"),
            Said(r"captioned as cats, \d+ as cars, (\d+) as neither",
                 "int((~(_captions.matches('cats', middle['caption']) | _captions.matches('cars', middle['caption']))).sum())"),
        ]),
        Cell("step = np.degrees(lengths.iloc[0]", said=[
            Said(r"The solver's order walks (\d+)° per step",
                 "f'{step:.0f}' if step >= 60 else None"),
        ]),
        Cell('for method in ("slerp", "lerp"):', said=[
            Said(r"the path starts at a cat \(",
                 "bool(_captions.matches('cats', ends[:1])[0]) "
                 "and bool(_captions.matches('cars', ends[1:])[0])"),
            Said(r'No image captioned plainly "car" comes first: "([^"]+)" is what counts this one',
                 "(lambda m: m.group(0) if m and m.group(0).lower() not in ('car', 'cars') else None)("
                 "_re.search(_captions.LABELS['cars'][0], ends[1], _re.I)) if _captions.matches('cats', ends[:1])[0] "
                 "else None"),
            Said(r"steps of the ([\w ]+?) paths? visit only",
                 "' and the '.join(m for m, w in walks.items() if w['path'].nunique() <= 3) or None"),
            Said(r"paths? visit only ([\d–]+) different image",
                 "'–'.join(str(n) for n in sorted({w['path'].nunique() for w in walks.values() if w['path'].nunique() <= 3})) "
                 "or None"),
            Said(r'the cat end is right, but the nearest image to "a car" is "([^"]+)"',
                 "ends[1] if _captions.matches('cats', ends[:1])[0] "
                 "and not _captions.matches('cars', ends[1:])[0] else None"),
        ]),
        Cell("route = paths.shortest_path(", setup="""
_hops = [_np.degrees(graph[i, j]) for i, j in zip(route, route[1:])]
_direct = _np.degrees(_np.arccos(_np.clip(features[start] @ features[end], -1, 1)))
""", said=[
            Said(r"A chain of small steps exists", "max(_hops) < _direct and max(_hops) <= _np.percentile(edges, 90) "
                 "and _np.median(edges) <= 45"),
            Said(r"A chain of neighbour-sized steps exists", "max(_hops) < _direct and max(_hops) <= "
                 "_np.percentile(edges, 90) and _np.median(edges) > 45"),
            Said(r"even an image's typical neighbour lies (\d+)° away",
                 "f'{_np.median(edges):.0f}' if max(_hops) < _direct and max(_hops) <= _np.percentile(edges, 90) "
                 "and _np.median(edges) > 45 else None"),
            Said(r"the nearest image is always one of the two ends",
                 "not (set(walk['path']) - {corpus.paths[start], corpus.paths[end]})"),
            Said(r"(\d+) images? other than the two ends comes? nearest",
                 "len(set(walk['path']) - {corpus.paths[start], corpus.paths[end]}) or None"),
        ]),
        Cell("judged = nulls.judge(tsp, model", said=[
            Said(r"Random-weight models' tours save (even more|nearly as much)",
                 "(('even more' if judged.statistic < _np.mean(judged.draws) else 'nearly as much') "
                 "if tsp.status == _claims.HOLDS and not judged.beyond_random and judged.draws else None)"),
            Said(r"This model's own weights are random, and its tour still saves",
                 "tsp.status == _claims.HOLDS and not judged.beyond_random and not judged.draws"),
        ]),
    ],
    "10_clustering": [
        Cell("narrate.map_islands(", said=[
            Said(r"(\d+) of the \d+ clusters lie in more than one place",
                 "sum(n > 1 for n in clusters.islands(xy, labels).values()) or None"),
        ]),
        Cell("narrate.map_misfits(", said=[
            Said(r"(\d+) of the \d+ thumbnails sit in a cluster whose name does not describe them",
                 "sum(bool(names.loc[labels[i], 'name fits it']) and not describes(i) for i in shown) or None"),
            Said(r"' in \d+ 'a face'", "sum(names.loc[labels[i], 'name'] == 'a face' and names.loc[labels[i], 'name fits it']"
                 " and not describes(i) for i in shown)", count=True),
        ]),
        Cell("near_chance = [m for m", said=[
            Said(r"\. ([\w, -]+) (?:is|are) near chance \(below 0.1\)",
                 "', '.join(m for m, r in results.items() if m != 'random labels' and r['adjusted Rand index'] < 0.1 "
                 "and not (m == 'hdbscan' and r['noise points'] > len(folders) / 4 and ari_inside >= 0.1)) or None"),
            Said(r"On the \d+ images it clustered alone, its ARI is (-?\d+\.\d+)",
                 "(lambda h: f\"{clusters.quality(h[h != -1], _np.asarray(folders)[h != -1])['adjusted Rand index']:.3f}\")"
                 "(labelled['hdbscan']) if results['hdbscan']['noise points'] > len(folders) / 4 else None"),
        ]),
        Cell("prototypes = [", setup="""
_members = {s: _pd.Series(_np.asarray(folders)[_np.asarray(seeded) == i]) for i, s in enumerate(prototypes)
            if (_np.asarray(seeded) == i).any()}
_top = {s: m.value_counts().index[0] for s, m in _members.items()}
_share = {s: (m == _top[s]).mean() for s, m in _members.items()}
_fits = [s for s, f in _top.items() if set(SEED_WORDS.get(s, [s])) & set(FITS.get(f.split('/')[-1], []))]
""", said=[
            Said(r"(\d+) of the \d+ seeds end in a cluster whose most common folder they fit", "len(_fits)"),
            Said(r"\d+ do not: (.+?)\.   \[model",
                 "', '.join(f'{s!r} → {_top[s]} ({_share[s]:.0%})' for s in _top if s not in _fits) or None"),
        ]),
        Cell("seeded_quality = clusters.quality(seeded, folders)", said=[
            Said(r"(higher|no higher) with the text seeds",
                 "'higher' if seeded_quality['adjusted Rand index'] > results['kmeans']['adjusted Rand index'] else 'no higher'"),
        ]),
        Cell('found = results["hdbscan"]', said=[
            Said(r"make purity easy",
                 "(lambda h, k, n: bool(h['noise points'] < n and h['clusters'] > N_CLUSTERS"
                 " and h['purity'] * n / (n - h['noise points']) > k['purity']))"
                 "(results['hdbscan'], results['kmeans'], len(folders))"),
        ]),
        Cell('labels = clusters.cluster(features, "kmeans"', setup="""
from sklearn.metrics import adjusted_rand_score as _ari
_by_style, _by_subject = _ari(style, labels), _ari(subject, labels)
_fit = sum(names.loc[c, "name"] in FITS.get(_pd.Series(subject[labels == c]).mode()[0], [])
           + STYLE_FITS.get(_pd.Series(style[labels == c]).mode()[0], []) for c in names.index)
""", said=[
            Said(r"clusters are all named", "int((names.groupby('name').size() > 1).sum())", count=True),
            Said(r"on this model the clusters follow (neither clearly|neither|the drawing style more|the subject more)",
                 "'neither' if max(_by_style, _by_subject) < 0.1 else 'neither clearly' if max(_by_style, _by_subject) "
                 "< 0.3 and abs(_by_style - _by_subject) < 0.1 else 'the drawing style more' "
                 "if _by_style > _by_subject else 'the subject more'"),
            Said(r"(\d+) of \d+ names fit their cluster's most common subject or drawing style", "_fit"),
            Said(r"(\d+) '[^']+' \([\d.]+ over '[^']+'\)(?:, |: th)", "sum(names['margin'] < 0.01)", count=True),
            Said(r"In (\d+) clusters that subject holds under half the images",
                 "sum(_pd.Series(subject[labels == c]).value_counts(normalize=True).iloc[0] < 0.5 for c in names.index) "
                 "or None"),
            Said(r"clusters that subject holds under half the images \((.+?)\): they gather images",
                 "', '.join(f\"{c} '{names.loc[c, 'name']}': {_f} {(subject[labels == c] == _f).mean():.0%}\" "
                 "for c in names.index for _f in [_pd.crosstab(labels, subject).loc[c].idxmax()] "
                 "if (subject[labels == c] == _f).mean() < 0.5) or None"),
        ]),
    ],
    "11_across_models": [
        Cell("narrate.talk_weights(table)", setup="""
_e9 = table[table["claim"] == "E9"]
_heavier = 0   # models where E9 holds though the talk's weights 0.2 and 0.3 removed no winter image
for _m, _r in _e9.groupby("model"):
    _v, _c = _r[_r["measure"] == "verdict"], _r.set_index("measure")["value"]
    if len(_v) and _v["status"].iloc[0] == _claims.HOLDS and "winter images at w=0.3" in _c:
        _heavier += int(_c["winter images at w=0"] == _c["winter images at w=0.2"] == _c["winter images at w=0.3"])
""", said=[
            Said(r"E9's (?:✔|verdict) on \S+ rests on the full weight", "_heavier", count=True),
        ]),
        Cell("trained = [m for m in labels", said=[
            Said(r"On (\d+) of these \([^)]*\) (?:both|all) fail",
                 "sum(bool((status.loc[c, trained] == _claims.FAILS).all()) for c in same) or None"),
            Said(r"gets another kind of verdict on ([^.:]+)",
                 "', '.join(c for c in verdicts.index if c != 'B1' and verdict_kind(verdicts.loc[c, 'bundled']) "
                 "!= verdict_kind(verdicts.loc[c, 'bundled:skewed'])) or 'no claim'"),
            Said(r"the smallest p they allow is 1/(\d+)",
                 "1 + nulls.default_count() if 1 / (1 + nulls.default_count()) > _claims.ALPHA else None"),
        ]),
        Cell("agree = report.agreement(table, rankings)", said=[
            Said(r"Spearman ρ of claim numbers: pairs above the highest with untrained \([-\d.]+\): none",
                 "not bool((lambda a, w: (a.loc[~w, 'Spearman ρ of claim numbers'] > a.loc[w, 'Spearman ρ of claim numbers']"
                 ".max()).any())(agree, (agree['model A'] == 'untrained') | (agree['model B'] == 'untrained')))"),
            Said(r"Spearman ρ of claim numbers, pairs of trained models at or below it: (.+?): by this measure",
                 "(lambda a, w: (lambda c, m: ', '.join(f\"{r['model A']}–{r['model B']} {r[c]:.3f}\" for _, r in "
                 "a[~w & (a[c] <= m)].iterrows()) if (a.loc[~w, c] > m).any() and (a.loc[~w, c] <= m).any() else None)"
                 "('Spearman ρ of claim numbers', a.loc[w, 'Spearman ρ of claim numbers'].max()))"
                 "(agree, (agree['model A'] == 'untrained') | (agree['model B'] == 'untrained'))"),
        ]),
        Cell("narrate.trained_here(heads, table)", setup="""
_v = table[(table["measure"] == "verdict") & (table["model"] == "bundled")].set_index("claim")
_by_weights = [c for c in heads if c in _v.index and _v.loc[c, "beyond_random"] is True]
_by_heads = [c for c, j in heads.items() if j.beyond_random is True]
_easy = [f"{c} ({j.null_holds} of {j.n})" for c, j in heads.items()
         if j.result.status == _claims.FAILS and j.n and 2 * j.null_holds >= j.n]
""", said=[
            Said(r"bundled shows (\d+) beyond random weights", "len(_by_weights)"),
            Said(r"beyond random weights(?: \([^)]*\))? and (\d+) beyond random heads", "len(_by_heads)"),
            Said(r"what training the heads here made", "bool(_by_heads)"),
            Said(r"E3 on the first random head, by hand: a cat's lead over the best wrong label ([-+][\d.]+)",
                 "f\"{heads['E3'].draws[0]:+.3f}\" if heads['E3'].n else None"),
            Said(r"(.+): beyond random weights, not beyond random heads",
                 "', '.join(c for c in _by_weights if c not in _by_heads and heads[c].result.status == _claims.HOLDS) "
                 "or None"),
            Said(r"yet half or more of the random heads pass it: (.+?)\. Untrained", "', '.join(_easy) or None"),
        ]),
        Cell("narrate.e6_by_model(", setup="""
_verdicts = table[table["measure"] == "verdict"]
_e6 = _verdicts[(_verdicts["claim"] == "E6") & _verdicts["model"].isin(with_skewed)]
""", said=[
            Said(r"a profession prompt leans beyond the person prompts, and beyond its random-weight null",
                 "int((_e6['beyond_random'] == True).sum())", count=True),  # noqa: E712
            Said(r"([\w:, ]+): no profession prompt leans beyond the person prompts",
                 "', '.join(m for m in with_skewed if m in set(_e6['model']) and "
                 "_e6.set_index('model').loc[m, 'status'] != _claims.HOLDS) or None"),
            Said(r"Yet it holds (.+?) by chance alone",
                 "', '.join(c for c in verdicts.index if c not in nulls.IDENTITIES and c not in ('E1', 'E13') "
                 "and str(verdicts.loc[c, 'untrained']).startswith('holds')) or None"),
            Said(r"It holds (.+?), as random weights often do",
                 "', '.join(c for c in verdicts.index if c in ('E1', 'E13') "
                 "and str(verdicts.loc[c, 'untrained']).startswith('holds')) or None"),
            Said(r"E6's leans moved \(positive: towards the man images\): .*nurse ([+-][\d.]+) \(",
                 "(lambda lean: f\"{lean('bundled:skewed') - lean('bundled'):+.3f}\")(lambda m: table[(table['claim'] == "
                 "'E6') & (table['measure'] == 'lean nurse') & (table['model'] == m)]['value'].iloc[0]) "
                 "if {'bundled', 'bundled:skewed'} <= set(_verdicts[_verdicts['claim'] == 'E6']['model']) else None"),
        ]),
        Cell("narrate.in_short(table", said=[
            Said(r"\* bundled: (\d+) of the claims and checks beyond their stand-ins",
                 "int(table[(table['measure'] == 'verdict') & (table['model'] == 'bundled') & (table['claim'] != 'B1')]"
                 "['beyond_random'].map(lambda v: v is True or v is _np.True_).sum()) if 'bundled' in labels else None"),
        ]),
        Cell("narrate.planted_skew(", said=[
            Said(r"The planted skew shows", "planted.status == _claims.HOLDS"),
            Said(r"The planted skew does NOT show", "planted.status != _claims.HOLDS "
                 "and planted.numbers.attrs['p'] >= _claims.ALPHA"),
            Said(r"The untouched professions moved too, by up to ([\d.]+ \([^)]+\))",
                 "f\"{changes[kept == 'both'].abs().max():.3f} ({changes[kept == 'both'].abs().idxmax()})\" "
                 "if (kept == 'both').any() and (kept != 'both').any() else None"),
            Said(r"of the \d+ moved nearly as far or further \(([^)]+)\)",
                 "(lambda avg: ', '.join(f'{j} {abs(changes[j]):.3f}' for j in changes.index if kept[j] == 'both' and "
                 "abs(changes[j]) >= 0.9 * abs(avg)) "
                 "or None)(_np.mean([changes[j] * (1 if kept[j] == 'man' else -1) for j in changes.index if kept[j] != "
                 "'both'])) if (kept == 'both').any() and (kept != 'both').any() else None"),
        ]),
    ],
}


def facts_cell(cell: Cell) -> str:
    """The code run right after a checked cell: each fact, evaluated in its kernel, printed as JSON."""
    return PRELUDE + cell.setup + f"""
_facts = []
for _expression in {[check.fact for check in cell.said]!r}:
    try:
        _value = eval(_expression)
        _facts.append(_value.item() if hasattr(_value, "item") else _value)
    except Exception as _error:
        _facts.append({{"error": f"{{type(_error).__name__}}: {{_error}}"}})
print({MARK!r} + _json.dumps(_facts, default=str))
"""


def printed(cell) -> str:
    """Everything a cell printed, and the text of its folds (``clipnb.display.fold``: sentences one click away)."""
    import html

    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
        page = output.get("data", {}).get("text/html", "")
        page = "".join(page) if isinstance(page, list) else page
        if 'class="clipnb-fold"' in page:
            texts.append(re.sub(r"(?m)^ +", "", html.unescape(re.sub(r"<[^>]+>", " ", page))) + "\n")
    return "".join(texts)


def mismatches(checks: list[Said], facts: list, text: str) -> list[str]:
    """Each check whose sentence does not say what its fact is, as a readable line."""
    wrong = []
    for check, fact in zip(checks, facts, strict=True):
        found = re.findall(check.pattern, text)
        if isinstance(fact, dict) and "error" in fact:
            wrong.append(f"{check.fact!r} could not be evaluated: {fact['error']}")
        elif check.count:
            if len(found) != fact:
                wrong.append(f"{check.pattern!r} printed {len(found)} times, expected {fact} ({check.fact})")
        elif fact is None or isinstance(fact, bool):
            if bool(found) != bool(fact):
                wrong.append(f"{check.pattern!r} {'printed' if found else 'not printed'}, but {check.fact} is {fact}")
        elif not found:
            wrong.append(f"{check.pattern!r} not printed; expected it with {fact!r} ({check.fact})")
        elif str(found[0]) != str(fact):
            wrong.append(f"{check.pattern!r} printed {found[0]!r}, but {check.fact} is {fact!r}")
    return wrong


def absolute_paths(cell) -> list[str]:
    """The places a cell's outputs (text, HTML, errors) name a folder of the machine they ran on: the repository,
    the home folder or the temporary folder, each with some context. A learner's notebook names images by file.
    The cache folder a user set with CLIPNB_CACHE is theirs to see (00 prints where the cache is, to move it)."""
    import tempfile

    roots = {str(Path(__file__).resolve().parent.parent), str(Path.home()), tempfile.gettempdir()}
    texts = []
    for output in cell.get("outputs", []):
        texts.append(output.get("text", ""))
        texts += [str(v) for k, v in output.get("data", {}).items() if k.startswith("text/")]
        texts += output.get("traceback", [])
    if os.environ.get("CLIPNB_CACHE"):
        texts = [text.replace(os.environ["CLIPNB_CACHE"].rstrip("/\\"), "$CLIPNB_CACHE") for text in texts]
    return [text[max(0, at - 30): at + 60] for text in texts for root in roots
            for at in (m.start() for m in re.finditer(re.escape(root) + r"[/\\]", text))]


# ---- the plugin: the checks run inside nbval's own execution of each notebook (conftest.py loads it) ----

def _run_in_kernel(kernel, code: str, timeout: float = 600) -> str:
    """Run code in nbval's kernel for this notebook, as one more cell nobody sees; what it printed."""
    msg_id = kernel.execute_cell_input(code, allow_stdin=False)
    kernel.await_reply(msg_id, timeout=timeout)
    text = []
    while True:
        msg = kernel.get_message("iopub", timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return "".join(text)
        if msg["msg_type"] == "stream":
            text.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            text.append("\n".join(msg["content"]["traceback"]))


def _notebook_cell(item) -> bool:
    """An nbval cell of one of the 12 notebooks (not a solution, not a test of tests/)."""
    return hasattr(item, "test_outputs") and hasattr(item, "cell_num") and Path(item.path).parent == NOTEBOOKS


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After nbval ran a cell (and found no error in it): its computed sentences against their facts, derived in the
    same kernel, and no folder of this machine in what it showed. A mismatch fails that cell, named in the report."""
    result = yield
    if not _notebook_cell(item):
        return result
    from nbval.plugin import NbCellError

    wrong = [f"an absolute path in its output: …{hit}…" for hit in absolute_paths({"outputs": item.test_outputs})]
    for check in CHECKS.get(Path(item.path).stem, []):
        if check.source in item.cell.source:
            shown = facts_cell(check)
            said = _run_in_kernel(item.parent.kernel, shown)
            if MARK not in said:
                wrong.append(f"the facts could not be derived:\n{said}")
                continue
            # the facts are one line; a warning the kernel wrote to stderr meanwhile may arrive after it
            facts = json.loads(said.split(MARK, 1)[1].splitlines()[0])
            wrong += mismatches(check.said, facts, printed({"outputs": item.test_outputs}))
    if wrong:
        raise NbCellError(item.cell_num, f"its sentences on {os.environ.get('CLIPNB_MODEL', 'bundled')} do not say "
                          "what its output shows", item.cell.source, "\n".join(wrong))
    return result


def pytest_configure(config):
    """CLIPNB_EXECUTED_DIR: keep each cell's outputs in the order Jupyter shows them. nbval merges all of a cell's
    printed text into its first print (``nbval.plugin.coalesce_streams``), above the tables and figures shown between
    the prints; for a notebook kept to be read, only prints that follow each other are merged."""
    if not os.environ.get("CLIPNB_EXECUTED_DIR"):
        return
    import nbval.plugin

    def adjacent_streams(outputs):
        merged = []
        for output in outputs or []:
            last = merged[-1] if merged else None
            if (output.output_type == "stream" and last is not None and last.output_type == "stream"
                    and last.name == output.name):
                last.text += output.text
            else:
                merged.append(output)
        for output in merged:
            if output.output_type == "stream":   # as nbval does: a carriage return rewrites its line (a progress bar)
                output.text = nbval.plugin.carriagereturn_pat.sub("", output.text)
        return merged

    original = nbval.plugin.coalesce_streams
    nbval.plugin.coalesce_streams = adjacent_streams
    config.add_cleanup(lambda: setattr(nbval.plugin, "coalesce_streams", original))


def pytest_runtest_teardown(item, nextitem):
    """CLIPNB_EXECUTED_DIR: after a notebook's last cell, keep it with nbval's outputs, to read as a learner would."""
    folder = os.environ.get("CLIPNB_EXECUTED_DIR")
    if not folder or not _notebook_cell(item) or (nextitem is not None and nextitem.parent is item.parent):
        return
    import copy

    import nbformat

    notebook = copy.deepcopy(item.parent.nb)
    outputs = {cell.cell_num: cell.test_outputs for cell in item.session.items if cell.parent is item.parent}
    for number, cell in enumerate(c for c in notebook.cells if c.cell_type == "code"):
        cell.outputs = outputs.get(number) or []
    Path(folder).mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, Path(folder) / Path(item.path).name)
