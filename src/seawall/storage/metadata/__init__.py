"""Metadata: SQLAlchemy Core tables and queries, Alembic migrations.

All tables share :data:`seawall.storage.metadata.schema.metadata`. Each domain
(registry core, auth, crypto, ecr, scan) keeps its tables in its own module
and its migrations as its own Alembic branch (``branch_labels``) in
``migrations/versions/``; ``upgrade heads`` applies every branch.
"""
