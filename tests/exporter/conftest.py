"""Fixtures shared with the fault tests: `served`, the demo account on loopback with a frozen clock."""

from tests.faults.conftest import served

__all__ = ["served"]
