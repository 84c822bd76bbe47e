"""The `microgradnn` command: `tour`, `graph` and `train`.

Every mistake a user can make on the command line (an unknown option, a bad
number, a formula the parser refuses, a missing extra) ends in one line on
stderr and a non-zero exit code, never a traceback:

* 2 for bad arguments or input (a usage error, as argparse does);
* 1 when the environment is missing something (Graphviz's `dot`, an extra);
* 130 when interrupted with Ctrl-C.

Set ``MICROGRADNN_DEBUG=1`` to see the traceback of an unexpected error.
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
    return value


def _layer_sizes(text: str) -> list[int]:
    """'16,16' -> [16, 16]; '' or '0' -> [] (no hidden layer)."""
    if text.strip() in ("", "0"):
        return []
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

    graph = commands.add_parser(
        "graph",
        help="draw the computation graph of a formula",
        description="Draw the graph of a formula such as 'tanh(x*w + b)'. The formula is parsed safely "
        "(numbers, names, + - * / **, and tanh exp log sqrt sigmoid relu leaky_relu abs step); "
        "it is never run as Python code.",
        epilog="example: microgradnn graph 'tanh(x*w + b)' --set x=2 w=-3 b=6.88 --backward --out g.svg",
    )
    graph.add_argument("expression", help="the formula, in quotes")
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
    train.add_argument("--hidden", type=_layer_sizes, default=[16, 16], help="hidden layer sizes (default: 16,16)")
    train.add_argument("--activation", choices=("relu", "tanh", "sigmoid"), default="relu", help="hidden activation")
    train.add_argument("--optimizer", choices=("adam", "sgd"), default="adam", help="optimizer (default: adam)")
    train.add_argument("--lr", type=_positive_float, default=None, help="learning rate (default: 0.01 adam, 0.1 sgd)")
    train.add_argument("--epochs", type=_positive_int, default=100, help="passes over the data (default: 100)")
    train.add_argument("--batch-size", type=_positive_int, default=32, help="examples per step (default: 32)")
    train.add_argument("--samples", type=_positive_int, default=200, help="points in a 2-D dataset (default: 200)")
    train.add_argument("--seed", type=int, default=0, help="random seed for data and weights (default: 0)")
    train.add_argument("--out", type=Path, default=Path("microgradnn-train"), help="folder for the pictures")
    return parser


# ---------------------------------------------------------------------- commands
def _run_tour(args: argparse.Namespace) -> int:
    from microgradnn.tour import run_tour

    run_tour(out=args.out, lang=args.lang, verbose=not args.quiet)
    return 0


def _run_graph(args: argparse.Namespace) -> int:
    from microgradnn.expression import ExpressionError, evaluate, parse_assignments

    out: Path = args.out
    if out.suffix.lower() not in GRAPH_FORMATS:
        raise CommandError(f"--out {out}: unknown extension {out.suffix!r}; use one of {' '.join(GRAPH_FORMATS)}")
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
    _write_graph(root, out)
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


def _run_train(args: argparse.Namespace) -> int:
    import numpy as np

    from microgradnn import nn, optim
    from microgradnn.engine import no_grad
    from microgradnn.nn import functional as F
    from microgradnn.tensor import Tensor
    from microgradnn.training import fit

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
    lr = args.lr if args.lr is not None else (0.01 if args.optimizer == "adam" else 0.1)
    optimizer = (optim.Adam if args.optimizer == "adam" else optim.SGD)(model.parameters(), lr=lr)
    held_out = X_test is not X_train
    shape = " -> ".join(str(n) for n in sizes)
    print(f"training {shape} on {args.dataset} ({len(y_train)} samples): {args.activation}, {args.optimizer} lr={lr:g}")
    with np.errstate(all="ignore"):  # numpy's overflow warnings would only repeat what fit reports about a NaN loss
        history = fit(
            model,
            F.cross_entropy,
            optimizer,
            data=(X_train.astype(np.float32), y_train),
            epochs=args.epochs,
            batch_size=args.batch_size,
            seed=args.seed,
            val_data=(X_test.astype(np.float32), y_test) if held_out else None,
        )
    model.eval()

    def predict(points: Any) -> Any:
        """The class the model picks for each row of `points`."""
        with no_grad():
            return model(Tensor(np.asarray(points, dtype=np.float32))).data.argmax(axis=1)

    print(f"loss {history.loss[0]:.4f} -> {history.loss[-1]:.4f}")
    line = f"accuracy: {np.mean(predict(X_train) == y_train):.1%} on the training data"
    if held_out:
        line += f", {np.mean(predict(X_test) == y_test):.1%} on {len(y_test)} held-out samples"
    print(line)
    _write_training_pictures(args.out, history, predict, X, y)
    return 0


def _write_training_pictures(out: Path, history: Any, predict: Any, X: Any, y: Any) -> None:
    from microgradnn.viz import plots

    out.mkdir(parents=True, exist_ok=True)
    figure = plots.plot_loss(history)
    figure.savefig(out / "loss.png", dpi=100, bbox_inches="tight")
    print(f"wrote {out / 'loss.png'}")
    if X.shape[1] == 2:
        figure = plots.plot_decision_boundary(predict, X, y)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]) and return the exit status."""
    parser = build_parser()
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
        print(f"{prog}: error: {_one_line(e)}", file=sys.stderr)
        return e.code
    except (ValueError, TypeError, ArithmeticError) as e:  # the library's clear messages about bad input
        _debug_traceback()
        print(f"{prog}: error: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    except _environment_errors() as e:  # something is not installed: the whole message says how to fix it
        _debug_traceback()
        print(f"{prog}: error: {str(e).strip() or type(e).__name__}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except Exception as e:
        _debug_traceback()
        print(
            f"{prog}: unexpected error: {type(e).__name__}: {_one_line(e)} (MICROGRADNN_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return EXIT_ENVIRONMENT


def _debug_traceback() -> None:
    if os.environ.get("MICROGRADNN_DEBUG"):
        import traceback

        traceback.print_exc()


if __name__ == "__main__":
    sys.exit(main())
