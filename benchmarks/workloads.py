"""The workloads the benchmark measures, each as a zero-argument step function.

Every comparison runs side by side in one process: microgradnn against
micrograd (when installed), hand-written numpy and PyTorch CPU (when
installed). Only ratios measured in the same run are reported as results.
"""

from __future__ import annotations

import importlib.util
import itertools
import tracemalloc
from collections.abc import Callable

import numpy as np

from microgradnn import Tensor, Value, data, optim
from microgradnn.nn import MLP, Linear, ReLU, Sequential
from microgradnn.nn import functional as F

Step = Callable[[], object]


def has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


# ---------------------------------------------------------------- scalar engine
def moons_data(n: int = 100) -> tuple[list[list[float]], list[float]]:
    X, y = data.moons(n, noise=0.1, seed=1)
    return X.tolist(), (2.0 * y - 1.0).tolist()  # labels -1/+1 for the max-margin loss


def microgradnn_demo_step() -> Step:
    """micrograd's demo: MLP 2-16-16-1, 100 moons points, max-margin loss + L2, SGD."""
    X, y = moons_data()
    model = MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    opt = optim.SGD(params, lr=0.1)

    def step() -> None:
        scores = [model(row) for row in X]
        loss = F.hinge_loss(scores, y) + 1e-4 * Value.dot(params, params)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def micrograd_demo_step() -> Step:
    """The same step as micrograd's demo notebook writes it."""
    from micrograd.engine import Value as MValue
    from micrograd.nn import MLP as MMLP

    X, y = moons_data()
    model = MMLP(2, [16, 16, 1])

    def step() -> None:
        inputs = [list(map(MValue, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad

    return step


def value_forward_ops(n: int = 100_000) -> Step:
    """n multiply-adds on Values (2n nodes): forward only."""

    def step() -> None:
        x, c = Value(0.5), Value(1.0001)
        for _ in range(n // 2):
            x = x * c + c

    return step


def chain(n: int, value_class: type = Value) -> object:
    """y = x + c + c + ... (n additions); returns the root. Constants are shared, so n new nodes."""
    x, c = value_class(1.0), value_class(1.0)
    y = x
    for _ in range(n):
        y = y + c
    return y


def bytes_per_node(value_class: type, n: int = 100_000) -> float:
    """Memory held per node of a chain, measured with tracemalloc."""
    x, c = value_class(1.0), value_class(1.0)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = x
    for _ in range(n):
        y = y * c
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del y
    return (after - before) / n


# ---------------------------------------------------------------- tensor engine
def _batch(sizes: list[int], batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], size=batch)
    return X, y


def tensor_mlp_step(sizes: list[int], batch: int) -> Step:
    """One SGD step of a ReLU MLP with cross-entropy, in microgradnn."""
    layers: list = []
    for i in range(len(sizes) - 1):
        layers.append(Linear(sizes[i], sizes[i + 1], seed=i))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    model = Sequential(*layers)
    opt = optim.SGD(model.parameters(), lr=0.01)
    X, y = _batch(sizes, batch)
    Xt = Tensor(X)

    def step() -> None:
        loss = F.cross_entropy(model(Xt), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def numpy_mlp_step(sizes: list[int], batch: int) -> Step:
    """The same step written by hand in numpy: forward, backward and update, float32."""
    rng = np.random.default_rng(0)
    Ws = [(rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(np.float32) for a, b in itertools.pairwise(sizes)]
    bs = [np.zeros(b, dtype=np.float32) for b in sizes[1:]]
    X, y = _batch(sizes, batch)
    n = X.shape[0]
    lr = np.float32(0.01)

    def step() -> None:
        hs = [X]
        for i, (W, b) in enumerate(zip(Ws, bs)):
            z = hs[-1] @ W + b
            hs.append(np.maximum(z, 0) if i < len(Ws) - 1 else z)
        logits = hs[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        _loss = -log_probs[np.arange(n), y].mean()
        g = np.exp(log_probs)
        g[np.arange(n), y] -= 1
        g /= n
        for i in reversed(range(len(Ws))):
            gW = hs[i].T @ g
            gb = g.sum(axis=0)
            if i > 0:
                g = (g @ Ws[i].T) * (hs[i] > 0)
            Ws[i] -= lr * gW
            bs[i] -= lr * gb

    return step


def torch_mlp_step(sizes: list[int], batch: int) -> Step:
    """The same step in PyTorch CPU (only when torch is installed)."""
    import torch

    layers: list = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    X, y = _batch(sizes, batch)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def step() -> None:
        loss = torch.nn.functional.cross_entropy(model(Xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def plain_float_demo_step() -> Step:
    """The floor of the scalar engine: micrograd's demo step written by hand in plain Python floats, no graph.

    MLP 2-16-16-1 (relu, linear output), 100 moons points, max-margin loss + 1e-4 L2, SGD: the same arithmetic
    as the demo step, forward and backward, with every derivative written out.
    """
    X, y = moons_data()
    rng = np.random.default_rng(0)
    sizes = [2, 16, 16, 1]
    W = [rng.uniform(-1, 1, (sizes[i + 1], sizes[i])).tolist() for i in range(3)]
    B = [[0.0] * sizes[i + 1] for i in range(3)]
    n = len(X)

    def step() -> None:
        gW = [[[0.0] * len(row) for row in w] for w in W]
        gB = [[0.0] * len(b) for b in B]
        for xi, yi in zip(X, y):
            acts = [xi]
            for k in range(3):  # forward: z = W a + b, relu on the hidden layers
                a = acts[-1]
                z = [sum(wj * aj for wj, aj in zip(row, a)) + bk for row, bk in zip(W[k], B[k])]
                acts.append([v if v > 0.0 else 0.0 for v in z] if k < 2 else z)
            score = acts[-1][0]
            if 1.0 - yi * score <= 0.0:  # max-margin loss relu(1 - y s): no gradient from this point
                continue
            delta = [-yi / n]
            for k in (2, 1, 0):  # backward: the chain rule layer by layer
                a = acts[k]
                for j, dj in enumerate(delta):
                    gB[k][j] += dj
                    row = gW[k][j]
                    for i, ai in enumerate(a):
                        row[i] += dj * ai
                if k:
                    back = [sum(W[k][j][i] * delta[j] for j in range(len(delta))) for i in range(len(a))]
                    delta = [d if a[i] > 0.0 else 0.0 for i, d in enumerate(back)]
        for k in range(3):  # L2 term (d/dp 1e-4 p^2 = 2e-4 p) and the SGD update
            for j, row in enumerate(W[k]):
                grow = gW[k][j]
                for i, w in enumerate(row):
                    row[i] = w - 0.1 * (grow[i] + 2e-4 * w)
            B[k] = [b - 0.1 * (g + 2e-4 * b) for b, g in zip(B[k], gB[k])]

    return step


# ------------------------------------------------------------ convolutions
def _conv_batch(size: int, batch: int = 32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((batch, 1, size, size)).astype(np.float32)


def conv2d_layer_step(size: int, batch: int = 32) -> Step:
    """One conv2d layer (1 -> 16 channels, 3x3, padding 1) forward and backward to the input and the weights."""
    from microgradnn.nn import Conv2d

    layer = Conv2d(1, 16, 3, padding=1, seed=0)
    x = Tensor(_conv_batch(size, batch), requires_grad=True)

    def step() -> None:
        x.grad = None
        layer.zero_grad()
        layer(x).sum().backward()

    return step


def torch_conv2d_layer_step(size: int, batch: int = 32) -> Step:
    """The same layer, forward and backward, in PyTorch CPU."""
    import torch

    layer = torch.nn.Conv2d(1, 16, 3, padding=1)
    x = torch.from_numpy(_conv_batch(size, batch)).requires_grad_()

    def step() -> None:
        x.grad = None
        layer.zero_grad()
        layer(x).sum().backward()

    return step


def _digits_batch(batch: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """A batch of 8x8 digits (scikit-learn's, when installed; otherwise random images of the same shape)."""
    try:
        X, y = data.load_digits()
        return X[:batch].reshape(-1, 1, 8, 8).astype(np.float32), y[:batch]
    except ImportError:
        rng = np.random.default_rng(0)
        return rng.random((batch, 1, 8, 8), dtype=np.float32), rng.integers(0, 10, batch)


def lenet_step(batch: int = 32) -> Step:
    """One training step of nn.LeNet on a batch of 8x8 digits: forward, cross-entropy, backward, Adam."""
    from microgradnn.nn import LeNet

    X, y = _digits_batch(batch)
    model = LeNet(seed=0)
    opt = optim.Adam(model.parameters(), lr=0.005)
    xb = Tensor(X)

    def step() -> None:
        loss = F.cross_entropy(model(xb), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def torch_lenet_step(batch: int = 32) -> Step:
    """The same network and step in PyTorch CPU."""
    import torch

    X, y = _digits_batch(batch)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(128, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=0.005)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(np.asarray(y, dtype=np.int64))

    def step() -> None:
        loss = torch.nn.functional.cross_entropy(model(Xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return step


def digits_cnn_training(epochs: int = 20) -> tuple[float, float]:
    """The docs page's claim, end to end: (seconds, held-out accuracy) of `train digits --model cnn`'s recipe."""
    import time

    from microgradnn.engine import no_grad
    from microgradnn.nn import LeNet
    from microgradnn.training import fit

    X, y = data.load_digits()
    X = X.reshape(-1, 1, 8, 8).astype(np.float32)
    order = np.random.default_rng(0).permutation(len(y))
    cut = int(0.8 * len(y))
    start = time.perf_counter()
    model = LeNet(seed=0)
    opt = optim.Adam(model.parameters(), lr=0.005)
    fit(
        model,
        F.cross_entropy,
        opt,
        data=(X[order[:cut]], y[order[:cut]]),
        epochs=epochs,
        batch_size=32,
        seed=0,
        scheduler=optim.CosineAnnealingLR(opt, epochs),
    )
    seconds = time.perf_counter() - start
    model.eval()
    with no_grad():
        accuracy = float(np.mean(model(Tensor(X[order[cut:]])).data.argmax(axis=1) == y[order[cut:]]))
    return seconds, accuracy
