"""Operator unit tests: pure builders, status derivation, CRD generation inputs, the render CLI."""
