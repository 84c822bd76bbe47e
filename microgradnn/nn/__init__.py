"""Neural-network building blocks: modules, layers, activations, losses, initialisation.

Scalar networks on `Value` (micrograd style): `Neuron`, `Layer`, `MLP`.
Tensor networks on `Tensor` (PyTorch style): `Linear`, `Sequential` and the
activation modules. Both are `Module`s: `parameters()`, `state_dict()`,
`zero_grad()` and the printed tree work the same way. Losses and activations
as functions are in `microgradnn.nn.functional`; gradient clipping in
`microgradnn.nn.utils`.
"""

from microgradnn.nn import functional, init, utils
from microgradnn.nn.activations import LeakyReLU, ReLU, Sigmoid, Softmax, Step, Tanh
from microgradnn.nn.conv import AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, ConvTranspose2d, LeNet, MaxPool2d
from microgradnn.nn.embedding import Embedding
from microgradnn.nn.layers import Dropout, Flatten, Linear, Sequential, Unflatten
from microgradnn.nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from microgradnn.nn.module import IncompatibleKeys, Module, ModuleList, Parameter, is_parameter
from microgradnn.nn.norm import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from microgradnn.nn.scalar import MLP, Layer, Neuron

__all__ = [
    "MLP",
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "GroupNorm",
    "HingeLoss",
    "HuberLoss",
    "IncompatibleKeys",
    "L1Loss",
    "Layer",
    "LayerNorm",
    "LeNet",
    "LeakyReLU",
    "Linear",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Neuron",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Step",
    "Tanh",
    "Unflatten",
    "functional",
    "init",
    "is_parameter",
    "utils",
]
