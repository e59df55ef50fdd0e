"""What notebook 11's comparison across models shows, in words: where the verdicts agree, which rest on nothing
learned, and how far the models' numbers agree beyond what random weights share with them."""
from __future__ import annotations

import numpy as np

from clipnb import claims, nulls, pvalues
from clipnb.narrate._say import say


def _true(value) -> bool:
    """A verdict table's True (Python's or numpy's), not None, NaN or False."""
    return value is True or value is np.True_


def verdict_agreement(trained, compared, same, failed_by_all, left_out) -> None:
    """The claims on which the ``trained`` models give the same kind of verdict (``same``, of ``compared``)."""
    differ = [c for c in compared if c not in same]
    names = ", ".join(trained[:-1]) + f" and {trained[-1]}" if len(trained) > 1 else "".join(trained)
    every = "both" if len(trained) == 2 else "all"
    say(f"{names} give the same kind of verdict (✔, ≈ or ✘) on {len(same)} of the {len(compared)} claims {every} "
          f"could check: {', '.join(same) or 'none'}."
          + (f" On {len(failed_by_all)} of these ({', '.join(failed_by_all)}) {every} fail: much of the agreement is "
             "failing alike." if failed_by_all else ""),
          f"They differ on: {', '.join(differ) or 'none'}."
          + (f" (Left out: {', '.join(left_out)}, identities or claims some model could not check.)" if left_out
             else ""), more="where they differ")


def nothing_learned(rows, trained) -> None:
    """The claims that hold on a trained model and on at least half of their null's draws too (``rows``: the
    comparison's verdict rows), then each trained model's claims beyond its null."""
    def held_by_draws(r):   # the claim holds on the model and on at least half of its null's draws too
        return r.status == claims.HOLDS and r.null_models and r.null_holds >= r.null_models / 2

    held = rows[rows["model"].isin(trained)]
    shared = sorted({r.claim for r in held.itertuples() if held_by_draws(r) and not _true(r.beyond_random)})
    still_beyond = sorted({f"{r.claim} on {r.model}" for r in held.itertuples()
                           if held_by_draws(r) and _true(r.beyond_random)})
    lines = [f"{', '.join(shared)}: half or more of the stand-ins (random weights, or unrelated words) hold "
             + ("it" if len(shared) == 1 else "them") + " too, by as wide a margin, so a trained model that holds "
             + ("it" if len(shared) == 1 else "them") + " shows no learning." if shared else
             "No claim that a trained model holds is held as widely by half or more of its stand-ins.",
             f"{', '.join(still_beyond)}: most stand-ins pass it too, but the model passes by a wider margin than nearly "
             "all of them; that margin is what its ✔ measures." if still_beyond else ""]
    between = sorted({f"{r.claim} on {r.model}" for r in held.itertuples() if r.status == claims.HOLDS
                      and r.null_models and not held_by_draws(r) and not _true(r.beyond_random)})
    if between:
        lines.append(f"{', '.join(between)}: {'holds' if len(between) == 1 else 'hold'}, and fewer than half of the "
                     "stand-ins do, but more than 1 in 20 come as close as the model: that margin could be luck (≈).")
    for label in trained:
        learned = rows[(rows["model"] == label) & rows["beyond_random"].map(_true)]["claim"].tolist()
        lines.append(f"{label}: ✔, beyond its stand-ins, on {', '.join(learned) or 'no claim'}.")
    twins = nulls.default_count()
    if twins < pvalues.TAIL_MIN_DRAWS and 1 / (1 + twins) > claims.ALPHA:
        lines.append(f"This run set each claim against {twins} random-weight models (CLIPNB_NULL_MODELS={twins}): the "
                     f"smallest p they allow is 1/{1 + twins} = {1 / (1 + twins):.2f} > α, so no random-weight verdict "
                     f"can come out beyond here, whatever the model learned; only the control-word nulls "
                     f"({len(nulls.CONTROL_WORDS)} words) can. Run with 19 (the default) to read the counts below as "
                     "findings.")
    say(*lines)


def talk_weights(table) -> None:
    """Where E9 holds on a model: whether the talk's gentler weights (0.2 and 0.3) removed any winter image, or the verdict
    rests on the full weight (``table``: the comparison's tidy table)."""
    e9 = table[table["claim"] == "E9"]
    lines = []
    for label, rows in e9.groupby("model", sort=False):
        verdict = rows[rows["measure"] == "verdict"]
        if verdict.empty or verdict["status"].iloc[0] != claims.HOLDS:
            continue
        count = rows.set_index("measure")["value"]
        try:
            seen = [int(count[f"winter images at w={w}"]) for w in ("0", "0.2", "0.3")]
        except KeyError:
            continue
        mark = "✔" if _true(verdict["beyond_random"].iloc[0]) else "verdict"
        if seen[1] == seen[2] == seen[0]:
            lines.append(f"E9's {mark} on {label} rests on the full weight, the talk's first: its gentler 0.2 and 0.3 removed "
                         f"no winter image ({' → '.join(map(str, seen))} in the top 12; notebook 06 shows such grids for the model it runs on).")
        else:
            lines.append(f"E9 on {label}: the talk's gentler weights already removed winter images "
                         f"({' → '.join(map(str, seen))} in the top 12 at weights 0, 0.2 and 0.3).")
    say(*lines)


def fine_tune_moves(moved) -> None:
    """The claims whose kind of verdict bundled:skewed changed against bundled, the model it was fine-tuned from."""
    say(f"bundled:skewed, fine-tuned from bundled on the same pictures with five professions' captions changed, gets "
          f"another kind of verdict on {', '.join(moved) or 'no claim'}"
          + (": a fine-tune moves claims it was not aimed at, so a change of one verdict is weak evidence of anything"
             if moved else "") + ".")


def holm_counts(summary) -> None:
    """Per model, its verdicts beyond their null, before and after Holm's correction (``report.holm_summary``)."""
    say(*(f"{r['model']}: {r['beyond (p ≤ α)']} of {r['verdicts checked']} checked verdicts beyond their null at "
            f"p ≤ α, {r['beyond after Holm']} after Holm's correction ({r['which, after Holm']})."
            for _, r in summary.iterrows()))


def agreement_beyond_random(agree) -> None:
    """For each agreement measure, the pairs of trained models above the highest pair with ``untrained`` (``agree``:
    report.agreement's table), and those at or below it."""
    with_random = (agree["model A"] == "untrained") | (agree["model B"] == "untrained")
    lines = []
    for column in ["Spearman ρ of claim numbers", "top-10 overlap of query rankings"]:
        ceiling = agree.loc[with_random, column].max()
        above = agree[~with_random & (agree[column] > ceiling)]
        below = agree[~with_random & (agree[column] <= ceiling)]
        lines.append(f"{column}: pairs above the highest with untrained ({ceiling:.3f}): "
                     + (", ".join(f"{r['model A']}–{r['model B']} {r[column]:.3f}"
                                  + (f" (only {r[column] - ceiling:.3f} above: too close to call)"
                                     if r[column] - ceiling < 0.05 else "") for _, r in above.iterrows()) if len(above)
                        else "none, so these numbers show no agreement beyond what a random model shares with them"))
        if len(above) and len(below):
            lines.append(f"{column}, pairs of trained models at or below it: "
                         + ", ".join(f"{r['model A']}–{r['model B']} {r[column]:.3f}" for _, r in below.iterrows())
                         + ": by this measure those trained models agree no more than a model and random weights do")
    say(*lines)


def planted_skew(planted, changes, kept) -> None:
    """B1 in words: whether the planted skew shows, and how far the untouched professions moved (``changes``: each
    profession's change of gap; ``kept``: the gender its plain caption was kept under, or "both")."""
    p = planted.numbers.attrs.get("p") if planted.numbers is not None else None
    if planted.status == claims.HOLDS:
        lines = ["The planted skew shows: the skewed professions moved towards the gender captioned plainly, beyond what "
                 "the untouched professions moved. Data → geometry → ranking, measured."]
    elif p is not None and p >= claims.ALPHA:
        lines = ["The planted skew does NOT show here: the skewed professions moved no more than the untouched ones, so "
                 "on these images this fine-tune did not make the unmarked words measurably more male or female. This "
                 "notebook then states the talk's point (a model's associations are its training data's) without "
                 "demonstrating it. The speaker's MobileCLIP-S2 had 'a nurse' favour his composite woman's face (0.1824 "
                 "against 0.1132 for the man's): one pair of faces, a demonstration (notebook 04), which cannot say "
                 "where the association came from."]
    else:
        against = [j for j in changes.index if kept[j] != "both" and changes[j] * (1 if kept[j] == "man" else -1) <= 0]
        lines = [f"Not quite: the skewed professions moved the planted way more than chance would (p = {p:.2g}). But "
                 f"the verdict asks that every one of them moves that way, and not every one did: "
                 f"{', '.join(against) or 'none'} moved the other way, or not at all. (The table's 'change' column; a "
                 "negative change for a profession captioned plainly under women is the planted way.)",
                 "So captions moved the geometry, though not for every profession: the talk's point, shown in part."]
    untouched = changes[kept == "both"].abs()
    planted_way = [changes[j] * (1 if kept[j] == "man" else -1) for j in changes.index if kept[j] != "both"]
    if len(untouched) and planted_way:
        average = sum(planted_way) / len(planted_way)
        as_far = [j for j in untouched.index if untouched[j] >= 0.9 * abs(average)]   # within a tenth of it, or beyond
        lines.append(f"The untouched professions moved too, by up to {untouched.max():.3f} ({untouched.idxmax()}), "
                     f"against {average:+.3f} on average the planted way for the skewed ones"
                     + (f"; {len(as_far)} of the {len(untouched)} moved nearly as far or further ("
                        + ", ".join(f"{j} {untouched[j]:.3f}" for j in as_far) + ")"
                        if as_far else "") + ". A fine-tune moves words it was not aimed at. That is why the verdict sets the skewed "
                     "professions against every other choice of as many professions, instead of reading the bars one "
                     "by one.")
    say(*lines, more="how far the other professions moved")


# which emoji draws each of the talk's professions (notebook 04): its pictures are the ones the planted skew captioned
DRAWN_AS = {"doctor": "health-worker", "nurse": "health-worker", "teacher": "teacher",
            "software engineer": "technologist", "ml researcher": "scientist"}


def _e6_after_the_skew(table) -> str:
    """How each of E6's professions' lean (towards the man images when positive) moved from ``bundled`` to
    ``bundled:skewed``, against the way the skew captioned its pictures (claims.SKEWS)."""
    e6 = table[(table["claim"] == "E6") & table["measure"].astype(str).str.startswith("lean ")]
    lean = e6.pivot_table(index="measure", columns="model", values="value", sort=False)
    skew = claims.SKEWS["professions"]
    moves = []
    for measure in lean.index:
        job = measure[len("lean "):]
        if job not in DRAWN_AS:
            continue
        change = lean.loc[measure, "bundled:skewed"] - lean.loc[measure, "bundled"]
        planted = skew.get(DRAWN_AS[job])
        drawn = "" if DRAWN_AS[job] == job else f", drawn as {DRAWN_AS[job]}"   # "a doctor" is the health worker's pictures
        way = (f"its pictures' captions untouched{drawn}" if planted is None else
               f"the way its pictures' captions were skewed{drawn}" if (change > 0) == (planted == "man") else
               f"against the way its pictures' captions were skewed{drawn}")
        moves.append(f"{job} {change:+.3f} ({way})")
    against = any("against the way" in m for m in moves)
    return ("From bundled to bundled:skewed, E6's leans moved (positive: towards the man images): " + "; ".join(moves)
            + "." + (" A move against the skew here need not contradict the planted bias below: E6 reads its own "
                     "prompts (\"a doctor\", not the caption the skew changed) against the person prompts, over all "
                     "46 + 46 images, while the planted test reads each skewed profession's own caption on its own six "
                     "images." if against else ""))


PROCEDURE = ("E1", "E13")   # claims any model holds: a gap from initialisation, a short tour of any points


def e6_by_model(table, verdicts, models) -> None:
    """E6 per model (``models``: the trained ones and the skewed one), then what ``untrained`` holds by chance alone
    (``table``: the comparison's tidy table; ``verdicts``: claim × model)."""
    rows = table[(table["claim"] == "E6") & (table["measure"] == "verdict")].set_index("model")
    lines, none = [], [label for label in models if label in rows.index and rows.loc[label, "status"] != claims.HOLDS]
    if none:
        lines.append(f"{', '.join(none)}: no profession prompt leans beyond the person prompts on these images (the "
                     "numbers: the fold above).")
    for label in models:
        if label not in rows.index or label in none:
            continue
        row = rows.loc[label]
        if _true(row["beyond_random"]):
            lines.append(f"{label}: a profession prompt leans beyond the person prompts, and beyond its random-weight "
                         "null of its architecture: a learned association (from its text side, its pictures, or both; "
                         "notebook 04, section 6).")
        else:
            lines.append(f"{label}: a prompt leans beyond the person prompts, but random-weight models score as high "
                         f"({row['verdict']}): not evidence of learning on these images.")
    skewed = {"bundled", "bundled:skewed"} <= set(rows.index)
    if skewed:
        lines.append("E6 is not built to catch a planted skew: B1 below is. It sets the skewed professions against the "
                     "untouched ones, because a fine-tune moves them all (the moves: the fold below).")
    if "untrained" in rows.index and "untrained" in verdicts:
        holds = [c for c in verdicts.index if c not in nulls.IDENTITIES
                 and str(verdicts.loc[c, "untrained"]).startswith("holds")]
        held, built_in = [c for c in holds if c not in PROCEDURE], [c for c in holds if c in PROCEDURE]
        lines.append(f"untrained (itself one random-weight model, set against the 19 others of its architecture): E6 "
                     f"{rows.loc['untrained', 'verdict']}. "
                     + (f"Yet it holds {', '.join(held)} by chance alone (the table above): a verdict on one model, "
                        "without its null, is weak evidence." if held else
                        "It holds no other claim by chance here; with other random seeds some would, which is why each "
                        "verdict is set against a null.")
                     + (f" It holds {', '.join(built_in)}, as random weights often do: properties of the procedure, "
                        "not of learning." if built_in else ""))
    say(*lines, more="each model's E6, and what random weights hold")
    if skewed:
        from clipnb.display import folded

        with folded("For researchers: how each profession's E6 lean moved with the skew (click to open)"):
            say(_e6_after_the_skew(table))


def planted_line(planted) -> None:
    """B1's verdict in one line: where it fails only because not every skewed profession moved, it says that the
    five together moved beyond chance all the same."""
    mark = {claims.HOLDS: "✔", claims.FAILS: "✘"}.get(planted.status, "?")
    p = planted.numbers.attrs.get("p") if planted.numbers is not None else None
    if planted.status == claims.FAILS and p is not None and p < claims.ALPHA:
        moved, skewed = planted.numbers.attrs["moved"], planted.numbers.attrs["skewed"]
        say(f"◐ B1, in part: not every skewed profession moved the planted way ({moved} of {skewed}), though together they "
              f"moved beyond chance (p = {p:.2g}).",
              f"The markdown below says how that p is found. The claim, which asks for every one: {planted.statement}.",
              more="the claim")
    else:
        say(f"{mark} B1 {planted.status}. The claim: {planted.statement}.")


def in_short(table, models, planted=None) -> None:
    """Notebook 11 in short: per model, the claims beyond their stand-ins (and how many survive the correction), the
    claims no model shows, what random weights hold alone, and the planted bias (``planted``: B1's result)."""
    rows = table[table["measure"] == "verdict"]
    lines = ["In short, on the sample images:"]
    for label in models:
        mine = rows[(rows["model"] == label) & (rows["claim"] != "B1")]
        beyond = mine[mine["beyond_random"].map(_true)]
        kept = beyond[beyond["beyond_corrected"].map(_true)]
        lines.append(f"* {label}: {len(beyond)} of the claims and checks beyond their stand-ins"
                     + (f" ({', '.join(beyond['claim'])}); {len(kept)} of them also after the correction for checking "
                        "them all at once" if len(beyond) else "") + ";")
    status = rows[rows["model"].isin(models) & (rows["claim"] != "B1")].pivot_table(
        index="claim", columns="model", values="status", aggfunc="first", sort=False)
    failed = [c for c in status.index if (status.loc[c] == claims.FAILS).all()]
    if failed:
        bias = [c for c in failed if c.startswith("E6")]
        lines.append(f"* no model here shows {', '.join(failed)}"
                     + (f" (for {' and '.join(bias)}, read 'not shown on these images', not 'no bias': notebook 04 "
                        "says why these tests have little power here)" if bias else "") + ";")
    untrained = rows[(rows["model"] == "untrained") & rows["claim"].isin(PROCEDURE)]
    alone = [r.claim for r in untrained.itertuples() if r.status == claims.HOLDS]
    if alone:
        lines.append(f"* random weights alone hold {', '.join(alone)}: properties of the procedure, not of learning;")
    if planted is not None and planted.numbers is not None:
        moved, skewed, p = (planted.numbers.attrs.get(key) for key in ("moved", "skewed", "p"))
        lines.append(f"* the planted bias: {moved} of the {skewed} skewed professions moved the planted way"
                     + (f"; together {'beyond' if p <= claims.ALPHA else 'within'} chance (p = {p:.2g})" if p is not None
                        else "") + ".")
    say(*lines, more=None)


def trained_here(heads, table, model: str = "bundled") -> None:
    """What the training here added (notebook 11): of ``model``'s claims beyond random weights (its ``beyond_random``
    field in the comparison's ``table``), which stay beyond random heads (``heads``: {claim: Judged} of
    :func:`clipnb.compare.heads_check`), which the pretrained networks bring, and which random heads pass as well
    where the trained model fails."""
    rows = table[(table["measure"] == "verdict") & (table["model"] == model)].set_index("claim")
    beyond_weights = [c for c in heads if c in rows.index and _true(rows.loc[c, "beyond_random"])]
    beyond_heads = [c for c in heads if heads[c].beyond_random]
    brought = [c for c in beyond_weights if c not in beyond_heads and heads[c].result.status == claims.HOLDS]
    lines = []
    lines.append(f"Of the {len(heads)} claims here, {model} shows {len(beyond_weights)} beyond random weights"
                 + (f" ({', '.join(beyond_weights)})" if beyond_weights else "") + f" and {len(beyond_heads)} beyond "
                 "random heads" + (f" ({', '.join(beyond_heads)}): " + ("that one is" if len(beyond_heads) == 1 else
                                   "those are") + " what training the heads here made, since the same two networks "
                                   "with untrained heads do not show it" if beyond_heads else "") + ".")
    numbers = []   # the statistic against the random heads' draws: a researcher's reading, folded below
    for claim_id in beyond_heads:
        j = heads[claim_id]
        draws = np.asarray(j.draws, dtype=float)
        numbers.append(f"{claim_id}, {nulls.STATISTIC_NAMES.get(claim_id, 'its number')}: {model} {j.statistic:+.3f}; "
                       f"the {len(draws)} random heads {draws.mean():+.3f} on average, {draws.max():+.3f} at best.")
    if brought:
        lines.append(f"{', '.join(brought)}: beyond random weights, not beyond random heads. The pretrained networks "
                     "bring " + ("it" if len(brought) == 1 else "them") + ": ImageNet's and the sentence encoder's "
                     "training, not the heads trained here.")
    more = [c for c in heads if heads[c].null_does_more]
    if more:
        lines.append(f"{', '.join(more)}: random heads show " + ("it" if len(more) == 1 else "them") + f" more than "
                     f"{model} does.")
    lost = [f"{c} ({j.null_holds} of {j.n})" for c, j in heads.items()
            if j.result.status == claims.FAILS and j.n and j.null_holds >= j.n / 2]
    if lost:
        lines.append(f"Fails on {model}, yet half or more of the random heads pass it: {', '.join(lost)}. Untrained "
                     "heads pass them without learning anything, so passing them would not have shown learning either.")
    if any(j.cannot_tell for j in heads.values()):
        n = max(j.n for j in heads.values())
        lines.insert(1, f"This run set each claim against {n} random-heads models (CLIPNB_NULL_MODELS={n}): too few for "
                        "any to come out beyond them. Run with 19 (the default) to read these counts as findings.")
    say(*lines, more="what the pretrained networks bring")
    if numbers:
        from clipnb.display import folded

        with folded("For researchers: each claim's number against the random heads' (click to open)"):
            say(*numbers)
