"""The keyword index of a fresh clone, built in another process while the app loads.

The app's first start has two jobs of seconds each on two cores: importing the UI
library and building the keyword index. One process does them one after the other (a
thread would not help: both hold the interpreter); here the build runs in a child
process, ``rag index --mode lexical``, started before the UI library is imported.

Only an index folder with no build at all is built ahead: an existing build, stale or
not, is the app's to open, since it keeps the vectors a rebuild can reuse.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence

from rag.settings import Settings
from rag.store import current_build


def keywords_ahead(argv: Sequence[str]) -> subprocess.Popen | None:
    """Start building the keyword index for the app's arguments ``argv`` when its index
    folder has no build yet; None when there is nothing to build ahead (a build exists,
    a Milvus store, the flags do not parse). Whatever goes wrong here is left for the
    app to find and report when it opens the library."""
    from rag.cli import library_flags

    # Silent: flags that do not parse are the app's to report, once.
    p = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    library_flags(p)
    try:
        args, _ = p.parse_known_args(list(argv))
        settings = Settings.from_env(
            args.seeds, args.index, args.model, args.mode, store=args.store
        )
    except (SystemExit, Exception):
        return None
    if settings.milvus or current_build(settings.index) is not None:
        return None
    command = [sys.executable, "-m", "rag", "index", "--mode", "lexical"]
    command += ["--seeds", str(settings.seeds), "--index", str(settings.index)]
    return subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait(child: subprocess.Popen | None, timeout: float = 300.0) -> None:
    """Let a build started ahead finish (the library then opens it, or finds and reports
    what went wrong)."""
    if child is None:
        return
    try:
        child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
