"""The sentence checks of tests/notebook_sentences.py: each check names exactly one cell of its notebook, and the
reading of facts and outputs finds what is wrong. (The checks themselves run inside nbval's execution of the notebooks.)"""
from pathlib import Path

import nbformat
import pytest

from tests.notebook_sentences import CHECKS, NOTEBOOKS, Said, absolute_paths, mismatches


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_each_check_names_exactly_one_cell_of_its_notebook(name):
    cells = [c.source for c in nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4).cells if c.cell_type == "code"]
    for check in CHECKS[name]:
        found = sum(check.source in source for source in cells)
        assert found == 1, f"{name}: {found} cells contain {check.source!r}; the check needs exactly one"


def test_every_notebook_has_its_checks():
    assert sorted(CHECKS) == sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def test_mismatches_reads_each_kind_of_fact():
    text = 'The search works here: 7 of the top 12 are cats\n2 clusters are all named\n2 clusters are all named'
    assert mismatches([Said("works here", "x"), Said(r"(\d+) of the top 12", "x"), Said("fails here", "x"),
                       Said("clusters are all named", "x", count=True)], [True, 7, None, 2], text) == []
    wrong = mismatches([Said("works here", "x"), Said(r"(\d+) of the top 12", "x"), Said("fails", "x"),
                        Said("clusters are all named", "x", count=True), Said("y", "1/0")],
                       [False, 6, True, 1, {"error": "ZeroDivisionError"}], text)
    assert len(wrong) == 5 and "printed '7'" in wrong[1] and "printed 2 times" in wrong[3]


def test_absolute_paths_are_found_in_text_and_html():
    cell = {"outputs": [{"output_type": "stream", "text": f"read {Path.home()}/x/cat.png"},
                        {"output_type": "display_data", "data": {"text/html": "<img title='cat.png'>"}}]}
    assert len(absolute_paths(cell)) == 1 and "cat.png" in absolute_paths(cell)[0]


def test_the_cache_a_user_set_may_be_shown(monkeypatch, tmp_path):
    cell = {"outputs": [{"output_type": "stream", "text": f"cache: {tmp_path}/cache/corpora\nread {tmp_path}/cat.png"}]}
    monkeypatch.setenv("CLIPNB_CACHE", str(tmp_path / "cache"))
    hits = absolute_paths(cell)
    assert len(hits) == 1 and "read /" in hits[0], hits   # the image, not the cache


def test_nbval_runs_the_checks_and_fails_the_cell_whose_sentence_lies(pytester, monkeypatch, tmp_path):
    """The plugin on a real nbval run of a small notebook: a true sentence passes, a false one fails its cell and
    says which, a folder of this machine in an output fails, and the executed notebook is kept with its outputs, in
    the order they were shown."""
    import tests.notebook_sentences as plugin

    folder = pytester.path / "notebooks"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("n = 3\nprint(f'{n} cats found')"),
        nbformat.v4.new_code_cell("print('The search works here')"),
        nbformat.v4.new_code_cell("import tempfile\nprint(tempfile.gettempdir() + '/cat.png')"),
        nbformat.v4.new_code_cell("from IPython.display import HTML, display\nprint('above')\ndisplay(HTML('<b>a table</b>'))\n"
                                  "print('below')"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(notebook, folder / "demo.ipynb")
    monkeypatch.setattr(plugin, "NOTEBOOKS", folder)
    monkeypatch.setitem(plugin.CHECKS, "demo", [
        plugin.Cell("n = 3", said=[Said(r"(\d+) cats found", "n")]),
        plugin.Cell("The search works", setup="_cats = n", said=[Said("The search works here", "_cats >= 6")]),
    ])
    monkeypatch.setenv("CLIPNB_EXECUTED_DIR", str(tmp_path / "executed"))
    import nbval.plugin

    merge = nbval.plugin.coalesce_streams   # nbval's own, unless this session keeps its notebooks too
    result = pytester.runpytest_inprocess("-p", "tests.notebook_sentences", "--nbval-lax", "-p", "no:cacheprovider",
                                          str(folder / "demo.ipynb"))
    result.assert_outcomes(passed=2, failed=2)
    report = result.stdout.str()
    assert "'The search works here' printed, but _cats >= 6 is False" in report
    assert "an absolute path in its output" in report and "cat.png" in report
    kept = nbformat.read(tmp_path / "executed" / "demo.ipynb", as_version=4)
    assert [o["text"] for o in kept.cells[0].outputs] == ["3 cats found\n"]
    # in the order Jupyter shows them (nbval alone would move 'below' up into 'above')
    assert [o.get("text") or o["data"]["text/html"] for o in kept.cells[3].outputs] == ["above\n", "<b>a table</b>", "below\n"]
    assert nbval.plugin.coalesce_streams is merge, "the merge nbval had is restored after the run"
