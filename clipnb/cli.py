"""The ``clipnb`` command: set up a workshop machine, open the notebooks, carry models offline.

    clipnb notebooks DIR            copy the notebooks into DIR (never over a learner's edits)
    clipnb lab [DIR]                copy them if needed, then open JupyterLab there
    clipnb doctor                   check this machine; every line is ok, warn or fail
    clipnb fetch-model SPEC         download a model's weights once (needs internet)
    clipnb pack-models DIR [SPEC…]  copy cached weights into DIR (a USB stick, a shared drive)
    clipnb unpack-models DIR        verify DIR's checksums and install its weights here, for offline use

Exit status: 0 on success, 1 when something failed (doctor: a check failed), 2 on a usage error.
Errors go to stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from clipnb.cache import NOTEBOOKS_DIR, file_sha256
from clipnb.errors import ClipnbError

DEFAULT_FOLDER = "clipnb-notebooks"


COPIED = ".clipnb-copied.json"  # in the learner's folder: the SHA-256 of each notebook as clipnb last wrote it


def copy_notebooks(folder: Path, force: bool = False, log=print) -> tuple[list[str], list[str]]:
    """Copy the notebooks (and their solutions) into ``folder``. Returns (copied, kept).

    A notebook that differs from what clipnb last wrote there is a learner's work: it is kept unless
    ``force``. One that is unchanged since clipnb wrote it is brought up to date (a newer clipnb).
    """
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file, not a folder: give a folder to copy the notebooks into")
    sources = sorted(NOTEBOOKS_DIR.glob("*.ipynb")) + sorted(NOTEBOOKS_DIR.glob("solutions/*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no notebooks in {NOTEBOOKS_DIR}: this clipnb install is incomplete; reinstall it")
    try:
        written = json.loads((folder / COPIED).read_text())
    except (OSError, ValueError):
        written = {}  # no record (or an unreadable one): only identical files count as ours
    copied, kept = [], []
    for source in sources:
        name = source.relative_to(NOTEBOOKS_DIR).as_posix()
        target = folder / name
        if target.exists():
            current = file_sha256(target)
            if current == file_sha256(source):
                written[name] = current
                continue
            if current != written.get(name) and not force:
                kept.append(name)
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written[name] = file_sha256(target)
        copied.append(name)
    (folder / COPIED).write_text(json.dumps(written, indent=1, sort_keys=True) + "\n")
    log(f"{len(copied)} notebook(s) copied to {folder}" + (f": {', '.join(copied)}" if len(copied) <= 3 else ""))
    if kept:
        log(f"kept {len(kept)} notebook(s) you changed: {', '.join(kept)} (clipnb notebooks {folder} --force "
            "replaces them with fresh copies)")
    return copied, kept


def _notebooks(args) -> int:
    copy_notebooks(Path(args.dir), force=args.force)
    return 0


def _lab(args, extra: list[str]) -> int:
    import importlib.util

    if importlib.util.find_spec("jupyterlab") is None:
        raise ModuleNotFoundError("JupyterLab is not installed in this environment: pip install \"clipnb[lab]\" "
                                  "(or pip install jupyterlab); or open the copied notebooks in VS Code or Colab")
    folder = Path(args.dir).expanduser()
    copy_notebooks(folder, force=False)
    command = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={folder}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and Colab-like VMs run as root
    command += extra
    print("starting:", " ".join(command), flush=True)
    return _run(command)


def _run(command: list[str]) -> int:
    """Run JupyterLab so that stopping `clipnb lab` stops it too.

    POSIX: the process *becomes* JupyterLab (exec), so SIGTERM, SIGINT and SIGHUP reach the server
    and nothing is left behind. Elsewhere (Windows has no exec): a child whose exit we wait for; the
    console's Ctrl-C reaches it directly, and a terminate is handed on.
    """
    import signal
    import subprocess

    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(command[0], command)
    child = subprocess.Popen(command)
    # Ctrl-C and Ctrl-Break reach every process of the console, JupyterLab included: this one waits for it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGBREAK"):
        signal.signal(signal.SIGBREAK, signal.SIG_IGN)

    def stop(_signum, _frame):  # a process manager's terminate: stop the server, then ourselves
        child.terminate()

    signal.signal(signal.SIGTERM, stop)
    return child.wait()


def _doctor(args) -> int:
    from clipnb.doctor import run_checks

    return 1 if run_checks(load_bundled=not args.skip_model) else 0


def _fetch(args) -> int:
    from clipnb.kit import fetch

    from clipnb.models import hf_cache_dir

    for path, digest in fetch(args.spec):
        print(f"{digest}  {path}")
    print(f"cached in {hf_cache_dir()}. To carry it to machines without internet: clipnb pack-models DIR {args.spec}")
    return 0


def _pack(args) -> int:
    from clipnb.kit import pack

    manifest = pack(Path(args.dir), args.specs)
    size = sum(f["size"] for f in manifest["files"]) / 1e6
    print(f"kit {args.dir}: {', '.join(sorted(manifest['models']))} ({len(manifest['files'])} files, {size:.0f} MB). "
          f"On each machine: clipnb unpack-models {args.dir}")
    return 0


def _unpack(args) -> int:
    from clipnb.kit import unpack
    from clipnb.models import hf_cache_dir

    specs = unpack(Path(args.dir))
    print(f"checked and installed in {hf_cache_dir()}; these load offline now: {', '.join(specs)}")
    print(f"e.g. CLIPNB_MODEL={specs[0]} clipnb lab" if specs else "the kit holds no models")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="clipnb", description="Notebooks that take you inside CLIP embeddings.",
                                  epilog="Run 'clipnb COMMAND --help' for a command's options.")
    top.add_argument("--version", action="version", version=f"clipnb {_version()}")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    cmd = commands.add_parser("notebooks", help="copy the notebooks into a folder you can write to",
                              description="Copy the notebooks into DIR. A notebook you changed is kept unless --force.")
    cmd.add_argument("dir", metavar="DIR", help="where to put them (created if missing)")
    cmd.add_argument("--force", action="store_true", help="replace notebooks you changed with fresh copies")
    cmd.set_defaults(handler=_notebooks)
    cmd = commands.add_parser("lab", help="copy the notebooks if needed and open JupyterLab there",
                              description="Copy the notebooks into DIR (changed ones are kept), then start JupyterLab "
                                          "there. Options after -- go to JupyterLab, e.g. clipnb lab -- --port 8890.")
    cmd.add_argument("dir", metavar="DIR", nargs="?", default=DEFAULT_FOLDER,
                     help=f"the notebooks' folder (default: ./{DEFAULT_FOLDER})")
    cmd.set_defaults(handler=_lab)
    cmd = commands.add_parser("doctor", help="check this machine is ready for the workshop",
                              description="Check Python, torch, open_clip, the device, the caches, the cached models, "
                                          "the hub and the bundled model. Exit status 1 if a check fails.")
    cmd.add_argument("--skip-model", action="store_true", help="do not load the bundled model (faster)")
    cmd.set_defaults(handler=_doctor)
    cmd = commands.add_parser("fetch-model", help="download a model's weights into the Hugging Face cache",
                              description="Download SPEC's weights once (needs internet) and load it to prove it works.")
    cmd.add_argument("spec", metavar="SPEC", help="NAME:TAG (e.g. MobileCLIP-S2:datacompdr) or hf-hub:org/repo")
    cmd.set_defaults(handler=_fetch)
    cmd = commands.add_parser("pack-models", help="copy cached weights into a folder to carry to other machines",
                              description="Copy the cached weights of SPECs (default: every cached open_clip model) "
                                          "into DIR, with a manifest of SHA-256 checksums.")
    cmd.add_argument("dir", metavar="DIR", help="the kit folder (a USB stick, a shared drive)")
    cmd.add_argument("specs", metavar="SPEC", nargs="*", help="models to pack (default: all cached)")
    cmd.set_defaults(handler=_pack)
    cmd = commands.add_parser("unpack-models", help="install a kit's weights here, checked, for offline use",
                              description="Verify every file in DIR against its checksum, then place the weights in "
                                          "the Hugging Face cache, where load_model(SPEC) finds them offline.")
    cmd.add_argument("dir", metavar="DIR", help="a folder made by clipnb pack-models")
    cmd.set_defaults(handler=_unpack)
    return top


def _version() -> str:
    from clipnb import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    if "--" in argv:  # clipnb lab DIR -- --port 8890: the rest is JupyterLab's
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    args = parser().parse_args(argv)
    try:
        if args.command == "lab":
            return _lab(args, extra)
        if extra:
            parser().error(f"'--' only passes options to JupyterLab, in clipnb lab; {args.command} got {extra}")
        return args.handler(args)
    except (ClipnbError, ImportError, OSError, ValueError, TypeError, RuntimeError, LookupError) as error:
        # clipnb's errors and the OS's name what went wrong and what to do; anything else is a bug: traceback
        print(f"clipnb {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
