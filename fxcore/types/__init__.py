"""Gradual tensor types for FX graphs."""
