"""The GovStack Digital Registries API of a municipality's registers, at /api/dr/ on its own
host. See docs/api.md."""
