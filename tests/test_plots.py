"""Plots a physicist would show: residual points beyond a panel get an edge marker, legends sit outside the
data area, statistical bands span ±σ, the efficiency residual panels show toy − published, files are written
atomically. Checked on the matplotlib objects against hand numbers."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="install the plots extra: pip install '.[plots]'")

from simcoh.efficiency.plots import RESIDUAL_RANGE, efficiency_figures, plot_efficiency  # noqa: E402
from simcoh.efficiency.study import EfficiencyResult  # noqa: E402
from validation.plotting import (legend_beside, mark_offscale, pull_bars, pyplot, residual_points,  # noqa: E402
                                 save_figure, stat_band)

plt = pyplot()


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def _markers(ax, marker):
    """x positions of the points drawn with ``marker`` (off-scale triangles: ^ above, v below)."""
    return sorted(float(x) for line in ax.lines if line.get_marker() == marker for x in line.get_xdata())


def test_residual_points_mark_what_is_off_the_panel(ax):
    residual_points(ax, [1, 2, 3, 4, 5], [-0.9, 0.0, 0.3, 2.0, np.nan], [0.1] * 5, -0.5, 0.5)
    assert ax.get_ylim() == (-0.5, 0.5)
    assert _markers(ax, "^") == [4.0] and _markers(ax, "v") == [1.0]
    drawn = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(drawn) == 1 and list(drawn[0].get_xdata()) == [2.0, 3.0]  # in range; the NaN is not drawn
    assert mark_offscale(ax, [1, 2], [0.0, 0.4], -0.5, 0.5) == 0


def test_pull_bars_clip_at_the_panel_edge(ax):
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    pull_bars(ax, edges, [0.5, -5.0, 4.0], lim=3.5)
    heights = [p.get_height() for p in ax.patches if p.get_width() == pytest.approx(0.85)]
    assert heights == pytest.approx([0.5, -3.5, 3.5])
    assert _markers(ax, "^") == [2.5] and _markers(ax, "v") == [1.5]


def test_legend_beside_is_outside_the_axes(ax):
    ax.plot([0, 1], [0, 1], label="a long label that would cover the data")
    leg = legend_beside(ax)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    assert leg.get_window_extent(renderer).x0 >= ax.get_window_extent(renderer).x1


def test_stat_band_spans_plus_minus_sigma(ax):
    edges, centre, err = np.array([0.0, 1.0, 2.0]), np.array([10.0, 20.0]), np.array([1.0, 3.0])
    band = stat_band(ax, edges, centre, err)
    np.testing.assert_allclose(band.get_data().values, [11.0, 23.0])
    np.testing.assert_allclose(band.get_data().baseline, [9.0, 17.0])
    assert band.get_facecolor()[3] > 0 and band.get_hatch()  # visible: translucent fill and hatching


def test_save_figure_leaves_only_the_file(tmp_path, ax):
    path = save_figure(ax.figure, tmp_path / "p.png")
    assert [p.name for p in tmp_path.iterdir()] == ["p.png"] and path.read_bytes()[:4] == b"\x89PNG"


def _result():
    # toy − published: energy +0.01, +0.25 (off the panel), −0.02; time −0.15 (off the panel), +0.02
    return EfficiencyResult(
        pe_points=np.array([5.0, 10.0, 40.0]), pe_rec_mean=np.array([5.5, 10.5, 39.0]),
        eff_pe=np.array([0.06, 0.70, 0.96]), eff_pe_lo=np.array([0.05, 0.67, 0.95]),
        eff_pe_hi=np.array([0.07, 0.73, 0.97]), expected_pe=np.array([0.05, 0.45, 0.98]),
        chi2_pe=np.zeros(3), t_points_ns=np.array([1000.0, 4000.0]), eff_t=np.array([0.82, 0.86]),
        eff_t_lo=np.array([0.80, 0.84]), eff_t_hi=np.array([0.84, 0.88]), expected_t=np.array([0.97, 0.84]),
        chi2_t=np.zeros(2), reference_eff=0.98, n_per_point=300)


def test_efficiency_residual_panels():
    from simcoh.detector import load_geometry

    figs = efficiency_figures(_result(), load_geometry("csi-2021"))
    try:
        # each panel's band is its verdict tolerance: 0.03 for eps_E, 0.01 for eps_T (simcoh.efficiency.targets)
        for key, x_in, y_in, x_off, marker, half in (("plot_pe", [5.5, 39.0], [0.01, -0.02], 10.5, "^", 0.03),
                                                      ("plot_time", [4.0], [0.02], 1.0, "v", 0.01)):
            axr = figs[key].axes[1]
            assert axr.get_ylim() == pytest.approx(RESIDUAL_RANGE)
            points = [line for line in axr.lines if line.get_marker() == "o"]
            assert len(points) == 1
            np.testing.assert_allclose(points[0].get_xdata(), x_in)
            np.testing.assert_allclose(points[0].get_ydata(), y_in, atol=1e-12)
            assert _markers(axr, marker) == [x_off]
            band = [p for p in axr.patches if p.get_label().startswith("±")]
            ys = band[0].get_path().transformed(band[0].get_patch_transform()).vertices[:, 1]
            assert (ys.min(), ys.max()) == pytest.approx((-half, half))
            assert "[" in axr.get_xlabel()  # a unit
    finally:
        for fig in figs.values():
            plt.close(fig)


def test_plot_efficiency_writes_both_files(tmp_path):
    from simcoh.detector import load_geometry

    paths = plot_efficiency(_result(), load_geometry("csi-2021"), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["efficiency_pe.png", "efficiency_time.png"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in paths.values())
