"""Exercises: every notebook ends with 2-3, each has a solution (run by nbval in notebooks/solutions/),
a wrong answer never crashes, and the hints answer the common mistakes."""
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

import clipnb
from clipnb.claims import FAILS, HOLDS
from clipnb.exercises import _EXERCISES, ANIMALS, SCALE_02, SIMILARITY_02, check

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CALL = re.compile(r'check\("(\d\d\.\d)"')


def _keys(path):
    return [k for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code" for k in CALL.findall(c.source)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_each_notebook_ends_with_exercises_that_have_solutions(path):
    cells = nbformat.read(path, as_version=4).cells
    keys = _keys(path)
    assert 2 <= len(keys) <= 3 and all(k.startswith(path.name[:2]) for k in keys) and set(keys) <= set(_EXERCISES)
    assert "exercise" in cells[-1].metadata.get("tags", [])  # they come last
    for cell in cells:  # the learner's cells start unanswered
        if CALL.search(cell.source):
            assert "answer = ..." in cell.source
    solution = ROOT / "notebooks" / "solutions" / path.name
    assert solution.exists() and sorted(set(_keys(solution))) == sorted(set(keys))
    assert "assert feedback.ok" in solution.read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_a_solution_asks_the_question_its_notebook_asks(path):
    """Each exercise's wording in the solutions notebook is the notebook's own, so an edit to one reaches the other."""
    def questions(notebook):
        return {m.group(1): c.source for c in nbformat.read(notebook, as_version=4).cells
                if c.cell_type == "markdown" and (m := re.match(r"\*\*Exercise (\d\d\.\d)\.\*\*", c.source))}

    asked = questions(path)
    assert asked and questions(ROOT / "notebooks" / "solutions" / path.name) == asked


def _contexts(model):
    verdicts = pd.DataFrame({"bundled": [HOLDS, HOLDS], "untrained": [HOLDS, FAILS]}, index=["E1", "E3"])
    return {"model": model, "verdicts": verdicts}


WRONG = [None, ..., "nonsense", 42, -1.5, [1, 2], np.zeros(3), {"a": 1}, float("nan"), "img:/no/such.png"]
YES_NO = set()  # exercises whose answer is True or False, so True cannot stand for a wrong one


@pytest.mark.parametrize("key", sorted(_EXERCISES))
def test_a_wrong_answer_never_crashes_and_says_what_is_wrong(key, model):
    for answer in WRONG + ([] if key in YES_NO else [True]):
        feedback = check(key, answer, **_contexts(model))
        assert feedback.ok is False, (key, answer, feedback)
        assert repr(feedback).startswith("→ Not yet: ") and len(feedback.message) > 20, (key, answer, feedback)
    assert "replace the ..." in check(key, ..., **_contexts(model)).message


def test_a_missing_context_or_key_is_named(model):
    assert "this check needs model=model" in check("00.1", 0.5).message
    assert "there is no exercise '00.9'" in check("00.9", 1).message


def test_the_hints_answer_the_common_mistakes(model):
    a, b = model.encode_text(["a cat", "a kitten"]).numpy()
    angle = np.degrees(np.arccos(a @ b))
    assert check("01.1", angle, model=model).ok
    assert "radians" in check("01.1", np.radians(angle), model=model).message
    assert "cosine" in check("01.1", a @ b, model=model).message

    logits = SCALE_02 * SIMILARITY_02
    one_way = float(np.mean([-np.log(np.exp(row[i]) / np.exp(row).sum()) for i, row in enumerate(logits)]))
    assert "one direction" in check("02.1", one_way).message
    assert "between 1 and 100" in check("02.2", 500).message

    man, hat = model.encode_text(["an image of a man", "a hat"]).numpy()
    raw = man - 0.5 * hat
    assert check("06.1", raw / np.linalg.norm(raw), model=model).ok
    assert "divide by its length" in check("06.1", raw, model=model).message
    assert "has 3 numbers" in check("06.1", [1, 2, 3], model=model).message

    photo = [clipnb.samples_dir() / "photos" / "chelsea.jpg"]
    cosines = (model.encode_image(photo).numpy() @ model.encode_text(ANIMALS).numpy().T)[0]
    probabilities = np.exp(model.logit_scale * cosines) / np.exp(model.logit_scale * cosines).sum()
    assert check("03.1", probabilities[0], model=model).ok
    assert "that is the cosine" in check("03.1", cosines[0], model=model).message
    assert "multiply the four cosines by model.logit_scale" in check(
        "03.1", np.exp(cosines[0]) / np.exp(cosines).sum(), model=model).message

    a, b = model.encode_text(["a cat", "a dog"]).numpy()   # exercise 09's pair
    assert "lerp" in check("09.1", (a + b) / 2, model=model).message
    assert "not on the sphere" in check("09.2", 1.0, model=model).message
    assert "sign is flipped" in check("04.1", -_person_gap(model), model=model).message
    assert "may not contain 'cat'" in check("06.2", "a black cat", model=model).message
    assert "answer one of the weights" in check("07.2", 0.7, model=model).message
    assert "at w = 3 the top 5 holds" in check("07.2", 3, model=model).message
    happy, sad = model.encode_text(["happy", "sad"]).numpy()  # 08.1's words
    c = 1 / np.linalg.norm(happy - sad)
    assert check("08.2", (True, c), model=model).ok
    assert "give the reason too" in check("08.2", True, model=model).message
    assert "does not turn the deltas" in check("08.2", (True, 1.0), model=model).message
    assert "compute both orders" in check("08.2", (False, c), model=model).message
    wins = sum(clipnb.claims.cat_beats_dog_and_monkey(clipnb.load_model("bundled:emoji"), [cat]).status == HOLDS
               for cat in clipnb.samples.cat_images())
    assert check("11.1", wins).ok
    assert "once per cat image" in check("11.1", (wins + 1) % 4).message
    verdicts = _contexts(model)["verdicts"]
    assert check("11.2", ["E3"], verdicts=verdicts).ok
    assert "1 are missing" in check("11.2", [], verdicts=verdicts).message
    assert "not claims of the table" in check("11.2", ["E99"], verdicts=verdicts).message


def _person_gap(model):
    groups = clipnb.samples.gender_groups()
    person = model.encode_text(["a person"]).numpy()[0]
    return float((model.encode_image(groups["man"]).numpy() @ person).mean()
                 - (model.encode_image(groups["woman"]).numpy() @ person).mean())


def test_a_template_exercise_on_random_weights_says_its_premise_does_not_hold():
    random_model = clipnb.load_model("random:bundled")
    feedback = check("03.2", "a picture of {}", model=random_model)
    assert feedback.ok and "moves only by chance" in feedback.message
    # a query without "cat" cannot find a cat by meaning on random weights: said, and the form still checked
    feedback = check("06.2", "a pet with whiskers", model=random_model)
    assert feedback.ok and "random weights" in feedback.message
    assert "may not contain 'cat'" in check("06.2", "a cat", model=random_model).message
    # 07.2's premise (some weight brings 4 dogs) does not hold either: 0 is the answer, with the counts shown
    feedback = check("07.2", 0, model=random_model)
    assert feedback.ok and "w = 3: 0" in feedback.message
