"""Identifiers used by the retailer: supply point numbers and the like."""
