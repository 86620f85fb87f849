"""Plan where long narration is cut into pieces short enough for an avatar model.

Pure timing logic: timed words and the audio's duration in, a :class:`Plan`
out. Cut points lie in pauses (preferring sentence ends, then clause ends,
then the longest gap, and speaker turns in dialogue), in the middle of their
pause, on frame boundaries of the avatar's output frame rate, so every piece
is a whole number of frames and the clips made from them tile the master
audio exactly. A dynamic programme picks the cuts: the fewest pieces that fit
the limit (one or two more only when the fewest would need many poor cuts:
mid-sentence, or where there is no pause at all), the best cut points, and pieces balanced so no useless short tail is
left. The weights below set those trade-offs.
"""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Sequence

from ..errors import CaptionkitError
from ..files import write_text_atomic
from ..model import Cue, Track, Word, word_separator
from ..script import is_non_verbal
from ..text import ends_clause, ends_sentence

PLAN_VERSION = 1


# Costs of a cut by the kind of pause it sits in (lower is better).
SENTENCE_COST = 0.0
CLAUSE_COST = 3.0
GAP_COST = 6.0
SPEAKER_TURN_BONUS = 2.0
PAUSE_BONUS_PER_SECOND = 2.0  # a longer pause is a better cut, up to one second
OFF_CENTRE_COST = 0.5  # an extra cut point inside a long silence, away from its middle
NO_PAUSE_COST = 50.0  # between two words that touch: no pause within the limit
IN_CUE_COST = 20.0  # between two words of one caption cue (only among plans with the same number of pieces)
IN_WORD_COST = 100.0  # the last resort when not even a word boundary lies within the limit
# Costs of a piece's length and of the number of pieces.
BALANCE_WEIGHT = 4.0
SHORT_WEIGHT = 20.0
PIECE_COST = 50.0
#: A gap between words shorter than this is no pause.
MIN_PAUSE = 0.01
#: Silences longer than this also offer a cut point every second, not only their middle.
LONG_SILENCE = 2.0


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How pieces are planned: the clip limit, the safety margin under it, the avatar's frame rate."""

    max_seconds: float = 30.0
    margin: float = 0.5
    fps: Fraction = Fraction(30)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fps", parse_fps(self.fps))
        if self.max_seconds <= 0:
            raise CaptionkitError(f"--max must be positive, not {self.max_seconds}; give the clip limit in seconds")
        if self.margin < 0 or self.margin >= self.max_seconds:
            raise CaptionkitError(
                f"--margin {self.margin} must be at least 0 and below --max {self.max_seconds}; try 0.5"
            )
        if self.limit_frames < 1:
            raise CaptionkitError("--max minus --margin is shorter than one frame; raise --max or lower --margin")

    @property
    def limit_frames(self) -> int:
        """The most frames a piece may have: (max - margin) seconds at ``fps``."""
        return math.floor((Fraction(self.max_seconds) - Fraction(self.margin)) * self.fps + Fraction(1, 10**6))

    def to_dict(self) -> dict:
        return {"max_seconds": self.max_seconds, "margin": self.margin, "fps": str(self.fps)}

    @classmethod
    def from_dict(cls, data: dict) -> "PlanOptions":
        return cls(float(data["max_seconds"]), float(data["margin"]), parse_fps(data["fps"]))


def parse_fps(value: object) -> Fraction:
    """A frame rate from ``30``, ``29.97``, ``"30000/1001"`` or a Fraction."""
    try:
        fps = Fraction(value).limit_denominator(1001) if not isinstance(value, Fraction) else value  # type: ignore[call-overload]  # any value: a bad one raises, caught below
    except (ValueError, ZeroDivisionError, TypeError) as error:
        raise CaptionkitError(f"frame rate {value!r} is not a number; give e.g. 30, 25 or 30000/1001") from error
    if fps <= 0:
        raise CaptionkitError(f"frame rate {value} must be positive; give e.g. 30")
    return fps


@dataclass(slots=True)
class Piece:
    """One stretch of the master audio, sent to the avatar model as one clip.

    ``start_frame`` and ``end_frame`` are frame numbers of the master timeline
    at the plan's frame rate; ``words`` keep their master (source) times.
    """

    index: int
    start_frame: int
    end_frame: int
    fps: Fraction
    words: list[Word] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file stem of the piece's outputs: ``piece-01``."""
        return f"piece-{self.index:02d}"

    @property
    def frames(self) -> int:
        return self.end_frame - self.start_frame

    @property
    def start(self) -> float:
        return float(self.start_frame / self.fps)

    @property
    def end(self) -> float:
        return float(self.end_frame / self.fps)

    @property
    def duration(self) -> float:
        return float(self.frames / self.fps)

    def script(self, language: str = "en") -> str:
        return script_text(self.words, language)

    def to_dict(self, language: str = "en") -> dict:
        return {
            "index": self.index,
            "name": self.name,
            "start": round(self.start, 6),
            "end": round(self.end, 6),
            "duration": round(self.duration, 6),
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "frames": self.frames,
            "script": self.script(language),
            "words": [{**word.to_dict(), "start": round(word.start, 6), "end": round(word.end, 6)} for word in self.words],
        }


@dataclass(slots=True)
class Plan:
    """Where the master audio is cut: the pieces in order, the options used, and any warnings."""

    pieces: list[Piece]
    options: PlanOptions
    duration: float
    language: str = "en"
    source: str | None = None
    warnings: list[str] = field(default_factory=list)
    profile: str = "netflix"  # the caption profile the pieces' captions were made with
    sdh: bool = False  # whether sound cues such as [laughs] are captioned

    @property
    def fps(self) -> Fraction:
        return self.options.fps

    @property
    def total_frames(self) -> int:
        return self.pieces[-1].end_frame if self.pieces else 0

    @property
    def cuts(self) -> list[float]:
        """The times (seconds) where one piece ends and the next begins."""
        return [piece.start for piece in self.pieces[1:]]

    @property
    def words(self) -> list[Word]:
        return [word for piece in self.pieces for word in piece.words]

    def to_dict(self) -> dict:
        return {
            "version": PLAN_VERSION,
            "source": self.source,
            "duration": round(self.duration, 6),
            "language": self.language,
            "profile": self.profile,
            "sdh": self.sdh,
            "options": self.options.to_dict(),
            "total_frames": self.total_frames,
            "warnings": list(self.warnings),
            "pieces": [
                {**piece.to_dict(self.language), "cut_after": cut}
                for piece, cut in zip(self.pieces, [*self.cut_descriptions(), None])
            ],
        }

    def cut_descriptions(self) -> list[str]:
        """What kind of boundary each cut sits at: "sentence end, speaker turn (0.52 s pause)"."""
        descriptions = []
        for piece, following in zip(self.pieces, self.pieces[1:]):
            before = piece.words[-1] if piece.words else None
            after = following.words[0] if following.words else None
            descriptions.append(describe_cut(before, after))
        return descriptions

    @classmethod
    def from_dict(cls, data: dict) -> "Plan":
        if data.get("version") != PLAN_VERSION or "pieces" not in data:
            raise CaptionkitError("this is not a captionkit plan.json; give the plan.json that 'captionkit split' wrote")
        options = PlanOptions.from_dict(data["options"])
        pieces = [
            Piece(
                index=int(item["index"]),
                start_frame=int(item["start_frame"]),
                end_frame=int(item["end_frame"]),
                fps=options.fps,
                words=[Word.from_dict(word) for word in item.get("words", [])],
            )
            for item in data["pieces"]
        ]
        return cls(
            pieces=pieces,
            options=options,
            duration=float(data["duration"]),
            language=data.get("language", "en"),
            source=data.get("source"),
            warnings=list(data.get("warnings", [])),
            profile=data.get("profile", "netflix"),
            sdh=bool(data.get("sdh", False)),
        )

    def save(self, path: str | Path) -> Path:
        return write_text_atomic(path, json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "Plan":
        plan_path = Path(path)
        if not plan_path.is_file():
            raise CaptionkitError(f"{plan_path}: no such plan; give the plan.json that 'captionkit split' wrote")
        try:
            data = json.loads(plan_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CaptionkitError(f"{plan_path}: not valid JSON ({error}); give the plan.json 'captionkit split' wrote") from error
        try:
            return cls.from_dict(data)
        except (KeyError, TypeError, ValueError) as error:
            raise CaptionkitError(f"{plan_path}: the plan is incomplete ({error!r}); run 'captionkit split' again") from error


# ---------------------------------------------------------------------------------------------------------------
# Planning


@dataclass(frozen=True, slots=True)
class CutPoint:
    """A candidate place to cut: a frame number of the master timeline and how good a cut it is.

    ``place`` is "pause", "no pause" (between two words that touch) or
    "inside a word" (the last resort, when nothing else fits the limit).
    """

    frame: int
    cost: float
    place: str = "pause"
    in_cue: bool = False  # between two words of one caption cue


def plan_pieces(
    words: Sequence[Word],
    duration: float,
    options: PlanOptions = PlanOptions(),
    *,
    language: str = "en",
    source: str | None = None,
    cues: Sequence[Cue] = (),
) -> Plan:
    """Cut ``duration`` seconds of audio whose speech is ``words`` into pieces within the limit.

    ``cues`` are the captions of the words: a cut between two words of one cue is avoided.
    """
    if duration <= 0:
        raise CaptionkitError("the audio is empty; give a file with speech")
    fps = options.fps
    ordered = sorted((w for w in words if w.start < duration), key=lambda w: (w.start, w.end))
    total = max(1, math.ceil(duration * fps - Fraction(1, 1000)))
    candidates = cut_points(ordered, duration, fps, total, cues)
    frames = _best_cuts(candidates, total, options.limit_frames)
    if frames is None:  # no pause within the limit somewhere: allow a cut every second (or every limit)
        step = max(1, min(round(fps), options.limit_frames))
        candidates = _merge(candidates + [CutPoint(f, IN_WORD_COST, "inside a word") for f in range(step, total, step)])
        frames = _best_cuts(candidates, total, options.limit_frames)
        assert frames is not None, "a cut point every `step` frames always fits the limit"
    boundaries = [0, *frames, total]
    pieces = [Piece(index, start, end, fps) for index, (start, end) in enumerate(zip(boundaries, boundaries[1:]), 1)]
    for word in ordered:  # each word goes to the piece holding its middle (the last one if it runs past the end)
        index = bisect.bisect_right(boundaries, _frame_of_midpoint(word, fps)) - 1
        pieces[min(max(index, 0), len(pieces) - 1)].words.append(word)
    by_frame = {c.frame: c for c in candidates}
    warnings = [
        f"the cut at {float(frame / fps):.3f} s is {by_frame[frame].place}: no pause lies within the limit there"
        for frame in frames
        if by_frame[frame].place != "pause"
    ]
    return Plan(pieces, options, duration, language, source, warnings)


def _frame_of_midpoint(word: Word, fps: Fraction) -> float:
    return (word.start + word.end) / 2 * float(fps)


def pause_kind_cost(before: Word | None, after: Word | None, previous_speech: Word | None) -> float:
    """The cost of cutting between ``before`` and ``after`` by the kind of boundary it is."""
    if before is None or after is None:
        return SENTENCE_COST  # before the first word or after the last one
    ending = previous_speech.text if before.kind == "sound" and previous_speech is not None else before.text
    if ends_sentence(ending):
        cost = SENTENCE_COST
    elif ends_clause(ending):
        cost = CLAUSE_COST
    else:
        cost = GAP_COST
    if before.speaker is not None and after.speaker is not None and before.speaker != after.speaker:
        cost -= SPEAKER_TURN_BONUS
    return cost


def describe_cut(before: Word | None, after: Word | None) -> str:
    """A short description of the boundary between two words, for reports."""
    if before is None or after is None:
        return "silence"
    kinds = []
    if ends_sentence(before.text):
        kinds.append("sentence end")
    elif ends_clause(before.text):
        kinds.append("clause end")
    if before.speaker is not None and after.speaker is not None and before.speaker != after.speaker:
        kinds.append("speaker turn")
    pause = after.start - before.end
    if pause <= 0:
        return "inside speech (no pause)"
    return f"{', '.join(kinds) or 'pause'} ({pause:.2f} s pause)"


def cut_points(
    words: Sequence[Word], duration: float, fps: Fraction, total_frames: int, cues: Sequence[Cue] = ()
) -> list[CutPoint]:
    """Every candidate cut: the middle of each pause (snapped to a frame inside it), best-first per frame.

    A word boundary without a pause, or a pause too short to hold a frame
    boundary, gives a costly cut at the nearest frame, marked as such; a long
    silence also offers a cut every second. A cut inside one of ``cues``
    (between two of its words) costs more.
    """
    rate = float(fps)
    spans = sorted((cue.words[0].start, cue.words[-1].start) for cue in cues if cue.words)
    starts = [start for start, _ in spans]
    points: list[CutPoint] = []
    previous_speech: Word | None = None
    edges = [None, *words, None]
    for before, after in zip(edges, edges[1:]):
        if before is not None and before.kind == "speech":
            previous_speech = before
        left = before.end if before is not None else 0.0
        right = after.start if after is not None else duration
        right = max(right, left)
        pause = right - left
        cost = pause_kind_cost(before, after, previous_speech) - PAUSE_BONUS_PER_SECOND * min(pause, 1.0)
        in_cue = before is not None and after is not None and _in_one_cue(before, after, spans, starts)
        first = math.ceil(left * rate - 1e-6)
        last = math.floor(right * rate + 1e-6)
        middle = round((left + right) / 2 * rate)
        if first <= last and pause >= MIN_PAUSE:
            points.append(CutPoint(min(max(middle, first), last), cost, in_cue=in_cue))
            if pause > LONG_SILENCE:
                step = max(1, round(rate))
                points += [CutPoint(f, cost + OFF_CENTRE_COST, in_cue=in_cue) for f in range(first, last + 1, step)]
        elif first <= last:
            points.append(CutPoint(middle, NO_PAUSE_COST + cost, "no pause", in_cue))
        else:
            points.append(CutPoint(middle, IN_WORD_COST + cost, "inside a word", in_cue))
    return _merge([p for p in points if 0 < p.frame < total_frames])


def _in_one_cue(before: Word, after: Word, spans: list[tuple[float, float]], starts: list[float]) -> bool:
    """Whether ``before`` and ``after`` are words of one cue (spans: each cue's first and last word starts)."""
    index = bisect.bisect_right(starts, before.start) - 1
    return index >= 0 and spans[index][0] <= before.start and after.start <= spans[index][1]


def _merge(points: list[CutPoint]) -> list[CutPoint]:
    """One candidate per frame (the cheapest), sorted by frame."""
    best: dict[int, CutPoint] = {}
    for point in points:
        if point.frame not in best or point.cost < best[point.frame].cost:
            best[point.frame] = point
    return [best[frame] for frame in sorted(best)]


def _best_cuts(candidates: list[CutPoint], total: int, limit: int) -> list[int] | None:
    """The cut frames of the cheapest plan, trying the fewest pieces and two more; None if none fits.

    The number of pieces is chosen by the kinds of pause the cuts fall in;
    then, for that number, cuts between caption cues are preferred.
    """
    fewest = math.ceil(total / limit)
    best: tuple[float, int] | None = None
    for count in range(fewest, fewest + 3):
        found = _cuts_for_count(candidates, total, limit, count)
        if found is not None:
            cost = found[0] + PIECE_COST * count
            if best is None or cost < best[0]:
                best = (cost, count)
    if best is None:
        return None
    found = _cuts_for_count(candidates, total, limit, best[1], in_cue_cost=IN_CUE_COST)
    return found[1] if found is not None else None


def _piece_cost(length: int, mean: float) -> float:
    """Penalise pieces far from the mean length, and strongly those under half of it."""
    cost = BALANCE_WEIGHT * ((length - mean) / mean) ** 2
    if length < mean / 2:
        cost += SHORT_WEIGHT * (mean / 2 - length) / mean
    return cost


def _cuts_for_count(
    candidates: list[CutPoint], total: int, limit: int, count: int, in_cue_cost: float = 0.0
) -> tuple[float, list[int]] | None:
    """Dynamic programme: exactly ``count`` pieces, each at most ``limit`` frames, at least cost
    (a cut inside a caption cue costing ``in_cue_cost`` more)."""
    if count == 1:
        return (_piece_cost(total, total), []) if total <= limit else None
    nodes = [CutPoint(0, 0.0), *candidates, CutPoint(total, 0.0)]
    frames = [node.frame for node in nodes]
    mean = total / count
    inf = math.inf
    cost = [0.0] + [inf] * (len(nodes) - 1)  # cost[j]: best plan ending at node j with `pieces` pieces
    back: list[list[int]] = []
    for pieces in range(1, count + 1):
        new_cost = [inf] * len(nodes)
        parent = [-1] * len(nodes)
        low = 0
        for j in range(1, len(nodes)):
            while frames[j] - frames[low] > limit:
                low += 1
            if pieces == count and j != len(nodes) - 1:
                continue
            best_value, best_i = inf, -1
            for i in range(low, j):
                if cost[i] == inf:
                    continue
                value = cost[i] + _piece_cost(frames[j] - frames[i], mean)
                if value < best_value:
                    best_value, best_i = value, i
            if best_i >= 0:
                new_cost[j] = best_value + (nodes[j].cost + in_cue_cost * nodes[j].in_cue if j != len(nodes) - 1 else 0.0)
                parent[j] = best_i
        cost = new_cost
        back.append(parent)
    if cost[-1] == inf:
        return None
    cuts: list[int] = []
    j = len(nodes) - 1
    for parent in reversed(back):
        j = parent[j]
        if j > 0:
            cuts.append(frames[j])
    return cost[-1], sorted(cuts)


# ---------------------------------------------------------------------------------------------------------------
# Script text and captions of the pieces


def script_text(words: Sequence[Word], language: str = "en") -> str:
    """The words as a Dia script: ``[S1]`` at each change of speaker, sound events as ``(laughs)``."""
    parts: list[str] = []
    speaker: str | None = None
    for word in words:
        if word.speaker is not None and word.speaker != speaker:
            speaker = word.speaker
            parts.append(f"[{speaker.strip('[]')}]")
        parts.append(_sound_tag(word.text) if word.kind == "sound" else word.text)
    if word_separator(language) == " ":
        return " ".join(parts)
    return "".join(f" {part} " if part.startswith("[") and part.endswith("]") else part for part in parts).strip()


def _sound_tag(text: str) -> str:
    """A sound cue as the script writes it: Dia's own tags in parentheses, any other in brackets."""
    label = text.strip("()[]")
    return f"({label})" if is_non_verbal(label) else f"[{label}]"


def split_track(track: Track, plan: Plan) -> list[Track]:
    """The master track cut into one track per piece, each in its piece's own time (0 = piece start).

    A cue belongs to the piece holding its first word (or its start); in the
    piece's track a cue that runs past the piece's end is ended there (the
    master track is left as it is).
    """
    tracks = [Track([], track.language) for _ in plan.pieces]
    starts = [piece.start for piece in plan.pieces]
    for cue in track.cues:
        anchor = cue.words[0].start if cue.words else cue.start
        index = max(0, sum(1 for start in starts if start <= anchor + 1e-9) - 1)
        piece = plan.pieces[index]
        tracks[index].cues.append(replace(cue, end=max(cue.start, min(cue.end, piece.end))))
    return [piece_track.shifted(-piece.start) for piece_track, piece in zip(tracks, plan.pieces)]


def join_tracks(tracks: Sequence[Track], offsets: Sequence[float], language: str = "en") -> Track:
    """Per-clip tracks shifted by where each clip starts in the joined timeline, as one track."""
    cues: list[Cue] = []
    for track, offset in zip(tracks, offsets):
        cues += track.shifted(offset).cues
    return Track(cues, language)


def master_track(words: Sequence[Word], profile: str, language: str, fps: Fraction, sdh: bool = False) -> Track:
    """The captions of the whole narration, built exactly as ``align`` builds them from the same words.

    Sound cues are captioned only with ``sdh``. (The cuts are chosen between
    cues, so a cue rarely straddles one; the pieces' tracks end such a cue at
    the cut.)
    """
    from ..cues.segment import build_track

    shown = [word for word in words if sdh or word.kind == "speech"]
    return build_track(shown, profile=profile, language=language, fps=float(fps))


def plan_tracks(plan: Plan) -> tuple[Track, list[Track]]:
    """The master captions of the plan's words (by the plan's profile), and the same cues cut per piece.

    The master captions are ``align``'s; the rare cue whose words the plan had
    to cut apart (no pause between cues within the limit) is made into a cue
    per piece, so every clip's captions start with its own words.
    """
    from ..cues.segment import build_track

    master = master_track(plan.words, plan.profile, plan.language, plan.fps, plan.sdh)
    boundaries = [piece.start_frame for piece in plan.pieces[1:]]
    cues: list[Cue] = []
    for cue in master.cues:
        groups: dict[int, list[Word]] = {}
        for word in cue.words:
            groups.setdefault(bisect.bisect_right(boundaries, _frame_of_midpoint(word, plan.fps)), []).append(word)
        if len(groups) < 2:
            cues.append(cue)
            continue
        for index, words in groups.items():
            for part in build_track(words, profile=plan.profile, language=plan.language, fps=float(plan.fps)).cues:
                part.end = max(part.start, min(part.end, plan.pieces[index].end))
                cues.append(part)
    master = Track(cues, master.language)
    return master, split_track(master, plan)
