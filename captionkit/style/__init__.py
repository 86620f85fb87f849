"""Caption styles and layout: presets, fonts and where text sits on the frame (below formats and render)."""
