"""Callback data and keyboard builders, one module per feature."""
