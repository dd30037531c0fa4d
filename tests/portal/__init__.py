"""Vendor portal tests."""
