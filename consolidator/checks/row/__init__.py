"""Checks over the batch frame: one module per check type, named by it (see checks)."""
