"""One module per method of the talk, each behind the one interface of :mod:`.base` (``Method``) and found by
its registry: ``gatys`` (optimise the pixels, CVPR 2016), ``style_swap`` (Chen & Schmidt's patch swap and an
optimisation inverse), ``feedforward`` (Johnson et al.'s transform net and Ulyanov et al.'s texture net; ``examples_net``: the twin of
pytorch/examples' fast-neural-style net, whose published checkpoints the Johnson method also loads),
``cin`` (Dumoulin et al.'s conditional instance norm: one net, N styles), ``adain/`` (Huang & Belongie:
model, training, test-time controls, the port's published files, its speed-table network).

    from stylelab.methods import base
    base.methods()                  # name → Method class, in the talk's order
    base.get("dumoulin")            # aliases: the papers' names
"""
