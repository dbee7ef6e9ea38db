"""Steady-state background (process "ss", code 3): beam-unrelated events (radioactivity, cosmics, afterglow
coincidences) that survive the cuts, uniform in time across the analysis window, defined directly in PE like the
released templates (``pe_template`` column; t_nr_kev NaN).

PE spectrum (option ``ss.spectrum``):
- ``parametric`` (csi-2021's default): f(x) ∝ (1 + a·exp(−x/λ)) / (1 + exp(−(x − x0)/w)) on 0 ≤ x < ``ss.pe_max``
  (250 PE): a flat component plus a low-energy excess, times a logistic threshold turn-on. a = 1.815,
  λ = 16.89 PE, x0 = 9.313 PE, w = 0.7218 PE are the unbinned maximum-likelihood fit (:func:`fit_shape`) to the
  4890 released beam-on anti-coincidence (AC) events of the CsI 2021 data (dataBeamOnAC.txt, arXiv:2110.07730v2
  ancillary files); it predicts 1278 of them in PE < 60 (1295 observed) and χ² = 20.1 for 30 2-PE bins there;
- ``ac-histogram``: the histogram of those AC events in 1-PE bins;
- ``table``: a two-column file (bin-centre PE, weight);
- ``released``: a released steady-state energy spectrum named by the detector's ``[background.ss] release``:
  ``cenns10-lar`` is the keVee projection of the CENNS-10 Analysis A ``bkgpdf.txt`` (10-keVee bins, 0–120 keVee,
  3152 events for 6.12 GWh, arXiv:2006.12659; simcoh.generate.lar_release), converted to PE with the
  detector's light yield. That release is exactly flat in time, which is what this generator does.

Normalisation: a rate per unit live time, ``ss.rate_hz`` (selected events over the spectrum's PE range per
second of open window). Live time = number of beam spills × window width, the spills from the exposure:
N_spill = E_beam · f_rep / P_beam (SNS nominal 60 Hz, 1.4 MW, PHYSICS.md §1), or given directly
(``ss.live_time_s``). The csi-2021 rate ([background.ss] in its geometry) comes from the AC sample: 4890 events
(0–250 PE, 0–6 µs) for 13.99 GWh, i.e. 13.99 GWh × 60 Hz / 1.4 MW = 2.158e9 spills × 6 µs = 12,951 s of live time, so
R = 4890 / 12,951 s = 0.3776 Hz; of these, 1295 are in PE < 60 (92.6 per GWh).

The released AC events already carry all selection efficiencies; apply none again to ss events. In time the AC
events fall by ~15 % across the 6-µs window (the time efficiency acts on them too), while this generator is flat:
mean time 3.00 µs vs 2.93 µs in the AC data (docs/backgrounds.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..declare import Group, Param, flatten, resolve
from ..limits import read_bounded_text
from ..errors import InputError
from ..rng import stage_key
from ..source.timing import inverse_cdf_table
from .detector_models import detector_options, per_detector, supports
from .process import BuildContext, Process, ProcessSpec
from .templates import (GWH_CSI_2021, PE_COLUMN, data_text, exposure_gwh, fill_pe_event, pe_per_kevee,
                        sample_pe_time)

SPECTRA = ("parametric", "ac-histogram", "table", "released")
TABLE_SIZE = 16385
GRID_PER_PE = 100  # integration/inversion grid of the parametric shape (0.01 PE)

SNS_BEAM_POWER_MW = 1.4  # nominal (PHYSICS.md §1)
SNS_REPETITION_HZ = 60.0
AC_WINDOW_US = 6.0  # released AC events: 0 <= t_rec < 6 µs
AC_PE_MAX = 250.0  # released AC events: PE < 250

_AC = "fit to the 4890 CsI 2021 beam-on AC events (dataBeamOnAC.txt, arXiv:2110.07730v2 ancillary files)"
_SNS = "SNS nominal beam (PHYSICS.md section 1)"


#: /process/ss/... options (keys ``ss.<field>`` in RunConfig.process_options, internal units in the names).
PARAMS = (
    Param("ss.spectrum", "/process/ss/spectrum", "choice",
          "PE spectrum of the steady-state background: the fit to the CsI 2021 AC events, their histogram, "
          "a table, or the detector's released spectrum ([background.ss] release; cenns10-lar: the released "
          "bkgpdf, arXiv:2006.12659).", default=None, choices=SPECTRA, label="ss spectrum", arg="SHAPE"),
    Group("/process/ss/shape", (
        Param("ss.excess", None, "float", "low-PE excess amplitude", default=None, min=0.0,
              label="ss low-PE excess a", arg="A", arg_help="low-PE excess amplitude",
              max=1e9, why="fitted amplitudes are of order 1"),
        Param("ss.slope_pe", None, "float", "excess slope in PE", default=None, min=0.0, min_open=True,
              label="ss slope lambda (PE)", arg="LAMBDA", arg_help="excess slope in PE",
              max=1e6, why="a PE scale; waveforms saturate far below 1e6 PE"),
        Param("ss.turn_on_pe", None, "float", "turn-on position in PE", default=None,
              label="ss turn-on position x0 (PE)", arg="X0", arg_help="turn-on position in PE",
              min=-1e6, max=1e6, why="a PE scale; waveforms saturate far below 1e6 PE"),
        Param("ss.turn_on_width_pe", None, "float", "turn-on width in PE", default=None, min=0.0, min_open=True,
              label="ss turn-on width w (PE)", arg="W", arg_help="turn-on width in PE",
              max=1e6, why="a PE scale; waveforms saturate far below 1e6 PE"),
    ), "Parameters of the parametric spectrum (1 + A exp(-x/LAMBDA)) / (1 + exp(-(x - X0)/W)).",
        initial="1.815 16.89 9.313 0.7218 (fit to the CsI 2021 AC events)"),
    Param("ss.pe_max", "/process/ss/peMax", "float",
          "Upper end of the parametric spectrum; the rate refers to 0 <= PE < X.", default=None, min=0.0,
          min_open=True, label="ss maximum PE", arg_help="PE", initial=f"{AC_PE_MAX:g} PE",
          max=1e6, why="a PE scale; waveforms saturate far below 1e6 PE"),
    Param("ss.table", "/process/ss/table", "path", "PE table for spectrum 'table' (relative to the macro's directory).",
          default=None, label="ss table", arg="PATH", arg_help="two columns: PE (bin centre), weight",
          example="ss-pe.txt"),
    Param("ss.rate_hz", "/process/ss/rate", "quantity",
          "Steady-state rate of selected events per second of open window (live time).", default=None,
          unit="Hz", example="0.3776 Hz", min=0.0, label="ss rate", arg="R",
          max=1e9, why="selected steady-state rates are below 1 Hz (CsI: 0.38 Hz); 1 GHz bounds the "
              "expected event count"),
    Group("/process/ss/window", (
        Param("ss.window_start_ns", None, "quantity", "", default=None, unit="ns", example="0 us",
              label="ss window start", arg="START",
              min=-1e9, max=1e9, why="SNS pulses come every 16.7 ms (60 Hz); times within 1 s "
                  "cover any time frame"),
        Param("ss.window_end_ns", None, "quantity", "", default=None, unit="ns", example="6 us",
              label="ss window end", arg="END",
              min=-1e9, max=1e9, why="SNS pulses come every 16.7 ms (60 Hz); times within 1 s "
                  "cover any time frame"),
    ), "Time window (source frame) in which steady-state events are uniform; its width enters the live time."),
    Param("ss.beam_power_mw", "/process/ss/beamPower", "quantity",
          "Beam power used to turn the exposure into beam spills (N = E_beam x f_rep / P).",
          default=SNS_BEAM_POWER_MW, unit="MW", example="1.4 MW", min=0.0, min_open=True, label="ss beam power",
          arg="P", source=_SNS,
          max=1e3, why="the SNS delivers 1.4-2.8 MW; 1 GW bounds any proton beam"),
    Param("ss.repetition_hz", "/process/ss/repetitionRate", "quantity",
          "Beam repetition rate used to turn the exposure into beam spills.", default=SNS_REPETITION_HZ, unit="Hz",
          example="60 Hz", min=0.0, min_open=True, label="ss repetition rate", arg="F", source=_SNS,
          max=1e6, why="the SNS pulses at 60 Hz"),
    Param("ss.live_time_s", "/process/ss/liveTime", "quantity",
          "Live time (open-window seconds) given directly instead of from the exposure.", default=None, unit="s",
          example="12951 s", min=0.0, label="ss live time", arg="T", initial="from the exposure",
          max=1e10, why="1e10 s is three centuries of running"),
)

#: Values that a detector's [background.ss] section holds have no default here: a run takes them from the
#: detector, the macro overrides them (per_detector, simcoh.generate.detector_models).
PARAMS = per_detector("ss", PARAMS)

#: Option key -> default, derived from PARAMS.
OPTIONS = {p.key: p.default for p in flatten(PARAMS)}


def shape_density(pe, excess: float, slope_pe: float, turn_on_pe: float, turn_on_width_pe: float) -> np.ndarray:
    """Unnormalised parametric SS density (1 + a e^{−x/λ}) / (1 + e^{−(x − x0)/w})."""
    pe = np.asarray(pe, float)
    return (1.0 + excess * np.exp(-pe / slope_pe)) / (1.0 + np.exp(-(pe - turn_on_pe) / turn_on_width_pe))


def _grid(pe_max: float) -> np.ndarray:
    return np.linspace(0.0, pe_max, int(round(pe_max * GRID_PER_PE)) + 1)


def parametric_table(params: tuple[float, float, float, float], pe_max: float) -> np.ndarray:
    """Inverse-CDF table of the parametric shape with ``params`` (a, λ, x0, w) (trapezoid CDF on a 0.01-PE grid,
    piecewise flat per cell)."""
    x = _grid(pe_max)
    f = shape_density(x, *params)
    return inverse_cdf_table(x, 0.5 * (f[1:] + f[:-1]) * np.diff(x), TABLE_SIZE)


def fraction_below(spectrum_table: np.ndarray, pe_cut: float) -> float:
    """Fraction of the spectrum below ``pe_cut`` from an inverse-CDF table (linear between nodes)."""
    u = np.linspace(0.0, 1.0, len(spectrum_table))
    return float(np.interp(pe_cut, spectrum_table, u))


def ac_events() -> np.ndarray:
    """The released CsI 2021 beam-on AC events as rows (PE, t_rec µs)."""
    rows = [line.split() for line in data_text("coherent_csi_2021", "dataBeamOnAC.txt").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    return np.array(rows, float)


def fit_shape(pe: np.ndarray, pe_max: float = AC_PE_MAX) -> tuple[float, float, float, float]:
    """Unbinned maximum-likelihood (a, λ, x0, w) of the parametric shape for events ``pe`` (all < pe_max)."""
    x = _grid(pe_max)

    def nll(p):
        params = (math.exp(p[0]), math.exp(p[1]), p[2], math.exp(p[3]))
        f = shape_density(x, *params)
        norm = float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(x)))
        return -float(np.sum(np.log(shape_density(pe, *params)))) + len(pe) * math.log(norm)

    res = optimize.minimize(nll, [0.0, math.log(20.0), 10.0, 0.0], method="Nelder-Mead",
                            options={"xatol": 1e-7, "fatol": 1e-7, "maxiter": 20000})
    return math.exp(res.x[0]), math.exp(res.x[1]), float(res.x[2]), math.exp(res.x[3])


def read_pe_table(path: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        data = np.loadtxt(read_bounded_text(path).splitlines(), comments="#", ndmin=2)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read steady-state PE table '{path}': {exc}") from None
    if data.shape[1] < 2 or len(data) < 2 or np.any(np.diff(data[:, 0]) <= 0) or np.any(data[:, 1] < 0) \
            or data[:, 1].sum() <= 0:
        raise InputError(f"steady-state PE table '{path}': expected two columns (PE increasing, weight >= 0, "
                         f"positive sum) with at least 2 rows")
    c = data[:, 0]
    edges = np.concatenate([[max(c[0] - 0.5 * (c[1] - c[0]), 0.0)], 0.5 * (c[1:] + c[:-1]),
                            [c[-1] + 0.5 * (c[-1] - c[-2])]])
    return edges, data[:, 1]


@dataclass(frozen=True)
class SteadySettings:
    spectrum: str
    excess: float
    slope_pe: float
    turn_on_pe: float
    turn_on_width_pe: float
    pe_max: float
    table: str | None
    rate_hz: float
    window_start_ns: float
    window_end_ns: float
    beam_power_mw: float
    repetition_hz: float
    live_time_s: float | None

    @classmethod
    def from_options(cls, options: dict) -> "SteadySettings":
        s = cls(**{k[len("ss."):]: v for k, v in resolve("ss", options, PARAMS).items()})
        if s.window_end_ns <= s.window_start_ns:
            raise InputError(f"ss window [{s.window_start_ns:g}, {s.window_end_ns:g}] ns is empty; the end must "
                             f"lie after the start")
        if s.spectrum == "table" and not s.table:
            raise InputError("ss spectrum 'table' needs a table file (/process/ss/table PATH: PE, weight)")
        return s

    @property
    def window_s(self) -> float:
        return (self.window_end_ns - self.window_start_ns) * 1e-9

    def live_time_per_gwh_s(self) -> float:
        """Open-window seconds per GWh of beam: spills per GWh (3.6e12 J · f_rep / P_beam) × window width."""
        return 3.6e12 * self.repetition_hz / (self.beam_power_mw * 1e6) * self.window_s

    def spectrum_table(self) -> np.ndarray:
        if self.spectrum == "parametric":
            return parametric_table((self.excess, self.slope_pe, self.turn_on_pe, self.turn_on_width_pe), self.pe_max)
        if self.spectrum == "ac-histogram":
            pe = ac_events()[:, 0]
            edges = np.arange(0.0, AC_PE_MAX + 1.0)
            return inverse_cdf_table(edges, np.histogram(pe, edges)[0].astype(float), TABLE_SIZE)
        if self.spectrum == "released":
            raise InputError("ss spectrum 'released' is built from the detector (its [background.ss] release and "
                             "light yield); use build_ss")
        return inverse_cdf_table(*read_pe_table(self.table), TABLE_SIZE)


class SteadyStateProcess(Process):
    """Beam-unrelated events: PE from the spectrum, time uniform in the window."""

    name = "ss"
    extra_columns = (PE_COLUMN,)
    #: the spectrum and rate come from selected anti-coincidence data, which carry every efficiency
    efficiencies_included = ("energy", "time")
    #: beam-unrelated events are mostly gamma and beta backgrounds: electron recoils
    recoil_type = "er"

    def __init__(self, ctx: BuildContext, settings: SteadySettings, pe_table: np.ndarray | None = None):
        self.settings = settings
        self._pe = settings.spectrum_table() if pe_table is None else pe_table
        self._t = np.array([settings.window_start_ns, settings.window_end_ns])
        if settings.live_time_s is not None:
            self.live_time_s = settings.live_time_s
        else:
            self.live_time_s = settings.live_time_per_gwh_s() * exposure_gwh(ctx.n_pot, ctx.source.proton_energy_mev)
        self._per_gwh = settings.rate_hz * settings.live_time_per_gwh_s()
        self._gwh_per_pot = exposure_gwh(1.0, ctx.source.proton_energy_mev)

    @property
    def relative_rate(self) -> float:
        """Expected events per POT (for mixing processes in runs without an exposure)."""
        return self._per_gwh * self._gwh_per_pot

    @property
    def expected(self) -> float:
        return self.settings.rate_hz * self.live_time_s

    def fraction_pe_below(self, pe_cut: float) -> float:
        return fraction_below(self._pe, pe_cut)

    def sample(self, seed: int, event_ids: np.ndarray, out: dict[str, np.ndarray]) -> None:
        fill_pe_event(out)
        sample_pe_time(stage_key(seed, "truth.ss"), event_ids, self._pe, self._t, 0.0,
                       out["pe_template"], out["t_ns"])


def default_rate_hz(detector) -> float:
    """The AC-derived rate of ``detector`` (csi-2021): released AC events / (13.99 GWh × live time per GWh of its
    window at the SNS beam defaults)."""
    s = _settings(detector, {})
    return len(ac_events()) / (GWH_CSI_2021 * s.live_time_per_gwh_s())


def released_table(release: str | None, detector) -> np.ndarray:
    """Inverse-CDF PE table of the released steady-state spectrum ``release`` for ``detector`` (keVee × its light
    yield); InputError if the detector names none or has no light yield."""
    name = getattr(detector, "name", None)
    if release != "cenns10-lar":
        raise InputError(f"ss spectrum 'released' needs the released spectrum of detector '{name}' "
                         f"([background.ss] release = \"cenns10-lar\"), and it names none; use spectrum "
                         f"'parametric' or 'table'")
    ly = pe_per_kevee(detector)
    if not ly:
        raise InputError(f"ss spectrum 'released' is given in keVee: detector '{name}' needs a [light] yield "
                         f"(PE/keVee) to turn it into PE")
    from .lar_release import ss_spectrum

    edges_kevee, counts, _ = ss_spectrum()
    return inverse_cdf_table(edges_kevee * ly, counts, TABLE_SIZE)


def _settings(detector, options: dict) -> SteadySettings:
    return SteadySettings.from_options({k: v for k, v in detector_options("ss", detector, options).items()
                                        if k not in ("ss.ac_data", "ss.release")})


def build_ss(ctx: BuildContext) -> Process:
    # the detector's [background.ss] model, macro options over it (InputError if the detector has none)
    options = detector_options("ss", ctx.detector, ctx.options)
    ac_data = options.pop("ss.ac_data", None)
    release = options.pop("ss.release", None)
    settings = SteadySettings.from_options(options)
    if settings.spectrum == "released":
        return SteadyStateProcess(ctx, settings, released_table(release, ctx.detector))
    if settings.spectrum == "ac-histogram" and ac_data != "csi-2021":
        raise InputError(f"ss spectrum 'ac-histogram' is the histogram of released anti-coincidence events, and "
                         f"detector '{getattr(ctx.detector, 'name', None)}' has none (background.ss.ac_data); use "
                         f"spectrum 'parametric' or 'table'")
    return SteadyStateProcess(ctx, settings)


PROCESS = ProcessSpec("ss", 3, "steady-state background, beam-unrelated", build_ss, PARAMS, supports("ss"),
                      settings=_settings)
