"""The tutorial notebooks (docs/tutorials/*.ipynb) run from top to bottom without error.

They run once, through nbmake, in a separate pytest process (so a notebook's kernel and its failures stay out of
this process); the failing cell and its traceback are shown in the assertion message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "docs" / "tutorials"
#: Limit per notebook [s]; each takes about 6 s of CPU (10-20 s on the shared 2-core development machine).
NOTEBOOK_TIMEOUT_S = 300


def test_tutorial_notebooks_run():
    pytest.importorskip("nbmake", reason="install the notebooks extra: pip install '.[notebooks]'")
    notebooks = sorted(TUTORIALS.glob("*.ipynb"))
    assert notebooks, f"no notebooks in {TUTORIALS}"
    env = dict(os.environ, MPLBACKEND="Agg",  # the kernels import this checkout's simcoh, as the tests do
               PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbmake", f"--nbmake-timeout={NOTEBOOK_TIMEOUT_S}", "-p",
         "no:cacheprovider", "-q", "--no-header", *[str(p.relative_to(ROOT)) for p in notebooks]],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=NOTEBOOK_TIMEOUT_S * len(notebooks) + 120)
    report = (proc.stdout + proc.stderr)[-8000:]
    assert proc.returncode == 0, f"tutorial notebooks failed (python -m pytest --nbmake docs/tutorials):\n{report}"
    assert f"{len(notebooks)} passed" in proc.stdout, report


def test_tutorial_notebooks_are_committed_without_outputs():
    # outputs (images) make every rerun a large diff; docs/tutorials/README.md asks for cleared notebooks
    for path in sorted(TUTORIALS.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        dirty = [i for i, c in enumerate(cells) if c["cell_type"] == "code" and (c.get("outputs") or
                                                                                c.get("execution_count"))]
        assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"
