"""Dock panels: data set, hyper-parameters, training controls, inspector, properties."""
