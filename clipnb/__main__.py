"""``python -m clipnb …`` is the ``clipnb`` command (for when the script is not on PATH, e.g. on Windows)."""
import sys

from clipnb.cli import main

sys.exit(main())
