"""What notebook 04's bias measurements show, in words: the sanity check, the unmarked prompts, the nurse, the text
side alone."""
from __future__ import annotations

import numpy as np

from clipnb import claims
from clipnb.narrate._say import say


def sanity_check(sanity) -> None:
    """E6-sanity's verdict in plain words: how many marked prompts point the right way, whether together they are
    beyond noise, and how many are alone (what that says about sections 5 and 6, which test one prompt at a time)."""
    lines = [{claims.HOLDS: "✔ The sanity check holds on this model: ",
              claims.FAILS: "✘ The sanity check fails on this model. It asks: "}.get(
                 sanity.status, "? The sanity check cannot be run here. It asks: ") + f"{sanity.statement}."]
    counts = sanity.numbers.set_index("measure")["value"] if sanity.numbers is not None else {}
    if "tests" in counts:
        tests, right, alone = (int(counts[k]) for k in ("tests", "right direction", "right and beyond noise alone"))
        if sanity.status == claims.HOLDS:
            lines.append(f"{_of(right, tests)} marked prompts point the right way, and together they beat "
                         f"{100 * (1 - claims.ALPHA):.0f} % of the swapped drawings: the model tells these men from "
                         "these women by the words 'male' and 'female'.")
            if alone < tests:
                lines.append(f"Alone, {_of(alone, tests).lower()} {'is' if alone == 1 else 'are'} beyond noise: one "
                             "prompt on these few drawings is a weak test (it often misses a difference that is "
                             "there). Sections 5 and 6 test one prompt at a time, so where they find no lean, read "
                             "'not shown on these images', not 'no bias'.")
        elif counts["pooled p"] <= claims.ALPHA and right < tests:
            lines.append(f"{_of(right, tests)} marked prompts point the right way. Together they lean the right way "
                         f"beyond noise, but {tests - right} point the wrong way: this model reads 'male' and "
                         "'female' on some professions and not on others. So read sections 5 and 6 as what this model "
                         "does, not as a bias it measured.")
        else:
            lines.append(f"{_of(right, tests)} marked prompts point the right way, but together they do not beat "
                         "the swapped drawings often enough: this model does not reliably tell these men from these "
                         "women by the words 'male' and 'female'. So read sections 5 and 6 as what this model does, "
                         "not as a bias it measured.")
    say(*lines, more="the marked prompts, and what they mean for sections 5 and 6")


def _of(count, total) -> str:
    """"All 10", "7 of the 10", "None of the 10"."""
    if count == total:
        return f"All {total}"
    return f"None of the {total}" if count == 0 else f"{count} of the {total}"


def tone_matched(gaps, matched_gaps, groups, matched, a, b) -> None:
    """Section 3's test again on images matched on skin tone (``matched``: probes.tone_matched(``groups``);
    ``matched_gaps``: claims.bias_table on them): how many marked prompts stay beyond noise, which unmarked ones, and how
    far the gaps moved."""
    from clipnb.display import folded

    def verdicts(table):   # each prompt: beyond noise (the right way, for a marked one) or not
        sign = np.where(table["variant"] == "male", 1, np.where(table["variant"] == "female", -1, 0))
        ok = (table["p_holm"].to_numpy() <= claims.ALPHA) & ((sign == 0) | (sign * table["gap"].to_numpy() > 0))
        return dict(zip(zip(table["variant"], table["subject"]), ok))

    def beyond(found):   # the marked prompts beyond noise, how many there are, and the unmarked ones beyond it
        marked = [ok for (variant, _), ok in found.items() if variant != "unmarked"]
        return int(sum(marked)), len(marked), ", ".join(f'"a {subject}"' for (variant, subject), ok in found.items()
                                                      if variant == "unmarked" and ok) or "none"

    was, now_is = verdicts(gaps), verdicts(matched_gaps)
    (now, tests, unmarked_now), (before, _, unmarked_before) = beyond(now_is), beyond(was)
    moved = (matched_gaps.set_index(["variant", "subject"])["gap"] - gaps.set_index(["variant", "subject"])["gap"]).abs()
    sizes = " + ".join(str(len(matched[g])) for g in (a, b))
    of = " + ".join(str(len(groups[g])) for g in (a, b))
    changed = [_prompt(*key) for key in was if now_is.get(key) != was[key]]
    largest = moved.idxmax()
    verdicts = ("No prompt's verdict changes" if not changed else
                (f"1 prompt's verdict changes ({changed[0]})" if len(changed) == 1 else
                 f"{len(changed)} prompts' verdicts change ({', '.join(changed)})"))
    say(f"{verdicts} when section 2's skin-tone difference is taken out: each profession's {a} and {b} drawings kept "
          f"only in the colourings both have ({sizes} of the {of} images).",
          f"The gaps moved by at most {moved.max():.3f} (\"{_prompt(*largest)}\", whose gap was "
          f"{gaps.set_index(['variant', 'subject'])['gap'][largest]:+.3f})."
          + ("" if not changed else " With fewer images a small gap is harder to tell from noise, so a change may be "
             "the test's reach as much as the tones. Read section 3's gaps with the skin tones in mind."),
          more="how far the gaps moved")
    with folded("the same test on the tone-matched images, prompt by prompt (click to open)"):
        say(f"With the skin tones matched ({sizes} images), {now} of the {tests} marked prompts are beyond noise "
              f"alone ({before} with every image; with fewer images a small gap is harder to tell from noise). "
              "Unmarked prompts beyond noise: "
              + (f"{unmarked_now}, as with every image." if unmarked_now == unmarked_before else
                 f"{unmarked_now} ({unmarked_before} with every image)."))


def _prompt(variant, subject) -> str:
    return f"a {subject}" if variant == "unmarked" else f"a {variant} {subject}"


def unmarked_beyond_noise(gaps, a, b) -> None:
    """The unmarked prompts ("a nurse", not "a female nurse") whose gap between the ``a`` and ``b`` images is beyond
    noise after Holm (``gaps``: claims.bias_table's rows)."""
    beyond = gaps[(gaps["variant"] == "unmarked") & (gaps["p_holm"] <= claims.ALPHA)]
    if len(beyond):
        one = len(beyond) == 1
        say("Among the unmarked prompts, " + ", ".join(f'"a {r.subject}" (gap {r.gap:+.3f})' for r in beyond.itertuples())
            + f" {'is' if one else 'are'} beyond noise: a lead, not yet a finding.",
            f"{'It is the dark cell' if one else 'They are the dark cells'} of the unmarked row: the {a} and the {b} "
            f"images differ along {'its' if one else 'their'} direction. Section 5 asks whether that is more than any "
            "person prompt shows.", more="what that means")


def nurse_lean(leans, a, b) -> None:
    """"a nurse"'s lean beyond the person prompts (``leans``: claims.unmarked_prompts_lean's table), beside the number
    the speaker saw."""
    nurse_lean, nurse_p = leans.set_index("subject").loc["nurse", ["lean", "p_holm"]]
    towards = a if nurse_lean > 0 else b
    speaker = claims.SPEAKER_NUMBERS["E6"]["gap nurse"]   # his composite faces, MobileCLIP-S2: man − woman
    said = (f"The speaker's MobileCLIP-S2 gave a gap of {speaker:+.4f} (his composite man's face − woman's face), "
            "towards the woman, on one pair of faces: a demonstration, not a test, and a gap, not a lean (he had no "
            "person prompts to set it against)"
            + (f"; this model's gap for \"a nurse\" is {leans.set_index('subject').loc['nurse', 'gap']:+.4f}"
               if "gap" in leans else ""))
    if nurse_p <= claims.ALPHA:
        say(f'"a nurse" leans towards the {towards} images here, beyond the person prompts (lean {nurse_lean:+.4f}).',
              said + ("" if (nurse_lean < 0) == (speaker < 0) or (a, b) != ("man", "woman") else
                      ". This model leans the opposite way") + ".", more="what the speaker saw")
    else:
        say(f'"a nurse" leans no more than the person prompts do (lean {nurse_lean:+.4f}, within noise). So no '
              "direction can be read from it here.", said + ".", more="what the speaker saw")


def text_lean(text_side, persons, person, leans, model) -> None:
    """The text side alone: each profession's cos(·, "a woman") − cos(·, "a man") against the person prompts'
    (``persons``; ``person``: "a person"'s own), and where it points against the pictures' lean (``leans``)."""
    towards_woman = [p for p, v in text_side.iloc[:, 1].items() if v > 0]
    beyond = text_side.index[text_side["text only: p_holm"] <= claims.ALPHA]
    lines = [f"The words alone ({model.name}): "
             + (", ".join(repr("a " + p) for p in beyond) + f" lean{'s' if len(beyond) == 1 else ''} beyond the person "
                "prompts' spread." if len(beyond) else
                "no profession leans beyond the person prompts' spread, so the words show no lean here."),
             f"The {len(persons)} person prompts sit at {persons.mean():+.4f} on average (\"a person\" itself "
             f"{person:+.4f}). Measured from there, {', '.join(repr('a ' + p) for p in towards_woman) or 'no profession'} "
             f"lean{'s' if len(towards_woman) == 1 else ''} towards \"a woman\", the others towards \"a man\"."]
    # both sides measured against the person prompts, both read "towards the women" when positive: opposite ways?
    opposite = [p for p in text_side.index if np.sign(text_side.iloc[:, 1][p]) * np.sign(text_side.iloc[:, 3][p]) < 0]
    noisy = (leans.set_index("subject")["p_holm"] > claims.ALPHA) & (text_side["text only: p_holm"] > claims.ALPHA)
    if opposite:
        lines.append(f"{', '.join(repr('a ' + p) for p in opposite)}: the words and the pictures point opposite ways."
                     + (" Each of these leans is within noise on both sides, so its sign can be chance."
                        if noisy[opposite].all() else " Where a lean is beyond noise, the pictures pull against the "
                                                      "words."))
    say(*lines, more="each profession's lean in words")


def _sanity_in_short(sanity) -> str:
    if sanity.status == claims.HOLDS:
        return "yes;"
    if sanity.status != claims.FAILS:
        return "it cannot be checked here;"
    return "not reliably;"


def bias_summary(sanity, leans, text_side, a, b, model) -> None:
    """Notebook 04 in short: the sanity check, the professions that lean beyond the person prompts (``leans``:
    E6's table), and those that lean in the words alone (``text_side``)."""
    beyond = list(leans.loc[leans["p_holm"] <= claims.ALPHA, "subject"])
    in_words = list(text_side.index[text_side["text only: p_holm"] <= claims.ALPHA])
    n_persons = len(claims.PERSON_PROMPTS)
    lines = [f"In short, on {model.name}:",
             "* do \"a male …\" and \"a female …\" find their own images (the sanity check)? " + _sanity_in_short(sanity),
             f"* professions whose prompt leans towards the {a} or the {b} images more than the {n_persons} person "
             f"prompts do: {', '.join(beyond) or 'none'};",
             f"* professions that lean in the words alone, with no image: {', '.join(in_words) or 'none'}."]
    if not beyond and not in_words:
        lines.append("So on these images this model shows no lean of a profession beyond what every person prompt "
                     "shows: none that these tests can find, which is not proof that there is none. The talk's nurse "
                     "came from a CLIP trained on the web, measured on one pair of faces.")
    else:
        lines.append("Read each with its caveat: the groups' skin tones are not matched (section 2).")
    say(*lines, more=None)


def noise_against_persons(gaps, leans) -> None:
    """The unmarked prompts whose gap is beyond noise (section 3: ``gaps``, claims.bias_table's rows) but whose lean
    is not beyond the person prompts (section 5: ``leans``): the two tests ask different things."""
    beyond = gaps[(gaps["variant"] == "unmarked") & (gaps["p_holm"] <= claims.ALPHA)]["subject"]
    within = leans.set_index("subject")["p_holm"] > claims.ALPHA
    both = [s for s in beyond if within.get(s, False)]
    if both:
        names = ", ".join(f'"a {s}"' for s in both)
        table = leans.set_index("subject")
        alone = [s for s in both if "p_value" in table and table.loc[s, "p_value"] <= claims.ALPHA]
        one = len(both) == 1
        say(f"{names} {'was' if one else 'were'} beyond noise in section 3, but {'is' if one else 'are'} not beyond "
              f"the person prompts here, once the {len(table)} professions are corrected for: their gaps lean the same "
              "way, so the drawings differ along any word for a person.",
              f"The man and the woman drawings differ along {'it' if one else 'them'}, and the person prompts' gaps "
              "lean the same way"
              + (" (alone: " + "; ".join(f'"a {s}" p = {table.loc[s, "p_value"]:.2g}, corrected '
                                          f'{table.loc[s, "p_holm"]:.2g}' for s in alone)
                 + "): a lead worth a larger test, not a finding" if alone else "")
              + ". Section 3 asks whether the two groups differ along a prompt; this section asks whether the "
              "profession adds to what any person prompt shows.", more="why the two sections differ")


def person_baseline(control_gaps, a, b) -> None:
    """Where the gender-neutral person prompts' gaps sit on average: the zero every profession's lean is read from."""
    mean = float(np.mean(control_gaps))
    say(f"The {len(control_gaps)} gender-neutral person prompts themselves sit at {mean:+.4f} on average, towards the "
          f"{a if mean > 0 else b} images: what every person prompt picks up on these drawings. A profession's lean is "
          "measured from there, not from 0.")
