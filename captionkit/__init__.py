"""captionkit: caption and subtitle post-production for AI talking-head videos."""

__version__ = "0.1.0"
