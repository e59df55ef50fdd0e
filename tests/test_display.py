"""The plots say what their marks mean."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
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


def test_thumbnail_map_keeps_grey_for_noise_and_its_key_off_the_map():
    import numpy as np

    import clipnb
    from clipnb.display import thumbnail_map

    paths = sorted((clipnb.samples_dir() / "emoji").rglob("*.png"))[:12]
    labels = np.array([-1, *range(11)])  # noise and eleven clusters: more than the palette's colours
    ax = thumbnail_map(np.random.default_rng(0).normal(size=(12, 2)), paths, "bundled", colors=labels,
                       legend={c: f"group {c}" for c in range(11)})
    point_colours = [tuple(c) for c in ax.collections[0].get_facecolors()]
    assert point_colours[0] == (0.6, 0.6, 0.6, 1)
    assert all(c[:3] != (0.6, 0.6, 0.6) and len(set(c[:3])) > 1 for c in point_colours[1:])  # no cluster is grey
    legend = ax.get_legend()
    assert legend.get_texts()[0].get_text() == "0: group 0" and legend.get_bbox_to_anchor().x0 > ax.bbox.x1 - 1
    plt.close("all")
