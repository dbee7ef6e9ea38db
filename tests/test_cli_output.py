"""What the command line shows: -q/-v through the simcoh logger, the numba compilation notice, whole help
descriptions, a closed standard output, errors that name the option, a byte-order mark in a macro."""

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import numba
import pytest

from simcoh import progress
from simcoh.cli import main
from simcoh.macro import load_macro
from simcoh.macro.registry import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "macros" / "quickstart.mac"
SMALL = ("--set", "run/beamOn=200")


def test_quiet_shows_nothing_but_the_file_is_written(tmp_path, capsys):
    out = tmp_path / "q.h5"
    assert main(["run", str(QUICKSTART), "--output", str(out), *SMALL, "-q"]) == 0
    captured = capsys.readouterr()
    assert out.is_file()
    assert captured.out == "" and captured.err == ""  # no report, no start line, no progress bar


def test_default_and_verbose_levels(tmp_path, capsys):
    assert main(["run", str(QUICKSTART), "--output", str(tmp_path / "a.h5"), *SMALL, "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "csi-2021, 200 events" in captured.err and "DEBUG" not in captured.err
    assert "wrote 200 events" in captured.out
    # -v before the command name works as well as after it
    assert main(["-v", "run", str(QUICKSTART), "--output", str(tmp_path / "b.h5"), *SMALL, "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "INFO: simcoh" in err and "DEBUG: code git" in err
    assert "numba threads" in err


def test_logging_is_restored_after_the_command(tmp_path):
    """A library user's logging is left as it was: no handler of the CLI stays on the simcoh logger."""
    before = (progress.LOGGER.level, progress.LOGGER.propagate, list(progress.LOGGER.handlers))
    assert main(["check", str(QUICKSTART), "-q"]) == 0
    assert (progress.LOGGER.level, progress.LOGGER.propagate, list(progress.LOGGER.handlers)) == before


def test_q_and_v_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", str(QUICKSTART), "-q", "-v"])
    assert exc.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_compilation_is_announced_once_and_excluded_from_the_rate(caplog):
    """A kernel compiled during a chunk: one 'compiling numba kernels' notice per process, the compile time
    counted, and the bar restarted (its rate then counts the events after the compilation only)."""
    stream = io.StringIO()
    restore = progress.configure_logging(0, stream=stream)
    watch = progress.COMPILATION
    announced, seconds = watch.announced, watch.seconds
    try:
        watch.announced = False  # as in a fresh process
        bar = progress.Progress(100, "test", enabled=True)  # drawn on the captured stderr

        @numba.njit(cache=False)
        def add_one(x):  # a new function: numba has to compile it at its first call
            return x + 1

        assert add_one(1) == 2
        bar.update(10)
        restarted = bar._bar  # the bar that replaced the one that counted the compilation
        assert add_one(2) == 3  # compiled already: no event
        bar.update(10)
        bar.close()
    finally:
        restore()
        watch.announced = watch.announced or announced
    text = stream.getvalue()
    assert text.count("compiling numba kernels (first run only, cached in") == 1
    assert text.count("numba kernels compiled in") == 1
    assert watch.seconds > seconds
    assert bar.n == 20 and bar._bar is restarted  # restarted once (after the compiling update), not again
    assert restarted.n == 20 and restarted.format_dict["initial"] == 10  # its rate counts from 10 events on


def test_the_cache_directory_named_is_numbas(monkeypatch):
    monkeypatch.setattr(numba.config, "CACHE_DIR", "/some/cache")
    assert progress._cache_dir(None) == "/some/cache"


def test_help_prints_every_description_whole(capsys):
    assert main(["help"]) == 0
    listing = " ".join(capsys.readouterr().out.split())
    for command in REGISTRY.commands():
        assert " ".join(command.help.split()) in listing, command.path
    assert main(["help", "/output/"]) == 0
    assert "only the reconstruction and cut flags, for smaller files" in " ".join(capsys.readouterr().out.split())


def test_help_into_a_closed_pipe_is_not_an_error():
    """The reader is gone before simcoh writes (deterministic EPIPE): no traceback, exit status 0."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "simcoh", "help"], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == 0 and proc.stderr == ""


def test_help_piped_into_head_as_a_user_types_it():
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; {sys.executable} -m simcoh help | head -3"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == ""
    assert len(proc.stdout.splitlines()) == 3


class _ClosedPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


def test_a_run_carries_on_when_its_output_pipe_closes(tmp_path, monkeypatch):
    """The events do not depend on who reads the report: the file is written and the status is the run's."""
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    out = tmp_path / "p.h5"
    assert main(["run", str(QUICKSTART), "--output", str(out), *SMALL, "--no-progress"]) == 0
    assert out.is_file()


@pytest.mark.parametrize("args, starts", [
    (["--output", "{tmp}/missing/x.h5"], "--output {tmp}/missing/x.h5: error: cannot write {tmp}/missing/x.h5"),
    (["--output", "{tmp}/missing/"], "simcoh run: error: --output {tmp}/missing/: the directory"),
    (["--workers", "0"], "simcoh run: error: --workers 0: the number of workers must be at least 1"),
])
def test_option_errors_name_the_option(args, starts, tmp_path, capsys):
    args = [a.format(tmp=tmp_path) for a in args]
    assert main(["run", str(QUICKSTART), *SMALL, "--no-progress", *args]) == 2
    err = capsys.readouterr().err
    assert any(line.startswith(starts.format(tmp=tmp_path)) for line in err.splitlines()), err
    assert "<input>" not in err and "Traceback" not in err


def test_an_existing_output_names_the_option(tmp_path, capsys):
    out = tmp_path / "x.h5"
    assert main(["run", str(QUICKSTART), "--output", str(out), *SMALL, "-q"]) == 0
    assert main(["run", str(QUICKSTART), "--output", str(out), *SMALL, "-q"]) == 3
    assert capsys.readouterr().err.startswith(f"--output {out}: error: {out} already exists")


def test_a_byte_order_mark_starts_a_macro_like_nothing(tmp_path):
    text = QUICKSTART.read_text(encoding="utf-8")
    plain, marked = tmp_path / "plain.mac", tmp_path / "bom.mac"
    plain.write_text(text, encoding="utf-8")
    marked.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    a, b = load_macro(str(plain)).config, load_macro(str(marked)).config
    assert a.config_hash() == b.config_hash() and b.n_events == 100_000
    assert not load_macro(str(marked)).macro_texts[str(marked)].startswith("\ufeff")


def test_log_level_of_quiet_hides_information():
    restore = progress.configure_logging(-1, stream=io.StringIO())
    try:
        assert progress.quiet() and not progress.Progress(10, enabled=True).enabled
        assert progress.LOGGER.isEnabledFor(logging.WARNING)
    finally:
        restore()


def test_validate_says_where_the_report_goes(tmp_path, capsys, monkeypatch):
    assert main(["validate", "--fast", "--outdir", str(tmp_path / "val")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'val' / 'report.md'}" in err and f"{tmp_path / 'val' / 'plots'}{os.sep}" in err
    import validation.command as command

    monkeypatch.setattr(command, "run_validation", lambda **kwargs: [])  # what it ran is not the point here
    assert command.validate_command(["--outdir", str(tmp_path / "val")]) == 0
    out = capsys.readouterr().out
    assert f"report: {tmp_path / 'val' / 'report.md'}" in out and f"plots:  {tmp_path / 'val' / 'plots'}" in out


def test_a_run_says_how_long_numba_compiled(tmp_path, capsys, monkeypatch):
    """A run that compiled numba kernels says how long the compilation took."""
    from simcoh.engine import run as engine_run

    original = engine_run._write

    def write_with_a_compilation(*args, **kwargs):
        @numba.njit(cache=False)
        def fresh(x):
            return x * 2

        fresh(1)  # compiled inside the run, as a cold cache does
        return original(*args, **kwargs)

    monkeypatch.setattr(engine_run, "_write", write_with_a_compilation)
    assert main(["run", str(QUICKSTART), "--output", str(tmp_path / "c.h5"), *SMALL, "--no-progress"]) == 0
    assert "numba compilation" in capsys.readouterr().out


@pytest.mark.slow
def test_a_cold_cache_compiles_once(tmp_path):
    """A real first run (empty NUMBA_CACHE_DIR) says it compiles and where the cache goes; the second does not."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-m", "simcoh", "run", str(QUICKSTART), "--output", str(tmp_path / f"{i}.h5"),
                            *SMALL, "--no-progress"], capture_output=True, text=True, env=env, timeout=600)
            for i in range(2)]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    assert f"compiling numba kernels (first run only, cached in {tmp_path / 'cache'})" in runs[0].stderr
    assert "numba compilation" in runs[0].stdout
    assert "compiling" not in runs[1].stderr and "numba compilation" not in runs[1].stdout


@pytest.mark.parametrize("topic", ["d2o-flux", "efficiency", "sensitivity"])
def test_help_of_a_subcommand_points_at_its_own_help(topic, capsys):
    """`simcoh help d2o-flux` is not a macro topic: exit 2 and the way to the subcommand's help."""
    from simcoh.cli import main

    assert main(["help", topic]) == 2
    assert f"suggestion: simcoh {topic} --help" in capsys.readouterr().err
