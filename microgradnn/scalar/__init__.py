"""The scalar engine: `Value` (scalar.value) and its ops as Functions (scalar.functions)."""

from microgradnn.scalar.value import Value

__all__ = ["Value"]
