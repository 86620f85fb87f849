"""The inference.sh edge: the client (SDK or CLI) and the apps captionkit drives."""
