"""From timed words to caption cues: reading-rule profiles, segmentation, line breaking, timing, and lint."""
