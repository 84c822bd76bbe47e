"""Optimizers and learning-rate schedules: how gradients become better weights.

Gradient descent is the chapter's update w' = w - lr * dL/dw. `SGD` adds
momentum, Nesterov momentum and weight decay; `Adagrad`, `RMSprop`, `Adam` and
`AdamW` scale each weight's step by what its gradients have been so far. The
update equations are PyTorch's, written out in each algorithm's `_update`, and
they work the same for `Value` parameters (a float) and `Tensor` parameters (a
numpy array, updated in place so it keeps its dtype).

The files follow PyTorch's: `optimizer.py` (the base class: parameter groups,
the checks, the step loop, checkpoints), one file per algorithm (`sgd.py`,
`adagrad.py`, `rmsprop.py`, `adam.py`) and `lr_scheduler.py` (the schedules,
also reachable as ``optim.lr_scheduler.StepLR``, PyTorch's spelling).

Typical loop::

    opt = optim.SGD(model.parameters(), lr=0.1)
    for epoch in range(100):
        loss = loss_fn(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
"""

from microgradnn.optim import lr_scheduler
from microgradnn.optim.adagrad import Adagrad
from microgradnn.optim.adam import Adam, AdamW
from microgradnn.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    ReduceLROnPlateau,
    StepLR,
)
from microgradnn.optim.optimizer import Optimizer
from microgradnn.optim.rmsprop import RMSprop
from microgradnn.optim.sgd import SGD

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "Optimizer",
    "RMSprop",
    "ReduceLROnPlateau",
    "StepLR",
    "lr_scheduler",
]
