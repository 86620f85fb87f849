"""Caption style presets (TOML) and bundled fonts; installed as ``captionkit.styles``."""
