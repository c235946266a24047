"""Kernel side: call a student's function and turn what it returns into plain data.

A probe is JSON-able data plus NumPy arrays. The kernel writes it to files that the grader reads
back with ``json`` and ``np.load(allow_pickle=False)``: nothing from a submission is unpickled,
evaluated or loaded as a model in the grader's process.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

PROBE_DIR_ENV = "AUTOGRADER_PROBE_DIR"


@dataclass
class Probe:
    """What the kernel observed of one graded function."""

    function: str
    data: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def error(self) -> dict[str, str] | None:
        return self.data.get("error")


class StudentError(Exception):
    """A student's function could not be called or raised; carries a plain description."""

    def __init__(self, info: dict[str, str]) -> None:
        super().__init__(info.get("message", ""))
        self.info = info


def call_student(namespace: dict, name: str, *args: Any) -> Any:
    """Call ``name`` from the notebook's namespace; raise StudentError describing any failure."""
    function = namespace.get(name)
    if function is None:
        raise StudentError({"kind": "missing", "type": "NameError", "message": name})
    if not callable(function):
        raise StudentError({"kind": "not_callable", "type": type(function).__name__,
                            "message": name})
    try:
        return function(*args)
    except NotImplementedError:
        raise StudentError({"kind": "not_implemented", "type": "NotImplementedError",
                            "message": ""}) from None
    except BaseException as error:  # noqa: BLE001 - SystemExit too: the student's code did it
        raise StudentError({"kind": "raised", "type": type(error).__name__,
                            "message": str(error)[:300]}) from None


def plain(value: Any) -> Any:
    """Convert numbers, strings and containers to JSON-able data; other objects to their repr."""
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else repr(number)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "numpy") and hasattr(value, "shape") and value.shape == ():
        return plain(value.numpy())
    if isinstance(value, np.ndarray) and value.shape == ():
        return plain(value.item())
    return {"repr": repr(value)[:200], "type": type(value).__name__}


def numeric_array(value: Any) -> np.ndarray | None:
    """``value`` as a numeric NumPy array if its class is array-like (arrays, tensors), else None.

    The class, not the object, is asked for ``__array__``, so an object that answers every
    attribute is not taken for an array; a conversion that fails or gives objects is None.
    """
    if not isinstance(value, np.ndarray) and not hasattr(type(value), "__array__"):
        return None
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - whatever a student's object raises
        return None
    return array if array.dtype.kind in "biuf" else None


def model_payload(model: Any, *, weights: bool = False,
                  prefix: str = "weight_") -> tuple[dict, dict[str, np.ndarray]]:
    """A Keras model as plain data: class, config, compile config, optionally weights.

    Weights come back as arrays named ``<prefix>0 .. <prefix>n``.
    """
    import keras

    data: dict[str, Any] = {"type": type(model).__name__,
                            "is_keras_model": isinstance(model, keras.Model)}
    if not data["is_keras_model"]:
        return data, {}
    try:
        data["config"] = plain(model.get_config())
        data["compile_config"] = plain(model.get_compile_config() or {})
    except Exception as error:  # noqa: BLE001 - e.g. a custom object Keras cannot serialize
        data["config_error"] = f"{type(error).__name__}: {str(error)[:200]}"
    arrays = {}
    if weights:
        arrays = {f"{prefix}{i}": np.asarray(w) for i, w in enumerate(model.get_weights())}
    return data, arrays


def write(probe: Probe, directory: Path) -> None:
    """Write a probe as ``<function>.json`` and ``<function>.npz`` (no pickles)."""
    directory.mkdir(parents=True, exist_ok=True)
    np.savez(directory / f"{probe.function}.npz", **probe.arrays)
    tmp = directory / f"{probe.function}.json.tmp"
    tmp.write_text(json.dumps(probe.data))
    os.replace(tmp, directory / f"{probe.function}.json")


def read(function: str, directory: Path, max_bytes: int) -> Probe | None:
    """Read a probe written by a kernel, refusing pickles and oversized files."""
    meta, blob = directory / f"{function}.json", directory / f"{function}.npz"
    if not meta.is_file() or not blob.is_file():
        return None
    if meta.stat().st_size > max_bytes or blob.stat().st_size > max_bytes:
        raise ValueError(f"the data handed back for {function} is larger than {max_bytes} bytes")
    data = json.loads(meta.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"the data handed back for {function} is not a JSON object")
    with np.load(blob, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    return Probe(function, data, arrays)


def run_probe(function: str, body: Callable[[], Probe]) -> Probe:
    """Run a probe body, turning a student's failure into an error probe."""
    try:
        return body()
    except StudentError as error:
        return Probe(function, {"error": error.info})
