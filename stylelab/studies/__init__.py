"""One module per notebook: its experiments and figures as tested functions, so the notebook stays thin.

``normalization`` (notebook 00), ``gatys`` (01), ``feedforward`` (02), ``cin`` (03), ``adain`` (04), ``emd`` (05),
``speed`` (06). Methods (``stylelab.methods``,
``stylelab.fonts.emd``) take typed configs and never see a notebook's run object; these modules
translate a notebook's profile settings into those configs.
"""
