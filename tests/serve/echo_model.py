"""A model (MLflow "models from code") that answers with what ``predict`` received.

Served by a real ``mlflow models serve``: each answer is the shared oracle's
description of ``model_input`` and ``params`` (shared/tools/mlflow_oracle.py, the
same format the labelled corpus records), and each call appends one line to the
file named by ``S2J_ECHO_COUNT`` so a test can count the model's invocations.
``S2J_ECHO_SLEEP`` (seconds) slows every call down, for the timeout and drain tests.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import mlflow.models
import mlflow.pyfunc

sys.path.insert(0, os.environ["S2J_ORACLE_TOOLS"])
from mlflow_oracle import describe, encode_value


class EchoModel(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        count = os.environ.get("S2J_ECHO_COUNT")
        if count:
            with Path(count).open("a", encoding="utf-8") as handle:
                handle.write("1\n")
        delay = float(os.environ.get("S2J_ECHO_SLEEP") or 0)
        if delay:
            time.sleep(delay)
        out = {"received": describe(model_input), "params": encode_value(params)}
        return json.dumps(out, allow_nan=False)


mlflow.models.set_model(EchoModel())
