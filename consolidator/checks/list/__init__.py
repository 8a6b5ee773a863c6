"""Checks of the consolidated list as a whole: one module per check type, named by it (see checks)."""
