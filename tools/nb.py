"""Tiny helper to write notebooks from a list of cells: ("md", text) or ("code", source).

Used while authoring; the committed .ipynb files are the source of truth.
"""
import sys

import nbformat


def write(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    nb.cells = [nbformat.v4.new_markdown_cell(src.strip()) if kind == "md" else nbformat.v4.new_code_cell(src.strip())
                for kind, src in cells]
    nbformat.write(nb, path)
    print("wrote", path, file=sys.stderr)
    import subprocess

    subprocess.run([sys.executable, "-m", "nbstripout", str(path)], check=True)
