"""The network editor: a ``QGraphicsScene`` drawn from the document; edits go through undo."""

from nnstudio.gui.editor.scene import MIME_TYPE, NetworkScene, drag_kind, mime_data
from nnstudio.gui.editor.toolbox import EditorToolbox
from nnstudio.gui.editor.view import NetworkView
from nnstudio.gui.editor.widget import NetworkEditor

__all__ = [
    "MIME_TYPE",
    "EditorToolbox",
    "NetworkEditor",
    "NetworkScene",
    "NetworkView",
    "drag_kind",
    "mime_data",
]
