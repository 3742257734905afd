"""Small reusable widgets: gesture-aware and log-scale sliders, number fields, data thumbnails."""
