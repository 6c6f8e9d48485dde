"""OCI data types: digests, descriptors, media types, manifests, references.

Pure code, no I/O: everything else in Seawall depends on this package and it
depends on nothing but the standard library and ``seawall.errors``.
"""
