"""Tools for testing gradients: hypothesis strategies (`microgradnn.testing.strategies`)."""

from microgradnn.testing import strategies

__all__ = ["strategies"]
