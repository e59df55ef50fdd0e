"""What notebook 10's clusters and their names show, in words."""
from __future__ import annotations

from clipnb import captions
from clipnb.clusters import ISLAND_MIN
from clipnb.narrate._say import COIN_TOSS, say


def shared_names(names) -> None:
    """Clusters that zero-shot gives one name, and the caption words that tell them apart (``names``: one row per
    cluster, with its "name" and "told apart by")."""
    counts = names.groupby("name").size()
    lines, apart = [], []
    for name, n in counts[counts > 1].items():
        same = list(names.index[names["name"] == name])
        told = [c for c in same if names.loc[c, "told apart by"]]
        lines.append(f"{n} clusters are all named '{name}' (clusters {', '.join(map(str, same))}): the vocabulary has "
                     "no word that tells them apart.")
        if told:
            apart.append(f"The captions of the '{name}' clusters tell them apart, by the words more common in each "
                         "than in the others: " + "; ".join(f"{c}: {names.loc[c, 'told apart by']}" for c in told) + ".")
    say(*lines, *apart, more="what tells them apart")


def style_or_subject(by_style, by_subject, model) -> None:
    """Whether the clusters follow the drawing style or the subject: each agreement as an adjusted Rand index."""
    follow = ("neither: both are near chance" if max(by_style, by_subject) < 0.1 else
              "neither clearly: both agreements are weak and close, and one k-means run cannot tell them apart (some "
              "subjects, such as professions, exist in one style only)" if max(by_style, by_subject) < 0.3
              and abs(by_style - by_subject) < 0.1 else
              "the drawing style more than the subject" if by_style > by_subject else
              "the subject more than the drawing style")
    say(f"So on this model the clusters follow {follow}.   [model: {model.name}]",
          f"How well do the clusters match the drawing style (emoji, clip-art, photo, scene)? {by_style:.3f}. And the "
          f"subject (the folder's last part, whatever the style: emoji and clip-art animals are one subject)? "
          f"{by_subject:.3f}. (0 is chance, 1 the same groups: the adjusted Rand index, section 2.)",
          more="how well they match each")


def names_fit(names, majority, majority_share) -> None:
    """How many names fit their cluster's most common subject or style (``names["name fits it"]``), and the clusters
    that are a mix (their most common subject, ``majority``, holds under half: ``majority_share``)."""
    fitting = int(names["name fits it"].sum())
    mixed = names.index[majority_share < 0.5]
    lead = f"{fitting} of {len(names)} names fit their cluster's most common subject or drawing style."
    rest = ["A name fits where it says what the folder or the style holds, as 'a face' does for the faces."
            + ("" if fitting == len(names) else
               f" The {'other is' if len(names) - fitting == 1 else 'others are'} the word nearest the centroid among "
               "words that fit worse, not a description: look at the images below."),
            f"In {len(mixed)} clusters that subject holds under half the images ("
            + ", ".join(f"{c} '{names.loc[c, 'name']}': {majority[c]} {majority_share[c]:.0%}" for c in mixed)
            + "): they gather images of several subjects. A subject here is the folder a picture came from, and a "
              "face drawn among 'people' is still a face, so look at the strips below before calling one a mix."
            if len(mixed) else ""]
    tosses = names.index[names["margin"] < COIN_TOSS]
    say(lead, *rest,
          ", ".join(f"{c} '{names.loc[c, 'name']}' ({names.loc[c, 'margin']:.3f} over '{names.loc[c, 'runner_up']}')"
                    for c in tosses)
          + f": {'this name wins' if len(tosses) == 1 else 'these names win'} by less than {COIN_TOSS}, a coin toss "
            "between two words (notebook 05's rule), whatever the table says of fitting." if len(tosses) else "",
          more="what fits, and the names that win by a hair")


def hub_names(names) -> None:
    """A word that is the name or the runner-up of half the clusters or more: a hub, not a fit."""
    near_many = names["name"].tolist() + names["runner_up"].tolist()
    counts = {w: near_many.count(w) for w in dict.fromkeys(near_many)}
    say(*(f"'{word}' is the name or the runner-up of {n} of the {len(names)} clusters: like the hub words of "
            "notebook 05, a word that sits near many centroids wins by being near everything, not by fitting any one "
            "cluster." for word, n in sorted(counts.items(), key=lambda item: -item[1])
            if n >= max(3, len(names) // 2)))


def strays(cluster, name, captions, folders, styles, majority, main_style, fits: bool = True) -> None:
    """The one or two images shown for a ``cluster`` (named ``name``) that stand out: of neither its most common
    folder (``majority``) nor its main drawing style (``main_style``), and whose caption does not say its name either
    (a face in a cluster named "a face" is no stray, whatever its folder). More than two make a mix: then every one of
    another folder whose caption does not say the name is counted, and how many of those are of another style too."""
    word = name.split()[-1].lower()
    odd = [(caption.split(",")[0], folder) for caption, folder, style in zip(captions, folders, styles)
           if folder != majority and style != main_style and word not in caption.lower()]
    if 0 < len(odd) <= 2:
        say(f"cluster {cluster}: " + "; ".join(f"{title!r} ({folder})" for title, folder in odd)
              + f" {'stands' if len(odd) == 1 else 'stand'} out, of another subject and another drawing style than most "
                f"of it, and not {name}: {'an odd one' if len(odd) == 1 else 'odd ones'} out, which k-means put here "
                "all the same.")
    elif odd:
        others = [f"{caption.split(',')[0]} ({folder})" for caption, folder in zip(captions, folders)
                  if folder != majority and word not in caption.lower()]
        say(f"cluster {cluster}: {len(others)} of these {len(captions)} come from other folders than its most common "
              f"one ('{majority}'), and their captions lack the word {word!r}.",
              f"They are: {'; '.join(others)}. {len(odd)} of them are in another drawing "
              f"style too ({'; '.join(title for title, _ in odd[:4])}{' …' if len(odd) > 4 else ''}): "
              + (f"by folder and caption, the name {name!r} describes this cluster only in part (a caption can miss "
                 "what a picture shows: look at the strip)." if fits else
                 f"and the name {name!r} fits neither that subject nor its style (section 1's table)."),
              more="which images, and what that says of the name")


def seeds(fit, misfit, n_seeds, model) -> None:
    """10: how many text seeds end in a cluster whose most common folder they fit (``fit``, ``misfit``: each seed's
    line, "'seed' → folder (share)")."""
    say(f"{len(fit)} of the {n_seeds} seeds end in a cluster whose most common folder they fit"
          + (f"; {len(misfit)} do not: {', '.join(misfit)}." if misfit else ".") + f"   [model: {model.name}]",
          "k-means moved those seeds to whatever images were nearest them. A seed is where a cluster starts, not a label "
          "for what it ends up holding." if misfit else "", more="why a seed can miss")


def map_islands(islands, names) -> None:
    """10: the clusters the t-SNE map scatters over several places (``islands``: :func:`clipnb.clusters.islands`;
    ``names``: one row per cluster, with its "name")."""
    scattered = {c: n for c, n in islands.items() if n > 1 and c in names.index}
    if not scattered:
        say("Each cluster sits in one place on the map: k-means and t-SNE's neighbourhoods agree here.")
        return
    worst = max(scattered, key=scattered.get)
    say(f"{len(scattered)} of the {len(islands)} clusters lie in more than one place on the map: "
          + ", ".join(f"{c} '{names.loc[c, 'name']}' in {n}" for c, n in sorted(scattered.items()))
          + f" (groups of {ISLAND_MIN} or more points apart from the rest).",
          f"Cluster {worst} is the most scattered: k-means groups by all the dimensions at once, t-SNE keeps each image "
          "beside its nearest neighbours, so one cluster can be several neighbourhoods, and a cluster in many places "
          "holds images that are not each other's neighbours.", more="why a cluster can lie in several places")


def map_misfits(misfits, shown: int) -> None:
    """10: the thumbnails on the map framed in a cluster whose name fits the cluster but not them (``misfits``: one
    (caption, cluster, name) each, of the ``shown`` thumbnails), so that what the eye finds odd is named."""
    if not misfits:
        say(f"Each of the {shown} thumbnails sits in a cluster whose name describes it, or whose name fits no "
              "folder (section 1's table).")
        return
    say(f"{len(misfits)} of the {shown} thumbnails sit in a cluster whose name does not describe them: "
          + "; ".join(f"{captions.gloss(caption.split(',')[0])!r} in {cluster} '{name}'"
                      for caption, cluster, name in misfits)
          + ". A cluster's name is the word nearest its centre; the images at its edges can be anything near them.")
