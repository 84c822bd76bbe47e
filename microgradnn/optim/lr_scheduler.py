"""Learning-rate schedules, as ``torch.optim.lr_scheduler``: closed forms of the epoch, and ReduceLROnPlateau.

Call the scheduler's `step()` once per epoch, after the epoch's optimizer steps.
"""

from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from microgradnn.engine import Node
from microgradnn.optim.optimizer import Optimizer, _check_count, _check_number, _check_saved, _plain

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "ReduceLROnPlateau",
    "StepLR",
]


class LRScheduler:
    """Sets the optimizer's learning rate from a closed-form function of the epoch; call `step()` once per epoch.

    Creating the scheduler sets the epoch-0 rate (as PyTorch does); `base_lrs` holds each parameter group's rate
    at that moment (`base_lr` is the one rate of an optimizer without groups), and each group follows the
    schedule from its own.
    """

    _hyperparameters: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer) -> None:
        self._attach(optimizer)
        self.last_epoch = 0
        self._set_lrs(self._checked_lrs(0))

    def _attach(self, optimizer: Optimizer) -> None:
        """Check `optimizer` and keep it, with each group's rate now as its base rate."""
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an optimizer, got {type(optimizer).__name__}; "
                "pass the optimizer, e.g. StepLR(opt, step_size=10)"
            )
        self.optimizer = optimizer
        self.base_lrs = [group._lr for group in optimizer._groups]

    def _groups(self) -> list[Optimizer]:
        """The optimizer's groups, which must be those the scheduler was made for."""
        groups = self.optimizer._groups
        if len(groups) != len(self.base_lrs):
            raise ValueError(
                f"{type(self).__name__}: the optimizer has {len(groups)} parameter groups but the scheduler was made "
                f"for {len(self.base_lrs)}; make the scheduler after add_param_group"
            )
        return groups

    @property
    def base_lr(self) -> float:
        """The optimizer's rate when the scheduler was made (an optimizer with several groups has `base_lrs`)."""
        if len(self.base_lrs) != 1:
            raise ValueError(
                f"{type(self).__name__}.base_lr: the optimizer has {len(self.base_lrs)} parameter groups; read "
                "base_lrs, one rate per group"
            )
        return self.base_lrs[0]

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        raise NotImplementedError

    def _checked_lrs(self, epoch: int) -> list[float]:
        self._groups()
        return [self._checked_lr(epoch, base_lr) for base_lr in self.base_lrs]

    def _checked_lr(self, epoch: int, base_lr: float) -> float:
        try:
            lr = self._lr_at(epoch, base_lr)
        except OverflowError:  # gamma ** epoch beyond the largest float (gamma > 1): Python raises, PyTorch gives inf
            lr = math.inf
        if not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr < 0:
            raise ValueError(
                f"{type(self).__name__}: the schedule gives lr={lr!r} at epoch {epoch}; a learning rate must be a "
                "finite number >= 0 (check the schedule's formula)"
            )
        return float(lr)

    def _set_lrs(self, lrs: list[float]) -> None:
        for group, lr in zip(self.optimizer._groups, lrs):
            group._lr = lr

    def step(self) -> None:
        """Advance one epoch and set each parameter group's learning rate for it."""
        lrs = self._checked_lrs(self.last_epoch + 1)  # checked before anything changes
        self.last_epoch += 1
        self._set_lrs(lrs)

    def get_last_lr(self) -> list[float]:
        """The learning rate now in use, one per parameter group (as PyTorch's)."""
        return [group._lr for group in self.optimizer._groups]

    def state_dict(self) -> dict[str, Any]:
        """The schedule's position (last_epoch, base_lr) and settings, for a checkpoint (a LambdaLR's function is
        not saved: make the same one again before loading). With parameter groups, "base_lrs" lists each group's."""
        base = {"base_lr": self.base_lrs[0]} if len(self.base_lrs) == 1 else {"base_lrs": list(self.base_lrs)}
        return {
            "type": type(self).__name__,
            **base,
            "last_epoch": self.last_epoch,
            "hyperparameters": {name: getattr(self, name) for name in self._hyperparameters},
        }

    def load_state_dict(self, state_dict: Any) -> None:
        """Restore what `state_dict()` gave and set the optimizer's lr for that epoch; checked first, so after an
        error nothing has changed."""
        who = f"{type(self).__name__}.load_state_dict"
        base_key = "base_lrs" if isinstance(state_dict, Mapping) and "base_lrs" in state_dict else "base_lr"
        _check_saved(state_dict, (base_key, "last_epoch", "hyperparameters"), type(self).__name__, "scheduler", who)
        saved_bases = state_dict[base_key]
        if base_key == "base_lr":
            saved_bases = [saved_bases]
        elif not isinstance(saved_bases, Sequence) or isinstance(saved_bases, str):
            raise TypeError(f"{who}: 'base_lrs' must be a list of rates, one per parameter group, got {saved_bases!r}")
        if len(saved_bases) != len(self.base_lrs):
            raise ValueError(
                f"{who}: the state is for {len(saved_bases)} parameter group(s), the optimizer has "
                f"{len(self.base_lrs)}; build the optimizer with the same groups"
            )
        # >= 0, not > 0: a scheduler made after another one ran down to 0 (CosineAnnealingLR's eta_min) starts there
        base_lrs = [_check_number("base_lr", base_lr, who, low=0.0) for base_lr in saved_bases]
        last_epoch = _check_count("last_epoch", state_dict["last_epoch"], who, low=0)
        saved = state_dict["hyperparameters"]
        if not isinstance(saved, Mapping) or set(saved) != set(self._hyperparameters):
            raise ValueError(f"{who}: hyperparameters {saved!r} do not match {list(self._hyperparameters)}")
        hyper = self._configure(**saved)
        old = (self.base_lrs, self.last_epoch, {name: getattr(self, name) for name in self._hyperparameters})
        self.base_lrs, self.last_epoch = base_lrs, last_epoch
        self.__dict__.update(hyper)
        try:
            lrs = self._checked_lrs(last_epoch)
        except BaseException:
            self.base_lrs, self.last_epoch = old[0], old[1]
            self.__dict__.update(old[2])
            raise
        self._set_lrs(lrs)

    def _configure(self, **hyperparameters: Any) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        lrs = ", ".join(f"{lr:g}" for lr in self.get_last_lr())
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={lrs})"


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size): multiply by gamma every `step_size` epochs."""

    _hyperparameters = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.__dict__.update(self._configure(step_size=step_size, gamma=gamma))
        super().__init__(optimizer)

    def _configure(self, **h: Any) -> dict[str, Any]:
        return {
            "step_size": _check_count("step_size", h["step_size"], "StepLR"),
            "gamma": _check_number("gamma", h["gamma"], "StepLR", low=0.0, strict=True, hint="; e.g. gamma=0.1"),
        }

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""

    _hyperparameters = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.__dict__.update(self._configure(gamma=gamma))
        super().__init__(optimizer)

    def _configure(self, **h: Any) -> dict[str, Any]:
        hint = "; e.g. gamma=0.95"
        return {"gamma": _check_number("gamma", h["gamma"], "ExponentialLR", low=0.0, strict=True, hint=hint)}

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2: half a cosine from base_lr to eta_min."""

    _hyperparameters = ("T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.__dict__.update(self._configure(T_max=T_max, eta_min=eta_min))
        super().__init__(optimizer)

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = "CosineAnnealingLR"
        return {
            "T_max": _check_count("T_max", h["T_max"], who),
            "eta_min": _check_number("eta_min", h["eta_min"], who, low=0.0, hint="; e.g. eta_min=0.0"),
        }

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0


class LinearLR(LRScheduler):
    """lr = base_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters) / total_iters).

    micrograd's demo schedule lr = 1.0 - 0.9 * k / 100 is
    ``LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)`` with lr=1.0.
    """

    _hyperparameters = ("start_factor", "end_factor", "total_iters")

    def __init__(
        self, optimizer: Optimizer, start_factor: float = 1.0 / 3.0, end_factor: float = 1.0, total_iters: int = 5
    ) -> None:
        self.__dict__.update(self._configure(start_factor=start_factor, end_factor=end_factor, total_iters=total_iters))
        super().__init__(optimizer)

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = "LinearLR"
        start = _check_number(
            "start_factor", h["start_factor"], who, low=0.0, strict=True, hint="; e.g. start_factor=1.0"
        )
        end = _check_number("end_factor", h["end_factor"], who, low=0.0, hint="; e.g. end_factor=0.1")
        for name, factor in (("start_factor", start), ("end_factor", end)):
            if factor > 1.0:  # PyTorch's range too: a factor scales the rate down, it never raises it past lr
                raise ValueError(f"{who}: {name} must be at most 1, got {factor!r}; e.g. {name}=0.5")
        return {
            "start_factor": start,
            "end_factor": end,
            "total_iters": _check_count("total_iters", h["total_iters"], who),
        }

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        fraction = min(epoch, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * fraction)


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch), for any schedule you can write as a function."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(
                f"LambdaLR: lr_lambda must be a function of the epoch, got {lr_lambda!r}; "
                "e.g. lr_lambda=lambda epoch: 0.95 ** epoch"
            )
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        factor = self.lr_lambda(epoch)
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
            raise TypeError(f"LambdaLR: lr_lambda({epoch}) returned {factor!r}; it must return a number")
        return base_lr * float(factor)


class MultiStepLR(LRScheduler):
    """lr = base_lr * gamma ** (how many milestones the epoch has reached): multiply by gamma at each milestone.

    A milestone listed twice multiplies twice, as in PyTorch.
    """

    _hyperparameters = ("milestones", "gamma")

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1) -> None:
        self.__dict__.update(self._configure(milestones=milestones, gamma=gamma))
        super().__init__(optimizer)

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = "MultiStepLR"
        milestones = h["milestones"]
        if not isinstance(milestones, Iterable) or isinstance(milestones, (str, bytes, Mapping)):
            raise TypeError(f"{who}: milestones must be a list of epochs, got {milestones!r}; e.g. milestones=[30, 80]")
        return {
            "milestones": sorted(_check_count("a milestone", m, who, low=0) for m in milestones),
            "gamma": _check_number("gamma", h["gamma"], who, low=0.0, strict=True, hint="; e.g. gamma=0.1"),
        }

    def _lr_at(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch)


class ReduceLROnPlateau(LRScheduler):
    """Multiply each group's lr by `factor` when a metric has stopped improving, as ``torch.optim.lr_scheduler``'s.

    Call ``step(metric)`` once per epoch with the number to watch (a validation loss, or with mode="max" an
    accuracy). A metric better than the best so far (by more than `threshold`: a fraction of the best with
    threshold_mode "rel", an amount with "abs") resets the count of bad epochs; after more than `patience` bad
    epochs in a row every group's lr becomes max(lr * factor, min_lr), unless that changes it by eps or less, and
    the next `cooldown` epochs count as good. Not a closed form of the epoch: it follows the metrics it was given.
    """

    _hyperparameters = ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lrs", "eps")
    _counters = ("best", "num_bad_epochs", "cooldown_counter", "last_epoch")

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        self._attach(optimizer)
        groups = len(optimizer._groups)
        if isinstance(min_lr, Sequence) and not isinstance(min_lr, str):
            if len(min_lr) != groups:
                raise ValueError(
                    f"ReduceLROnPlateau: min_lr lists {len(min_lr)} rates for {groups} parameter group(s); give one "
                    "per group, or one number for all"
                )
            min_lrs = list(min_lr)
        else:
            min_lrs = [min_lr] * groups
        self.__dict__.update(
            self._configure(
                mode=mode,
                factor=factor,
                patience=patience,
                threshold=threshold,
                threshold_mode=threshold_mode,
                cooldown=cooldown,
                min_lrs=min_lrs,
                eps=eps,
            )
        )
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0

    def _configure(self, **h: Any) -> dict[str, Any]:
        who = "ReduceLROnPlateau"
        for name, allowed in (("mode", ("min", "max")), ("threshold_mode", ("rel", "abs"))):
            if h[name] not in allowed:
                raise ValueError(f"{who}: {name} must be {allowed[0]!r} or {allowed[1]!r}, got {h[name]!r}")
        return {
            "mode": h["mode"],
            "factor": _check_number("factor", h["factor"], who, low=0.0, high=1.0, hint="; e.g. factor=0.1"),
            "patience": _check_count("patience", h["patience"], who, low=0),
            "threshold": _check_number("threshold", h["threshold"], who, low=0.0, hint="; e.g. threshold=1e-4"),
            "threshold_mode": h["threshold_mode"],
            "cooldown": _check_count("cooldown", h["cooldown"], who, low=0),
            "min_lrs": [_check_number("min_lr", m, who, low=0.0, hint="; e.g. min_lr=1e-6") for m in h["min_lrs"]],
            "eps": _check_number("eps", h["eps"], who, low=0.0, hint="; e.g. eps=1e-8"),
        }

    def _is_better(self, metric: float) -> bool:
        best, threshold = self.best, self.threshold
        if self.mode == "min":
            return metric < (best * (1.0 - threshold) if self.threshold_mode == "rel" else best - threshold)
        return metric > (best * (1.0 + threshold) if self.threshold_mode == "rel" else best + threshold)

    def step(self, metrics: Any = None) -> None:  # type: ignore[override]
        """Count one epoch with its `metrics` (a number: the loss or accuracy to watch), and lower the rates after
        more than `patience` epochs without improvement."""
        if metrics is None:
            raise TypeError(
                "ReduceLROnPlateau.step: give the metric to watch, e.g. scheduler.step(val_loss); it lowers the rate "
                "when that number stops improving"
            )
        if isinstance(metrics, Node):
            metrics = metrics.data
        if isinstance(metrics, np.ndarray) and metrics.size == 1:
            metrics = metrics.item()
        if isinstance(metrics, bool) or not isinstance(metrics, numbers.Real):
            raise TypeError(f"ReduceLROnPlateau.step: the metric must be a number, got {metrics!r}")
        groups = self._groups()
        current = float(metrics)  # (a NaN is never better: it counts as a bad epoch, as in PyTorch)
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:  # just after a reduction: the epoch counts as good
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(groups, self.min_lrs):
                new = max(group._lr * self.factor, min_lr)
                if group._lr - new > self.eps:  # a change smaller than eps is not made
                    group._lr = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0

    def state_dict(self) -> dict[str, Any]:
        """The settings and the counters (best so far, bad epochs, cooldown left, epochs seen), for a checkpoint."""
        return {
            "type": "ReduceLROnPlateau",
            "hyperparameters": {name: _plain(getattr(self, name)) for name in self._hyperparameters},
            **{name: getattr(self, name) for name in self._counters},
        }

    def load_state_dict(self, state_dict: Any) -> None:
        """Restore what `state_dict()` gave (the rates themselves are in the optimizer's checkpoint); checked first,
        so after an error nothing has changed."""
        who = "ReduceLROnPlateau.load_state_dict"
        _check_saved(state_dict, ("hyperparameters", *self._counters), "ReduceLROnPlateau", "scheduler", who)
        saved = state_dict["hyperparameters"]
        if not isinstance(saved, Mapping) or set(saved) != set(self._hyperparameters):
            raise ValueError(f"{who}: hyperparameters {saved!r} do not match {list(self._hyperparameters)}")
        hyper = self._configure(**saved)
        if len(hyper["min_lrs"]) != len(self.optimizer._groups):
            raise ValueError(
                f"{who}: the state is for {len(hyper['min_lrs'])} parameter group(s), the optimizer has "
                f"{len(self.optimizer._groups)}"
            )
        best = state_dict["best"]
        if isinstance(best, bool) or not isinstance(best, numbers.Real):
            raise TypeError(f"{who}: 'best' must be a number, got {best!r}")
        counters = {name: _check_count(name, state_dict[name], who, low=0) for name in self._counters[1:]}
        self.__dict__.update(hyper)
        self.best = float(best)
        self.__dict__.update(counters)

    def __repr__(self) -> str:
        lrs = ", ".join(f"{lr:g}" for lr in self.get_last_lr())
        return f"ReduceLROnPlateau(mode={self.mode!r}, best={self.best:g}, bad epochs={self.num_bad_epochs}, lr={lrs})"
