"""The playground: a web page where a network trains live, driven by glassnet.

``glassnet playground`` serves it (:func:`glassnet.playground.serve.serve`). The page picks a
data set (circle, XOR, Gaussian blobs, spiral, a regression plane, a 1-D sine, or an uploaded
CSV), the input features, the layers and the training settings; the server trains a
``gn.Sequential`` on a worker thread per browser tab and streams what the page draws. Clicking
a neuron shows its z, a, delta and gradients from :func:`glassnet.explain.trace`; Export
downloads the model (``gn.load`` reads it) and a script that trains the same network.

The modules that need no web server are importable without the ``playground`` extra:
:mod:`~glassnet.playground.data`, :mod:`~glassnet.playground.network`,
:mod:`~glassnet.playground.frames`, :mod:`~glassnet.playground.views`,
:mod:`~glassnet.playground.session` and :mod:`~glassnet.playground.export`.
"""

from glassnet.playground.data import features, make_data
from glassnet.playground.network import Settings, build_model

__all__ = ["Settings", "build_model", "features", "make_data"]
