"""The inference.sh apps captionkit drives, and what each accepts (from the deployed schemas)."""

from __future__ import annotations

from dataclasses import dataclass

#: Dia text to speech: ``text`` (``[S1]``/``[S2]`` tags, non-verbal tags), optional ``ref_audio`` + ``ref_text``.
DIA_TTS = "falai/dia-tts"


@dataclass(frozen=True, slots=True)
class Avatar:
    """An avatar model: its inference.sh app, how many speakers it can drive, and its clip lengths."""

    name: str
    app: str
    max_speakers: int  # people it can animate in one portrait (omnihuman-1-5 picks one with mask_index)
    recommended_seconds: float  # the schema's "under 15 s for best quality": the default piece limit
    limit_seconds: float  # the hard limit a piece may never pass
    fps: int = 30  # its output frame rate
    image_max_bytes: int = 5 * 1024 * 1024  # the schema's portrait limits
    image_max_side: int = 4096


AVATARS = {
    "omnihuman-1-5": Avatar("omnihuman-1-5", "bytedance/omnihuman-1-5", 2, 15.0, 30.0),
    "omnihuman-1-0": Avatar("omnihuman-1-0", "bytedance/omnihuman-1-0", 1, 15.0, 30.0),
}
DEFAULT_AVATAR = "omnihuman-1-5"
