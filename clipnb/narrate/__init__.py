"""The sentences the notebooks print about their results, kept out of the notebooks' cells.

A notebook cell computes (a search, a count, a null) in the open; then one call here prints what those numbers show
on *this* model, and where it fails what the talk showed. Every sentence is chosen by the numbers it is given, never
written for one model, so the same notebook reads true on the bundled model, on an older one and on random weights
(``tests/notebook_sentences.py`` checks each sentence against its output on all three). A function prints the
sentences that apply, and nothing when none does: the finding first, on the cell's main line, and the rest one click
away (:func:`say`, which a notebook's own sentences use too).

One module per part of the talk: :mod:`~clipnb.narrate.words` (notebooks 01, 03 and 05),
:mod:`~clipnb.narrate.training` (02), :mod:`~clipnb.narrate.search` (00, 06 and 07), :mod:`~clipnb.narrate.bias` (04),
:mod:`~clipnb.narrate.opposition` (08), :mod:`~clipnb.narrate.clusters` (10) and :mod:`~clipnb.narrate.models` (11).
"""

from clipnb.narrate._say import say
from clipnb.narrate.bias import (bias_summary, noise_against_persons, nurse_lean, person_baseline, sanity_check,
                                 text_lean, tone_matched, unmarked_beyond_noise)
from clipnb.narrate.clusters import hub_names, map_islands, map_misfits, names_fit, seeds, shared_names, strays, style_or_subject
from clipnb.narrate.models import (agreement_beyond_random, e6_by_model, fine_tune_moves, holm_counts, in_short,
                                   nothing_learned, planted_line, planted_skew, talk_weights, trained_here,
                                   verdict_agreement)
from clipnb.narrate.opposition import (ends_and_order, face_order, off_pole, opposition_summary, pair_table,
                                       short_caption, spread, spread_why, talk_pair)
from clipnb.narrate.search import (animal_swap, cat_search, cat_swap, image_minus_word, man_search, midpoint,
                                   running_search, skin_tone_shift,
                                   snow_at_weights, talk_scenes, tree_search, trees_thinned, winter_against_controls)
from clipnb.narrate.training import toy_search
from clipnb.narrate.words import (angle_baseline, burgers, cat_neighbours, gap_against_twin, gap_verdict, hubs, kin,
                                  odd_strings, phrasings, probability, sign_blocks, word_pairs)

__all__ = ["agreement_beyond_random", "angle_baseline", "animal_swap", "bias_summary", "burgers", "cat_neighbours",
           "cat_search", "cat_swap", "e6_by_model", "ends_and_order", "face_order", "fine_tune_moves", "gap_against_twin", "gap_verdict", "holm_counts",
           "hub_names", "hubs", "image_minus_word", "in_short", "kin", "man_search", "map_islands", "map_misfits", "midpoint", "names_fit",
           "noise_against_persons", "nothing_learned", "nurse_lean", "odd_strings", "off_pole", "opposition_summary",
           "person_baseline", "phrasings", "planted_line", "planted_skew", "pair_table", "probability", "running_search",
           "sanity_check", "say", "seeds", "shared_names", "short_caption", "sign_blocks", "skin_tone_shift", "snow_at_weights", "spread",
           "spread_why", "strays", "style_or_subject", "talk_pair", "talk_scenes", "talk_weights", "text_lean", "tone_matched",
           "toy_search", "trained_here", "tree_search", "trees_thinned", "unmarked_beyond_noise", "verdict_agreement",
           "winter_against_controls", "word_pairs"]
