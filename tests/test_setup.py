"""scripts/setup.sh against a Python that refuses pip, as Debian's and Ubuntu's own python3 do (PEP 668).

The refusing Python is made here, in a few milliseconds and without copying an interpreter: a folder
whose lib/pythonX.Y links to this interpreter's standard library plus an EXTERNALLY-MANAGED marker,
and a `python3` script that runs this interpreter with PYTHONHOME set to that folder. It is not a
virtual environment, and pip really refuses it (the first test checks that). The set-up is then run
on a copy of the checkout, so the checkout's own .venv is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pip
import pytest

ROOT = Path(__file__).resolve().parents[1]
SETUP = "scripts/setup.sh"

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or shutil.which("bash") is None, reason="the set-up is a bash script"
)


def _real_python() -> str:
    # Under a virtual environment, the interpreter it was made from: the refusing Python must not be one.
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return str(base if base.exists() else Path(sys.executable).resolve())


@pytest.fixture(scope="module")
def refusing_python(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("system-python")
    stdlib = Path(sysconfig.get_path("stdlib"))  # in a virtual environment too, the base interpreter's
    lib = home / "lib" / stdlib.name
    lib.mkdir(parents=True)
    for entry in stdlib.iterdir():
        if entry.name != "site-packages":
            (lib / entry.name).symlink_to(entry)
    (lib / "EXTERNALLY-MANAGED").write_text(
        "[externally-managed]\nError=This Python is managed by the system; use a virtual environment.\n"
    )
    # pip, as a system Python has it (Debian's lives outside the standard library): this environment's own.
    tools = home / "tools"
    tools.mkdir()
    (tools / "pip").symlink_to(Path(pip.__file__).parent)
    exe = home / "bin" / "python3"
    exe.parent.mkdir()
    exe.write_text(f'#!/bin/sh\nPYTHONHOME="{home}" PYTHONPATH="{tools}" exec "{_real_python()}" "$@"\n')
    exe.chmod(0o755)
    return exe


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the files git would commit (tracked and untracked, not ignored), like a fresh clone."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    dest = tmp_path_factory.mktemp("clone")
    for name in filter(None, (n.decode() for n in listed)):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def run_setup(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_REQUIRE", "VIRTUAL_ENV", "PYTHON"))}
    return subprocess.run(["bash", SETUP, *args], cwd=checkout, env=env, capture_output=True, text=True, timeout=600)


def test_the_made_python_really_refuses_pip(refusing_python, tmp_path):
    out = subprocess.run(
        [str(refusing_python), "-m", "pip", "install", "--dry-run", "--no-index", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "externally-managed-environment" in out.stderr


def test_the_set_up_picks_the_venv_only_where_pip_refuses(refusing_python, checkout):
    chosen = run_setup(checkout, "--python", str(refusing_python))
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.strip() == str(checkout / ".venv" / "bin" / "python")
    # This interpreter (a virtual environment, or a Python of one's own) accepts pip: used as it is.
    plain = run_setup(checkout, "--python", sys.executable)
    assert plain.stdout.strip() == sys.executable


def test_an_unknown_target_is_refused_with_the_choices(checkout):
    out = run_setup(checkout, "tuor")
    assert out.returncode == 2 and "unknown target 'tuor'" in out.stderr and "tour, test, docs" in out.stderr


@pytest.mark.slow
def test_tour_set_up_on_a_refusing_python_makes_and_uses_a_venv(refusing_python, checkout):
    first = run_setup(checkout, "tour", str(refusing_python))
    assert first.returncode == 0, first.stderr
    said = [line for line in first.stderr.splitlines() if "PEP 668" in line]
    assert len(said) == 1 and ".venv" in said[0] and "source .venv/bin/activate" in said[0]
    venv_python = checkout / ".venv" / "bin" / "python"
    probe = subprocess.run(
        [str(venv_python), "-c", "import microgradnn, graphviz, PIL, matplotlib, sys; print(microgradnn.__file__)"],
        capture_output=True,
        text=True,
        cwd="/",  # not the checkout, whose folder would be on the path anyway
    )
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()).is_relative_to(checkout)  # this checkout, installed in editable mode
    # Only what the tour needs: none of the test toolchain.
    extra = subprocess.run([str(venv_python), "-c", "import pytest"], capture_output=True, cwd="/")
    assert extra.returncode != 0
    # Run again: it finds everything in place, says so in one line and installs nothing.
    second = run_setup(checkout, "tour", str(refusing_python))
    assert second.returncode == 0, second.stderr
    assert "installing" not in second.stderr
    assert [line for line in second.stderr.splitlines() if ".venv" in line] == [
        f"setup: using the project virtual environment .venv ({refusing_python} refuses pip install (PEP 668))"
    ]
    # An extra that gains a package (pyproject.toml changes) installs again.
    with open(checkout / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    third = run_setup(checkout, "tour", str(refusing_python))
    assert third.returncode == 0, third.stderr
    assert "setup: installing microgradnn with its [tour] extra (pip)" in third.stderr
