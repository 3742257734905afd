"""The command line: ``nnstudio`` opens the studio; sub-commands work without a window.

    nnstudio [FILE | --example NAME] [--screenshot PNG [--size WxH]] [--train-epochs N]
    nnstudio examples
    nnstudio new (--example NAME | --csv DATA.csv [--label COLUMN]) -o FILE
    nnstudio train FILE [--epochs N] [--out FILE]
    nnstudio export FILE --format FORMAT -o PATH
    nnstudio predict FILE --input DATA.csv [-o OUT.csv]
    nnstudio info FILE
    nnstudio lessons
    nnstudio lesson check (NAME | FILE.json)

Exit codes: 0 done, 1 error (a bad file, bad data...), 2 usage error, 130 interrupted. An error
ends with exactly one line on stderr that starts with ``nnstudio: error:``; never a traceback
(set NNSTUDIO_DEBUG=1 to see one for an unexpected error).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from nnstudio import __version__
from nnstudio.engine import Callback

PROG = "nnstudio"
EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130
#: More epochs than anyone trains for (a 500-point set takes days); a larger N is a typo.
MAX_EPOCHS = 1_000_000


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with its usage errors ending in one ``nnstudio: error:`` line (exit 2)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        _error_line(message)
        raise SystemExit(EXIT_USAGE)


def _error_line(message: str) -> None:
    one_line = " ".join(str(message).split())
    sys.stderr.write(f"{PROG}: error: {terminal_safe(one_line)}\n")


def terminal_safe(text: str) -> str:
    """``text`` with control and format characters escaped (``\\x1b``), line breaks kept.

    Names in a file are printed to a terminal; an escape sequence in one could retitle or clear
    the terminal, and a right-to-left override could disguise what is printed.
    """
    return "".join(
        c if c == "\n" or c.isprintable() else c.encode("unicode_escape").decode() for c in text
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def _epochs(text: str) -> int:
    value = _positive(text)
    if value > MAX_EPOCHS:
        raise argparse.ArgumentTypeError(
            f"{text} epochs is more than the {MAX_EPOCHS:,} nnstudio trains at most"
        )
    return value


# --------------------------------------------------------------------------- sub-commands
def cmd_examples(args: argparse.Namespace) -> int:
    from nnstudio.examples import examples

    rows = examples()
    width = max(len(name) for name, _, _ in rows)
    for name, title, description in rows:
        print(f"{name:<{width}}  {title}: {description}")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from nnstudio.io import save_project
    from nnstudio.io.atomic import check_folder

    out = check_folder(args.out)
    if args.example is not None:
        if args.label is not None:
            raise ValueError("--label goes with --csv, not with --example")
        doc = _example(args.example)
    else:
        from nnstudio.io.newproject import from_csv

        doc = from_csv(args.csv, label=args.label)
    save_project(doc, out)
    print(f"created {out}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from nnstudio.io import load_project, save_project
    from nnstudio.io.atomic import check_folder
    from nnstudio.live import epochs_for_next_run, train

    source = Path(args.file)
    doc = load_project(source)
    out = check_folder(args.out or source)
    before = doc.epochs
    epochs = args.epochs or epochs_for_next_run(doc.training, before)
    if epochs is None:
        raise ValueError("the project trains until stopped (epochs 0); give --epochs N")
    _refuse_outside_data(doc, source, args.allow_outside_paths)
    progress = Progress(epochs, sys.stderr)
    run = train(
        doc,
        epochs,
        callbacks=[progress],
        base_dir=source.parent,
        allow_outside=args.allow_outside_paths,
    )
    progress.finish()
    if run.message:
        print(f"{PROG}: note: {terminal_safe(run.message)}", file=sys.stderr)
    save_project(doc, out)
    done = doc.epochs - before
    summary = f"trained {done} epochs, {doc.epochs} in all ({_metrics(doc.history)}); saved {out}"
    print(terminal_safe(summary))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from nnstudio.io import export, load_project

    doc = load_project(args.file)
    for path in export(doc, args.format, args.out):
        print(f"wrote {path}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from nnstudio.io import load_project
    from nnstudio.io.atomic import atomic_write, check_folder
    from nnstudio.io.table import input_chunks, names, write_predictions

    source = Path(args.file)
    doc = load_project(source)
    out = check_folder(args.out) if args.out else None
    _refuse_outside_data(doc, source, args.allow_outside_paths)
    features, classes, columns = names(doc, source.parent, args.allow_outside_paths)
    rows = input_chunks(args.input, features)  # read, predicted and written a chunk at a time
    if doc.weights is None:
        note = "the network is not trained; these are its initial guesses"
        print(f"{PROG}: note: {note}", file=sys.stderr)
    if out is None:
        write_predictions(doc, rows, sys.stdout, (classes, columns))
    else:
        with atomic_write(out) as f:
            text = io.TextIOWrapper(f, "utf-8", newline="")
            n_rows = write_predictions(doc, rows, text, (classes, columns))
            text.flush()
            text.detach()  # the atomic writer closes the file itself
        print(f"wrote {n_rows} predictions to {terminal_safe(str(out))}", file=sys.stderr)
    return 0


def _refuse_outside_data(doc: Any, source: Path, allowed: bool) -> None:
    """A project's data path outside its folder needs ``--allow-outside-paths`` (one line)."""
    from nnstudio.data.catalog import outside_location

    if doc.embedded is not None or allowed:
        return
    where = outside_location(doc.data, source.parent)
    if where is not None:
        raise ValueError(
            f"{source.name}: its data path {str(where)!r} is outside the project's folder; "
            "to read it anyway, pass --allow-outside-paths"
        )


def cmd_info(args: argparse.Namespace) -> int:
    from nnstudio.io.describe import describe_file

    print(terminal_safe(describe_file(args.file)))
    return 0


def _example(name: str):
    from nnstudio.examples import example

    return example(name)


def _metrics(history: dict[str, list[float]]) -> str:
    parts = [f"{key} {values[-1]:.4g}" for key, values in history.items() if values]
    return ", ".join(parts) or "no metrics"


class Progress(Callback):
    """An engine callback that reports each epoch: a line per epoch, or a bar on a terminal."""

    def __init__(self, epochs: int, stream: TextIO) -> None:
        self.epochs, self.stream = epochs, stream
        self.tty = stream.isatty()
        self.count = 0
        self.bar_open = False

    def on_epoch_end(self, logs: dict[str, Any]) -> None:
        self.count += 1
        metrics = "  ".join(
            f"{key} {value:.4f}" for key, value in logs.items() if key not in ("epoch", "step")
        )
        if self.tty:
            done = int(30 * self.count / self.epochs)
            bar = "#" * done + "." * (30 - done)
            self.stream.write(f"\r[{bar}] {self.count}/{self.epochs}  {metrics}\x1b[K")
            self.bar_open = True
        else:
            self.stream.write(f"epoch {self.count}/{self.epochs}  {metrics}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.bar_open:
            self.stream.write("\n")
            self.bar_open = False


# ------------------------------------------------------------------------------- parsers
def cmd_lessons(args: argparse.Namespace) -> int:
    from nnstudio.teaching.lesson_file import read_lesson
    from nnstudio.teaching.lessons import builtin_lessons

    for path in builtin_lessons():
        lesson = read_lesson(path)
        count = len(lesson.expectations)
        print(f"{path.stem:<20} {terminal_safe(lesson.title)} ({count} numbers to find)")
    return 0


def cmd_lesson(args: argparse.Namespace) -> int:
    """``lesson check``: do a lesson's steps headless; a cross for each number not reached."""
    from nnstudio.teaching.lesson_file import read_lesson
    from nnstudio.teaching.lessons import find_lesson, run_lesson

    lesson = read_lesson(find_lesson(args.name))
    print(terminal_safe(lesson.title))
    missed = 0

    def note(message: str) -> None:
        print(f"  note: {terminal_safe(message)}")

    for result in run_lesson(lesson, on_message=note):
        actual = "—" if result.actual is None else f"{result.actual:.6g}"
        mark = "✓" if result.ok else "✗"
        missed += not result.ok
        line = f"  {mark} step {result.step + 1}: {result.expect.describe()}; app: {actual}"
        if result.problem:
            line += f" ({result.problem})"
        print(terminal_safe(line))
    total = len(lesson.expectations)
    print(f"{total - missed} of {total} numbers reached")
    return EXIT_ERROR if missed else 0


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {
    "examples": (cmd_examples, "list the built-in example projects"),
    "new": (cmd_new, "create a project from an example or a CSV file"),
    "train": (cmd_train, "train a project without a window and save it"),
    "export": (cmd_export, "export the network (safetensors, pytorch, numpy, keras, onnx, json)"),
    "predict": (cmd_predict, "predict a CSV file of inputs"),
    "info": (cmd_info, "describe a project or a .safetensors weights file"),
    "lessons": (cmd_lessons, "list the built-in lessons"),
    "lesson": (cmd_lesson, "check a lesson: do its steps headless and compare its numbers"),
}


def command_parser() -> ArgumentParser:
    """The parser of ``nnstudio COMMAND ...``."""
    from nnstudio.io.export import FORMATS

    parser = ArgumentParser(prog=PROG)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parsers = {
        name: sub.add_parser(name, help=help_, description=help_)
        for name, (_, help_) in COMMANDS.items()
    }
    for name, p in parsers.items():
        p.set_defaults(run=COMMANDS[name][0])

    p = parsers["new"]
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--example", metavar="NAME", help="a built-in example (see: examples)")
    source.add_argument("--csv", metavar="DATA.csv", help="a CSV file; its rows are embedded")
    p.add_argument("--label", metavar="COLUMN", help="the label column (default: the last)")
    p.add_argument("-o", "--out", required=True, metavar="FILE", help="the project to write")

    p = parsers["train"]
    p.add_argument("file", metavar="FILE", help="a .nnstudio project")
    p.add_argument("--epochs", type=_epochs, metavar="N", help="default: the project's")
    p.add_argument("--out", "-o", metavar="FILE", help="save here instead of FILE")
    _allow_outside_option(p)

    p = parsers["export"]
    p.add_argument("file", metavar="FILE", help="a .nnstudio project")
    p.add_argument("--format", "-f", required=True, choices=list(FORMATS))
    p.add_argument("-o", "--out", required=True, metavar="PATH", help="the file to write")

    p = parsers["predict"]
    p.add_argument("file", metavar="FILE", help="a .nnstudio project")
    p.add_argument("--input", "-i", required=True, metavar="DATA.csv", help="rows of inputs")
    p.add_argument("-o", "--out", metavar="OUT.csv", help="default: print to stdout")
    _allow_outside_option(p)

    parsers["info"].add_argument("file", metavar="FILE", help="a .nnstudio or .safetensors file")

    p = parsers["lesson"]
    p.add_argument("action", choices=["check"], help="check: do the steps, compare the numbers")
    p.add_argument("name", metavar="NAME", help="a built-in lesson (see: lessons) or a .json file")
    return parser


def _allow_outside_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-outside-paths",
        action="store_true",
        help="let the project read data outside its own folder (an absolute or '..' path)",
    )


def open_parser() -> ArgumentParser:
    """The parser of ``nnstudio [FILE]``: open the studio."""
    commands = "\n".join(f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items())
    parser = ArgumentParser(
        prog=PROG,
        usage=f"{PROG} [FILE | --example NAME] [options]\n       {PROG} COMMAND ...",
        description="A neural-network studio for students. Without a command it opens a window.",
        epilog=f"commands (see '{PROG} COMMAND -h'):\n{commands}\n\n"
        "exit codes: 0 done, 1 error, 2 usage error, 130 interrupted",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="a .nnstudio project to open")
    parser.add_argument("--example", metavar="NAME", help="open a built-in example")
    parser.add_argument("--screenshot", metavar="PNG", help="render the window to PNG and exit")
    parser.add_argument("--train-epochs", type=_epochs, metavar="N", help="train N epochs first")
    parser.add_argument(
        "--size",
        type=_window_size,
        default=None,
        metavar="WIDTHxHEIGHT",
        help="window size for --screenshot (default 1280x800)",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


# ----------------------------------------------------------------------------- the window
def _window_size(text: str) -> tuple[int, int]:
    """``1024x700`` -> (1024, 700); a window between 320x240 and 7680x4320."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT such as 1280x800, not {text!r}"
        ) from None
    if not (320 <= width <= 7680 and 240 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"{text}: a size from 320x240 to 7680x4320")
    return width, height


def open_studio(args: argparse.Namespace) -> int:
    """Check what is to be opened, then hand it to the GUI (or train headless without one)."""
    from nnstudio.io import load_project

    if args.file is not None and args.example is not None:
        raise ValueError("give a FILE or --example, not both")
    if args.file is not None and args.screenshot is not None:
        load_project(args.file)  # no window will show: a bad file is reported here
    elif args.example is not None:
        _example(args.example)
    if args.screenshot is not None:
        from nnstudio.io.atomic import check_folder

        check_folder(args.screenshot)
    try:
        from nnstudio.gui.app import run
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith(("nnstudio.gui", "PySide6", "pyqtgraph", "shiboken6")):
            raise
        return _headless(args, exc)
    return int(
        run(
            args.file,
            example=args.example,
            screenshot=args.screenshot,
            train_epochs=args.train_epochs,
            size=args.size,
        )
        or 0
    )


def _headless(args: argparse.Namespace, reason: Exception) -> int:
    """Without a GUI: train the project or example on the console so the command still works."""
    from nnstudio.io import load_project
    from nnstudio.live import epochs_for_next_run, train

    note = f"the window is not available ({reason}); training headless instead"
    print(f"{PROG}: note: {note}", file=sys.stderr)
    doc = load_project(args.file) if args.file else _example(args.example or "xor")
    epochs = args.train_epochs or epochs_for_next_run(doc.training, doc.epochs) or 100
    base_dir = Path(args.file).parent if args.file else None
    if args.file:
        _refuse_outside_data(doc, Path(args.file), False)
    progress = Progress(epochs, sys.stderr)
    train(doc, epochs, callbacks=[progress], base_dir=base_dir)
    progress.finish()
    print(f"trained {epochs} epochs ({_metrics(doc.history)})")
    return 0


# --------------------------------------------------------------------------------- main
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (never raises, never prints a traceback)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(argv)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        _error_line("interrupted")
        return EXIT_INTERRUPTED
    except (ValueError, OSError, MemoryError) as exc:
        _error_line(_describe_error(exc))
        return EXIT_ERROR
    except Exception as exc:
        if os.environ.get("NNSTUDIO_DEBUG"):
            raise
        _error_line(f"unexpected {type(exc).__name__}: {exc} (please report this)")
        return EXIT_ERROR


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] in COMMANDS:
        args = command_parser().parse_args(argv)
        return args.run(args)
    parser = open_parser()
    args = parser.parse_args(argv)
    if args.file is not None and not Path(args.file).is_file():
        parser.error(
            f"{args.file!r} is neither a command ({', '.join(COMMANDS)}) nor an existing file"
        )
    return open_studio(args)


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "not enough memory"
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{Path(exc.filename).name}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return str(exc) or type(exc).__name__
