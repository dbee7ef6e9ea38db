"""The package version and the exact code revision, in a module of its own so that any layer can read them
without importing the package's public interface (``simcoh/__init__.py``, which sits above every layer).

``__version__`` comes from setuptools-scm: building or installing simcoh (``pip install .``, a wheel, an sdist)
writes ``simcoh/_scm_version.py`` from the git history ([tool.setuptools_scm] in pyproject.toml), for example
``0.1.dev130+gbb31e92`` (a commit after the last tag) or ``0.1.dev130+gbb31e92.d20261129`` (uncommitted changes
on that day). Without that file (running from a source tree that was never built) it is ``FALLBACK_VERSION``.

:func:`code_revision` says which code runs: the git commit and whether the work tree has uncommitted changes,
read with ``git`` when the package runs from a git checkout (an editable install or ``PYTHONPATH``), else
parsed from the installed version string; ``None`` where neither is known (an sdist built without git).
"""

from __future__ import annotations

import functools
import os
import re
import subprocess

#: The version when setuptools-scm has not written one (a source tree never built, git unavailable at build).
FALLBACK_VERSION = "0.1.0"

try:
    from ._scm_version import version as __version__  # written by setuptools-scm at build time; not in git
except ImportError:
    __version__ = FALLBACK_VERSION

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=1)
def code_revision() -> dict:
    """``{"commit": 40-hex str | None, "dirty": bool | None, "source": "git" | "version" | "unknown"}``.

    ``dirty``: the checkout holds uncommitted changes to tracked files (``git status --porcelain
    --untracked-files=no``); untracked files such as output files do not count. Cached for the process."""
    checkout = os.path.dirname(_PACKAGE_DIR)
    if os.path.exists(os.path.join(checkout, ".git")):  # a directory, or a file in a git worktree
        revision = _from_git(checkout)
        if revision is not None:
            return revision
    match = re.search(r"\+g([0-9a-f]{7,40})(\.d\d{8})?", __version__)
    if match:
        return {"commit": match.group(1), "dirty": match.group(2) is not None, "source": "version"}
    return {"commit": None, "dirty": None, "source": "unknown"}


def _from_git(checkout: str) -> dict | None:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", checkout, *args], capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):  # no git program, not a repository, or git too slow
        return None
    return {"commit": commit, "dirty": dirty, "source": "git"}


def revision_text(revision: dict | None = None) -> str:
    """``bb31e92… (uncommitted changes)``-style text of a :func:`code_revision` record, for people."""
    revision = code_revision() if revision is None else revision
    commit = revision.get("commit")
    if not commit:
        return "git commit unknown (built without git)"
    dirty = revision.get("dirty")
    state = {True: "with uncommitted changes", False: "clean", None: "state unknown"}[dirty]
    return f"git {commit[:12]} ({state})"
