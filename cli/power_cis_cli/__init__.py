"""The power-cis command."""
