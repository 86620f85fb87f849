"""Caption file formats, one module each; load() and save() choose by extension."""
