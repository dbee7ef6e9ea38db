"""Data acquisition: photoelectrons → digitized int16 waveforms (docs/waveforms.md).

>>> dig = Digitizer(load_geometry("csi-2021"), seed=1)
>>> wf = dig.render(pe_list)          # coincident windows, int16 (n, 13750) and a saturation flag
"""

from .noise import GAUSSIAN_TABLE_SAMPLES, NOISE_SEGMENT_SAMPLES, NoiseTable, noise_table
from .render import Digitizer, Waveforms, render_waveforms
from .spec import DigitizerSpec, digitizer_spec
from .ziggurat import standard_normals

__all__ = [
    "Digitizer", "DigitizerSpec", "GAUSSIAN_TABLE_SAMPLES", "NOISE_SEGMENT_SAMPLES", "NoiseTable", "Waveforms",
    "digitizer_spec", "noise_table", "render_waveforms", "standard_normals",
]
