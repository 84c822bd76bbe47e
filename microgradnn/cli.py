"""The `microgradnn` command: `tour`, `graph` and `train`.

Every mistake a user can make on the command line (an unknown option, a bad
number, a formula the parser refuses, a missing extra) ends in one line on
stderr and a non-zero exit code, never a traceback:

* 2 for bad arguments or input (a usage error, as argparse does), including
  a learning rate so large that training diverges;
* 1 when the environment is missing something (Graphviz's `dot`, an extra,
  a folder that cannot be written);
* 70 for an internal error, a bug in microgradnn: a short report says how to
  file it (the traceback comes with ``MICROGRADNN_DEBUG=1``);
* 130 when interrupted with Ctrl-C.

A formula that starts with "-" (``microgradnn graph "-x*2"``) is read as the
formula, not as an option; ``--`` before it works too.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from microgradnn import __version__

__all__ = ["CommandError", "build_parser", "main"]

EXIT_USAGE = 2
EXIT_ENVIRONMENT = 1
EXIT_INTERNAL = 70  # EX_SOFTWARE in sysexits.h
DATASETS = ("xor", "moons", "circles", "spiral", "blobs", "digits")
GRAPH_FORMATS = (".svg", ".png", ".pdf", ".dot", ".gv", ".html", ".gif")


class CommandError(Exception):
    """A problem to report in one line; `code` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (with a pointer to --help) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


# `train --optimizer`: the optimizer class in microgradnn.optim, and its default learning rate.
OPTIMIZERS = {"adam": ("Adam", 0.01), "sgd": ("SGD", 0.1), "rmsprop": ("RMSprop", 0.01), "adagrad": ("Adagrad", 0.1)}


# ----------------------------------------------------------------- argument types


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    if value >= sys.maxsize:
        raise argparse.ArgumentTypeError(f"{text!r} is too large (at most {sys.maxsize - 1})")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{text!r}: a seed must be a whole number >= 0, e.g. --seed 0")
    return value


def _layer_sizes(text: str) -> list[int]:
    """'16,16' -> [16, 16]; 'none' or '' -> [] (no hidden layer: a linear model)."""
    if text.strip().lower() in ("", "none"):
        return []
    if text.strip() == "0":
        raise argparse.ArgumentTypeError(
            "'0': a hidden layer needs at least 1 neuron; use --hidden none for no hidden layer (a linear model)"
        )
    sizes = []
    for part in text.split(","):
        try:
            size = int(part)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: expected sizes separated by commas, e.g. 16,16") from None
        if not 1 <= size <= 4096:
            raise argparse.ArgumentTypeError(f"{text!r}: each layer size must be between 1 and 4096")
        sizes.append(size)
    return sizes


# ------------------------------------------------------------------------ parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `microgradnn` command (also used to document it)."""
    parser = _Parser(
        prog="microgradnn",
        description="An autograd engine to learn from: walk the chapter, draw graphs, train small networks.",
        epilog="Run 'microgradnn COMMAND --help' for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"microgradnn {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    tour = commands.add_parser(
        "tour",
        help="walk the chapter step by step, writing pictures and an index.html",
        description="Walk the chapter: the hand-wired XOR network, losses, gradient descent, "
        "backpropagation and training, with the actual numbers and pictures.",
    )
    tour.add_argument("--out", type=Path, default=Path("microgradnn-tour"), help="folder for pictures and index.html")
    tour.add_argument("--lang", choices=("en", "ko"), default="en", help="language of the texts (default: en)")
    tour.add_argument("--quiet", action="store_true", help="print only where the files went")
    tour.add_argument(
        "--step",
        type=_positive_int,
        action="append",
        metavar="N",
        help="run only step N (1 = the forward pass; repeat for several); the index shows those steps",
    )
    tour.add_argument("--open", action="store_true", help="open index.html in a browser when one is available")

    graph = commands.add_parser(
        "graph",
        help="draw the computation graph of a formula",
        description="Draw the graph of a formula such as 'tanh(x*w + b)'. The formula is parsed safely "
        "(numbers, names, + - * / **, and tanh exp log sqrt sigmoid relu leaky_relu abs step); "
        "it is never run as Python code.",
        epilog="example: microgradnn graph 'tanh(x*w + b)' --set x=2 w=-3 b=6.88 --backward --out g.svg",
    )
    graph.add_argument("expression", help="the formula, in quotes (one starting with '-' works as it is)")
    graph.add_argument(
        "--set",
        dest="assignments",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="values of the names in the formula",
    )
    graph.add_argument("--backward", action="store_true", help="run backward() first, so the picture shows gradients")
    graph.add_argument(
        "--out",
        type=Path,
        default=Path("graph.svg"),
        help="file to write; its extension picks the format: "
        ".svg .png .pdf (picture), .dot .gv (DOT source), .html (step-by-step player), .gif (animation)",
    )

    train = commands.add_parser(
        "train",
        help="train a small network on a toy dataset",
        description="Train a multilayer perceptron (tensor engine) and write its loss curve "
        "and, for 2-D data, its decision boundary.",
    )
    train.add_argument("dataset", choices=DATASETS, help="which data to learn")
    train.add_argument(
        "--hidden",
        type=_layer_sizes,
        default=None,
        help="hidden layer sizes of the MLP, e.g. 16,16 (default), or none for a linear model",
    )
    train.add_argument(
        "--model",
        choices=("mlp", "cnn"),
        default="mlp",
        help="mlp (default), or cnn: a LeNet-style convolutional network (digits only)",
    )
    train.add_argument("--activation", choices=("relu", "tanh", "sigmoid"), default="relu", help="hidden activation")
    train.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default="adam", help="optimizer (default: adam)")
    train.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        help="learning rate (default: 0.01 adam, rmsprop; 0.1 sgd, adagrad; half that for --model cnn)",
    )
    train.add_argument(
        "--epochs", type=_positive_int, default=None, help="passes over the data (default: 100; 20 for --model cnn)"
    )
    train.add_argument("--batch-size", type=_positive_int, default=32, help="examples per step (default: 32)")
    train.add_argument(
        "--samples", type=_positive_int, default=None, help="points in moons, circles, spiral or blobs (default: 200)"
    )
    train.add_argument("--seed", type=_seed, default=0, help="random seed for data and weights (default: 0)")
    train.add_argument(
        "--out", type=Path, default=Path("microgradnn-train"), help="folder for the pictures (default: %(default)s)"
    )
    return parser


# ---------------------------------------------------------------------- commands
def _run_tour(args: argparse.Namespace) -> int:
    from microgradnn.tour import STEPS, open_in_browser, run_tour

    wrong = [n for n in args.step or () if n > len(STEPS)]
    if wrong:
        raise CommandError(f"--step {wrong[0]}: the tour has steps 1 to {len(STEPS)}")
    _check_out_folder(args.out, "the pictures and index.html")
    result = run_tour(out=args.out, lang=args.lang, quiet=args.quiet, steps=args.step)
    if args.open:
        open_in_browser(result.index)
    return 0


def _run_graph(args: argparse.Namespace) -> int:
    from microgradnn.expression import ExpressionError, evaluate, parse_assignments

    out: Path = args.out
    args.expression = args.expression.strip()  # a formula starting with "-" arrives behind a space
    if out.suffix.lower() not in GRAPH_FORMATS:
        raise CommandError(f"--out {out}: unknown extension {out.suffix!r}; use one of {' '.join(GRAPH_FORMATS)}")
    if out.is_dir():
        raise CommandError(
            f"--out {out}: this is a folder; give a file name, e.g. --out {out / ('graph' + out.suffix)}"
        )
    try:
        variables = parse_assignments(args.assignments)
        root = evaluate(args.expression, variables)
    except ExpressionError as e:
        raise CommandError(str(e)) from None
    used = {n.label: n for n in _leaves(root) if n.label in variables}
    unused = [name for name in variables if name not in used]
    if unused:
        print(f"note: --set {', '.join(unused)}: not used in the formula", file=sys.stderr)
    root.label = root.label or "out"
    print(f"{args.expression} = {root.data:.6g}")
    player = out.suffix.lower() in (".html", ".gif")  # the player runs backward itself, frame by frame
    if args.backward and not player:
        root.backward()
        for name in variables:  # in the order given on the command line
            if name in used:
                print(f"  d({root.label})/d({name}) = {used[name].grad:.6g}")
    try:
        _write_graph(root, out)
    except FileExistsError as e:  # mkdir met a file where a folder of the path should be
        raise CommandError(f"--out {out}: {e.filename} is a file, not a folder; choose another path") from None
    except OSError as e:
        raise CommandError(
            f"--out {out}: cannot write there ({e.strerror or e}); choose another file", EXIT_ENVIRONMENT
        ) from None
    print(f"wrote {out}")
    return 0


def _leaves(root: Any) -> list[Any]:
    from microgradnn import topological_order

    return [n for n in topological_order(root) if n.is_leaf]


def _write_graph(root: Any, out: Path) -> None:
    from microgradnn import viz

    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".html":
        viz.save_html(root, out)
    elif suffix == ".gif":
        viz.save_gif(root, out)
    elif suffix in (".dot", ".gv"):
        out.write_text(viz.draw_graph(root).source, encoding="utf-8")
    else:
        viz.draw_graph(root).render(out)


def _load_dataset(name: str, samples: int, seed: int) -> tuple[Any, Any]:
    """(X, y) of the named dataset, y as integer class labels."""
    import numpy as np

    from microgradnn import data

    if name == "xor":
        X, y = data.xor()
    elif name == "digits":
        X, y = data.load_digits()
    elif name == "moons":
        X, y = data.moons(samples, noise=0.1, seed=seed)
    elif name == "circles":
        X, y = data.circles(samples, noise=0.08, seed=seed)
    elif name == "spiral":
        X, y = data.spiral(samples, n_classes=3, seed=seed)
    else:
        X, y = data.blobs(samples, centers=3, cluster_std=1.5, seed=seed)
    return X, np.asarray(y, dtype=np.int64)


def _split(X: Any, y: Any, seed: int) -> tuple[Any, Any, Any, Any]:
    """80% to train on and 20% held out to measure, except for tiny data (XOR), which is used whole."""
    import numpy as np

    if len(y) < 50:
        return X, y, X, y
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(0.8 * len(y))
    return X[order[:cut]], y[order[:cut]], X[order[cut:]], y[order[cut:]]


def _check_train_prerequisites(args: argparse.Namespace) -> None:
    """Everything that could fail after training, checked before it: the plotting extra, the data's extra,
    and a writable --out folder."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CommandError(
            "matplotlib is needed to draw the loss curve: pip install 'microgradnn[plot]'", EXIT_ENVIRONMENT
        ) from None
    if args.dataset == "digits":
        try:
            import sklearn  # noqa: F401
        except ImportError:
            raise CommandError(
                "the digits dataset comes from scikit-learn: pip install 'microgradnn[digits]'", EXIT_ENVIRONMENT
            ) from None
    from microgradnn.data import MAX_SAMPLES

    if args.model == "cnn" and args.hidden is not None:
        raise CommandError("--hidden sets the MLP's hidden layers; --model cnn has layers of its own: drop --hidden")
    fixed = {"xor": "its 4 points", "digits": "its 1,797 images"}.get(args.dataset)
    if fixed is not None and args.samples is not None:
        raise CommandError(f"--samples: {args.dataset} always has {fixed}; drop --samples")
    args.hidden = [16, 16] if args.hidden is None else args.hidden
    args.samples = 200 if args.samples is None else args.samples
    minimum = {"moons": 2, "circles": 2, "spiral": 3, "blobs": 3}.get(args.dataset)
    if minimum is not None and not minimum <= args.samples <= MAX_SAMPLES:
        raise CommandError(
            f"--samples {args.samples}: {args.dataset} needs between {minimum} and {MAX_SAMPLES} points "
            f"(one per class at least); e.g. --samples 200"
        )
    _check_out_folder(args.out, "the pictures")


def _check_out_folder(out: Path, what: str) -> None:
    """--out must be a folder we can write into (made if missing): a file there is a usage error, a folder that
    cannot be made or written an environment error, each in one line."""
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out}: this is a file, not a folder; give a folder for {what}")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".microgradnn-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise CommandError(
            f"--out {out}: cannot write there ({e.strerror or e}); choose another folder", EXIT_ENVIRONMENT
        ) from None


def _run_train(args: argparse.Namespace) -> int:
    import numpy as np

    from microgradnn import nn, optim
    from microgradnn.engine import no_grad
    from microgradnn.nn import functional as F
    from microgradnn.tensor import Tensor
    from microgradnn.training import TrainingError, fit

    _check_train_prerequisites(args)
    X, y = _load_dataset(args.dataset, args.samples, args.seed)
    X_train, y_train, X_test, y_test = _split(X, y, args.seed)
    n_classes = int(y.max()) + 1
    sizes = [X.shape[1], *args.hidden, n_classes]
    activation = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[args.activation]
    rng = np.random.default_rng(args.seed)
    layers: list[Any] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], seed=rng))
        if i < len(sizes) - 2:
            layers.append(activation())
    model = nn.Sequential(*layers)
    cnn = args.model == "cnn"
    if cnn:
        if args.dataset != "digits":
            raise CommandError(f"--model cnn learns images: use it with digits, not {args.dataset}")
        model = nn.LeNet(seed=rng)  # reads the 64 pixels of a row as an 8x8 image
    args.epochs = args.epochs or (20 if cnn else 100)
    kind, default_lr = OPTIMIZERS[args.optimizer]
    lr = args.lr if args.lr is not None else default_lr / (2 if cnn else 1)
    optimizer = getattr(optim, kind)(model.parameters(), lr=lr)
    held_out = X_test is not X_train
    shape = "LeNet (conv 1->16, pool, conv 16->32, pool, 128 -> 64 -> 10)" if cnn else " -> ".join(map(str, sizes))
    print(f"training {shape} on {args.dataset} ({len(y_train)} samples): {args.activation}, {args.optimizer} lr={lr:g}")
    # numpy's overflow warnings would only repeat, raw, what the divergence check below says in words.
    with np.errstate(all="ignore"):
        try:
            history = fit(
                model,
                F.cross_entropy,
                optimizer,
                data=(X_train.astype(np.float32), y_train),
                epochs=args.epochs,
                batch_size=args.batch_size,
                seed=args.seed,
                val_data=(X_test.astype(np.float32), y_test) if held_out else None,
                scheduler=optim.CosineAnnealingLR(optimizer, args.epochs) if cnn else None,
            )
        except TrainingError as e:
            what = str(e).split(" at epoch")[0].removeprefix("fit: ").replace("NaN or infinite", "nan or inf")
            raise CommandError(
                f"training diverged at epoch {e.epoch}, step {e.step} ({what}): --lr {lr:g} is too large; "
                f"try a smaller learning rate, e.g. --lr {lr / 100:g}"
            ) from None
        model.eval()

        def scores(points: Any) -> Any:
            """The model's class scores for each row of `points` (the boundary plot draws smooth lines from them)."""
            with no_grad():
                return model(Tensor(np.asarray(points, dtype=np.float32))).data

        def predict(points: Any) -> Any:
            """The class the model picks for each row of `points`."""
            return scores(points).argmax(axis=1)

        print(f"loss {history.loss[0]:.4f} -> {history.loss[-1]:.4f}")
        if history.interrupted:
            print(f"(interrupted after {history.epochs} epochs; the results below are for those)")
        line = f"accuracy: {np.mean(predict(X_train) == y_train):.1%} on the training data"
        if held_out:
            line += f", {np.mean(predict(X_test) == y_test):.1%} on {len(y_test)} held-out samples"
        print(line)
        start = history.step_loss[0]  # the loss before the first update
        if len(history.step_loss) > 1 and not history.loss[-1] < start:  # (after one step there is nothing to judge)
            print(
                f"note: training made the loss worse ({start:.4g} before the first step, {history.loss[-1]:.4g} "
                f"after); --lr {lr:g} is probably too large, try --lr {lr / 10:g}",
                file=sys.stderr,
            )
        _write_training_pictures(args.out, history, scores, X, y)
    return 0


def _write_training_pictures(out: Path, history: Any, scores: Any, X: Any, y: Any) -> None:
    from microgradnn.viz import plots

    out.mkdir(parents=True, exist_ok=True)
    figure = plots.plot_loss(history)
    figure.savefig(out / "loss.png", dpi=100, bbox_inches="tight")
    print(f"wrote {out / 'loss.png'}")
    if X.shape[1] == 2:
        figure = plots.plot_decision_boundary(scores, X, y)
        figure.savefig(out / "boundary.png", dpi=100, bbox_inches="tight")
        print(f"wrote {out / 'boundary.png'}")
    else:
        print(f"(no decision boundary picture: the data has {X.shape[1]} features, not 2)")


_COMMANDS = {"tour": _run_tour, "graph": _run_graph, "train": _run_train}


# -------------------------------------------------------------------------- main
def _one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    first, _, rest = text.partition("\n")
    return first + (" (...)" if rest else "")


def _environment_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean 'something is not installed', reported with exit code 1."""
    errors: list[type[BaseException]] = [ImportError, OSError]
    viz = sys.modules.get("microgradnn.viz")
    missing_dot = getattr(viz, "GraphvizNotFoundError", None)
    if isinstance(missing_dot, type) and issubclass(missing_dot, BaseException):
        errors.insert(0, missing_dot)
    return tuple(errors)


def _formula_first(argv: list[str]) -> list[str]:
    """For `graph`, put a formula that starts with "-" (such as "-x*2") first, behind a space, so that argparse
    reads it as the formula and not as an unknown option. The parser strips the space. With "--" anywhere the
    user has said it already, and nothing changes."""
    commands = [i for i, token in enumerate(argv) if not token.startswith("-")]
    if not commands or argv[commands[0]] != "graph" or "--" in argv:
        return argv
    at = commands[0]
    options = ("--set", "--backward", "--out", "--help")
    rest = argv[at + 1 :]
    for i, token in enumerate(rest):
        if not token.startswith("-") or token == "-h":
            continue
        name = token.split("=", 1)[0]
        if name.startswith("--") and len(name) > 2 and any(o.startswith(name) for o in options):
            continue
        if i > 0 and rest[i - 1] == "--out":
            continue  # a file name that starts with "-"
        if _looks_like_number(token):
            continue
        return [*argv[: at + 1], " " + token, *rest[:i], *rest[i + 1 :]]
    return argv


def _looks_like_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]) and return the exit status."""
    if isinstance(argv, str):
        raise TypeError(f"main: argv must be a list of words, not the string {argv!r}; e.g. main({argv.split()!r})")
    parser = build_parser()
    argv = _formula_first(list(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.error("choose a command: tour, graph or train")
    except SystemExit as e:  # --help, --version, or a usage error already printed by argparse
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    prog = f"microgradnn {args.command}"
    try:
        return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except CommandError as e:
        _debug_traceback()
        print(f"{prog}: error: {_one_line(e)}", file=sys.stderr)
        return e.code
    except _environment_errors() as e:  # something is not installed: the whole message says how to fix it
        _debug_traceback()
        print(f"{prog}: error: {str(e).strip() or type(e).__name__}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except Exception as e:  # every user mistake became a CommandError above: this is a bug
        _debug_traceback()
        print(_internal_error_report(prog, e, argv), file=sys.stderr)
        return EXIT_INTERNAL


def _internal_error_report(prog: str, error: BaseException, argv: Sequence[str]) -> str:
    """A few lines for a bug: what happened, that it is not the user's fault, and how to report it."""
    command = "microgradnn " + " ".join(_shell_quote(a.strip()) for a in argv)
    return (
        f"{prog}: internal error: {type(error).__name__}: {_one_line(error)}\n"
        f"This is a bug in microgradnn {__version__}, not a mistake in your command. Please report it to the "
        f"microgradnn issue tracker ({_issues_url()}) with the command you ran and the traceback that\n"
        f"  MICROGRADNN_DEBUG=1 {command}\n"
        "prints."
    )


def _shell_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _issues_url() -> str:
    """Where to report a bug: the package's declared issue tracker, else its home page."""
    try:
        from importlib.metadata import metadata

        urls = metadata("microgradnn").get_all("Project-URL") or []
    except Exception:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("issues", "bug tracker", "source", "homepage", "documentation"):
            return url.strip()
    return "see the project's home page"


def _debug_traceback() -> None:
    if os.environ.get("MICROGRADNN_DEBUG"):
        import traceback

        traceback.print_exc()


if __name__ == "__main__":
    sys.exit(main())
