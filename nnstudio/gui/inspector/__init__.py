"""The backpropagation inspector: a pinned sample's forward and backward pass, as tables."""
