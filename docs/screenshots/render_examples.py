"""Render the README's example screenshots with the command line's own ``--screenshot``.

    python docs/screenshots/render_examples.py [FOLDER]

Each is ``nnstudio --example NAME --train-epochs N --screenshot FILE --size WxH``: the window in
its default layout, trained headless first so every live view is filled.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: file name: (example, epochs, size)
SHOTS = {
    "start.png": ("xor", 0, "1280x800"),
    "xor.png": ("xor", 200, "1280x800"),
    "xor-1024x700.png": ("xor", 200, "1024x700"),
    "iris.png": ("iris", 150, "1280x800"),
    "iris-1024x700.png": ("iris", 150, "1024x700"),
    "digits.png": ("digits", 30, "1280x800"),
    "digits-1024x700.png": ("digits", 30, "1024x700"),
    "sine.png": ("sine", 300, "1280x800"),
    "spiral.png": ("spiral", 300, "1280x800"),
}


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent
    for name, (example, epochs, size) in SHOTS.items():
        command = [sys.executable, "-m", "nnstudio", "--example", example, "--size", size]
        if epochs:
            command += ["--train-epochs", str(epochs)]
        subprocess.run([*command, "--screenshot", str(folder / name)], check=True)
        print(f"{name}: {example}, {epochs} epochs, {size}")


if __name__ == "__main__":
    main()
