"""Which packages the wheel holds: the ``nnstudio`` packages plus ``nnstudio.resources``.

``nnstudio.resources`` is the top-level ``resources/`` folder (pyproject's ``package-dir``
maps it there). It is not below ``nnstudio/``, so package discovery cannot find it and it is
listed here; everything else (metadata, dependencies, package data) is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["nnstudio", "nnstudio.*"]), "nnstudio.resources"])
