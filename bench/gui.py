"""Live-training benchmark: is the window responsive while the network trains?

Runs offscreen with every live view open in one window and measures, while training:
GUI event-loop latency (a 5 ms QTimer probe: how late each tick fires; p50, p99, max), frames
the views actually paint per second, and training steps/s compared with headless ``fit`` on the
same network and data in this process (the mean of a run before and one after the live run).
Training itself runs in the controller's child process.
Goals: p99 latency < 50 ms, views >= 20 fps, training >= 70 % of headless steps/s.

    python bench/gui.py [--seconds 8] [--blas-threads 1] [--screenshots DIR] [--profile N]

The training process re-imports this file as ``__mp_main__`` (multiprocessing's spawn start),
so everything heavy (Qt above all) is imported inside the functions, not at the top.
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def parse_args() -> argparse.Namespace:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--seconds", type=float, default=8.0, help="training time per case")
    args.add_argument("--blas-threads", type=int, default=None, help="this process's BLAS threads")
    args.add_argument("--screenshots", default=None, help="save a PNG of each window here")
    args.add_argument("--case", choices=["small", "mnist", "big", "both"], default="both")
    args.add_argument("--profile", type=int, default=0, help="print the N costliest GUI calls")
    args.add_argument("--no-pictures", action="store_true", help="neuron pictures off")
    return args.parse_args()


def small_case() -> tuple[dict, object, int]:
    from nnstudio.data import load

    tanh = {"units": 8, "activation": "tanh"}
    spec = {
        "inputs": 2,
        "layers": [tanh, dict(tanh), {"units": 1, "activation": "sigmoid"}],
        "loss": "binary_crossentropy",
        "optimizer": {"name": "adam", "learning_rate": 0.01},
    }
    return spec, load("spiral", n_samples=500, noise=0.1), 10


def big_case() -> tuple[dict, object, int]:
    """12 hidden layers of 256 on two inputs: the canvas draws 13 layers of neuron pictures."""
    from nnstudio.data import load

    relu = {"units": 256, "activation": "relu"}
    spec = {
        "inputs": 2,
        "layers": [dict(relu) for _ in range(12)] + [{"units": 1, "activation": "sigmoid"}],
        "loss": "binary_crossentropy",
        "optimizer": {"name": "adam", "learning_rate": 0.001},
        "dtype": "float32",
    }
    return spec, load("spiral", n_samples=500, noise=0.1), 32


def mnist_case() -> tuple[dict, object, int]:
    import numpy as np

    from nnstudio.data.dataset import Dataset

    rng = np.random.default_rng(0)
    n = 6000
    y = rng.integers(0, 10, n)
    X = rng.random((n, 784)) * 0.5
    X[np.arange(n), y * 78] += 1.0  # a learnable pixel per class
    ds = Dataset(
        X,
        y,
        [f"p{i}" for i in range(784)],
        [str(k) for k in range(10)],
        "multiclass",
        name="mnist-like",
        image_shape=(28, 28),
    )
    spec = {
        "inputs": 784,
        "layers": [{"units": 128, "activation": "relu"}, {"units": 10, "activation": "softmax"}],
        "loss": "categorical_crossentropy",
        "optimizer": {"name": "adam", "learning_rate": 0.001},
        "dtype": "float32",
    }
    return spec, ds, 32


def headless_steps_per_s(job, seconds: float) -> float:
    from nnstudio.engine import Network, fit

    net = Network(job.spec)
    bs = job.settings["batch_size"]
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        fit(
            net,
            job.X_train,
            job.y_train,
            epochs=1,
            batch_size=bs,
            validation_data=(job.X_val, job.y_val),
        )
        steps = net.steps
    return steps / (time.perf_counter() - start)


def live(app, job, seconds: float, name: str, opts: argparse.Namespace) -> dict[str, float]:
    import cProfile
    import pstats

    import numpy as np
    from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QTimer
    from PySide6.QtWidgets import QGridLayout, QWidget

    from nnstudio.document import Document
    from nnstudio.gui.editor import NetworkEditor
    from nnstudio.gui.live import CanvasPainter
    from nnstudio.gui.panels.training_controls import TrainingControls
    from nnstudio.gui.plots.boundary import BoundaryView
    from nnstudio.gui.plots.confusion import ConfusionView
    from nnstudio.gui.plots.images import SampleImagesView
    from nnstudio.gui.plots.loss import LossView
    from nnstudio.gui.plots.neurons import NeuronMapsView
    from nnstudio.gui.plots.weights import WeightsView
    from nnstudio.gui.training import TrainingController
    from nnstudio.gui.undo import DocumentController

    class PaintCounter(QObject):
        """Counts paint events of a widget's viewport: frames actually drawn."""

        def __init__(self, widget: QWidget) -> None:
            super().__init__(widget)
            self.count = 0
            widget.installEventFilter(self)

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    controller = TrainingController()
    window = QWidget()
    window.setWindowTitle(f"nnstudio live training bench: {name}")
    grid = QGridLayout(window)
    controls = TrainingControls(controller)
    controls.set_steps_per_s(0)  # full speed: the window's default pace is for watching
    views = [LossView(), WeightsView()]
    if job.view["image_shape"]:
        views += [SampleImagesView(), ConfusionView()]
    else:
        views += [BoundaryView(), NeuronMapsView()]
    grid.addWidget(controls, 0, 0, 1, 2)
    for i, view in enumerate(views):
        grid.addWidget(view, 1 + i // 2, i % 2)
        controller.jobLoaded.connect(view.set_job)
        controller.snapshot.connect(view.update_snapshot)
    # The canvas as the window drives it: connection colours and the neuron pictures.
    editor = NetworkEditor(DocumentController(Document(network=dict(job.spec))))
    grid.addWidget(editor, 1 + (len(views) + 1) // 2, 0, 1, 2)
    editor.set_pictures_enabled(not opts.no_pictures)

    canvas = CanvasPainter(editor, lambda: controller.job, window)
    controller.snapshot.connect(canvas.show)
    window.resize(1280, 1000)
    window.show()
    painted = PaintCounter(views[0].loss_plot.viewport())
    frames = 0

    def on_frame(_snap):
        nonlocal frames
        frames += 1

    controller.snapshot.connect(on_frame)
    controller.load_job(job)
    while controller.latest is None:
        app.processEvents()
    lateness: list[float] = []
    clock = QElapsedTimer()
    probe = QTimer()
    probe.setInterval(5)

    def tick():
        lateness.append(max(0.0, clock.restart() - 5.0))

    probe.timeout.connect(tick)
    controller.play()
    while controller.state != "running":
        app.processEvents()
    step0, frames0, paint0 = controller.latest["step"], frames, painted.count
    end: dict[str, float] = {}

    def finish():
        end.update(elapsed=time.perf_counter() - start, step=controller.latest["step"])
        end.update(cpu=time.process_time() - cpu0)
        end.update(frames=frames, painted=painted.count)
        app.quit()

    profiler = cProfile.Profile() if opts.profile else None
    clock.start()
    probe.start()
    start, cpu0 = time.perf_counter(), time.process_time()
    QTimer.singleShot(int(seconds * 1000), finish)
    if profiler:
        profiler.enable()
    app.exec()  # the real event loop: it sleeps in poll() between events
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(opts.profile)
    probe.stop()
    if opts.screenshots:
        os.makedirs(opts.screenshots, exist_ok=True)
        window.grab().save(os.path.join(opts.screenshots, f"bench_{name}.png"))
    controller.shutdown()
    window.close()
    elapsed = end["elapsed"]
    late = np.array(lateness[1:] or [0.0])
    return {
        "latency_p50": float(np.percentile(late, 50)),
        "latency_p99": float(np.percentile(late, 99)),
        "latency_max": float(late.max()),
        "snapshots_per_s": (end["frames"] - frames0) / elapsed,
        "fps": (end["painted"] - paint0) / elapsed,
        "gui_cpu": end["cpu"] / elapsed,
        "cpu_per_frame_ms": 1000 * end["cpu"] / max(1, end["painted"] - paint0),
        "steps_per_s": (end["step"] - step0) / elapsed,
    }


def main() -> int:
    opts = parse_args()
    if opts.blas_threads is not None:  # must be set before NumPy loads OpenBLAS
        os.environ["OPENBLAS_NUM_THREADS"] = str(opts.blas_threads)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from nnstudio.document import Document
    from nnstudio.gui.app import create_app
    from nnstudio.live import job_from_document

    app = create_app()
    cases = {"small": small_case, "mnist": mnist_case, "big": big_case}
    chosen = ["small", "mnist"] if opts.case == "both" else [opts.case]
    print(
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}, "
        f"{os.cpu_count()} cores, {opts.seconds:.0f} s per run (training process: 1 BLAS thread)"
    )
    for name in chosen:
        spec, ds, batch = cases[name]()
        doc = Document(network=spec, training={"batch_size": batch, "epochs": 0})
        job = job_from_document(doc, ds)
        # Before and after: this machine's speed drifts by 10-20 % from one run to the next.
        before = headless_steps_per_s(job, opts.seconds / 2)
        r = live(app, job, opts.seconds, name, opts)
        headless = (before + headless_steps_per_s(job, opts.seconds / 2)) / 2
        ratio = r["steps_per_s"] / headless
        print(
            f"{name:6s} {spec['inputs']}-"
            + "-".join(str(lay["units"]) for lay in spec["layers"])
            + f" batch {batch}: latency p50 {r['latency_p50']:.1f} ms, p99 {r['latency_p99']:.1f}"
            f" ms, max {r['latency_max']:.1f} ms | views {r['fps']:.1f} fps painted"
            f" ({r['snapshots_per_s']:.1f} snapshots/s drawn; GUI {r['gui_cpu']:.0%} of a core,"
            f" {r['cpu_per_frame_ms']:.0f} ms CPU/frame) | training {r['steps_per_s']:.0f}"
            f" steps/s live vs {headless:.0f} headless = {ratio:.0%}"
        )
        ok = r["latency_p99"] < 50 and r["fps"] >= 20 and ratio >= 0.7
        print(f"       goals (p99 < 50 ms, >= 20 fps, >= 70 %): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
