"""Cue segmentation and lint: speed, and quality against a greedy segmenter.

    python benchmarks/cues_segment.py [--minutes 60] [--profile netflix] [--words stream.json]

Builds a word stream of realistic talking-head timing (a presenter's script
and a dialogue, spoken ``--variants`` times by piper with true word times,
two speakers taking turns, repeated) lasting ``--minutes``, then measures:

* ``build_track`` (the dynamic programme, line breaking and timing): seconds
  and words per second;
* a greedy segmenter, the usual alternative (fill a cue word by word until the
  next word would break a line, line-count or duration limit, then break; the
  same line breaker and timing passes), for the ratio;
* ``lint_track`` on the result: cues per second;
* quality of both: lint errors, unavoidable cues, cues that end
  mid-sentence (not after . , ; : ? !) and of those the ones that end on an
  article, determiner or preposition ("the | house", "in | the"), and
  sentence ends inside a cue (the same speaker's next sentence starts in the
  same cue), and of those, how many are excused: one of the two sentences is
  too short to stand alone (could not be shown long enough before the next
  words start).

Piper varies its timing from run to run: to compare two versions of the
code on the same speech, pass ``--words FILE`` (written on the first run,
read on the next).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from captionkit.cues.linebreak import DETERMINERS, PREPOSITIONS, LineFiller, break_lines  # noqa: E402
from captionkit.cues.profiles import Profile, load_profile  # noqa: E402
from captionkit.cues.segment import Group, build_track, span_of  # noqa: E402
from captionkit.cues.timing import TimingRules, frame_time, time_cues  # noqa: E402
from captionkit.engines import piper_tts  # noqa: E402
from captionkit.formats.jsonfile import read_words, write_words  # noqa: E402
from captionkit.cues.lint import lint_track  # noqa: E402
from captionkit.model import Cue, Track, Word  # noqa: E402
from captionkit.text import ends_sentence  # noqa: E402

TURNS = [
    ("S1", "Hi, I'm Joe, and welcome to captionkit. In the next minute I'll show you how a talking-head video gets "
           "captions that say exactly what the script says. First, we take the script you gave your voice "
           "generator. Every word, every number and every name stays as you wrote it, so three features never "
           "turns into free features."),
    ("S2", "Okay. And the timing?"),
    ("S1", "Welcome back to the studio. Today we are looking at captions that follow the broadcast rules, "
           "from the length of every line to the speed at which people can comfortably read them."),
    ("S2", "Really? Show me."),
    ("S1", "Good captions break after punctuation and before conjunctions, never between an article and its noun. "
           "They also respect shot changes and stay on screen long enough to be read."),
    ("S2", "Yes."),
]


def word_stream(minutes: float, variants: int) -> list[Word]:
    """Piper speech's true word times: the turns spoken ``variants`` times, repeated until ``minutes`` of speech."""
    blocks = []
    for _ in range(variants):
        block = piper_tts.concatenate([piper_tts.synthesize(text, speaker=speaker) for speaker, text in TURNS], 0.3)
        blocks.append((block.words, block.duration))
    words: list[Word] = []
    offset = 0.0
    for block_words, duration in itertools.cycle(blocks):
        if offset >= minutes * 60:
            break
        words += [Word(w.text, w.start + offset, w.end + offset, speaker=w.speaker) for w in block_words]
        offset += duration + 0.5
    return words


def greedy_track(words: list[Word], profile_name: str) -> Track:
    """The usual alternative: fill each cue until a limit is hit (speaker changes and long pauses break)."""
    profile = load_profile(profile_name)
    rules = TimingRules.from_profile(profile, profile.default_fps)
    groups: list[list[Word]] = []
    filler = None
    for word in words:
        current = groups[-1] if groups else None
        fits = False
        if current:
            filler.add(profile.line_length(word.text))
            fits = (
                filler.lines <= profile.max_lines
                and word.speaker == current[-1].speaker
                and word.end - current[0].start <= profile.max_duration
                and word.start - current[-1].end < profile.pause_break
                and (not profile.max_words or len(current) < profile.max_words)
            )
        if fits:
            current.append(word)
        else:
            groups.append([word])
            filler = LineFiller(profile)
            filler.add(profile.line_length(word.text))
    made = [Group(group, break_lines([w.text for w in group], profile), group[0].speaker) for group in groups]
    spans = [span_of(group, profile, rules) for group in made]
    cues = [
        Cue(frame_time(a, rules.fps), frame_time(b, rules.fps), group.lines, group.speaker, group.words)
        for group, (a, b) in zip(made, time_cues(spans, rules))
    ]
    return Track(cues)


def shared_sentences(track: Track, profile: Profile, fps: float) -> list[bool]:
    """For each sentence end inside a cue that the same speaker's next sentence follows: is it excused?

    It is when the sentence before or after the boundary is whole in the cue and too short to stand alone:
    as a cue of its own it could not be shown for the minimum duration and its reading time before the next
    words start (less the minimum gap). tests/cues_helpers.py checks the same.
    """
    words = track.words
    starts = {0, len(words)} | {
        k for k in range(1, len(words))
        if ends_sentence(words[k - 1].text) or words[k - 1].speaker != words[k].speaker
    }

    def too_short(a: int, b: int) -> bool:
        if a not in starts or b not in starts:
            return False  # part of a sentence that goes on in another cue
        need = max(profile.min_duration, profile.min_reading_time([" ".join(w.text for w in words[a:b])]))
        room = profile.max_duration
        if b < len(words):
            room = min(room, words[b].start - words[a].start - profile.min_gap_frames / fps)
        return room < need

    excused, first = [], 0
    for cue in track.cues:
        last = first + len(cue.words)
        bounds = [first, *(k for k in range(first + 1, last) if k in starts), last]
        for position in range(1, len(bounds) - 1):
            before, k, after = bounds[position - 1], bounds[position], bounds[position + 1]
            if words[k - 1].speaker == words[k].speaker:
                excused.append(too_short(before, k) or too_short(k, after))
        first = last
    return excused


def quality(track: Track, profile: str) -> dict:
    violations = lint_track(track, profile)
    rules = load_profile(profile)
    mid_sentence = sum(not cue.words[-1].text.endswith((".", ",", ";", ":", "?", "!")) for cue in track.cues)
    shared = shared_sentences(track, rules, rules.default_fps)
    return {
        "cues": len(track.cues),
        "errors": sum(v.severity == "error" for v in violations),
        "unavoidable cues": len({v.cue for v in violations if v.severity == "unavoidable"}),
        "mid-sentence breaks": mid_sentence,
        "  after article/prep.": sum(
            cue.words[-1].text.lower().strip(",.;:!?\"'") in DETERMINERS | PREPOSITIONS for cue in track.cues[:-1]
        ),
        "sentence ends mid-cue": len(shared),
        "  of a short sentence": sum(shared),
    }


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--profile", default="netflix")
    parser.add_argument("--variants", type=int, default=4, help="how many times piper speaks the turns")
    parser.add_argument("--words", type=Path, help="word stream file: read if it exists, else written")
    args = parser.parse_args()
    if args.words and args.words.exists():
        words = read_words(args.words)
    else:
        words = word_stream(args.minutes, args.variants)
        if args.words:
            write_words(words, args.words)
    print(f"{len(words)} words, {words[-1].end / 60:.1f} minutes of speech, profile {args.profile}")
    track, seconds = timed(lambda: build_track(words, profile=args.profile))
    greedy, greedy_seconds = timed(greedy_track, words, args.profile)
    _, lint_seconds = timed(lint_track, track, args.profile)
    print(f"build_track: {seconds:.2f} s ({len(words) / seconds:,.0f} words/s, "
          f"{words[-1].end / seconds:,.0f}x real time)")
    print(f"greedy:      {greedy_seconds:.2f} s; build_track takes {seconds / greedy_seconds:.1f}x as long")
    print(f"lint_track:  {lint_seconds:.3f} s ({len(track.cues) / lint_seconds:,.0f} cues/s)")
    ours, theirs = quality(track, args.profile), quality(greedy, args.profile)
    print(f"{'':22}{'build_track':>12}{'greedy':>10}")
    for key in ours:
        print(f"{key:22}{ours[key]:>12}{theirs[key]:>10}")


if __name__ == "__main__":
    main()
