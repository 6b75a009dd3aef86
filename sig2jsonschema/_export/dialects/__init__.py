"""Down-convert a Draft 2020-12 schema to the dialects gateways read.

What it holds: ``convert`` (the public functions `to_dialect`,
`to_components`, `export`), ``walker`` (one pass over the tree: references,
polarity), ``rewrites`` (one method per feature a dialect lacks),
``targets`` (what each dialect lacks, as data), ``unevaluated`` (the static
analysis behind ``unevaluated*``) and ``tree`` (dialect names, the loss
entry, how subschemas are found).

The converter is generic over any 2020-12 schema.  Within ``_export`` only
``convert`` and ``openapi`` use the rest of the stage; the converter itself
imports nothing of it.
"""
