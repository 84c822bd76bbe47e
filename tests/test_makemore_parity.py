"""The code of the lecture after micrograd, makemore parts 1-3, runs on microgradnn as on PyTorch.

Each step is written once, in PyTorch's spelling, against a namespace `lib` that is either microgradnn
(`Tensor`, `microgradnn.tensor`, `nn.functional`) or torch: the bigram model from counts, the bigram model as
a one-layer net on one-hot rows, the MLP on a character embedding table (`C[X]`, `view`, `cat(unbind(...))`),
and batch norm by hand. The weights start from the same numbers on both sides, so losses and gradients are
compared step by step (float32, as the lecture), and the training is checked to lower the loss. A few names
stand in for names.txt.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from microgradnn import Tensor, nn, no_grad
from microgradnn import tensor as T
from microgradnn.nn import functional as F

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "charlotte", "amelia", "harper", "evelyn"]
STOI = {s: i + 1 for i, s in enumerate(sorted(set("".join(WORDS))))} | {".": 0}
ITOS = {i: s for s, i in STOI.items()}
V = len(STOI)
PAIRS = [(STOI[a], STOI[b]) for w in WORDS for a, b in zip("." + w, w + ".")]
BLOCK = 3
CONTEXTS = [([0] * BLOCK + [STOI[c] for c in w])[i : i + BLOCK] for w in WORDS for i in range(len(w) + 1)]
TARGETS = [STOI[c] for w in WORDS for c in w + "."]
CLOSE = {"rtol": 1e-4, "atol": 1e-5}  # float32, over a few steps


def ours() -> SimpleNamespace:
    return SimpleNamespace(
        tensor=Tensor, zeros=T.zeros, ones=T.ones, arange=T.arange, linspace=T.linspace, log=T.log, sqrt=T.sqrt,
        tanh=T.tanh, cat=T.cat, unbind=T.unbind, multinomial=T.multinomial, one_hot=F.one_hot,
        cross_entropy=F.cross_entropy, softmax=F.softmax, no_grad=no_grad, int32=np.int32,
    )  # fmt: skip


def theirs() -> SimpleNamespace:
    torch = pytest.importorskip("torch")
    return SimpleNamespace(
        tensor=torch.tensor, zeros=torch.zeros, ones=torch.ones, arange=torch.arange, linspace=torch.linspace,
        log=torch.log, sqrt=torch.sqrt, tanh=torch.tanh, cat=torch.cat, unbind=torch.unbind,
        multinomial=torch.multinomial, one_hot=torch.nn.functional.one_hot,
        cross_entropy=torch.nn.functional.cross_entropy, softmax=torch.nn.functional.softmax,
        no_grad=torch.no_grad, int32=torch.int32,
    )  # fmt: skip


def array(x: object) -> np.ndarray:
    """A NumPy copy of a tensor of either engine (or of an array: our .data and .grad)."""
    return x.copy() if isinstance(x, np.ndarray) else x.detach().numpy().copy()


def arrays(*shapes: tuple[int, ...], scale: float = 1.0, seed: int = 2147483647) -> list[np.ndarray]:
    """Initial weights drawn by our randn with a NumPy generator (torch.Generator's part), shared by both sides."""
    g = np.random.default_rng(seed)
    return [T.randn(shape, generator=g).numpy() * np.float32(scale) for shape in shapes]


# ------------------------------------------------------------------ part 1: counts
def bigram_counts(lib: SimpleNamespace) -> tuple[object, object, object]:
    N = lib.zeros((V, V), dtype=lib.int32)
    for ix1, ix2 in PAIRS:
        N[ix1, ix2] += 1
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    nll = -sum(lib.log(P[ix1, ix2]) for ix1, ix2 in PAIRS) / len(PAIRS)
    return N, P, nll


def sample(P: object, lib: SimpleNamespace, generator: object, n: int = 5) -> list[str]:
    names = []
    for _ in range(n):
        out, ix = [], 0
        while True:
            ix = lib.multinomial(P[ix], num_samples=1, replacement=True, generator=generator).item()
            if ix == 0:
                break
            out.append(ITOS[ix])
        names.append("".join(out))
    return names


def test_bigram_counts_and_sampling_match_torch():
    torch = theirs()
    (N, P, nll), (Nt, Pt, nllt) = bigram_counts(ours()), bigram_counts(torch)
    assert N.dtype == np.int32 and N.sum().item() == len(PAIRS)
    np.testing.assert_array_equal(N.numpy(), Nt.numpy())
    np.testing.assert_allclose(P.numpy(), Pt.numpy(), rtol=1e-6)
    np.testing.assert_allclose(P.sum(1, keepdim=True).numpy(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(nll.item(), nllt.item(), rtol=1e-6)
    names = sample(P, ours(), np.random.default_rng(2147483647))  # torch.Generator().manual_seed(2147483647)
    assert names == sample(P, ours(), np.random.default_rng(2147483647)) and all(set(n) <= set(STOI) for n in names)


# ------------------------------------------------------------------ part 1: the bigram net
def bigram_net(lib: SimpleNamespace, W0: np.ndarray, steps: int) -> tuple[list[float], list[np.ndarray]]:
    xs, ys = lib.tensor([a for a, _ in PAIRS]), lib.tensor([b for _, b in PAIRS])
    num = xs.nelement()
    xenc = lib.one_hot(xs, num_classes=V).float()
    W = lib.tensor(W0, requires_grad=True)
    losses, grads = [], []
    for _ in range(steps):
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[lib.arange(num), ys].log().mean() + 0.01 * (W**2).mean()
        W.grad = None
        loss.backward()
        losses.append(loss.item())
        grads.append(array(W.grad))
        W.data += -50 * W.grad
    return losses, grads


def test_the_bigram_net_trains_and_matches_torch_step_by_step():
    (W0,) = arrays((V, V))
    losses, grads = bigram_net(ours(), W0, 5)
    assert (np.diff(losses) < 0).all(), losses
    torch, xs = theirs(), [a for a, _ in PAIRS]
    one_hot, one_hot_t = F.one_hot(Tensor(xs), num_classes=V), torch.one_hot(torch.tensor(xs), num_classes=V)
    assert one_hot.dtype == one_hot_t.numpy().dtype == np.int64 and (one_hot.numpy() == one_hot_t.numpy()).all()
    losses_t, grads_t = bigram_net(torch, W0, 5)
    np.testing.assert_allclose(losses, losses_t, **CLOSE)
    for g, gt in zip(grads, grads_t):
        np.testing.assert_allclose(g, gt, **CLOSE)


# ------------------------------------------------------------------ part 2: the MLP on an embedding table
def mlp(lib: SimpleNamespace, params0: list[np.ndarray], batches: list[list[int]]) -> SimpleNamespace:
    X, Y = lib.tensor(CONTEXTS), lib.tensor(TARGETS)
    C, W1, b1, W2, b2 = parameters = [lib.tensor(p) for p in params0]
    for p in parameters:
        p.requires_grad = True
    lrs = 10 ** lib.linspace(-3, 0, 1000)
    emb = C[X]
    assert (emb.view(emb.shape[0], 6) == lib.cat(lib.unbind(emb, 1), 1)).all()
    losses, hgrads = [], []
    for ix in batches:
        ix = lib.tensor(ix)
        emb = C[X[ix]]
        h = lib.tanh(emb.view(-1, 6) @ W1 + b1)
        h.retain_grad()
        logits = h @ W2 + b2
        loss = lib.cross_entropy(logits, Y[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = lrs[900].item()
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.item())
        hgrads.append(array(h.grad))
    probs = lib.softmax(lib.tanh(C[lib.tensor([[0] * BLOCK])].view(1, -1) @ W1 + b1) @ W2 + b2, dim=1)
    count = sum(p.nelement() for p in parameters)
    return SimpleNamespace(losses=losses, hgrads=hgrads, params=[array(p.data) for p in parameters], probs=probs,
                           count=count)  # fmt: skip


def test_the_mlp_trains_and_matches_torch_step_by_step():
    params0 = arrays((V, 2), (6, 50), (50,), (50, V), (V,), scale=0.5)
    g = np.random.default_rng(0)
    batches = [T.randint(0, len(CONTEXTS), (32,), generator=g).tolist() for _ in range(20)]
    run, run_t = mlp(ours(), params0, batches), mlp(theirs(), params0, batches)
    assert run.count == run_t.count == V * 2 + 6 * 50 + 50 + 50 * V + V
    assert np.mean(run.losses[-5:]) < np.mean(run.losses[:5]), run.losses
    np.testing.assert_allclose(run.losses, run_t.losses, **CLOSE)
    for ours_, theirs_ in zip(run.hgrads + run.params, run_t.hgrads + run_t.params):
        np.testing.assert_allclose(ours_, theirs_, **CLOSE)
    np.testing.assert_allclose(array(run.probs), array(run_t.probs), **CLOSE)
    ix = T.multinomial(run.probs, num_samples=1, generator=np.random.default_rng(2147483657)).item()
    assert isinstance(ix, int) and 0 <= ix < V  # the sampling loop's step: a 2-d row of probabilities


# ------------------------------------------------------------------ part 3: batch norm by hand, initialisation
def batchnorm(lib: SimpleNamespace, params0: list[np.ndarray], ix: list[int]) -> SimpleNamespace:
    X, Y = lib.tensor(CONTEXTS), lib.tensor(TARGETS)
    C, W1, W2, b2 = [lib.tensor(p) for p in params0]
    bngain, bnbias = lib.ones((1, 50)), lib.zeros((1, 50))
    parameters = [C, W1, W2, b2, bngain, bnbias]
    for p in parameters:
        p.requires_grad = True
    emb = C[X[lib.tensor(ix)]]
    hpreact = emb.view(emb.shape[0], -1) @ W1
    bnmeani, bnstdi = hpreact.mean(0, keepdim=True), hpreact.std(0, keepdim=True)
    xhat = (hpreact - bnmeani) / lib.sqrt(hpreact.var(0, keepdim=True) + 1e-5)  # the BatchNorm1d class's way
    hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
    with lib.no_grad():
        bnmean_running = 0.999 * lib.zeros((1, 50)) + 0.001 * bnmeani
        bnstd_running = 0.999 * lib.ones((1, 50)) + 0.001 * bnstdi
    h = lib.tanh(hpreact)
    loss = lib.cross_entropy(h @ W2 + b2, Y[lib.tensor(ix)])
    loss.backward()
    return SimpleNamespace(
        loss=loss.item(), saturated=(h.abs() > 0.99).float().mean().item(), requires_grad=bnmean_running.requires_grad,
        values=[array(v) for v in (bnstdi, xhat, bnmean_running, bnstd_running)],
        grads=[array(p.grad) for p in parameters],
    )  # fmt: skip


def test_batchnorm_by_hand_matches_torch():
    params0 = arrays((V, 10), (30, 50), (50, V), (V,))
    params0[1] *= np.float32((5 / 3) / 30**0.5)  # Kaiming's gain for tanh over sqrt(fan_in)
    params0[2] *= np.float32(0.01)
    ix = T.randint(0, len(CONTEXTS), (32,), generator=np.random.default_rng(1)).tolist()
    run, run_t = batchnorm(ours(), params0, ix), batchnorm(theirs(), params0, ix)
    assert not run.requires_grad and not run_t.requires_grad  # running statistics made under no_grad
    np.testing.assert_allclose(run.loss, run_t.loss, **CLOSE)
    assert run.saturated == run_t.saturated
    for ours_, theirs_ in zip(run.values + run.grads, run_t.values + run_t.grads):
        np.testing.assert_allclose(ours_, theirs_, **CLOSE)  # std(0, keepdim=True) has torch's correction 1


def test_kaiming_normal_has_torchs_std():
    torch = pytest.importorskip("torch")
    w, wt = T.empty((200, 1000)), torch.empty((200, 1000))
    nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="tanh", seed=0)
    torch.nn.init.kaiming_normal_(wt, mode="fan_in", nonlinearity="tanh")
    expected = (5 / 3) / 1000**0.5  # gain / sqrt(fan_in), fan_in = size(1) on both
    np.testing.assert_allclose([w.data.std(), wt.std().item()], expected, rtol=0.02)
