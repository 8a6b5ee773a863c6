"""consolidator: check subdivisions' lists of client interaction points against a region's Порядок,
return non-compliant files with remarks, and consolidate the accepted ones."""

__version__ = "0.1.0"
