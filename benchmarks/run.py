"""Run every benchmark, check the performance targets, and write docs/performance.md.

    python benchmarks/run.py            # full run (a few minutes), rewrites docs/performance.md
    python benchmarks/run.py --quick    # tiny sizes, prints only: checks that the suite works

Targets are ratios measured side by side in this one run, never absolute times.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script from anywhere

import workloads as wl
from timing import best_time, compare, paired_ratio

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Target:
    name: str
    measured: float
    limit: float
    at_least: bool  # True: measured must be >= limit; False: <= limit

    @property
    def met(self) -> bool:
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit

    def row(self) -> str:
        sign = ">=" if self.at_least else "<="
        return f"| {self.name} | {self.measured:.2f}x | {sign} {self.limit:g}x | {'met' if self.met else 'NOT met'} |"


def scalar_benchmarks(quick: bool, lines: list[str], targets: list[Target], plot: dict) -> None:
    n_ops = 10_000 if quick else 200_000
    t = best_time(wl.value_forward_ops(n_ops), repeats=3)
    lines.append(f"| Value forward ops per second | {n_ops / t / 1e6:.2f} M ops/s |")

    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
    roots = {n: wl.chain(n) for n in sizes}
    # In alternating rounds, as every other comparison: timed one after the other, a 1M-node pass that met a busy
    # moment of the machine made the ratio swing from 8x to 15x between runs.
    chain_times = compare({n: root.backward for n, root in roots.items()}, repeats=1, rounds=3)
    del roots
    gc.collect()
    for n in sizes:
        per_node = chain_times[n] / n * 1e9
        lines.append(f"| backward, chain of {n:,} nodes | {chain_times[n] * 1e3:.1f} ms ({per_node:.0f} ns/node) |")
    plot["chain"] = chain_times
    if 1_000_000 in chain_times:
        targets.append(
            Target("backward 1M-node chain / 100k-node chain", chain_times[1_000_000] / chain_times[100_000], 12, False)
        )

    ours = wl.bytes_per_node(wl.Value, 20_000 if quick else 100_000)
    lines.append(f"| bytes per node (microgradnn) | {ours:.0f} B |")
    if wl.has("micrograd"):
        from micrograd.engine import Value as MValue

        theirs = wl.bytes_per_node(MValue, 20_000 if quick else 100_000)
        lines.append(f"| bytes per node (micrograd) | {theirs:.0f} B |")
        targets.append(Target("micrograd bytes per node / microgradnn's", theirs / ours, 2, True))

    candidates = {"microgradnn": wl.microgradnn_demo_step(), "plain floats": wl.plain_float_demo_step()}
    if wl.has("micrograd"):
        candidates["micrograd"] = wl.micrograd_demo_step()
    repeats, rounds = (1, 1) if quick else (3, 3)
    with_gc = compare(candidates, repeats=repeats, rounds=rounds, gc_enabled=True)
    without_gc = compare(candidates, repeats=repeats, rounds=rounds, gc_enabled=False)
    for name in candidates:
        on, off = with_gc[name] * 1e3, without_gc[name] * 1e3
        lines.append(f"| moons demo step, {name} | {on:.1f} ms (gc on), {off:.1f} ms (gc off) |")
    plot["demo"] = {"gc on": with_gc, "gc off": without_gc}
    floor = with_gc["plain floats"]
    targets.append(Target("moons demo step / plain-float floor, gc on", with_gc["microgradnn"] / floor, 6, False))
    if "micrograd" in candidates:
        targets.append(
            Target("micrograd step / microgradnn step, gc on", with_gc["micrograd"] / with_gc["microgradnn"], 10, True)
        )
        targets.append(
            Target(
                "micrograd step / microgradnn step, gc off",
                without_gc["micrograd"] / without_gc["microgradnn"],
                2,
                True,
            )
        )


def tensor_benchmarks(quick: bool, lines: list[str], targets: list[Target], plot: dict) -> None:
    configs = [([64, 32, 10], 32, 1.5), ([784, 512, 256, 10], 256, 1.05)]
    if quick:
        configs = [([64, 32, 10], 32, 1.5)]
    for sizes, batch, limit in configs:
        name = "-".join(map(str, sizes)) + f" batch {batch}"
        candidates = {"microgradnn": wl.tensor_mlp_step(sizes, batch), "numpy": wl.numpy_mlp_step(sizes, batch)}
        if wl.has("torch"):
            candidates["pytorch"] = wl.torch_mlp_step(sizes, batch)
        repeats, rounds = (5, 1) if quick else (20, 5)
        times = compare(candidates, repeats=repeats, rounds=rounds)
        for who, t in times.items():
            lines.append(f"| tensor MLP {name}, {who} | {t * 1e3:.3f} ms |")
        # The goal's ratio from paired blocks of steps (about 20 ms each), steadier than a ratio of two best times.
        block = max(1, round(0.02 / times["numpy"]))
        ratio = paired_ratio(candidates["microgradnn"], candidates["numpy"], block=block, pairs=6 if quick else 40)
        ratios = {who: t / times["numpy"] for who, t in times.items()}
        plot.setdefault("tensor", {})[name] = {**ratios, "microgradnn": ratio}  # the plot shows the goal's ratio
        lines.append(f"| tensor MLP {name}, microgradnn / numpy, median of paired {block}-step blocks | {ratio:.2f}x |")
        targets.append(Target(f"tensor MLP {name}: microgradnn / numpy", ratio, limit, False))
        if "pytorch" in times:
            lines.append(f"| tensor MLP {name}, pytorch / numpy | {times['pytorch'] / times['numpy']:.2f}x |")


def conv_benchmarks(quick: bool, lines: list[str], targets: list[Target], plot: dict) -> None:
    """A conv2d layer (batch 32, 1 -> 16 channels, 3x3) and a LeNet training step against PyTorch CPU.

    Both sides single-threaded (torch.set_num_threads(1), and BLAS limited to one thread through threadpoolctl),
    so the ratio compares the code, not the number of cores it happened to get.
    """
    if not wl.has("torch"):
        lines.append("| conv2d and LeNet against PyTorch | skipped: torch is not installed |")
        return
    import contextlib

    import torch

    try:
        from threadpoolctl import threadpool_limits

        one_blas_thread = threadpool_limits(limits=1)
    except ImportError:  # then numpy's BLAS may use more threads than PyTorch: the ratio flatters us
        one_blas_thread = contextlib.nullcontext()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    repeats, rounds = (3, 1) if quick else (20, 5)
    try:
        with one_blas_thread:
            workloads = {
                f"conv2d 1->16 3x3, batch 32, {n}x{n}, forward+backward": (
                    wl.conv2d_layer_step(n),
                    wl.torch_conv2d_layer_step(n),
                )
                for n in (8, 28)
            }
            workloads["LeNet training step on 8x8 digits, batch 32"] = (wl.lenet_step(), wl.torch_lenet_step())
            for name, (ours, theirs) in workloads.items():
                times = compare({"microgradnn": ours, "pytorch": theirs}, repeats=repeats, rounds=rounds)
                ratio = times["microgradnn"] / times["pytorch"]
                lines.append(
                    f"| {name}: microgradnn {times['microgradnn'] * 1e3:.3f} ms, "
                    f"pytorch {times['pytorch'] * 1e3:.3f} ms (1 thread each) | {ratio:.2f}x |"
                )
                plot.setdefault("conv", {})[name] = times
                targets.append(Target(f"{name}: microgradnn / pytorch, 1 thread", ratio, 1.5, False))
            if not quick and wl.has("sklearn"):
                seconds, accuracy = wl.digits_cnn_training()
                lines.append(
                    f"| LeNet on the digits, 20 epochs (the recipe of `train digits --model cnn`, seed-0 weights) | "
                    f"{seconds:.1f} s, "
                    f"{accuracy:.1%} held out |"
                )
                targets.append(Target("LeNet digits training time / 60 s", seconds / 60.0, 1.0, False))
                targets.append(Target("LeNet digits held-out accuracy / 98%", accuracy / 0.98, 1.0, True))
    finally:
        torch.set_num_threads(threads)


def tour_benchmark(lines: list[str], targets: list[Target]) -> None:
    """The README's first command must finish well under a minute (pictures included)."""
    import tempfile

    from microgradnn.tour import run_tour

    with tempfile.TemporaryDirectory() as out:
        result = run_tour(out=out, verbose=False)
    lines.append(f"| the tour (`microgradnn tour`), start to finish | {result.seconds:.1f} s |")
    targets.append(Target("tour running time / 60 s", result.seconds / 60.0, 1.0, False))


def machine() -> str:
    import os

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )


def save_plot(plot: dict, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    demo = plot["demo"]
    names = list(demo["gc on"])
    x = np.arange(len(names))
    axes[0].bar(x - 0.2, [demo["gc on"][n] * 1e3 for n in names], 0.4, label="gc on")
    axes[0].bar(x + 0.2, [demo["gc off"][n] * 1e3 for n in names], 0.4, label="gc off")
    axes[0].set_xticks(x, names)
    axes[0].set_ylabel("ms per training step")
    axes[0].set_title("scalar: micrograd's moons demo step")
    axes[0].legend()
    chain = plot["chain"]
    axes[1].loglog(list(chain), [t * 1e3 for t in chain.values()], "o-")
    axes[1].set_xlabel("nodes in the chain")
    axes[1].set_ylabel("backward time (ms)")
    axes[1].set_title("backward is linear in the nodes")
    tensor = plot.get("tensor", {})
    for i, (_config, ratios) in enumerate(tensor.items()):
        who = list(ratios)
        axes[2].bar([i + j * 0.25 for j in range(len(who))], [ratios[w] for w in who], 0.25)
        for j, w in enumerate(who):
            axes[2].text(i + j * 0.25, ratios[w], w, ha="center", va="bottom", fontsize=8)
    axes[2].set_xticks(range(len(tensor)), list(tensor), fontsize=8)
    axes[2].set_ylabel("time / hand-written numpy")
    axes[2].set_title("tensor: MLP training step")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes; print only, write nothing")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md", help="the Markdown report")
    args = parser.parse_args(argv)

    lines: list[str] = ["| measurement | result |", "| --- | --- |"]
    targets: list[Target] = []
    plot: dict = {}
    started = time.perf_counter()
    scalar_benchmarks(args.quick, lines, targets, plot)
    tensor_benchmarks(args.quick, lines, targets, plot)
    conv_benchmarks(args.quick, lines, targets, plot)
    tour_benchmark(lines, targets)
    target_lines = ["| target | measured | goal | |", "| --- | --- | --- | --- |"] + [t.row() for t in targets]
    print("\n".join(lines))
    print()
    print("\n".join(target_lines))
    print(f"\n({time.perf_counter() - started:.0f} s on {machine()})")
    if not args.quick:
        write_report(args.out, lines, target_lines, save_plot(plot, args.out.parent / "assets" / "performance.png"))
    return 0 if all(t.met for t in targets) else 1


def write_report(path: Path, lines: list[str], target_lines: list[str], plotted: bool) -> None:
    template = (ROOT / "benchmarks" / "performance_template.md").read_text(encoding="utf-8")
    report = template.format(
        date=time.strftime("%Y-%m-%d"),
        machine=machine(),
        results="\n".join(lines),
        targets="\n".join(target_lines),
        plot="![benchmark results](assets/performance.png)" if plotted else "(matplotlib was not installed: no plot)",
    )
    path.write_text(report, encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
