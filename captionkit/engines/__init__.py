"""Embedded engines that need no account or network: piper speech and a still-portrait presenter."""
