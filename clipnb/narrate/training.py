"""What notebook 02's toy CLIP shows, in words: a search before and after training it live."""
from __future__ import annotations

import math

import numpy as np

from clipnb import captions
from clipnb.images import same_colour
from clipnb.narrate._say import _first, say


def _first_cat(results) -> str:
    hits = results.index[captions.matches("cats", results["caption"])]
    return f"first at #{results.loc[hits[0], 'rank']}" if len(hits) else "none"


def toy_search(before, after, query, epochs, losses, everything=None, own=None) -> None:
    """The toy's search for ``query`` before and after ``epochs`` of training (``before``, ``after``: its top k, with
    the median image's score in ``attrs``; ``losses``: the training loss per step; ``everything``: its whole ranking
    after training, to say where its own cat images went; ``own``: {caption: rank} of each cat image outside the top k
    when searched by its own caption, which tells an unfitted pair from a caption worded otherwise)."""
    cats = [int(captions.matches("cats", r["caption"]).sum()) for r in (before, after)]
    first_after = _first_cat(after)
    lines = [f'"{query}": {cats[0]} cat image(s) in the top {len(after)} before training ({_first_cat(before)}), '
             f'{cats[1]} after ({first_after})'
             + ("" if first_after == "first at #1" else f'. It puts "{_first(after["caption"].iloc[0])}" first: '
                f"after {epochs} epochs the toy has not yet fitted the cat pairs well enough to put a cat first (raise "
                "TRAIN_EPOCHS and run again to see whether more epochs get there)")]
    if everything is not None:   # the toy's own cat images: all in its training pairs, so it could find every one
        ranks = everything.loc[captions.matches("cats", everything["caption"]), "rank"].tolist()
        missed = [r for r in ranks if r > len(after)]
        if missed:
            above = [_first(c) for c in after["caption"] if not captions.matches("cats", [c])[0]]
            lines.append(f"It trained on {len(ranks)} cat images, and {len(missed)} of them "
                         f"{'is' if len(missed) == 1 else 'are'} not in its top {len(after)} "
                         f"(#{', #'.join(map(str, missed))}); above "
                         f"{'it' if len(missed) == 1 else 'them'}: {', '.join(above)}."
                         + ("" if own else f" Even on its own training pairs, {epochs} epochs fit some, not all."))
            if own:
                found = [c for c, r in own.items() if r <= len(after)]
                lines.append("Searched by its own caption, each is found at "
                             + ", ".join(f'#{r} ("{c}")' for c, r in own.items()) + ": "
                             + (f'the toy fitted {"it" if len(own) == 1 else "them"}. It learned each caption whole, and '
                                f'"{query}" is not "{next(iter(own))}": a text side trained from nothing on a few hundred '
                                "captions has no reason to put them near each other." if len(found) == len(own) else
                                f"{len(found)} of {len(own)} are fitted; the rest, {epochs} epochs have not fitted yet, "
                                "even on the toy's own training pairs."))
    more = []   # the colours and the scores: one click away, under the lines that say what the search found
    for name, r in (("before", before), ("after", after)):   # main colour within 60 of the first's
        alike = same_colour(r["path"][1:], r["path"].iloc[0])
        if name == "after" and alike < (len(r) - 1) / 2:
            continue   # said only where colour still leads
        said_how = any("main colour (" in line for line in more)   # the rule once, where colour first comes up
        more.append(f"{name} training, {alike} of the other {len(r) - 1} in the top {len(r)} share the first image's "
                     "main colour" + ("" if said_how else " (the mean colour of its drawn, non-white pixels, within 60 "
                                      "on each 0–255 channel: a measured rule, which can differ from what the eye calls "
                                      "one colour)")
                     + ("" if alike < (len(r) - 1) / 2 else
                        ": random weights still pass on the pixels' colour, so the untrained search ranks by colour, "
                        "not by meaning" if name == "before" else
                        ": the toy still leans on colour, as well as on what the pictures show"))
    for name, r in (("before", before), ("after", after)):
        more.append(f"{name} training: the top {len(r)} score {r['score'].iloc[-1]:.2f} to {r['score'].iloc[0]:.2f}, "
                     f"the median image {r.attrs['median score']:.2f}")
    final_loss = float(np.mean(losses[-3:]))
    lines.append("A score is the cosine between the query's vector and an image's: only its order among the images "
                 "counts. "
                 + ("Here even the median image scores above 0.5: the toy's vectors crowd into a narrow cone, so a high "
                    "score says nothing by itself, and top scores this close together are near ties."
                    if after.attrs["median score"] > 0.5 else
                    "The toy put a cat first, well clear of the median image: that gap is what the training made."
                    if first_after == "first at #1" else
                    f'The toy has pulled some images close to "{query}", well clear of the median image, but has not '
                    f"yet put a cat first. Its loss at the end, {final_loss:.2f}, is one reason: a right caption gets "
                    f"only about e^−{final_loss:.2f} = {math.exp(-final_loss):.0%} of the probability among the 64 "
                    "captions of its batch, so many pairs are not fitted yet. And a search ranks the query against "
                    "every image, not 64."))
    span = after["score"].iloc[0] - after["score"].iloc[-1]
    if span < 0.05 and first_after != "first at #1":
        lines.append(f"The top {len(after)} scores lie within {span:.2f} of each other: near ties. The toy has learned "
                     "to pull drawings towards a query, but not yet which of them this one means.")
    say(*lines, more=f'what "{query}" found, and how to read a score')
    if more:
        from clipnb.display import folded

        with folded("The colours and the scores, before and after training (click to open)"):
            say(*more)
