"""The scanner: catalogers find packages in image layers, matchers join them
with advisories, findings and SBOMs come out."""
