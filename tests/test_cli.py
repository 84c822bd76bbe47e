"""The `microgradnn` command line: help, version, one-line errors with exit code 2, and each command's output."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
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
        (["graph", "log(x)", "--set", "x=-1"], "outside the domain of log"),
        (["graph", "x", "--set", "x=1", "--out", "g.jpg"], "unknown extension '.jpg'"),
        (["train"], "required: dataset"),
        (["train", "mnist"], "invalid choice: 'mnist'"),
        (["train", "moons", "--hidden", "16,x"], "expected sizes separated by commas"),
        (["train", "moons", "--hidden", "16,0"], "between 1 and 4096"),
        (["train", "moons", "--lr", "0"], "must be a positive number"),
        (["train", "moons", "--lr", "fast"], "'fast' is not a number"),
        (["train", "moons", "--epochs", "-3"], "must be at least 1"),
        (["train", "moons", "--epochs", "2.5"], "not a whole number"),
        (["train", "moons", "--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
        (["train", "moons", "--seed", "-1"], "a seed must be a whole number >= 0"),
        (["train", "moons", "--hidden", "0"], "use --hidden none for no hidden layer"),
        (["train", "digits", "--model", "cnn", "--hidden", "4"], "--model cnn has layers of its own: drop --hidden"),
        (["train", "xor", "--samples", "50"], "xor always has its 4 points; drop --samples"),
        (["train", "digits", "--samples", "50"], "digits always has its 1,797 images; drop --samples"),
        (["graph", "x*" * 99 + "y", "--set", "x=1"], "unknown name 'y'"),
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


def test_graph_renders_an_svg_and_prints_value_and_gradients(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "g.svg"
    argv = ["graph", "tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88", "--backward", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    value = math.tanh(2 * -3 + 6.88)
    slope = 1 - value**2
    assert f"tanh(x*w + b) = {value:.6g}" in printed
    assert f"d(out)/d(x) = {-3 * slope:.6g}" in printed
    assert f"d(out)/d(w) = {2 * slope:.6g}" in printed
    assert f"d(out)/d(b) = {slope:.6g}" in printed
    svg = out.read_text(encoding="utf-8")
    assert "<svg" in svg and ">x<" in svg and ">w<" in svg and ">b<" in svg


def test_graph_writes_dot_source_and_the_player(tmp_path: Path) -> None:
    dot = tmp_path / "g.dot"
    assert main(["graph", "x*x + 1", "--set", "x=3", "--out", str(dot)]) == 0
    assert dot.read_text(encoding="utf-8").startswith("digraph")
    page = tmp_path / "steps.html"
    assert main(["graph", "sigmoid(a*b)", "--set", "a=0.5", "b=-2", "--out", str(page)]) == 0
    assert "<html" in page.read_text(encoding="utf-8").lower()


def test_graph_without_graphviz_says_how_to_install_and_keeps_the_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "g.svg"
    assert main(["graph", "x + 1", "--set", "x=1", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err and "brew install graphviz" in err
    assert "Traceback" not in err
    assert not out.exists()
    assert (tmp_path / "g.dot").read_text(encoding="utf-8").startswith("digraph")


def test_train_xor_writes_pictures_and_learns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    argv = ["train", "xor", "--hidden", "8", "--epochs", "300", "--lr", "0.05", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "2 -> 8 -> 2" in printed
    assert "accuracy: 100.0% on the training data" in printed
    assert (out / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "boundary.png").read_bytes()[:4] == b"\x89PNG"


def test_train_gives_the_boundary_plot_class_scores_not_the_argmax(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from microgradnn.viz import plots

    seen = []
    real = plots.plot_decision_boundary

    def recording(model, X, y, **kwargs):
        seen.append(np.asarray(model(np.asarray(X[:5]))))
        return real(model, X, y, **kwargs)

    monkeypatch.setattr(plots, "plot_decision_boundary", recording)
    argv = ["train", "blobs", "--hidden", "8", "--epochs", "5", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    (first,) = seen
    assert first.ndim == 2 and first.shape[1] == 3 and first.dtype.kind == "f"  # three classes' scores per point


def test_train_digits_reports_held_out_accuracy_and_skips_the_boundary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "digits"
    assert main(["train", "digits", "--hidden", "32", "--epochs", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "64 -> 32 -> 10" in printed
    assert "held-out samples" in printed
    assert (out / "loss.png").exists() and not (out / "boundary.png").exists()


def test_train_that_diverges_stops_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["train", "moons", "--optimizer", "sgd", "--lr", "1e6", "--epochs", "5", "--out", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nan" in err and "smaller learning rate" in err


# ----------------------------------------------------- usage errors and internal errors
def test_a_bug_is_an_internal_error_with_a_report_not_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from microgradnn import cli

    def broken(args):
        raise ValueError("an internal invariant failed")  # a ValueError from inside the library is still a bug

    monkeypatch.setitem(cli._COMMANDS, "graph", broken)
    monkeypatch.delenv("MICROGRADNN_DEBUG", raising=False)
    assert main(["graph", "x", "--set", "x=1"]) == cli.EXIT_INTERNAL != cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "microgradnn graph: internal error: ValueError: an internal invariant failed" in err
    assert "This is a bug in microgradnn" in err and "report it" in err
    assert "MICROGRADNN_DEBUG=1 microgradnn graph x --set x=1" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 4


def test_usage_error_from_a_real_process_is_one_line_and_exit_2() -> None:
    result = _run_module("train", "moons", "--seed", "-1")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "expected non-negative" not in result.stderr  # our message, not numpy's


# --------------------------------------------------------------------- graph formulas
def test_a_formula_starting_with_minus_is_the_formula(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.dot"
    assert main(["graph", "-x*2", "--set", "x=3", "--backward", "--out", str(out)]) == 0
    assert main(["graph", "--set", "x=3", "--backward", "-x*2", "--out", str(out)]) == 0
    assert main(["graph", "--set", "x=3", "--out", str(out), "--", "-x*2"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("-x*2 = -6") == 3 and "d(out)/d(x) = -2" in printed


def test_a_flat_600_term_product_is_not_deep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    formula = "*".join(["x"] * 600)
    assert main(["graph", formula, "--set", "x=1", "--out", str(tmp_path / "g.dot")]) == 0
    assert capsys.readouterr().out.startswith(f"{formula} = 1")


def test_fullwidth_names_in_set_match_the_formula(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Python's parser reads the fullwidth "ｘ" of the formula as "x" (NFKC); --set must do the same.
    assert main(["graph", "ｘ*2", "--set", "ｘ=3", "--backward", "--out", str(tmp_path / "g.dot")]) == 0
    printed = capsys.readouterr().out
    assert "= 6" in printed and "d(out)/d(x) = 2" in printed


# ------------------------------------------------------------- train checks before training
def test_train_without_matplotlib_stops_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    assert main(["train", "moons", "--epochs", "1000", "--out", str(tmp_path / "run")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # not a line of training
    assert "pip install 'microgradnn[plot]'" in captured.err and len(captured.err.strip().splitlines()) == 1


def test_train_with_an_unusable_out_stops_before_training(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "taken"
    a_file.write_text("")
    assert main(["train", "moons", "--epochs", "1000", "--out", str(a_file)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "this is a file, not a folder" in captured.err
    assert main(["train", "moons", "--epochs", "1000", "--out", str(a_file / "sub")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "cannot write there" in captured.err


def test_a_too_large_learning_rate_gives_one_hint_and_no_numpy_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import warnings

    argv = ["train", "moons", "--optimizer", "sgd", "--lr", "1000", "--epochs", "20", "--out", str(tmp_path / "r")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(argv)
    err = capsys.readouterr().err
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]
    assert "RuntimeWarning" not in err and "overflow" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--lr 1000" in lines[0] and ("too large" in lines[0]), err
    assert code in (0, 2)


def test_only_the_graph_command_reads_a_leading_minus_as_a_formula(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "graph" as a folder name of another command is not the graph command: "-x" stays an unknown option there.
    assert main(["tour", "--out", "graph", "-x"]) == 2
    assert "unrecognized arguments: -x" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "kind", "lr"), [("rmsprop", "RMSprop", "0.01"), ("adagrad", "Adagrad", "0.1")])
def test_train_with_each_optimizer_learns_moons(
    name: str, kind: str, lr: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from microgradnn import optim

    made = []
    original = getattr(optim, kind)
    monkeypatch.setattr(optim, kind, lambda *a, **k: made.append(k["lr"]) or original(*a, **k))
    argv = ["train", "moons", "--optimizer", name, "--epochs", "40", "--samples", "100", "--out", str(tmp_path / "r")]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert f"{name} lr={lr}" in printed and made == [float(lr)]  # that optimizer, at its default rate
    accuracy = float(printed.split("accuracy: ")[1].split("%")[0])
    assert accuracy > 80.0


def test_the_too_large_learning_rate_note_needs_more_than_one_step(capsys, tmp_path) -> None:
    one_step = ["train", "moons", "--epochs", "1", "--samples", "10", "--out", str(tmp_path / "one")]
    assert main(one_step) == 0
    assert "note:" not in capsys.readouterr().err  # one step: its epoch loss is the loss before it
    diverging = ["train", "moons", "--optimizer", "sgd", "--lr", "1000", "--epochs", "3"]
    diverging += ["--out", str(tmp_path / "big")]
    assert main(diverging) == 0
    assert "note: training made the loss worse" in capsys.readouterr().err
