"""The chunk filters applied outside HDF5 (simcoh.io.codec, simcoh.io.chunk_stream): every encoded chunk must
decode, through HDF5's and h5py's own filters, to exactly the data, and the writer must store the same numbers
however the events are split into appends."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from simcoh.io import Column, EventWriter, open_events
from simcoh.io.codec import ChunkFilter


def _samples(rng):
    n = 4096
    yield "zeros", np.zeros(n, np.float64)
    yield "ramp", np.arange(n, dtype=np.int64)
    yield "random bytes", rng.integers(0, 256, 8 * n, dtype=np.uint8)  # incompressible: stored unfiltered
    yield "random floats", rng.normal(size=n)
    yield "times", np.sort(rng.uniform(0, 15000, n)).astype(np.float32)
    yield "int8 labels", rng.integers(0, 3, n, dtype=np.int8)
    yield "three bytes", np.array([1, 2, 3], np.uint8)
    yield "one element", np.array([2.5])


@pytest.mark.parametrize("compression, level", [("deflate", 0), ("deflate", 1), ("deflate", 3), (None, 1)])
def test_encoded_chunks_decode_through_hdf5(tmp_path, compression, level):
    rng = np.random.default_rng(7)
    chunk_filter = ChunkFilter(compression, level)
    with h5py.File(tmp_path / "c.h5", "w") as f:
        for name, values in _samples(rng):
            d = f.create_dataset(name, shape=values.shape, dtype=values.dtype, chunks=values.shape,
                                 **chunk_filter.dataset_options())
            data, mask = chunk_filter.encode(values)
            d.id.write_direct_chunk((0,), data, mask)
    with h5py.File(tmp_path / "c.h5", "r") as f:
        for name, values in _samples(np.random.default_rng(7)):
            np.testing.assert_array_equal(f[name][:], values, err_msg=name)
            info = f[name].id.get_chunk_info(0)
            if compression is not None and name in ("zeros", "ramp"):
                assert info.size < values.nbytes / 4 and info.filter_mask == 0, name
            if compression is not None and name == "random bytes":
                assert info.filter_mask == 0b10 and info.size == values.nbytes  # deflate (2nd filter) skipped


def test_lzf_is_left_to_hdf5():
    chunk_filter = ChunkFilter("lzf")
    assert not chunk_filter.direct and chunk_filter.dataset_options() == dict(compression="lzf", shuffle=True)
    with pytest.raises(ValueError, match="filtered by HDF5"):
        chunk_filter.encode(np.zeros(4))


def test_compression_ratio_is_close_to_zlibs(tmp_path):
    """ISA-L's level 1 against HDF5's own deflate (zlib) at level 1 on shuffled, sorted times: within 10 %."""
    rng = np.random.default_rng(3)
    values = np.sort(rng.uniform(0, 15000, 65536 * 4))
    with h5py.File(tmp_path / "r.h5", "w") as f:
        own = f.create_dataset("own", data=values, chunks=(65536,), compression="gzip", compression_opts=1,
                               shuffle=True)
        ours = f.create_dataset("ours", shape=values.shape, dtype=values.dtype, chunks=(65536,),
                                compression="gzip", shuffle=True)
        chunk_filter = ChunkFilter("deflate", 1)
        for k in range(4):
            ours.id.write_direct_chunk((k * 65536,), *chunk_filter.encode(values[k * 65536:(k + 1) * 65536]))
        sizes = [sum(d.id.get_chunk_info(k).size for k in range(4)) for d in (own, ours)]
        np.testing.assert_array_equal(ours[:], values)
    assert sizes[1] < values.nbytes * 0.9
    assert abs(sizes[1] / sizes[0] - 1) < 0.10


COLUMNS = [Column("t_ns", "float64", "ns", "time"), Column("n", "int32", "", "count"),
           Column("pe", "float32", "ns", "photoelectron times", jagged=True),
           Column("wf", "int16", "ADC", "window", shape=(3, 5))]


def _events(first, n):
    rng = np.random.default_rng(first)
    counts = rng.integers(0, 7, n)
    return {"t_ns": np.arange(first, first + n) * 0.5, "n": counts.astype(np.int32),
            "pe": [rng.uniform(0, 100, k).astype(np.float32) for k in counts],
            "wf": rng.integers(-5, 5, (n, 3, 5)).astype(np.int16)}


@pytest.mark.parametrize("compression", ["deflate", "lzf", None])
@pytest.mark.parametrize("splits", [[1000], [1, 99, 400, 500], [37] * 27 + [1]])
def test_writer_stores_the_same_events_however_they_are_split(tmp_path, compression, splits):
    """Small HDF5 chunks (16 events) so appends start and end inside chunks; checked against the events
    themselves, not against another file written by this code."""
    path = tmp_path / "e.h5"
    with EventWriter(path, COLUMNS, {}, compression=compression, chunk_events=16, threads=3) as w:
        first = 0
        for n in splits:
            w.append(_events(first, n))
            first += n
        w.finish()
    with open_events(path) as f:
        first = 0
        for n in splits:
            expected = _events(first, n)
            np.testing.assert_array_equal(f.read_column("t_ns", first, first + n), expected["t_ns"])
            np.testing.assert_array_equal(f.read_column("n", first, first + n), expected["n"])
            np.testing.assert_array_equal(f.read_column("wf", first, first + n), expected["wf"])
            got = f.read_column("pe", first, first + n)
            assert [len(x) for x in got] == [len(x) for x in expected["pe"]]
            np.testing.assert_array_equal(np.concatenate([np.asarray(x) for x in got] + [np.empty(0, np.float32)]),
                                          np.concatenate(expected["pe"] + [np.empty(0, np.float32)]))
            first += n
