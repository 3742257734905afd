"""Network editor timings for a 12 x 256 network (prints figures; never asserts).

    QT_QPA_PLATFORM=offscreen python bench/editor.py

Each edit is timed from ``controller.push`` until the canvas is redrawn from the document
(``scene.sync()``), median of several runs; the goal is well under 50 ms per edit.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtWidgets import QApplication

from nnstudio.document import Document
from nnstudio.document import edits as E
from nnstudio.gui.editor import NetworkEditor
from nnstudio.gui.undo import DocumentController


def big_document(hidden: int = 12, units: int = 256) -> Document:
    layers = [{"units": units, "activation": "relu"} for _ in range(hidden)]
    layers.append({"units": 10, "activation": "softmax"})
    network = {
        "inputs": 784,
        "layers": layers,
        "loss": "categorical_crossentropy",
        "optimizer": {"name": "adam"},
        "seed": 1,
    }
    return Document(network=network)


def timed(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    rows: list[tuple[str, float]] = []

    def build():
        editor = NetworkEditor(DocumentController(big_document()))
        editor.deleteLater()

    build()  # warm up imports and caches
    rows.append(("build editor (12 x 256 + 784 inputs)", timed(build, 5)))

    controller = DocumentController(big_document())
    editor = NetworkEditor(controller)
    editor.resize(1200, 700)
    editor.show()
    app.processEvents()
    scene = editor.scene

    def push_undo(make_edit):
        def run():
            controller.push(make_edit())
            scene.sync()
            controller.undo()
            scene.sync()

        return run

    def half(ms: float) -> float:
        return ms / 2  # each run is an edit and its undo

    edits_to_time = [
        ("set units (+1 neuron)", lambda: E.SetUnits(5, 255)),
        ("set activation", lambda: E.SetLayerProperty(5, "activation", "tanh")),
        ("set l2 (slider step)", lambda: E.SetLayerProperty(5, "l2", 0.001)),
        ("set use_bias", lambda: E.SetLayerProperty(5, "use_bias", False)),
        ("remove layer", lambda: E.RemoveLayer(3)),
        ("move layer", lambda: E.MoveLayer(0, 7)),
        ("set weight (materialises weights)", lambda: E.SetWeight(4, 0, 255, 1.0)),
        ("set bias (materialises weights)", lambda: E.SetBias(4, 3, 1.0)),
    ]
    for name, make in edits_to_time:
        rows.append((f"edit + redraw: {name}", half(timed(push_undo(make)))))

    controller.push(E.SetWeights(E.initial_weights(controller.document.network)))
    rows.append(
        (
            "edit + redraw: set weight (weights present)",
            half(timed(push_undo(lambda: E.SetWeight(4, 0, 255, 1.0)))),
        )
    )

    controller.push(E.RemoveLayer(0))
    scene.sync()
    rows.append(("edit + redraw: insert layer", half(timed(push_undo(lambda: E.InsertLayer(3))))))

    rng = np.random.default_rng(0)
    frames = [[rng.normal(size=w.shape) for w in scene.weights()] for _ in range(4)]
    n = [0]

    def live():
        editor.set_connection_values(frames[n[0] % 4], "weights")
        n[0] += 1

    rows.append(("live weights update (set_connection_values)", timed(live, 30)))
    rows.append(
        ("paint the canvas (grab 1200x700)", timed(lambda: editor.view.viewport().grab(), 10))
    )

    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"{name:<{width}}  {ms:7.2f} ms")
    editor.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
