"""The Qt Widgets client: the only package of ours that imports PySide6."""
