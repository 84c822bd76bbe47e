"""Neural-network building blocks (work in progress)."""

from microgradnn.nn import init
from microgradnn.nn.module import IncompatibleKeys, Module, ModuleList, Parameter, is_parameter
from microgradnn.nn.scalar import MLP, Layer, Neuron

__all__ = ["MLP", "IncompatibleKeys", "Layer", "Module", "ModuleList", "Neuron", "Parameter", "init", "is_parameter"]
