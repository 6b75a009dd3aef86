"""``python -m sig2jsonschema``."""

from .cli import main

raise SystemExit(main())
