"""Resistance Coach: coaches B2B sellers through buyer resistance (align, clarify, assure)."""

__version__ = "0.1.0"
