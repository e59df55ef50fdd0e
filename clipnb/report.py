"""The comparison's report: ``report.html`` (one section per claim, the null, the verdicts, agreement between
models) and the tidy ``claims.csv``, rendered from the table :func:`clipnb.compare.run` returns."""
from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np

from clipnb import claims, nulls
from clipnb.pvalues import NORMALITY_ALPHA


def agreement(table, rankings):
    """Between every two models: Spearman ρ of all their claim numbers, and the mean top-10 overlap
    of their rankings (``rankings[model][query]``: the top-10 paths) on the same corpus."""
    import pandas as pd
    from scipy.stats import spearmanr

    numbers = table[table["measure"] != "verdict"].pivot_table(index=["claim", "measure"], columns="model",
                                                                values="value")
    models = list(rankings)
    rows = []
    for i, a in enumerate(models):
        for b in models[i + 1:]:
            both = numbers[[a, b]].dropna() if {a, b} <= set(numbers.columns) else numbers.iloc[:0]
            rho = spearmanr(both[a], both[b]).statistic if len(both) > 2 else np.nan
            overlap = np.mean([len(set(rankings[a][q]) & set(rankings[b][q])) / 10 for q in rankings[a]])
            rows.append({"model A": a, "model B": b, "Spearman ρ of claim numbers": rho,
                         "numbers compared": len(both), "top-10 overlap of query rankings": overlap})
    return pd.DataFrame(rows)


MARKS = {"✔": "holds, beyond its stand-ins (random weights, or control words for a subtraction)",
         "≈": "holds, but so do its stand-ins (or they show it more)", "○": "holds, too few stand-ins to tell",
         "✘": "does not hold", "?": "cannot be checked here", "≡": "arithmetic: holds for every model",
         "◐": "in part (B1: the skewed professions moved together beyond chance, but not every one)"}
MARK_LEGEND = " · ".join(f"{m} {words}" for m, words in MARKS.items())


def mark_legend(shown, sep: str = " · ") -> str:
    """The legend of the marks among ``shown`` (cells of a table of marks, each starting with its mark), in
    :data:`MARKS`' order, joined by ``sep``: a learner reads only the marks the table holds."""
    used = {str(cell).strip()[:1] for cell in shown}
    return sep.join(f"{m} {words}" for m, words in MARKS.items() if m in used)


SPEAKER_COLUMN = "the talk's CLIP (his slides)"


def speaker_mark(claim: str) -> str:
    """The talk's own reading of a claim, from the speaker's numbers on his slides (``claims.SPEAKER_NUMBERS``,
    MobileCLIP-S2 on his cat photo and his two composite faces): ✔ or ✘ by the claim's own statistic, "shown once"
    because one image with nothing to set it against is a demonstration, not a test; E6's gaps had no person prompts
    to be read against; "" where the slides give no number."""
    import pandas as pd

    numbers = claims.SPEAKER_NUMBERS.get(claim)
    if numbers is None:
        return ""
    if claim == "E6":
        return "gaps only: no person prompts to set them against"
    statistic = nulls.STATISTICS[claim](pd.DataFrame({"measure": list(numbers), "value": list(numbers.values())}))
    return "✔ shown once (one photo, no null)" if statistic > 0 else "✘ (one photo)"


def mark(row) -> str:
    """One verdict row of the comparison's table as a mark and a few words, for a table read at a glance (legend:
    :data:`MARK_LEGEND`). Computed from the row's fields (status, beyond_random, beyond_corrected, null, cannot_tell,
    null_more), as its ``short`` form is; a claim judged by its own test (B1's permutation) gets the bare mark."""
    def true(value):
        return value is True or value is np.True_

    status = row["status"]
    if status == claims.UNCHECKABLE:
        return "?"
    if status == claims.FAILS:
        return "✘"
    if row["claim"] in nulls.IDENTITIES:
        return "≡"
    who = {nulls.RANDOM: "random weights", nulls.CONTROLS: "control words", nulls.HEADS: "random heads"}.get(row.get("null"))
    if who is None:   # B1 holds by its own permutation test; a claim with no null shows it, compared with nothing
        return "✔" if row.get("null") == "permutation" else "≈ nothing to compare"
    if true(row["beyond_random"]):
        return f"✔ beyond {who}" + (" (not after correction)" if row.get("beyond_corrected") is False
                                    or row.get("beyond_corrected") is np.False_ else "")
    if true(row.get("cannot_tell")):
        return "○ too few to tell"
    return f"≈ {who} show it more" if true(row.get("null_more")) else f"≈ so do {who}"


def holm_summary(table):
    """Per model: how many verdicts hold beyond their null at p ≤ ALPHA on their own, and how many stay beyond after
    Holm's correction across all that model's checked claims (``p_holm``, set by :func:`clipnb.nulls.correct`:
    every claim but the unchecked ones and the E12b identity, B1 included; one that does not hold enters with
    p = 1)."""
    import pandas as pd

    rows = table[(table["measure"] == "verdict") & (table["status"] != claims.UNCHECKABLE)
                 & ~table["claim"].isin(nulls.IDENTITIES)]
    out = []
    for model, part in rows.groupby("model", sort=False):
        beyond = part["beyond_random"].map(lambda v: v is True or v is np.True_).to_numpy()
        after = part["beyond_corrected"].map(lambda v: v is True or v is np.True_).to_numpy() \
            if "beyond_corrected" in part else np.zeros(len(part), bool)
        out.append({"model": model, "verdicts checked": len(part), "beyond (p ≤ α)": int(beyond.sum()),
                    "beyond after Holm": int(after.sum()), "which, after Holm": ", ".join(part["claim"][after]) or "none"})
    return pd.DataFrame(out)


def _number(value) -> str:
    """Counts as integers, small p-values in two significant figures, everything else to four places."""
    if float(value).is_integer() and abs(value) < 1e6:
        return f"{value:.0f}"
    return f"{value:.2g}" if 0 < abs(value) < 1e-3 else f"{value:.4f}"


def _p(value) -> str:
    """A p-value as the report prints it: below 0.0001 only as "< 0.0001", since a t-tail that far out rests on the
    normal law's shape, not on the draws (19 of them at most) it was fitted to."""
    if not isinstance(value, (int, float, np.floating)):
        return str(value)
    return "< 0.0001" if 0 <= float(value) < 1e-4 else _number(value)


def _css(row) -> str:
    """beyond (green) for a claim beyond its null, holds (amber) for one that random models share, and so on."""
    if isinstance(row.beyond_random, (bool, np.bool_)) and row.beyond_random:
        return "beyond"
    return row.status.split()[0]


REPORT_RULES = {"table": "border-collapse:collapse;margin:6px 0",
                "td,th": "border:1px solid #ccc;padding:3px 8px;text-align:right", "th": "background:#f4f4f4",
                ".beyond": "color:#1a7f37", ".holds": "color:#9a6700", ".does": "color:#cf222e",
                ".cannot": "color:#6e7781"}


def report_html(table, errors, rankings, specs, corpus="the sample corpus (data/samples)", fragment=False) -> str:
    """The report as a page (report.html), or, with ``fragment``, as a part of one (a notebook's output): no
    <html>, <head> or <body>, and its styles scoped to its own <div class="clipnb-report">, so that they restyle
    nothing around it."""
    import pandas as pd

    if fragment:
        scoped = "".join(",".join(f".clipnb-report {part}" for part in selectors.split(",")) + "{" + rule + "}"
                         for selectors, rule in REPORT_RULES.items())
        style = f"<style>{scoped}</style>"
    else:
        style = ("<style>body{font:14px sans-serif;max-width:1100px;margin:2em auto}"
                 + "".join(f"{selectors}{{{rule}}}" for selectors, rule in REPORT_RULES.items()) + "</style>")
    rows = table[table["measure"] == "verdict"]
    random_rows = rows[rows["null"] == nulls.RANDOM] if "null" in rows else rows.iloc[:0]
    twins = int(random_rows["null_models"].max()) if len(random_rows) else 0
    head = (f"<div class='clipnb-report'>{style}<h2>The talk's claims across models</h2>" if fragment else
            f"<html><head><meta charset='utf-8'><title>clipnb: the talk's claims across models</title>{style}"
            "</head><body><h1>The talk's claims across models</h1>")
    out = [head,
           f"<p>Models: {', '.join(f'<code>{html.escape(s)}</code>' for s in specs)}. Each claim runs on "
           f"{html.escape(corpus)}. The speaker's numbers are MobileCLIP-S2 on his own cat photo and "
           "composite faces: a reference, not the same images.</p>",
           "<p><b>In plain words.</b> A claim can hold on a model for reasons that have nothing to do with what the "
           "model learned. So each claim that holds is run again on models of the same shape that learned nothing "
           "(random weights), or, for the subtractions, with unrelated words in place of the claim's word. "
           "<b>Beyond</b> means the model's score lies so far past theirs that luck would put it there at most "
           f"{claims.ALPHA:.0%} of the time (p ≤ {claims.ALPHA}). Checking many claims at once gives "
           "luck many chances, so <b>beyond after correction</b> is the stricter count to read. The next "
           "paragraph says exactly how, for researchers.</p>",
           "<p><b>The nulls.</b> Each claim's statistic (named in its section) is set against a null that tests the "
           "claim's mechanism. <b>Random weights</b> (E1, E3–E7, E13): up to "
           f"{twins} random-weight models of the model's architecture (seeds 1, 2, …) run the same test on the same "
           "images; a claim they hold as well is the mechanics of the test, not learning. Their p is the <i>t-tail</i>: "
           "the statistic's distance from the random models' mean in their standard deviations (z), divided by "
           "√(1 + 1/n) and read against Student's t with n − 1 degrees of freedom, for n models (the exact law of a new "
           "draw from the same normal distribution). It is used only where the random models' statistics pass a Shapiro–Wilk check "
           f"(p ≥ {NORMALITY_ALPHA}) and have spread; otherwise p is their rank, (1 + models at least as extreme) / "
           "(1 + models), which with 19 models is never below 0.05. <b>Control words</b> (the subtractions E8, E9, "
           f"E10, and E12a's opposite pole): the same model subtracts each of {len(nulls.CONTROL_WORDS)} everyday "
           "nouns unrelated to the judged images in place of the claim's word, at the same weight; a word that "
           "removes no more than a spoon or a guitar does is not shown to remove what it names. As with the random "
           "models, only a claim that holds is set against them: one that does not hold needs no null. Their statistics are "
           f"small counts, so p is the rank, whose smallest value 1/{len(nulls.CONTROL_WORDS) + 1} is below α over "
           "the number of claims. <b>E6</b> has a null of its own first (135 gender-neutral person prompts) and "
           "<b>B1</b> an exact permutation null. <b>Beyond</b> its null means p ≤ α = "
           f"{claims.ALPHA} for that claim on its own. With up to 14 claims per model, about one in twenty claims "
           "that are false would come out beyond by chance, so each model's claims are also corrected together "
           "(Holm): <b>beyond after correction</b> means the claim's Holm-adjusted p is still ≤ α. The claims a "
           "model cannot check, and the identity E12b, which holds for every model, are left out of its "
           "correction, so the number corrected for differs from model to model. A claim with two "
           "nulls (E6, E6-sanity) enters the correction with the larger of its two p-values; one that does not hold "
           "enters with p = 1. <b>Null draws that hold</b>: how many pass the claim's own test, which is another "
           "thing: a draw can pass a test by a smaller margin than the model. <b>Tested</b>: draws on which the test "
           "could be run (one with nothing to remove cannot be).</p>"]
    for spec, error in errors.items():
        out.append(f"<p class='does'><b>{html.escape(spec)}</b> could not be loaded: {html.escape(error)}</p>")
    for claim_id in [*(c for c in dict.fromkeys(table["claim"]) if c != "B1"), "B1"]:
        part = table[table["claim"] == claim_id]
        if part.empty:
            continue
        statement = next((s for s in part["statement"] if s), claim_id)
        out.append(f"<h2>{html.escape(claim_id)}: {html.escape(statement)}</h2>")
        tested = next((t for t in part.get("tested_on", []) if isinstance(t, str) and t), "")
        if tested:
            out.append(f"<p><b>Tested on</b> {html.escape(tested)}.</p>")
        numbers = part[part["measure"] != "verdict"].pivot_table(index="measure", columns="model", values="value",
                                                                  sort=False)
        if claim_id in claims.SPEAKER_NUMBERS:
            numbers.insert(0, claims.SPEAKER, pd.Series(claims.SPEAKER_NUMBERS[claim_id]))
        for spec in specs:
            if spec in errors:
                numbers[spec] = np.nan
        if len(numbers):
            out.append(numbers.rename_axis(index=None, columns=None).to_html(float_format=_number, na_rep="–"))
            if claim_id in claims.SPEAKER_NUMBERS:
                out.append(f"<p><small>{claims.SPEAKER}: the speaker's own numbers, on his cat photo and composite faces "
                           "(other images, another model): a reference, not a comparison.</small></p>")
        verdicts = part[part["measure"] == "verdict"]
        if claim_id == "B1":
            out.append("<p>The numbers are each profession's change of gap from the base model to the skewed one "
                       "(the model named in the column minus the one it was fine-tuned from, named below).</p>")
        elif "statistic" in verdicts:  # B1 carries its own (permutation) null
            columns = {"statistic": "statistic (model)", "null": "null", "null_mean": "null: mean", "null_sd": "null: SD",
                       "null_max": "null: best", "z": "z", "method": "p from", "null_p": "p", "p_holm": "p after Holm",
                       "null_holds": "null draws that hold", "null_tested": "tested", "verdict": "verdict"}
            null = verdicts.set_index("model")[[c for c in columns if c in verdicts]].rename(columns=columns)
            what = nulls.STATISTIC_NAMES.get(claim_id, "")
            out.append(f"<p>Against the null. Statistic: <i>{html.escape(what)}</i> (larger is more in the claim's "
                       "favour). <i>z</i>: how many of the null's standard deviations the model lies above its mean. "
                       "<i>p from</i>: the t-tail or the rank (see the top of the page); a p below 0.0001 is "
                       "shown as &lt; 0.0001, as no draw count here can vouch for more.</p>"
                       + null.rename_axis(index=None).to_html(float_format=_number, na_rep="–",
                                                              formatters={"p": _p, "p after Holm": _p}))
        items = "".join(f"<li><code>{html.escape(r.model)}</code>: <span class='{_css(r)}'>"
                        f"<b>{html.escape(r.verdict)}</b></span>: {html.escape(r.reason)}</li>"
                        for r in verdicts.itertuples())
        items += "".join(f"<li><code>{html.escape(s)}</code>: not loaded</li>" for s in errors)
        out.append(f"<ul>{items}</ul>")
    verdicts = table[table["measure"] == "verdict"].pivot_table(index="claim", columns="model", values="verdict",
                                                                aggfunc="first", sort=False)
    out.append("<h2>Verdicts</h2>" + verdicts.rename_axis(index=None, columns=None).to_html(na_rep="–")
               + "<p><small>–: no verdict (B1 is a claim about a skewed model against the model it came from).</small></p>")
    summary = holm_summary(table)
    if len(summary):
        shared = [m for m in summary["model"] if m.endswith(":skewed")]
        out.append("<h2>How many hold beyond their null</h2><p>Per model, the verdicts that hold with p ≤ α, and how "
                   "many remain after Holm's correction across that model's verdicts (α = "
                   f"{claims.ALPHA}).</p>" + summary.to_html(index=False)
                   + ("<p><small>A fine-tuned model (" + ", ".join(f"<code>{html.escape(m)}</code>" for m in shared)
                      + ") has its base model's architecture, so both are set against the same random-weight twins: "
                      "their random-weight verdicts are not independent.</small></p>" if shared else ""))
    agree = agreement(table, rankings)
    queries = list(next(iter(rankings.values()), {}))
    if len(agree):
        out.append("<h2>Agreement between models</h2><p><b>Spearman ρ of claim numbers</b>: every number the claims "
                   "produced for one model ranked against the same numbers for the other. Many share a scale whatever "
                   "the model (accuracies near 1, counts out of 9, p-values), so unrelated models correlate too: read "
                   "each pair against the pairs with a random-weight model. <b>Top-10 overlap</b>: the mean share of "
                   f"the ten best images two models have in common for {len(queries)} fixed queries "
                   f"({', '.join(html.escape(repr(q)) for q in queries)}; 1 = the same ten).</p>"
                   + agree.to_html(index=False, float_format=lambda v: f"{v:.3f}"))
    return "\n".join(out) + ("</div>" if fragment else "</body></html>")


# claims.csv: one row per verdict and per number. null_share is the share of the null (random models, or control
# words) at least as extreme as the model; for B1 it is its exact permutation p. null_tested: null draws on
# which the test could be run.
CSV_COLUMNS = ["claim", "model", "measure", "value", "verdict", "beyond_random", "null_share", "status", "statistic",
               "null", "null_tested", "null_holds", "null_models", "null_p", "short", "method", "z", "null_mean",
               "null_sd", "lead", "entering_p", "p_holm", "beyond_corrected", "null_more", "cannot_tell"]


def write(out, table, errors, rankings, specs, where="the sample corpus (data/samples)"):
    """``out/claims.csv`` and ``out/report.html``, each replaced whole (never left half written)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tidy = table.copy()
    for column in CSV_COLUMNS:
        if column not in tidy:
            tidy[column] = np.nan
    # beyond_random: true / false, empty where the claim cannot be checked (or on number rows)
    for column in ("beyond_random", "beyond_corrected"):
        tidy[column] = tidy[column].map(lambda v: "" if v is None or v != v else str(bool(v)).lower())
    tidy = tidy[CSV_COLUMNS]
    if errors:
        import pandas as pd

        tidy = pd.concat([tidy, pd.DataFrame([{"claim": "load", "model": s, "measure": "error", "value": np.nan,
                                               "verdict": e} for s, e in errors.items()])], ignore_index=True)
    for name, text in [("claims.csv", tidy.to_csv(index=False)),
                       ("report.html", report_html(table, errors, rankings, specs, where))]:
        tmp = out / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out / name)
