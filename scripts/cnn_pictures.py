"""Draw the pictures of the "From MLP to CNN" guide (English and Korean) into docs/assets/.

    python scripts/cnn_pictures.py          # about 20 s: trains nn.LeNet on the 8x8 digits first

* cnn_feature_maps(.ko).png: one held-out digit and what the trained network's two convolution layers see in it
  (the ReLU outputs: 16 maps of 8x8, then the 16 most active of 32 maps of 4x4);
* cnn_kernel_grad(.ko).png: at initialisation, for one kernel of the first layer and the loss of one digit: the
  input, the upstream gradient dL/dy of that kernel's output map, and the kernel's gradient dL/dW, which is their
  correlation (x padded by 1, as the layer pads it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from microgradnn import Tensor, data, nn, optim  # noqa: E402
from microgradnn.engine import no_grad  # noqa: E402
from microgradnn.nn import functional as F  # noqa: E402
from microgradnn.training import fit  # noqa: E402
from microgradnn.viz.fonts import plot_fonts  # noqa: E402

WORDS = {
    "en": {
        "input": "input digit",
        "layer1": "conv 1 (1->16, 3x3) + ReLU: 16 feature maps, 8x8",
        "layer2": "conv 2 (16->32, 3x3) + ReLU: 16 of 32 maps, 4x4",
        "suptitle_maps": "What the trained LeNet sees in a held-out '{digit}'",
        "x": "input x (8x8)",
        "upstream": "upstream gradient dL/dy\nof feature map {k} (8x8)",
        "kernel": "kernel W[{k}] (3x3)",
        "grad": "its gradient dL/dW[{k}] (3x3)\n= correlation of x with dL/dy",
        "suptitle_grad": "One kernel's gradient: the loss of one digit, at initialisation",
    },
    "ko": {
        "input": "입력 숫자",
        "layer1": "합성곱 1 (1->16, 3x3) + ReLU: 특성 맵 16개, 8x8",
        "layer2": "합성곱 2 (16->32, 3x3) + ReLU: 32개 중 16개, 4x4",
        "suptitle_maps": "학습한 LeNet이 처음 보는 '{digit}'에서 보는 것",
        "x": "입력 x (8x8)",
        "upstream": "특성 맵 {k}의\n위에서 온 기울기 dL/dy (8x8)",
        "kernel": "커널 W[{k}] (3x3)",
        "grad": "그 기울기 dL/dW[{k}] (3x3)\n= x와 dL/dy의 상관",
        "suptitle_grad": "커널 하나의 기울기: 숫자 하나의 손실, 초기화 직후",
    },
}


def train() -> tuple[nn.LeNet, np.ndarray, np.ndarray]:
    X, y = data.load_digits()
    X = X.reshape(-1, 1, 8, 8).astype(np.float32)
    order = np.random.default_rng(0).permutation(len(y))
    cut = int(0.8 * len(y))
    model = nn.LeNet(seed=0)
    opt = optim.Adam(model.parameters(), lr=0.005)
    train_rows = order[:cut]
    fit(
        model,
        F.cross_entropy,
        opt,
        data=(X[train_rows], y[train_rows]),
        epochs=20,
        batch_size=32,
        seed=0,
        scheduler=optim.CosineAnnealingLR(opt, 20),
    )
    model.eval()
    return model, X[order[cut:]], y[order[cut:]]


def feature_maps(model: nn.LeNet, image: np.ndarray, digit: int, lang: str, path: Path) -> None:
    import matplotlib.pyplot as plt

    w = WORDS[lang]
    with no_grad():
        x = Tensor(image[None])
        f = model.features
        a1 = f[1](f[0](x)).data[0]  # conv 1, ReLU
        a2 = f[4](f[3](f[2](f[1](f[0](x))))).data[0]  # ... pool, conv 2, ReLU
    with plt.rc_context(plot_fonts(lang, "cnn_pictures")):
        fig = plt.figure(figsize=(12, 5.2))
        ax = fig.add_axes((0.01, 0.2, 0.23, 0.6))
        ax.imshow(image[0], cmap="gray_r")
        ax.set_title(w["input"])
        ax.axis("off")
        left = fig.add_gridspec(4, 4, left=0.3, right=0.6, top=0.85, bottom=0.05, hspace=0.08, wspace=0.08)
        right = fig.add_gridspec(4, 4, left=0.67, right=0.97, top=0.85, bottom=0.05, hspace=0.08, wspace=0.08)
        active = np.sort(np.argsort(-a2.reshape(len(a2), -1).sum(axis=1), kind="stable")[:16])
        for maps, picks, spec, title in ((a1, range(16), left, w["layer1"]), (a2, active, right, w["layer2"])):
            for i, k in enumerate(picks):
                sub = fig.add_subplot(spec[i // 4, i % 4])
                sub.imshow(maps[k], cmap="viridis")
                sub.set_xticks([])
                sub.set_yticks([])
                sub.text(0.02, 0.98, str(k), transform=sub.transAxes, va="top", fontsize=7, color="white")
            fig.text((spec.left + spec.right) / 2, 0.9, title, ha="center", fontsize=10)
        fig.suptitle(w["suptitle_maps"].format(digit=digit), fontsize=13)
        fig.savefig(path, dpi=100)
        plt.close(fig)
    print(f"wrote {path}")


def kernel_gradient(lang: str, path: Path, k: int = 5) -> None:
    import matplotlib.pyplot as plt

    w = WORDS[lang]
    X, y = data.load_digits()
    X = X.reshape(-1, 1, 8, 8).astype(np.float32)
    model = nn.LeNet(seed=0)
    conv1 = model.features[0]
    y1 = conv1(Tensor(X[:1]))
    h = y1
    for layer in list(model.features)[1:]:  # the rest of the network, after the first convolution
        h = layer(h)
    loss = F.cross_entropy(model.classifier(h), y[:1])
    loss.backward()
    upstream = y1.grad  # the interior node keeps the gradient of this pass
    grad = conv1.weight.grad[k, 0]
    with plt.rc_context(plot_fonts(lang, "cnn_pictures")):
        fig, axes = plt.subplots(1, 4, figsize=(13, 3.9))
        panels = [
            (X[0, 0], w["x"], "gray_r", False),
            (upstream[0, k], w["upstream"].format(k=k), "RdBu_r", False),
            (conv1.weight.data[k, 0], w["kernel"].format(k=k), "RdBu_r", True),
            (grad, w["grad"].format(k=k), "RdBu_r", True),
        ]
        for ax, (image, title, cmap, numbers) in zip(axes, panels):
            if cmap == "RdBu_r":
                limit = float(np.abs(image).max()) or 1.0
                ax.imshow(image, cmap=cmap, vmin=-limit, vmax=limit)
            else:
                ax.imshow(image, cmap=cmap)
            if numbers:
                for (i, j), v in np.ndenumerate(image):
                    dark = abs(v) > 0.6 * limit
                    ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=10, color="white" if dark else "black")
            ax.set_title(title, fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.suptitle(w["suptitle_grad"], fontsize=12)
        fig.tight_layout(rect=(0, 0, 1, 0.93))
        fig.savefig(path, dpi=100)
        plt.close(fig)
    print(f"wrote {path}")


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    assets = ROOT / "docs" / "assets"
    model, X_test, y_test = train()
    pick = int(np.flatnonzero(y_test == 3)[0])
    for lang in ("en", "ko"):
        suffix = "" if lang == "en" else ".ko"
        feature_maps(model, X_test[pick], int(y_test[pick]), lang, assets / f"cnn_feature_maps{suffix}.png")
        kernel_gradient(lang, assets / f"cnn_kernel_grad{suffix}.png")


if __name__ == "__main__":
    main()
