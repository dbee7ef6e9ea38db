"""Event files are plain HDF5 that any HDF5 library reads: only standard filters (shuffle + deflate), data that
HDF5's own h5dump prints, and exact round trips of every kind of column, checked against the values themselves
and against independent decoders (h5py's and HDF5's pipelines, zlib, the shuffle's definition)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

import h5py
import numpy as np
import pytest

from simcoh.cli import main
from simcoh.io import Column, EventWriter, open_events
from simcoh.io import codec
from simcoh.io.codec import ChunkFilter, shuffle_bytes, unshuffle_bytes

ROOT = Path(__file__).resolve().parents[1]
H5DUMP = shutil.which("h5dump")
STANDARD = {1: "deflate", 2: "shuffle"}  # H5Z_FILTER_DEFLATE, H5Z_FILTER_SHUFFLE


def _datasets(f: h5py.File) -> dict[str, h5py.Dataset]:
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = obj  # (returning a value would stop the visit)

    f.visititems(visit)
    return out


def _filters(dataset: h5py.Dataset) -> list[int]:
    plist = dataset.id.get_create_plist()
    return [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory) -> Path:
    """The quick-start macro, 3,000 events, default settings."""
    path = tmp_path_factory.mktemp("quickstart") / "quickstart.h5"
    assert main(["run", str(ROOT / "macros/quickstart.mac"), "--output", str(path), "--set", "run/beamOn=3000",
                 "--no-progress"]) == 0
    return path


KINDS = [Column("t_ns", "float64", "ns", "time"), Column("n", "int32", "", "count"),
         Column("label", "int8", "", "label"), Column("u", "uint16", "", "unsigned"),
         Column("x", "float32", "cm", "position"), Column("id", "int64", "", "id"),
         Column("pe", "float32", "ns", "photoelectron times", jagged=True),
         Column("tag", "int16", "", "tags", jagged=True),
         Column("wf", "int16", "ADC", "window", shape=(3, 5)), Column("noise", "uint64", "", "random bits")]


def _kinds_events(first: int, n: int) -> dict:
    rng = np.random.default_rng(first + 1)
    counts = rng.integers(0, 6, n)
    return {"t_ns": np.arange(first, first + n) * 0.25, "n": counts.astype(np.int32),
            "label": rng.integers(-3, 3, n).astype(np.int8), "u": rng.integers(0, 2**16, n).astype(np.uint16),
            "x": rng.normal(0, 5, n).astype(np.float32), "id": np.arange(first, first + n, dtype=np.int64),
            "pe": [rng.exponential(600.0, k).astype(np.float32) for k in counts],
            "tag": [rng.integers(-9, 9, k).astype(np.int16) for k in counts],
            "wf": rng.integers(-500, 500, (n, 3, 5)).astype(np.int16),
            "noise": rng.integers(0, 2**63, n).astype(np.uint64)}  # incompressible: its chunks skip deflate


def _write_kinds(path: Path, splits: list[int], **options) -> dict:
    """Write events in appends of ``splits`` sizes; return what was written, concatenated per column."""
    written = {c.name: [] for c in KINDS}
    with EventWriter(path, KINDS, {}, chunk_events=16, threads=2, **options) as w:
        first = 0
        for n in splits:
            chunk = _kinds_events(first, n)
            w.append(chunk)
            for name, values in chunk.items():
                written[name] += list(values) if isinstance(values, list) else [values]
            first += n
        w.finish()
    out = {}
    for c in KINDS:
        if c.jagged:
            lists = written[c.name]
            out[c.name] = (np.cumsum([0] + [len(x) for x in lists]),
                           np.concatenate(lists + [np.empty(0, c.dtype)]).astype(c.dtype))
        else:
            out[c.name] = np.concatenate(written[c.name]) if written[c.name] else np.empty((0, *c.shape), c.dtype)
    return out


# --- the filter pipeline ------------------------------------------------------------------------------------

def test_every_dataset_of_a_default_file_uses_only_standard_filters(quickstart):
    with h5py.File(quickstart, "r") as f:
        datasets = _datasets(f)
        events = {name: d for name, d in datasets.items() if name.startswith("events/")}
        assert len(events) >= 8
        for name, d in datasets.items():
            assert set(_filters(d)) <= set(STANDARD), (name, _filters(d))  # nothing non-standard anywhere
        for name, d in events.items():
            assert _filters(d) == [2, 1], name  # shuffle, then deflate
            assert d.compression == "gzip" and d.shuffle and not d.fletcher32
            for k in range(d.id.get_num_chunks()):
                assert d.id.get_chunk_info(k).filter_mask in (0, 0b10), name  # at most deflate skipped


def test_every_dataset_of_a_file_with_every_kind_of_column_uses_shuffle_and_deflate(tmp_path):
    _write_kinds(tmp_path / "k.h5", [40, 7])
    with h5py.File(tmp_path / "k.h5", "r") as f:
        datasets = _datasets(f)
        assert {"events/pe/offsets", "events/pe/data", "events/wf", "events/noise"} <= set(datasets)
        for name, d in datasets.items():
            if name.startswith("events/"):
                assert _filters(d) == [2, 1], name
        masks = {f["events/noise"].id.get_chunk_info(k).filter_mask for k in range(2)}  # the full chunks
        assert masks == {0b10}  # random bits do not shrink: stored shuffled, deflate skipped (as HDF5 does)


# --- h5dump (HDF5's own tool, its own filter code) ----------------------------------------------------------

def _h5dump(path: Path, name: str, out: Path) -> str:
    """The data of one dataset as h5dump prints it (full precision, no indices), from its output file."""
    if H5DUMP is None:
        pytest.skip("h5dump (HDF5's command-line tools, e.g. the hdf5-tools package) is not installed")
    text_file = out / (name.replace("/", "_") + ".txt")
    done = subprocess.run([H5DUMP, "-d", f"/{name}", "-m", "%.17g", "-y", "-w", "0", "-o", str(text_file),
                           str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return text_file.read_text()


def _numbers(text: str) -> np.ndarray:
    tokens = [t for t in re.split(r"[,\s]+", text) if t]
    return np.array([float(t) if re.search(r"[.eEnN]", t) else int(t) for t in tokens], dtype=object)


def _assert_h5dump_prints(path: Path, tmp_path: Path) -> list[str]:
    checked = []
    with h5py.File(path, "r") as f:
        for name, d in _datasets(f).items():
            text = _h5dump(path, name, tmp_path)
            if h5py.check_string_dtype(d.dtype):
                assert text.strip() == '"' + d.asstr()[()] + '"', name
            else:
                values = d[()].reshape(-1)
                printed = _numbers(text)
                assert printed.size == values.size, (name, printed.size, values.size)
                np.testing.assert_array_equal(printed.astype(values.dtype), values, err_msg=name)
            checked.append(name)
    return checked


def test_h5dump_prints_every_dataset_of_the_quickstart_file(quickstart, tmp_path):
    checked = _assert_h5dump_prints(quickstart, tmp_path)
    assert len([n for n in checked if n.startswith("events/")]) == 8 and len(checked) >= 20  # and provenance


def test_h5dump_prints_jagged_fixed_shape_and_unfiltered_chunks(tmp_path):
    _write_kinds(tmp_path / "k.h5", [33, 0, 4])
    checked = _assert_h5dump_prints(tmp_path / "k.h5", tmp_path)
    assert len([n for n in checked if n.startswith("events/")]) == 12  # 8 flat/fixed-shape, 2 x (offsets, data)


# --- round trips ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("splits", [[0], [16], [17], [1, 15, 16, 3], [50, 1]], ids=str)
@pytest.mark.parametrize("options", [{}, {"compression_level": 0}, {"compression_level": 3},
                                     {"compression": "lzf"}, {"compression": None}], ids=str)
def test_round_trip_of_every_kind_read_with_plain_h5py(tmp_path, splits, options):
    """Chunks of 16 events: empty datasets, exactly one chunk, one more than a chunk, and tails. Read with h5py
    (which runs HDF5's own filters), not with simcoh's reader."""
    written = _write_kinds(tmp_path / "k.h5", splits, **options)
    with h5py.File(tmp_path / "k.h5", "r") as f:
        for c in KINDS:
            if c.jagged:
                offsets, data = written[c.name]
                np.testing.assert_array_equal(f[f"events/{c.name}/offsets"][()], offsets, err_msg=c.name)
                np.testing.assert_array_equal(f[f"events/{c.name}/data"][()], data, err_msg=c.name)
                assert f[f"events/{c.name}/data"].dtype == c.dtype
            else:
                got = f[f"events/{c.name}"][()]
                assert got.dtype == c.dtype and got.shape == (sum(splits), *c.shape), c.name
                np.testing.assert_array_equal(got, written[c.name], err_msg=c.name)
    with open_events(tmp_path / "k.h5") as events:  # and the checksums, computed before compression, match
        assert all(status == "OK" for _, status in events.verify())


def test_lzf_files_still_read(tmp_path):
    """LZF (h5py's filter 32000, simcoh's default before deflate) is still written on request and read."""
    written = _write_kinds(tmp_path / "lzf.h5", [20, 20], compression="lzf")
    with h5py.File(tmp_path / "lzf.h5", "r") as f:
        assert _filters(f["events/t_ns"]) == [2, 32000]
    with open_events(tmp_path / "lzf.h5") as events:
        np.testing.assert_array_equal(events.read_column("wf"), written["wf"])


# --- the filters against their definitions ---------------------------------------------------------------

def test_shuffle_follows_its_definition():
    """Byte j of element i goes to j*n + i (HDF5, H5Zshuffle.c), written out as loops."""
    values = np.array([0x0102030405060708, 0x1112131415161718, -1], dtype=np.int64)
    raw = values.view(np.uint8)
    n, size = values.size, values.itemsize
    expected = np.empty_like(raw)
    for i in range(n):
        for j in range(size):
            expected[j * n + i] = raw[i * size + j]
    np.testing.assert_array_equal(shuffle_bytes(raw, size), expected)
    np.testing.assert_array_equal(unshuffle_bytes(expected, size), raw)
    with pytest.raises(ValueError, match="whole number"):
        shuffle_bytes(raw[:7], size)


@pytest.mark.parametrize("dtype", ["int16", "float32", "float64", "uint64"])
def test_shuffle_matches_hdf5s_own_shuffle(tmp_path, dtype):
    """HDF5 shuffles a chunk itself (shuffle only, no compression); its stored bytes equal ours."""
    values = (np.random.default_rng(5).normal(0, 1000, 999)).astype(dtype)
    with h5py.File(tmp_path / "s.h5", "w") as f:
        d = f.create_dataset("x", data=values, chunks=values.shape, shuffle=True)
        _mask, stored = d.id.read_direct_chunk((0,))
    np.testing.assert_array_equal(np.frombuffer(stored, np.uint8), shuffle_bytes(values.view(np.uint8),
                                                                                  values.itemsize))


def test_deflate_chunks_are_zlib_streams():
    values = np.sort(np.random.default_rng(2).uniform(0, 15000, 5000))
    data, mask = ChunkFilter("deflate").encode(values)
    assert mask == 0
    np.testing.assert_array_equal(np.frombuffer(zlib.decompress(data), np.uint8),
                                  shuffle_bytes(values.view(np.uint8), 8))


def test_zlib_fallback_writes_the_same_events(tmp_path, monkeypatch):
    """Without isal the standard zlib deflates (level 0 raised to 1); the file reads back the same."""
    monkeypatch.setattr(codec, "_zlib", zlib)
    monkeypatch.setattr(codec, "DEFLATE_LIBRARY", "zlib")
    written = _write_kinds(tmp_path / "z.h5", [21, 30], compression_level=0)
    with h5py.File(tmp_path / "z.h5", "r") as f:
        np.testing.assert_array_equal(f["events/t_ns"][()], written["t_ns"])
        assert f["events/t_ns"].id.get_chunk_info(0).filter_mask == 0  # compressed, not stored
    assert len(codec.deflate(b"\0" * 1000, 0)) < 100  # compressed: zlib's level 0 would store 1000 bytes


def test_bad_compression_settings_are_clear_errors(tmp_path, capsys):
    with pytest.raises(ValueError, match="compression level must be one of 0, 1, 2, 3"):
        EventWriter(tmp_path / "a.h5", KINDS[:1], {}, compression_level=4)
    with pytest.raises(ValueError, match="compression 'zstd' is not supported"):
        EventWriter(tmp_path / "a.h5", KINDS[:1], {}, compression="zstd")
    assert not list(tmp_path.iterdir())
    macro = tmp_path / "m.mac"
    macro.write_text((ROOT / "macros/quickstart.mac").read_text() + "/output/compressionLevel 7\n")
    assert main(["check", str(macro)]) == 2  # an InputError, printed without a traceback
    err = capsys.readouterr().err
    assert "compression" in err and "7" in err and "Traceback" not in err


def test_info_names_the_filters(quickstart, capsys):
    assert main(["info", str(quickstart)]) == 0
    assert "compression:  shuffle + deflate (level 1)" in capsys.readouterr().out
