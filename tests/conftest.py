"""Suite-wide settings: Qt runs headless in every test."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
