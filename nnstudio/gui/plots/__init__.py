"""Live views of training, drawn with pyqtgraph from snapshots (see ``gui/training.py``).

Each view is a QWidget that can be shown on its own. ``set_job(job)`` takes what changes only
with the data (scatter points, names); ``update_snapshot(snap)`` is cheap and reuses the items
it created once (``setData`` / ``setImage`` with fixed levels).
"""
