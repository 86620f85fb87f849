"""Putting captions on video: burn-in with libass, soft-subtitle muxing, contact-sheet previews (styles are in style/)."""
