"""Statistical analysis of simcoh templates: fits, limits, sensitivity studies."""
