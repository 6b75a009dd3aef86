"""The upstreams of benchmarks/serve.py.

* ``IdModel`` (MLflow "models from code"): a W1 model for a real ``mlflow models
  serve``; each ``predict`` appends the ``l3`` value of every row it got (the request
  id the benchmark puts there) to the file named by ``S2J_BENCH_IDS``, so lost and
  duplicated requests can be counted at the model.
* ``app``: the trivial upstream, a minimal ASGI app answering 200 to everything, for
  timing the sidecar alone (``python -m uvicorn benchmarks.serve_upstreams:app``).
"""

from __future__ import annotations

import os
from typing import Any

_ANSWER = b'{"predictions": [0]}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"20")]


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _ANSWER})


if os.environ.get("S2J_BENCH_MODEL"):  # only when MLflow loads this file as a model
    import mlflow.models
    import mlflow.pyfunc

    class IdModel(mlflow.pyfunc.PythonModel):
        def __init__(self) -> None:
            self.fd: int | None = None

        # No type hints on predict: MLflow would read them as a signature and warn.
        def predict(self, context, model_input, params=None):  # noqa: ARG002
            path = os.environ.get("S2J_BENCH_IDS")
            if path:
                if self.fd is None:
                    self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
                ids = "".join(f"{int(v)}\n" for v in model_input["l3"])
                os.write(self.fd, ids.encode())
            return [0] * len(model_input)

    mlflow.models.set_model(IdModel())
