"""simcoh.fit.output: JSON results and other files written atomically, never over a finished file."""

import json

import numpy as np
import pytest

from simcoh.errors import InputError, OutputExistsError
from simcoh.fit.output import atomic_path, write_json
from simcoh.fit.results import write_json_atomic


def test_write_json_converts_numpy_and_refuses_to_overwrite(tmp_path):
    path = write_json(tmp_path / "r.json", {"a": np.arange(3), "b": np.float64(0.5), 1: (np.int64(2),)})
    assert json.loads(path.read_text()) == {"1": [2], "a": [0, 1, 2], "b": 0.5}
    with pytest.raises(OutputExistsError, match="--overwrite"):
        write_json(path, {"a": 1})
    write_json(path, {"a": 1}, overwrite=True)
    assert json.loads(path.read_text()) == {"a": 1}
    with pytest.raises(InputError, match="does not exist"):
        write_json(tmp_path / "missing" / "r.json", {})
    assert write_json_atomic(tmp_path / "new" / "r.json", {"z": 1, "a": 2}).read_text().index('"z"') < 10


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("old")
    with pytest.raises(TypeError):
        write_json(path, {"x": object()}, overwrite=True)  # not JSON-serialisable
    assert path.read_text() == "old"
    with pytest.raises(RuntimeError), atomic_path(path) as temp:
        temp.write_text("half")
        raise RuntimeError("interrupted")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]
