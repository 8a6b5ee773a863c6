"""Checks of one file's table as read: one module per check type, named by it (see checks)."""
