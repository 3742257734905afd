"""Files: project files, weight exports and generated code, plus the Document-to-training glue.

No Qt here: the GUI and the command line both call these functions.

- ``load_project(path) -> Document`` / ``save_project(doc, path)``: ``.nnstudio`` files
- ``export(doc, fmt, path)``: safetensors, pytorch, numpy, keras, onnx, json
- ``nnstudio.io.code``: ``model_code(doc, language)``, the model definition the code view shows
- ``nnstudio.io.session``: ``prepare(doc)``, ``network(doc)``, ``train(doc, ...)``, ``predict``
- ``ProjectError``: the one error every file problem raises
"""

from nnstudio.io.errors import ProjectError
from nnstudio.io.export import FORMATS, export
from nnstudio.io.project import FORMAT_VERSION, load_project, project_bytes, save_project

__all__ = [
    "FORMATS",
    "FORMAT_VERSION",
    "ProjectError",
    "export",
    "load_project",
    "project_bytes",
    "save_project",
]
