"""Caption labels by meaning: each label pinned on real-style captions, the traps included."""
import pytest

from clipnb import captions

# (caption, the labels it must have); every other label of LABELS it must not have
TABLE = [
    # winter: skiers count, water and jet skis, frosting and frosted glass do not
    ("two skiers on a snowy slope", {"winter"}),
    ("a man on skis going down a hill", {"winter", "men"}),
    ("a snowboarder in mid air", {"winter"}),
    ("a snowman without snow", {"winter"}),
    ("sledge, vehicle, transport, winter, transportation", {"winter"}),
    ("a frosted donut with sprinkles on a plate", set()),
    ("a chocolate cake with white frosting", set()),
    ("a jet ski on the lake", set()),
    ("slalom water skier, person, ski, people, sports, water", set()),
    ("a soft ice cream", set()),
    # men and women: a guy counts; a man page, the fat man bomb and the male sign do not
    ("a guy holding a frisbee in a park", {"men"}),
    ("two men playing tennis", {"men"}),
    ("a young boy eating a sandwich", {"men"}),
    ("gnome mime text troff man, computer, mime types", set()),
    ("fat man interior of atomic bomb, weapons, tools, weapon, atomic, nuclear", set()),
    ("a male sign", set()),
    ("a woman holding an umbrella", {"women"}),
    ("a woman and man holding hands", {"women", "men"}),
    ("two ladies sitting on a bench", {"women"}),
    ("a man teacher, medium-dark skin tone", {"men"}),
    # close-ups: faces and close-ups of people; a clock face, a rock face, a dog's face do not count
    ("a close-up of a man's face", {"close_ups", "men"}),
    ("a close up of a woman smiling", {"close_ups", "women", "happy"}),
    ("a man", {"close_ups", "men"}),
    ("a clock face on a tower", set()),
    ("a climber on a steep rock face", set()),
    ("a dog face", {"dogs"}),
    ("a person facepalming", set()),
    # forest: woods and forests, several trees, conifers; not one tree, a pineapple or a Christmas tree
    ("a trail through the forest", {"forest", "forest_scene", "trees"}),
    ("a bear walking in the woods", {"forest", "forest_scene", "trees"}),
    ("a person running in front of trees in the snow", {"forest", "winter", "trees"}),
    ("an evergreen tree", {"forest", "trees"}),
    ("a pineapple on a table", set()),
    ("a christmas tree", set()),
    ("a giraffe next to a tree", {"trees"}),
    ("a family tree drawn on paper", set()),
    ("a wooden table with a vase", set()),
    # happy and sad: grinning and crying count; grinding, joystick, happened, crystal, tears of joy (sad) do not
    ("a grinning face", {"happy", "close_ups"}),
    ("a face with tears of joy", {"happy", "close_ups"}),
    ("a man grinding coffee beans", {"men"}),
    ("a boy playing with a joystick", {"men"}),
    ("something happened to the car", {"cars"}),
    ("a crystal vase on a shelf", set()),
    ("a loudly crying face", {"sad", "close_ups"}),
    ("a sad but relieved face", {"sad", "close_ups"}),
    ("a little girl crying", {"sad", "women"}),
    ("an unhappy child", {"sad"}),
    # cats and dogs: house cats and dogs; big cats, hot dogs and catfish do not
    ("a cat sleeping on a laptop", {"cats"}),
    ("gatto nero, cat, animal, animals, mammal", {"cats"}),
    ("two kittens playing", {"cats"}),
    ("tiger, big cat, animal, animals, mammal, cat", {"big_cats"}),
    ("a leopard", {"big_cats"}),
    ("tigre", {"big_cats"}),
    ("a sea lion on a rock", set()),
    ("a catfish in a tank", set()),
    ("a hot dog with mustard", set()),
    ("a puppy chewing a shoe", {"dogs"}),
    # cars: cars, taxis and AIGA's ground-transportation sign; a bicycle, a cable car, a car park do not
    ("aiga ground transportation, map symbol, sign symbol, symbol", {"cars"}),
    ("a taxi waiting at the curb", {"cars"}),
    ("a red car parked on the street", {"cars"}),
    ("bicycle, transport, vehicles, transportation", set()),
    ("a cable car over the valley", set()),
    ("a car park full of bicycles", set()),
]


@pytest.mark.parametrize("caption, labels", TABLE, ids=[c for c, _ in TABLE])
def test_each_caption_gets_exactly_its_labels(caption, labels):
    found = {label for label in captions.LABELS if captions.matches(label, [caption])[0]}
    assert found == labels


def test_the_table_covers_every_label_both_ways():
    assert len(TABLE) >= 40
    for label in captions.LABELS:
        if label == "forest_scene":
            continue
        assert any(label in wanted for _, wanted in TABLE), f"no caption must match {label!r}"


def test_a_pattern_works_in_pandas_as_in_python():
    import pandas as pd

    texts = [c for c, _ in TABLE]
    for label, pattern in captions.PATTERNS.items():
        assert (pd.Series(texts).str.contains(pattern, case=False, regex=True).to_numpy()
                == captions.matches(label, texts)).all(), label


def test_an_unknown_label_says_which_there_are():
    with pytest.raises(KeyError, match="the labels are men, women"):
        captions.pattern("snowy")


def test_a_title_in_another_language_is_glossed_for_display_and_every_gloss_names_a_sample_title():
    """gloss adds English to a clip-art title in another language, where a learner meets it (grids, strips, labels);
    each entry of GLOSSES is a title the samples hold, so the list cannot drift from the data."""
    import pandas as pd

    import clipnb
    from clipnb.display import image_strip

    assert captions.gloss("abeille") == "abeille (French: a bee)"
    assert captions.gloss("gatto cat, animals, cat") == "gatto cat (Italian: a cat), animals, cat"
    assert captions.gloss("a cat") == "a cat" and captions.gloss("") == ""
    titles = set(pd.read_csv(clipnb.samples_dir() / "captions.csv")["caption"].str.split(",").str[0].str.strip().str.lower())
    assert set(captions.GLOSSES) <= titles, set(captions.GLOSSES) - titles
    assert all("," not in meaning for meaning in captions.GLOSSES.values())   # a display cuts a caption at its first comma
    bee = next(p for p in (clipnb.samples_dir() / "clipart").rglob("*.png") if "abeille" in p.name)
    assert "abeille (French: a bee)" in image_strip([bee], "bundled", captions=["abeille"]).data


def test_matched_words_say_which_words_made_the_label():
    assert captions.matched_words("cars", "aiga ground transportation, map symbol") == "ground transportation"
    assert captions.matched_words("cars", "a red Car parked") == "Car"
    assert captions.matched_words("cars", "a cable car") is None and captions.matched_words("cars", "a dog") is None
