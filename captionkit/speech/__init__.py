"""Speech models at the edge: the model registry, transcription and forced alignment."""
