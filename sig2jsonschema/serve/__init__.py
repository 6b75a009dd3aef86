"""The serving sidecar: the signature's contract enforced in front of a scoring server.

``sig2jsonschema serve SOURCE --upstream URL`` runs `Sidecar` under uvicorn: it
refuses what the contract refuses (never forwarding it), forwards the rest byte for
byte over pooled connections, and publishes the model's OpenAPI document, an API
page and Prometheus metrics (``docs/serve.md``).  `ValidationMiddleware` gives the
same checks to a user's own Starlette or FastAPI app.

Needs the ``[serve]`` extra (starlette, uvicorn, httpx): importing ``sig2jsonschema``
never imports this package.  It sits beside ``strategies`` and ``_check``: it may
import ``_validate`` and every stage below it, and nothing but ``cli`` imports it.

.. versionadded:: 0.1
"""

from ._app import ServeSettings, Sidecar
from ._middleware import ValidationMiddleware
from ._server import build_sidecar, run_sidecar

__all__ = ["ServeSettings", "Sidecar", "ValidationMiddleware", "build_sidecar", "run_sidecar"]
