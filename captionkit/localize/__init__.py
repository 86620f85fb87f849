"""Localisation: translate by sentence, glossaries, translator exchange files, and re-cutting cues per language."""
