"""Image sources and layer reading for the scanner.

An :class:`~seawall.scan.image.interface.ImageSource` yields manifests and
blobs; :func:`~seawall.scan.image.resolve.resolve` turns a reference into the
layers of one platform; :func:`~seawall.scan.image.layer.read_layer` streams
one layer and captures only the files catalogers asked for.
"""

from seawall.scan.image.interface import ImageSource, LayerRef, ResolvedImage
from seawall.scan.image.limits import ScanLimits
from seawall.scan.image.open import open_image

__all__ = ["ImageSource", "LayerRef", "ResolvedImage", "ScanLimits", "open_image"]
