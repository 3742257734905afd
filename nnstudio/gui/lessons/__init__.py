"""Lessons in the window: the Lesson panel, the Lessons menu, and steps done with the controls."""
