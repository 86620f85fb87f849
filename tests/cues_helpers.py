"""Checks on built cues shared by the segmentation tests."""

from __future__ import annotations

from dataclasses import dataclass

from captionkit.cues.profiles import Profile, load_profile
from captionkit.model import Track
from captionkit.text import ends_sentence


@dataclass
class SharedSentence:
    """A sentence end inside a cue that the same speaker's next sentence follows in that cue."""

    cue: str
    excused: bool  # one of the two sentences is whole in the cue and too short to stand alone
    whole: bool    # both sentences are whole in the cue
    parts: int     # how many sentences or turns the cue holds, in whole or in part


def shared_sentences(track: Track, profile: "str | Profile", fps: float, slack: float = 0.0) -> list[SharedSentence]:
    """Every sentence end inside a cue of ``track`` that the same speaker's next sentence follows.

    A sentence is too short to stand alone when a cue of just its words could not be shown for the minimum
    duration and its reading time before the next words start (less the minimum gap); ``slack`` seconds
    more count as too short too (for streams whose times are not on frames).
    """
    rules = load_profile(profile)
    words = track.words
    starts = {0, len(words)} | {
        k for k in range(1, len(words))
        if ends_sentence(words[k - 1].text) or words[k - 1].speaker != words[k].speaker
        or "sound" in (words[k - 1].kind, words[k].kind) or words[k].start - words[k - 1].end >= rules.pause_break
    }

    def too_short(a: int, b: int) -> bool:
        need = max(rules.min_duration, rules.min_reading_time([" ".join(w.text for w in words[a:b])]))
        room = rules.max_duration
        if b < len(words):
            room = min(room, words[b].start - words[a].start - rules.min_gap_frames / fps)
        return room < need + slack

    shared, first = [], 0
    for cue in track.cues:
        last = first + len(cue.words)
        inside = [k for k in range(first + 1, last) if k in starts]
        bounds = [first, *inside, last]
        for position, k in enumerate(inside, 1):
            if words[k - 1].speaker == words[k].speaker and ends_sentence(words[k - 1].text):
                before, after = bounds[position - 1], bounds[position + 1]
                whole_before, whole_after = before in starts, after in starts
                excused = (whole_before and too_short(before, k)) or (whole_after and too_short(k, after))
                shared.append(SharedSentence(cue.text, excused, whole_before and whole_after, len(bounds) - 1))
        first = last
    return shared
