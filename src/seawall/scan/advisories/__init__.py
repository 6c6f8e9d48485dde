"""The advisory database: importers per format, a store on SQLite or
PostgreSQL, and feed downloads (``seawall db``)."""
