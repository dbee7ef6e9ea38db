"""simcoh validation against published COHERENT results.

``python -m validation [--fast]`` (from a clone of the repository) runs every case in ``cases/`` with simcoh and
writes ``report.md`` and ``plots/*.png`` here. The published reference values are in ``published.py`` (each with
its source) and the released data in ``reference/`` (provenance in ``reference/SOURCES.md``).
"""
