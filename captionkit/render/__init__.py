"""Putting captions on video: styles, burn-in with libass, soft-subtitle muxing, previews."""
