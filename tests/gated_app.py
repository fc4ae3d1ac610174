"""``app.py`` with a fake model that makes no vector until a file exists: a test starts
the app on a fresh index, sees it answer by keyword while the vectors wait, then opens the
gate (creates the file) and sees it switch to hybrid search without a restart.

With ``OPENING_GATE=FILE`` in the environment, the library itself does not open until that
file exists either: the page is up meanwhile and says it is opening.

python -m tests.gated_app GATE_FILE [app.py arguments]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import rag.engine
from tests.conftest import FakeEmbedder


class GatedModel(FakeEmbedder):
    """Passages wait for the gate; questions never do. 512 dimensions: enough for the
    calibration to trust it on the seed documents."""

    def __init__(self, gate: Path) -> None:
        super().__init__(dim=512)
        self.gate = gate

    def embed(self, texts, kind="passage"):
        while kind == "passage" and not self.gate.exists():
            time.sleep(0.1)
        return super().embed(texts, kind)


if __name__ == "__main__":
    gate = Path(sys.argv[1])
    rag.engine.load_embedder = lambda model: (GatedModel(gate), "")
    import app

    if os.environ.get("OPENING_GATE"):
        opening, opened = Path(os.environ["OPENING_GATE"]), app.Library

        def gated_library(*args, **kwargs):
            while not opening.exists():
                time.sleep(0.1)
            return opened(*args, **kwargs)

        app.Library = gated_library
    raise SystemExit(app.main(sys.argv[2:]))
