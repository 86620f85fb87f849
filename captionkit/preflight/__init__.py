"""Preflight checks (``captionkit check``): portrait, audio and script against what the avatar and TTS need."""
