"""Localising a real captioned clip: hand-written es/ja/ar translations, soft tracks in MP4 and MKV."""

from __future__ import annotations

import pytest

from captionkit.cues.scripts import NO_LINE_START, PDF, RLE
from captionkit.formats import load
from captionkit.jobs.localize import LocalizeOptions, TranslationsNeeded, localize
from captionkit.media import probe
from helpers import PANGRAM_TEXT
from localize_helpers import PANGRAM_TRANSLATIONS, fill_csv

pytestmark = pytest.mark.slow

LANGUAGES = ["es", "ja", "ar"]


@pytest.fixture(scope="module")
def localized(talking_video, tmp_path_factory):
    folder = tmp_path_factory.mktemp("localize video")
    script = folder / "script.txt"
    script.write_text(PANGRAM_TEXT, encoding="utf-8")
    out = folder / "out"
    options = LocalizeOptions(script=script)
    with pytest.raises(TranslationsNeeded):
        localize(talking_video, LANGUAGES, out, options)
    for code, targets in PANGRAM_TRANSLATIONS.items():
        ids = [f"s{number:04d}" for number in range(1, len(targets) + 1)]
        fill_csv(out / "translations" / f"talking.{code}.csv", dict(zip(ids, targets)))
    return localize(talking_video, LANGUAGES, out, LocalizeOptions(script=script, burn=True)), out


def _subtitle_streams(path):
    import av

    with av.open(str(path)) as container:
        return [(s.codec_context.name, s.metadata.get("language"), s.metadata.get("title") or s.metadata.get("name"),
                 bool(int(s.disposition) & 1)) for s in container.streams.subtitles]


def test_every_language_gets_srt_vtt_ass_from_its_hand_translation(localized, talking_video):
    result, out = localized
    assert result.sentences == 4 and list(result.languages) == LANGUAGES
    assert any("reused the captions" in note for note in result.warnings), "the second run reuses the first's captions"
    duration = probe(talking_video).duration
    source = load(out / "talking.en.srt")
    for code, targets in PANGRAM_TRANSLATIONS.items():
        for kind in ("srt", "vtt", "ass"):
            assert (out / f"talking.{code}.{kind}").is_file()
        track = load(out / f"talking.{code}.srt", code)
        separator = "" if code == "ja" else " "
        text = separator.join(separator.join(cue.lines) for cue in track.cues)
        assert text.replace(RLE, "").replace(PDF, "") == separator.join(targets)
        assert track.cues[0].start == pytest.approx(source.cues[0].start, abs=0.04), "starts with the speech"
        assert track.cues[-1].end <= duration + 0.04
        if code != "ja":
            assert result.languages[code].lint_errors == 0
    japanese = load(out / "talking.ja.srt", "ja")
    assert all(line[0] not in NO_LINE_START for cue in japanese.cues for line in cue.lines)
    from captionkit.cues.lint import lint_track

    kinds = {v.kind for v in lint_track(japanese, "netflix", 30) if v.severity == "error"}
    assert kinds <= {"reading-speed"}, "at 4 CPS only the last cue, cut at the end of the media, reads too fast"


def test_one_mp4_and_one_mkv_carry_every_language_source_first_and_default(localized):
    result, out = localized
    expected_titles = ["English", "Spanish", "Japanese", "Arabic"]
    mp4 = _subtitle_streams(result.outputs["mp4"])
    assert [s[0] for s in mp4] == ["mov_text"] * 4
    assert [s[1] for s in mp4] == ["eng", "spa", "jpn", "ara"]
    assert [s[2] for s in mp4] == expected_titles
    assert [s[3] for s in mp4] == [True, False, False, False]
    mkv = _subtitle_streams(result.outputs["mkv"])
    assert [s[1] for s in mkv] == ["eng", "spa", "jpn", "ara"] and [s[2] for s in mkv] == expected_titles
    assert [s[3] for s in mkv] == [True, False, False, False]
    assert result.outputs["mp4"].name == "talking.subtitled.mp4"


def test_burn_writes_one_captioned_video_per_language(localized, talking_video):
    import numpy as np

    from render_helpers import frames

    result, out = localized
    original = frames(talking_video)
    for code in LANGUAGES:
        burned = result.languages[code].outputs["video"]
        assert burned == out / f"talking.{code}.captioned.mp4"
        cue = load(out / f"talking.{code}.srt", code).cues[0]
        middle = (cue.start + cue.end) / 2
        picture = next(image for time, image in frames(burned) if time >= middle)
        before = next(image for time, image in original if time >= middle)
        assert picture.shape == before.shape
        row_change = np.abs(picture.astype(int) - before.astype(int)).mean(axis=(1, 2))  # re-encoding noise: ~1
        rows = np.nonzero(row_change > 8)[0]
        assert rows.size and rows.min() > picture.shape[0] / 2, "the captions are drawn, in the lower half"
