# the notebooks' computed sentences are checked inside nbval's run of each notebook: tests/notebook_sentences.py;
# pytester: tests/test_notebook_sentences.py runs nbval on a small notebook of its own
pytest_plugins = ["tests.notebook_sentences", "pytester"]
