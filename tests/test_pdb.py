"""The debugger use case, tested for real: drive `python -m pdb` through `backward()` with scripted commands.

The guide (docs/guides/debugging.md) tells a learner to break on the line of
the engine's backward loop that calls `node._vjp(upstream)`. Here a real pdb
session does exactly that, prints each node's label and upstream gradient at
the breakpoint, and we check that the nodes arrive in backward order: every
node only after all the nodes that consumed it, output first.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from microgradnn import engine

ROOT = Path(__file__).resolve().parents[1]

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


def _vjp_line() -> int:
    """The line of engine._backprop that asks a node for its gradient contributions."""
    lines, start = inspect.getsourcelines(engine._backprop)
    for offset, line in enumerate(lines):
        if "._vjp(" in line:
            return start + offset
    raise AssertionError("engine._backprop no longer calls node._vjp(...): update the debugging guide and this test")


def test_pdb_walks_backward_in_reverse_topological_order(tmp_path: Path) -> None:
    script = tmp_path / "graph.py"
    script.write_text(SCRIPT, encoding="utf-8")
    commands = "\n".join(
        [
            f"break {engine.__file__}:{_vjp_line()}",
            "commands 1",
            "silent",
            'print("NODE", node.label, upstream)',
            "continue",  # inside `commands`, continue also ends the list
            "continue",
            "quit",
            "",
        ]
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONBREAKPOINT": ""}
    result = subprocess.run(
        [sys.executable, "-m", "pdb", str(script)],
        input=commands,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    session = result.stdout
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
    assert "Traceback" not in session + result.stderr
    assert "***" not in session  # pdb's marker for a command it could not run


def test_the_debugging_guides_show_the_current_line() -> None:
    """The pdb transcripts in the guides break on the line this test breaks on (update them when it moves)."""
    line = _vjp_line()
    for guide in (ROOT / "docs" / "guides" / "debugging.md", ROOT / "docs" / "ko" / "guides" / "debugging.md"):
        shown = set(re.findall(r"engine\.py[:(](\d+)", guide.read_text(encoding="utf-8")))
        assert shown == {str(line)}, f"{guide.relative_to(ROOT)} shows engine.py line(s) {shown}; the loop is at {line}"
