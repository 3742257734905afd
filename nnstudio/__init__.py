"""nnstudio: a desktop neural-network studio for students."""

__version__ = "0.1.0"
