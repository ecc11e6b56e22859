"""One module per method of the talk: ``gatys`` (optimisation-based transfer, CVPR 2016)."""
