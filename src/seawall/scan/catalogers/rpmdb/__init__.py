"""Pure-Python readers of the three rpm database formats.

Each reader yields raw header blobs; :mod:`.header` decodes them. No rpm
library is needed: the formats are small and reading them directly keeps the
scanner free of native dependencies and able to read any host's database.
"""
