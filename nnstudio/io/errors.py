"""The one exception type of the file layer."""


class ProjectError(ValueError):
    """A project, weights or export file cannot be read or written.

    The message names the file and the problem ("lesson.nnstudio: weights.safetensors:
    layers.0.weight has shape (2, 8), expected (8, 2)"), because the student who reads it needs
    to know which file to fix and what is wrong with it.
    """
