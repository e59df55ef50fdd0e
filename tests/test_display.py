"""The plots say what their marks mean."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from clipnb.display import bar_chart  # noqa: E402


def _legend(ax):
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_bar_chart_legend_names_the_highlighted_bar_and_the_reference():
    scores = pd.Series({"a dog": 0.21, "a cat": 0.25, "a monkey": 0.19})
    speaker = pd.Series({"a dog": 0.2, "a cat": 0.3}, name="speaker's MobileCLIP-S2")
    ax = bar_chart(scores, "bundled", highlight="a cat", reference=speaker)
    assert _legend(ax) == ["bundled", '"a cat" (bundled)', "speaker's MobileCLIP-S2"]
    colours = {tuple(round(c, 3) for c in bar.get_facecolor()) for bar in ax.patches}
    assert len(colours) == 3  # model, highlighted, reference
    plt.close("all")
    assert _legend(bar_chart(scores, "bundled")) == []  # one kind of bar needs no key
    assert _legend(bar_chart(scores, "bundled", highlight="a cat")) == ["bundled", '"a cat" (bundled)']
    assert _legend(bar_chart(scores, "bundled", highlight="a kitten")) == []  # not among the bars
    plt.close("all")


def test_thumbnail_map_tells_every_cluster_apart_and_keeps_its_key_off_the_map():
    import numpy as np

    import clipnb
    from clipnb.display import NOISE_GREY, map_styles, names_only, thumbnail_map

    paths = sorted((clipnb.samples_dir() / "emoji").rglob("*.png"))[:12]
    labels = np.array([-1, *range(11)])  # noise and eleven clusters: more than the palette's colours
    names = {c: f"group {c}" for c in range(11)} | {9: "group 1"}  # two clusters share a name
    xy = np.random.default_rng(0).normal(size=(12, 2))
    ax = thumbnail_map(xy, paths, "bundled", colors=labels, legend=names)
    styles = map_styles(xy, labels)
    assert styles[-1][0] == NOISE_GREY and len(set(styles.values())) == 12  # each cluster its own style
    assert NOISE_GREY not in {colour for c, (colour, _, _) in styles.items() if c >= 0}
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[0] == "0: group 0" and "9: group 1" in texts and len(texts) == 11  # one line per cluster
    marks = {(h.get_marker(), h.get_markeredgecolor(), h.get_markerfacecolor()) for h in ax.get_legend().legend_handles}
    assert len(marks) == 11  # each in its own colour and shape
    assert not any("also cluster" in t for t in texts) and ax.get_legend().get_bbox_to_anchor().x0 > ax.bbox.x1 - 1
    assert any(t.get_text().startswith("thumbnails: ") for t in ax.texts)  # the rule that chose them, under the map
    plt.close("all")
    assert names_only("img:/home/me/data/cat.png − forest") == "img:cat.png − forest"
    assert names_only("https://example.org/a/cat.png and a / b") == "https://example.org/a/cat.png and a / b"


def test_map_styles_give_alike_colours_to_clusters_far_apart():
    """10's map: two blues (or a colour filled and hollow) on two neighbouring clusters were told apart only by shape.
    Eight clusters on a ring: the alike styles go to clusters across the ring from each other, never to neighbours."""
    import numpy as np

    from clipnb.display import _alike, map_styles

    angles = np.repeat(np.arange(8), 5) * 2 * np.pi / 8
    xy = np.c_[np.cos(angles), np.sin(angles)] + np.random.default_rng(1).normal(scale=0.02, size=(40, 2))
    labels = np.repeat(np.arange(8), 5)
    styles = map_styles(xy, labels)
    assert len({styles[c] for c in range(8)}) == 8 and len({styles[c][0] for c in range(8)}) == 7  # one colour twice
    for a in range(8):
        for b in range(a + 1, 8):
            if _alike(styles[a], styles[b]):
                assert min(b - a, 8 - (b - a)) >= 2, (a, b, styles[a], styles[b])  # not neighbours on the ring
    repeated = [styles[c] for c in range(8) if not styles[c][2]]
    assert len(repeated) == 1 and {m for c, m, _ in styles.values() if c == repeated[0][0]} != {repeated[0][1]}


def test_map_thumbnails_cover_no_other_thumbnail_and_not_their_own_point():
    """10's map: each thumbnail is large enough to read, sits beside (not on) its point, joined to it, and covers no
    other thumbnail."""
    import numpy as np

    import clipnb
    from clipnb.display import map_thumbnails, thumbnail_map

    paths = sorted((clipnb.samples_dir() / "emoji").rglob("*.png"))[:200]
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 8, len(paths))
    xy = rng.normal(size=(len(paths), 2)) + 3 * np.c_[np.cos(labels), np.sin(labels)]
    fig, ax = plt.subplots(figsize=(11, 8))
    thumbnail_map(xy, paths, "bundled", colors=labels, ax=ax)
    fig.canvas.draw()
    frames = [a.patch.get_window_extent() for a in ax.artists]
    shown = map_thumbnails(xy)
    assert len(frames) == len(shown) and len(shown) >= 8
    assert min(f.width for f in frames) >= 60   # pixels: large enough to see what it shows
    assert not any(f.overlaps(g) for i, f in enumerate(frames) for g in frames[i + 1:])
    for frame, (x, y) in zip(frames, ax.transData.transform(xy[shown])):
        assert not frame.contains(x, y)   # its own point and the line to it stay in sight
    plt.close(fig)


def test_heatmap_writes_no_signed_zero():
    from clipnb.display import heatmap

    table = pd.DataFrame([[-0.001, 0.5], [0.002, -0.25]], index=["a", "b"], columns=["x", "y"])
    ax = heatmap(table, "bundled", fmt="{:.2f}")
    assert sorted(t.get_text() for t in ax.texts) == ["-0.25", "0.00", "0.00", "0.50"]
    ax = heatmap(table, "bundled", fmt="{:+.2f}", center=0)
    assert sorted(t.get_text() for t in ax.texts) == ["+0.50", "-0.25", "0.00", "0.00"]
    plt.close("all")


def test_heatmap_labels_its_axes_with_the_tables_names():
    from clipnb.display import heatmap

    index = pd.MultiIndex.from_product([["male", "female"], ["man", "woman"]], names=["prompt", "images"])
    table = pd.DataFrame(np.arange(8.0).reshape(4, 2), index=index,
                         columns=pd.Index(["nurse", "pilot"], name="profession"))
    ax = heatmap(table, "bundled")
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("prompt / images", "profession")
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["male / man", "male / woman"]
    ax = heatmap(pd.DataFrame([[1.0]], index=["a"], columns=["x"]), "bundled")  # unnamed: no labels
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("", "")
    plt.close("all")


def test_scatter_thumbnails_names_every_mark_and_counts_its_picks():
    import clipnb
    from clipnb.display import scatter_thumbnails

    paths = sorted((clipnb.samples_dir() / "emoji" / "animals").glob("*.png"))[:30]
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"path": [str(p) for p in paths], "a": rng.normal(size=len(paths)), "b": rng.normal(size=len(paths))})
    ax = scatter_thumbnails(table, "a", "b", "bundled", n_thumbnails=12)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["an image", "a = b", "an image shown as a thumbnail"]
    shown = len(ax.collections[1].get_offsets())   # the black points: one per thumbnail
    assert shown == len([a for a in ax.artists]) and 0 < shown <= 12
    ax.figure.canvas.draw()   # no thumbnail covers another, as the note under the plot says
    frames = [a.get_window_extent() for a in ax.artists]
    assert not any(f.overlaps(g) for i, f in enumerate(frames) for g in frames[i + 1:])
    note = ax.texts[-1].get_text()
    assert f"thumbnails: {shown} images, the furthest on each side" in note and "joined by a line to its point" in note
    plt.close("all")


def test_scatter_thumbnails_and_their_captions_keep_clear_of_one_another():
    """08's scatter: "white (playing card)" nearly touched the thumbnail of "a woman standing far away among trees". A
    thumbnail with its caption under it keeps a few points clear of every other thumbnail, caption and point shown."""
    from matplotlib.transforms import Bbox

    import clipnb
    from clipnb.display import scatter_thumbnails

    paths = sorted((clipnb.samples_dir() / "emoji").rglob("*.png"))[:60]
    rng = np.random.default_rng(3)
    a = rng.normal(size=len(paths))
    table = pd.DataFrame({"path": [str(p) for p in paths], "a": a, "b": 0.6 * a + 0.5 * rng.normal(size=len(paths)),
                          "caption": ["a woman standing far away among trees", "white, playing card"] * 30})
    fig, ax = plt.subplots(figsize=(8, 7))
    scatter_thumbnails(table, "a", "b", "bundled", n_thumbnails=16, zoom=0.45, ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    names = [t for t in ax.texts if t.get_text() and not t.get_text().startswith("thumbnails")]
    frames = [a.get_window_extent(renderer) for a in ax.artists]
    assert len(names) == len(frames) >= 3
    gap = 4   # pixels
    blocks = [Bbox.union([f, n.get_window_extent(renderer)]) for f, n in zip(frames, names)]
    grown = [Bbox.from_extents(b.x0 - gap, b.y0 - gap, b.x1 + gap, b.y1 + gap) for b in blocks]
    assert not any(f.overlaps(g) for i, f in enumerate(grown) for g in blocks[i + 1:])
    points = ax.transData.transform(ax.collections[1].get_offsets())   # the black points: none under a thumbnail
    assert not any(b.contains(x, y) for b in blocks for x, y in points)
    plt.close(fig)


def test_point_labels_cover_no_other_label_and_no_other_point():
    """05's word map: a knot of words (dog, puppy, cat, kitten sit within a few pixels) must still show every label,
    none over another label or another word's point."""
    import numpy as np
    from matplotlib.transforms import Bbox

    from clipnb.display import label_points

    xy = np.array([[0.0, 0.0], [0.01, 0.01], [0.012, -0.01], [-0.01, 0.005], [0.5, 0.5], [-0.5, -0.4]])
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.scatter(*xy.T)
    texts = label_points(ax, xy, ["dog", "puppy", "cat", "kitten", "tree", "car"])
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    dots = [Bbox.from_extents(x - 4, y - 4, x + 4, y + 4) for x, y in ax.transData.transform(xy)]
    for i, box in enumerate(boxes):
        assert not any(box.overlaps(other) for j, other in enumerate(boxes) if j != i)
        assert not any(box.overlaps(d) for j, d in enumerate(dots) if j != i)
    plt.close(fig)


def test_a_label_keeps_clear_of_the_points_it_is_told_to_avoid():
    """01's PCA: a label must not sit on a line joining an image to its caption; the points along it are avoided."""
    import numpy as np
    from matplotlib.transforms import Bbox

    from clipnb.display import label_points

    xy = np.array([[0.0, 0.0]])
    line = np.array([[t, 0.0] for t in np.linspace(0.02, 1, 60)])   # a line leaving the point to the right
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(*line.T)
    ax.set_xlim(-1, 1.2)
    ax.set_ylim(-1, 1)
    box = label_points(ax, xy, ["a woman running in front of trees"], avoid=line)[0].get_window_extent(
        fig.canvas.get_renderer())
    assert not any(box.overlaps(Bbox.from_extents(x - 4, y - 4, x + 4, y + 4)) for x, y in ax.transData.transform(line))
    assert label_points(ax, xy, ["x"])[0].get_ha() == "left"   # without avoid, the right is its first place
    plt.close(fig)


def test_a_similarity_matrix_is_coloured_by_its_pairs_not_its_diagonal():
    from clipnb.display import heatmap

    words = ["a", "b", "c"]
    cosines = pd.DataFrame([[1.0, 0.2, 0.4], [0.2, 1.0, 0.3], [0.4, 0.3, 1.0]], index=words, columns=words)
    ax = heatmap(cosines, "test")
    image = ax.images[0]
    assert (image.norm.vmin, image.norm.vmax) == (0.2, 0.4)   # the 1s would leave every pair the same dark colour
    assert image.get_array().mask.diagonal().all()
    plt.close("all")
    table = pd.DataFrame([[1.0, 0.2], [0.3, 0.4]], index=["x", "y"], columns=["p", "q"])   # not a similarity matrix
    assert heatmap(table, "test").images[0].norm.vmax == 1.0
    plt.close("all")


def test_folded_moves_what_a_block_prints_into_a_fold(capsys, monkeypatch):
    import IPython.display

    from clipnb.display import folded

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    with folded("for researchers <b>"):
        print("p = 0.01 & more")
    assert capsys.readouterr().out == ""   # nothing printed in the open
    page = shown[0].data
    assert 'class="clipnb-fold"' in page and "for researchers &lt;b&gt;" in page and "p = 0.01 &amp; more" in page


def test_nearest_word_map_enlarges_a_knot_and_draws_one_arrow_per_word():
    from clipnb import display

    words = ["cat", "kitten", "dog", "puppy", "car", "truck", "flag", "horse"]
    xy = np.array([[0, 0], [0.02, 0.01], [0.01, 0.03], [0.03, 0.02], [1, 1], [1.1, 0.9], [0.5, -1], [0.4, 0.2]])
    nearest = {"cat": "kitten", "kitten": "cat", "dog": "puppy", "puppy": "dog", "car": "truck", "truck": "car",
               "flag": "car", "horse": "dog"}
    fig = display.nearest_word_map(xy, words, nearest, {"animal": words[:4], "vehicle": ["car", "truck"]}, "m")
    main, enlarged = fig.axes
    arrows = [t for t in main.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == len(words)   # one arrow per word on the whole map
    assert "the knot of" in enlarged.get_title()
    # the knot's four arrows, and the horse's coming in from outside the box, named where it enters
    assert len([t for t in enlarged.texts if getattr(t, "arrow_patch", None)]) == 5
    assert "from horse" in {t.get_text() for t in enlarged.texts}
    labels = {t.get_text() for t in main.texts} - {""}
    assert labels == set(words)   # every word named once on the map
    legend = [t.get_text() for t in main.get_legend().get_texts()]
    assert legend[:3] == ["animal", "vehicle", "no kin here"] and "→ its nearest word" in legend
    plt.close(fig)
    circle = np.c_[np.cos(np.arange(8)), np.sin(np.arange(8))]   # eight words evenly apart
    spread = display.nearest_word_map(circle, words, nearest, {}, "m")
    assert len(spread.axes) == 1   # nothing crowded: no enlargement
    plt.close(spread)


def test_a_map_of_p_values_against_alpha_reads_yes_or_no_above_each_p():
    """04's right map: a learner reads the answer, not the p; a p of 0.07 is "no", one of 0.007 "yes"."""
    from clipnb.display import heatmap

    table = pd.DataFrame([[0.007, 0.07]], index=["unmarked"], columns=["doctor", "nurse"])
    ax = heatmap(table, "test", threshold=0.05, fmt="{:.4f}")
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["yes", "p 0.0070", "no", "p 0.0700"]
    plt.close("all")


def test_a_scatter_thumbnail_is_named_in_two_short_lines_and_a_one_word_title_with_its_kind():
    """08's scatter: "a woman standing far away among trees" is not cut to "a woman standing far…", and a playing card
    titled "white" reads "white (playing card)"."""
    import clipnb
    from clipnb.display import scatter_thumbnails

    path = str(sorted((clipnb.samples_dir() / "emoji" / "animals").glob("*.png"))[0])
    for caption, name in [("a woman standing far away among trees", "a woman standing far\naway among trees"),
                          ("white, playing card, cards", "white (playing card)")]:
        table = pd.DataFrame({"path": [path] * 3, "a": [0.0, 1.0, 0.5], "b": [1.0, 0.0, 0.4], "caption": [caption] * 3})
        ax = scatter_thumbnails(table, "a", "b", "bundled", n_thumbnails=3)
        assert name in {t.get_text() for t in ax.texts}
        plt.close("all")


def test_joined_pairs_number_both_ends_in_badges_that_touch_no_other_and_name_them_beside_the_plot():
    """01's PCA: names stacked on the map against each other; now numbers at the ends, names in a key off the map."""
    from clipnb.display import joined_pairs

    rng = np.random.default_rng(4)
    starts = rng.normal(scale=0.05, size=(8, 2))   # a knot of pairs, their lines nearly parallel
    ends = starts + [0.3, 0.3] + rng.normal(scale=0.02, size=(8, 2))
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.scatter(*rng.normal(scale=0.3, size=(200, 2)).T, s=5)
    badges = joined_pairs(ax, starts, ends, [f"caption {n}" for n in range(1, 9)])
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [b.get_bbox_patch().get_window_extent(renderer) for b in badges]
    assert sorted(b.get_text() for b in badges) == sorted([str(n) for n in range(1, 9)] * 2)
    assert not any(f.overlaps(g) for i, f in enumerate(boxes) for g in boxes[i + 1:])
    assert all(ax.bbox.contains(b.x0, b.y0) and ax.bbox.contains(b.x1, b.y1) for b in boxes)
    key = [t.get_text() for t in ax.texts if t.get_text().startswith("the pairs")][0]
    assert "1  caption 1" in key and "8  caption 8" in key   # names beside the plot, none on it
    plt.close(fig)


def test_a_verdict_table_shades_each_cell_by_its_mark_and_fills_the_empty_ones():
    import pandas as pd

    from clipnb.display import MARK_SHADES, verdict_table

    table = pd.DataFrame({"the claim": ['"a cat" <beats> "a dog"', "a delta"], "bundled": ["✔ beyond random weights", "✘"],
                          "untrained": ["≈ so do random weights", None]}, index=["E3", "E12a"])
    page = verdict_table(table).data
    assert page.count(MARK_SHADES["✔"]) == 1 and page.count(MARK_SHADES["✘"]) == 1 and page.count(MARK_SHADES["≈"]) == 1
    assert "&lt;beats&gt;" in page and "<beats>" not in page   # the text is escaped
    assert ">–</td>" in page   # an empty cell says so
    assert page.count("<tr>") == 3 and "<th" in page
    assert MARK_SHADES["≈"] not in verdict_table(table, plain=["untrained"]).data   # a column read without a test
