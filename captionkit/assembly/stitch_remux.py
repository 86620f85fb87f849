"""Stream copy of matching clips' video and AAC audio into one MP4, without decoding or encoding anything.

Video packets move by whole frames. Audio packets are laid end to end: each later clip's
priming packets (before its time 0) are dropped, and each clip contributes just as many AAC
frames as keep the audio within half a frame of where its video ends (dropping the tail of a
clip whose sound runs longer, adding silent frames to one whose sound is shorter), so the
error never accumulates across joins.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..files import atomic_output
from ..media import open_media
from .stitch_clips import Clip

#: Samples an AAC frame decodes to, whatever the container says.
AAC_FRAME = 1024


def audio_copy_problem(clips: list[Clip], output: Path) -> str | None:
    """Why the clips' audio cannot be stream-copied end to end, or None when it can."""
    first = clips[0].info
    if output.suffix.lower() not in (".mp4", ".mov", ".m4v"):
        return f"copying audio is done for MP4/MOV output, not {output.suffix or 'no extension'}"
    for index, clip in enumerate(clips, start=1):
        info = clip.info
        if clip.audio_index:
            return f"clip {index} is heard by its audio stream {clip.audio_index + 1}, not its first"
        if not info.has_audio or info.audio_codec != "aac":
            return f"clip {index} has {'no' if not info.has_audio else info.audio_codec} audio, not AAC"
        if (info.sample_rate, info.channels) != (first.sample_rate, first.channels) or clip.audio_extradata != clips[0].audio_extradata:
            return f"clip {index} has different AAC parameters"
        if abs(clip.video_start) > 1e-6 or clip.audio_start is None or abs(clip.audio_start) > 1e-6:
            return f"clip {index} does not start its video and audio at 0"
    return None


def silent_aac_packet(template) -> Any:
    """One AAC frame of silence with the clips' parameters, to fill a clip whose audio is shorter than its video."""
    import av

    encoder = av.CodecContext.create("aac", "w")
    encoder.sample_rate = template.sample_rate
    encoder.layout = template.layout
    encoder.format = "fltp"
    packets = []
    for index in range(8):
        frame = av.AudioFrame.from_ndarray(
            np.zeros((len(template.layout.channels), AAC_FRAME), np.float32), format="fltp", layout=template.layout.name
        )
        frame.sample_rate = template.sample_rate
        frame.pts = index * AAC_FRAME
        packets += encoder.encode(frame)
    return packets[len(packets) // 2]


def remux(clips: list[Clip], targets: list[int], fps: Fraction, output: Path) -> None:
    """Copy every clip's video and AAC audio packets into ``output`` (written atomically)."""
    import av

    with atomic_output(output) as temporary, open_media(temporary, "w", options={"movflags": "+faststart"}) as out:
        with open_media(clips[0].path) as first:
            video_out = out.add_stream_from_template(first.streams.video[0])
            audio_out = out.add_stream_from_template(first.streams.audio[0])
            rate = first.streams.audio[0].codec_context.sample_rate
            frame_size = first.streams.audio[0].codec_context.frame_size or AAC_FRAME
            silence = None
        audio_cursor: int | None = None  # next audio pts, in samples
        frames_before = 0
        for index, (clip, frames) in enumerate(zip(clips, targets)):
            offset = Fraction(frames_before, 1) / fps
            audio_end = round((frames_before + frames) * rate / fps)
            with open_media(clip.path) as container:
                video, audio = container.streams.video[0], container.streams.audio[0]
                video_shift = round(offset / video.time_base)
                for packet in container.demux(video, audio):
                    if packet.dts is None or packet.size == 0:
                        continue
                    if packet.stream is video:
                        packet.pts += video_shift
                        packet.dts += video_shift
                        packet.stream = video_out
                        out.mux(packet)
                        continue
                    duration = frame_size
                    if packet.pts + duration <= 0 and index > 0:
                        continue  # encoder priming of a later clip
                    if audio_cursor is None:
                        audio_cursor = packet.pts
                    if audio_cursor + duration > audio_end + duration // 2:
                        continue  # past this clip's video: its tail goes
                    packet.pts = packet.dts = audio_cursor
                    audio_cursor += duration
                    packet.stream = audio_out
                    out.mux(packet)
                while audio_cursor is not None and audio_cursor + frame_size // 2 <= audio_end:
                    silence = silence or silent_aac_packet(audio.codec_context)
                    filler = av.Packet(bytes(silence))
                    filler.pts = filler.dts = audio_cursor
                    filler.duration = frame_size
                    filler.time_base = Fraction(1, rate)
                    filler.stream = audio_out
                    out.mux(filler)
                    audio_cursor += frame_size
            frames_before += frames
