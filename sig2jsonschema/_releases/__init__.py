"""What varies by MLflow release, as data: one row per release in one table.

What it holds: ``table`` (`Release`, `RELEASES` and `DEFAULT_RELEASE`).
Every stage that reproduces a release-dependent behaviour reads it from
here rather than spelling a version or a measured number itself.

May import: nothing of sig2jsonschema.  It is the bottom floor.
"""
