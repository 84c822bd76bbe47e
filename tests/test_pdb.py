"""The debugger use case, tested for real: drive `python -m pdb` through `backward()` with scripted commands.

The guide (docs/guides/debugging.md) tells a learner to break on names, never on
line numbers: `microgradnn.engine.chain_rule_step` (one stop per node, in
backward order) and an op's own backward, e.g.
`microgradnn.scalar.functions.Tanh.backward`. Here a real pdb session, started
from a directory outside the repository, does exactly that.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDES = (ROOT / "docs" / "guides" / "debugging.md", ROOT / "docs" / "ko" / "guides" / "debugging.md")

# A small graph with a shared node (d feeds both e and f), every node labelled.
SCRIPT = textwrap.dedent(
    """
    from microgradnn import Value

    a = Value(0.5, label="a")
    b = Value(-0.4, label="b")
    c = Value(1.0, label="c")
    d = a * b; d.label = "d"
    e = d + c; e.label = "e"
    f = d * e; f.label = "f"
    L = f.tanh(); L.label = "L"
    L.backward()
    print("GRADS", a.grad, b.grad, c.grad)
    """
)
# Who consumes whom, written out by hand from the script above.
CONSUMERS = {"L": [], "f": ["L"], "e": ["f"], "d": ["e", "f"]}


def run_pdb(tmp_path: Path, commands: list[str]) -> str:
    script = tmp_path / "graph.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONBREAKPOINT": ""}
    result = subprocess.run(
        [sys.executable, "-m", "pdb", str(script)],
        input="\n".join([*commands, ""]),
        capture_output=True,
        text=True,
        cwd=tmp_path,  # outside the repository: breaks on names work from anywhere
        env=env,
        timeout=60,
    )
    session = result.stdout
    assert "Traceback" not in session + result.stderr, session + result.stderr
    assert "***" not in session, session  # pdb's marker for a command it could not run
    return session


def test_pdb_walks_backward_in_reverse_topological_order(tmp_path: Path) -> None:
    session = run_pdb(
        tmp_path,
        [
            "import microgradnn.engine",
            "break microgradnn.engine.chain_rule_step",
            "commands 1",
            "silent",
            'print("NODE", node.label, node.grad)',
            "continue",  # inside `commands`, continue also ends the list
            "continue",
            "quit",
        ],
    )
    assert "Breakpoint 1 at" in session, session
    visited = re.findall(r"\bNODE (\w+) (\S+)$", session, flags=re.MULTILINE)
    order = [label for label, _ in visited]
    assert sorted(order) == sorted(CONSUMERS), session  # every interior node, once, no leaf
    assert order[0] == "L"
    for node, consumers in CONSUMERS.items():
        for consumer in consumers:
            assert order.index(consumer) < order.index(node), f"{node} before its consumer {consumer}: {order}"
    # The upstream gradient pdb showed at L is the seed, 1.0; the script then finished normally.
    assert dict(visited)["L"] == "1.0"
    assert "GRADS" in session


def test_stepping_into_backward_reaches_the_ops_own_derivative(tmp_path: Path) -> None:
    session = run_pdb(
        tmp_path,
        [
            "import microgradnn.scalar.functions",
            "break microgradnn.scalar.functions.Tanh.backward",
            "continue",
            "where",
            "next",
            "p out",
            "next",
            "quit",
        ],
    )
    # The stack names the path: backward() -> the one loop -> one node's chain-rule step -> tanh's own backward.
    path = re.findall(r"\((\w+)\)$|\)(\w+)\(\)$", session, flags=re.MULTILINE)
    frames = [a or b for a, b in path]
    for name in ("backward", "_backprop", "chain_rule_step"):
        assert name in frames, session
    assert "-> contributions = fn.backward(ctx, upstream)" in session, session
    assert "-> (out,) = ctx.saved_values" in session, session
    assert "-> return (grad * (1.0 - out * out),)" in session, session  # f'(x) = 1 - tanh(x)^2, met in person
    shown_out = float(re.search(r"^\(Pdb\) (-?\d+\.\d+)$", session, flags=re.MULTILINE).group(1))
    import math

    assert shown_out == math.tanh(0.5 * -0.4 * (0.5 * -0.4 + 1.0))


def test_the_debugging_guides_point_at_names_not_line_numbers() -> None:
    for guide in GUIDES:
        text = guide.read_text(encoding="utf-8")
        assert not re.search(r"\.py[:(]\d+", text), f"{guide.relative_to(ROOT)} pins a line number"
        assert "break microgradnn.engine.chain_rule_step" in text
        assert "break microgradnn.scalar.functions.Tanh.backward" in text
