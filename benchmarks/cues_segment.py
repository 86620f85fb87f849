"""Cue segmentation and lint: speed, and quality against a greedy segmenter.

    python benchmarks/cues_segment.py [--minutes 60] [--profile netflix]

Builds a word stream of realistic talking-head timing (the piper voice's
sample text repeated, with true piper word times, two speakers taking turns)
lasting ``--minutes``, then measures:

* ``build_track`` (the dynamic programme, line breaking and timing): seconds
  and words per second;
* a greedy segmenter, the usual alternative (fill a cue word by word until the
  next word would break a line, line-count or duration limit, then break; the
  same line breaker and timing passes), for the ratio;
* ``lint_track`` on the result: cues per second;
* quality of both: lint errors, unavoidable cues, and cues that end
  mid-sentence (not after . , ; : ? !).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from captionkit.cues.linebreak import LineFiller, break_lines  # noqa: E402
from captionkit.cues.profiles import load_profile  # noqa: E402
from captionkit.cues.segment import Group, build_track, span_of  # noqa: E402
from captionkit.cues.timing import TimingRules, frame_time, time_cues  # noqa: E402
from captionkit.engines import piper_tts  # noqa: E402
from captionkit.lint import lint_track  # noqa: E402
from captionkit.model import Cue, Track, Word  # noqa: E402

TURNS = [
    ("S1", "Welcome back to the studio. Today we are looking at captions that follow the broadcast rules, "
           "from the length of every line to the speed at which people can comfortably read them."),
    ("S2", "Really? Show me."),
    ("S1", "Good captions break after punctuation and before conjunctions, never between an article and its noun. "
           "They also respect shot changes and stay on screen long enough to be read."),
    ("S2", "Yes."),
]


def word_stream(minutes: float) -> list[Word]:
    """Piper speech's true word times, the turns repeated until ``minutes`` of speech."""
    parts = [piper_tts.synthesize(text, speaker=speaker) for speaker, text in TURNS]
    block = piper_tts.concatenate(parts, gap=0.3)
    words: list[Word] = []
    offset = 0.0
    while offset < minutes * 60:
        words += [Word(w.text, w.start + offset, w.end + offset, speaker=w.speaker) for w in block.words]
        offset += block.duration + 0.5
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


def quality(track: Track, profile: str) -> dict:
    violations = lint_track(track, profile)
    mid_sentence = sum(not cue.words[-1].text.endswith((".", ",", ";", ":", "?", "!")) for cue in track.cues)
    return {
        "cues": len(track.cues),
        "errors": sum(v.severity == "error" for v in violations),
        "unavoidable cues": len({v.cue for v in violations if v.severity == "unavoidable"}),
        "mid-sentence breaks": mid_sentence,
    }


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--profile", default="netflix")
    args = parser.parse_args()
    words = word_stream(args.minutes)
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
