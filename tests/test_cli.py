"""The `microgradnn` command line: help, version, one-line errors with exit code 2, and each command's output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import microgradnn
from microgradnn.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]


def _run_module(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m microgradnn ARGS` in a fresh interpreter that imports this checkout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("MICROGRADNN_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "microgradnn", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=120,
    )


def test_python_dash_m_prints_the_version() -> None:
    result = _run_module("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"microgradnn {microgradnn.__version__}"


def test_a_bad_expression_from_a_real_process_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = _run_module("graph", "tanh(x*w + b", "--set", "x=2", "w=-3", "b=6.88", "--out", "g.dot", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("microgradnn graph: error: cannot parse")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "g.dot").exists()


@pytest.mark.parametrize("command", [[], ["tour"], ["graph"], ["train"]])
def test_help_everywhere(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: microgradnn{''.join(' ' + c for c in command)}")


def test_the_top_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--help"])
    out = capsys.readouterr().out
    for command in ("tour", "graph", "train"):
        assert f"    {command} " in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "choose a command"),
        (["fly"], "invalid choice: 'fly'"),
        (["--nope"], "unrecognized arguments: --nope"),
        (["tour", "--lang", "fr"], "invalid choice: 'fr'"),
        (["tour", "--extra"], "unrecognized arguments"),
        (["graph"], "required: expression"),
        (["graph", "x", "--set", "x=abc"], "'abc' is not a number"),
        (["graph", "x", "--set", "x"], "expected NAME=NUMBER"),
        (["graph", "x + y", "--set", "x=1"], "unknown name 'y'"),
        (["graph", "eval('1')", "--set", "x=1"], "eval(...) is not an allowed function"),
        (["graph", "log(x)", "--set", "x=-1"], "log is defined only for positive numbers"),
        (["graph", "x", "--set", "x=1", "--out", "g.jpg"], "unknown extension '.jpg'"),
        (["train"], "required: dataset"),
        (["train", "mnist"], "invalid choice: 'mnist'"),
        (["train", "moons", "--hidden", "16,x"], "expected sizes separated by commas"),
        (["train", "moons", "--hidden", "16,0"], "between 1 and 4096"),
        (["train", "moons", "--lr", "0"], "must be a positive number"),
        (["train", "moons", "--lr", "fast"], "'fast' is not a number"),
        (["train", "moons", "--epochs", "-3"], "must be at least 1"),
        (["train", "moons", "--epochs", "2.5"], "not a whole number"),
        (["train", "moons", "--optimizer", "rmsprop"], "invalid choice: 'rmsprop'"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_code_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("microgradnn")
    assert message in lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing written after an error


def test_the_parser_documents_every_dataset() -> None:
    parser = build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]  # type: ignore[union-attr]
    dataset = next(a for a in train._actions if a.dest == "dataset")
    assert set(dataset.choices) == {"xor", "moons", "circles", "spiral", "blobs", "digits"}
