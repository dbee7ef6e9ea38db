"""Data files shipped with simcoh; see PROVENANCE.md."""
