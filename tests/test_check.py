"""``captionkit check``: portrait, audio and script preflight, on inputs made here from the samples."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from captionkit.assembly import narration
from captionkit.media import load_audio
from captionkit.preflight import run_checks
from helpers import REPO, assert_one_line_error, run_cli

SAMPLES = REPO / "samples"
PORTRAIT = SAMPLES / "portrait.png"


def problems(report, subject: str) -> dict[str, tuple[str, str]]:
    """message -> (severity, fix) for one subject."""
    return {p.message: (p.severity, p.fix) for p in report.problems if p.subject == subject}


def find(found: dict[str, tuple[str, str]], fragment: str) -> tuple[str, str]:
    matches = [value for message, value in found.items() if fragment in message]
    assert matches, f"no problem mentions {fragment!r}: {list(found)}"
    return matches[0]


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    return narration.write_wav(samples, rate, path)


@pytest.fixture(scope="module")
def sample_speech() -> tuple[np.ndarray, int]:
    """The sample presenter's narration (piper speech), 22.05 kHz mono."""
    return load_audio(SAMPLES / "presenter.mp4", sample_rate=22050).astype(np.float64), 22050


def test_the_samples_pass_with_warnings_at_most():
    for script in ("script.txt", "dialogue.txt"):
        report = run_checks(portrait=PORTRAIT, audio=SAMPLES / "presenter.mp4", script=SAMPLES / script)
        assert report.ok, report.table()
        assert [s.subject for s in report.subjects] == ["portrait", "audio", "script"]
    checked = report.to_dict()["checked"]
    assert checked["portrait"]["faces"] == 1 and 0.15 < checked["portrait"]["eye_line"] < 0.5
    assert checked["audio"]["sample_rate"] == 44100 and -30 < checked["audio"]["loudness_lufs"] < -10
    assert checked["script"]["speakers"] == ["S1", "S2"] and checked["script"]["avatar_pieces"] >= 1
    result = run_cli("check", "--portrait", PORTRAIT, "--script", SAMPLES / "script.txt")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "portrait  " in result.stdout and "1 face" in result.stdout and "TTS segment" in result.stdout


def test_a_dark_off_centre_low_resolution_portrait_is_flagged_with_fixes(tmp_path):
    photo = cv2.imread(str(PORTRAIT))
    canvas = np.zeros((512, 1100, 3), np.uint8)
    canvas[:, :512] = photo  # the face far to the left
    small = cv2.resize((canvas * 0.17).astype(np.uint8), (440, 205), interpolation=cv2.INTER_AREA)
    path = tmp_path / "dark 'portrait'.png"
    cv2.imwrite(str(path), small)
    found = problems(run_checks(portrait=path), "portrait")
    assert find(found, "too dark")[0] == "fail" and "well-lit" in find(found, "too dark")[1]
    assert find(found, "off centre")[1] == "crop the photo so the face is in the middle"
    assert find(found, "too low a resolution")[0] == "fail" and "720 px" in find(found, "too low a resolution")[1]
    result = run_cli("check", "--portrait", path, "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["checked"]["portrait"]["faces"] == 1
    assert all(problem["fix"] for problem in report["problems"])


def test_a_portrait_with_no_face_fails(tmp_path):
    path = tmp_path / "no face.jpg"
    cv2.imwrite(str(path), cv2.imread(str(PORTRAIT))[260:, 200:])  # the suit and helmet, no head
    report = run_checks(portrait=path)
    severity, fix = find(problems(report, "portrait"), "no face found")
    assert severity == "fail" and "front-facing photo" in fix and not report.ok


def test_faces_are_counted_against_the_avatar(tmp_path):
    photo = cv2.imread(str(PORTRAIT))
    path = tmp_path / "two.png"
    cv2.imwrite(str(path), np.concatenate([photo, photo], axis=1))
    assert "faces found" not in " ".join(problems(run_checks(portrait=path), "portrait"))
    severity, fix = find(problems(run_checks(portrait=path, avatar="omnihuman-1-0"), "portrait"), "2 faces found")
    assert severity == "fail" and fix == "crop the portrait to the speaker"


def test_an_unevenly_lit_face_is_flagged(tmp_path):
    photo = cv2.imread(str(PORTRAIT)).astype(np.float64)
    photo[:, :224] *= 0.35  # the face's left half in shadow
    path = tmp_path / "uneven.png"
    cv2.imwrite(str(path), photo.astype(np.uint8))
    severity, fix = find(problems(run_checks(portrait=path), "portrait"), "lit unevenly")
    assert severity == "warn" and "evenly" in fix


def test_a_clipped_22khz_recording_with_a_loud_50hz_hum_is_flagged(tmp_path, sample_speech):
    speech, rate = sample_speech
    clock = np.arange(len(speech)) / rate
    path = write_wav(tmp_path / "bad take.wav", speech * 4 + 0.25 * np.sin(2 * np.pi * 50 * clock), rate)
    report = run_checks(audio=path)
    found = problems(report, "audio")
    assert find(found, "sample rate is 22.05 kHz")[1].startswith("record or export at 44.1 kHz or 48 kHz")
    assert find(found, "clipped")[0] == "fail" and "gain lower" in find(found, "clipped")[1]
    severity, fix = find(found, "mains hum at 50 Hz")
    assert severity == "fail" and "bandreject=f=50" in fix and "bandreject=f=100" in fix
    measured = report.to_dict()["checked"]["audio"]
    assert measured["hum_hz"] == 50 and measured["clipped_fraction"] > 0.001
    assert measured["noise_floor_dbfs"] < -35, "the hum is not also counted as background noise"
    clean = write_wav(tmp_path / "clean.wav", speech * 0.5, rate)
    assert "mains hum" not in " ".join(problems(run_checks(audio=clean), "audio"))


def test_hum_at_60hz_noise_silence_and_length_are_measured(tmp_path, sample_speech):
    speech, _ = sample_speech
    rate = 48000
    speech = np.interp(np.arange(round(len(speech) * rate / 22050)) * 22050 / rate, np.arange(len(speech)), speech)
    pause = np.zeros(rate * 3)
    take = np.concatenate([speech, pause, speech]) * 0.5
    clock = np.arange(len(take)) / rate
    noisy = take + 0.01 * np.sin(2 * np.pi * 60 * clock) + np.random.default_rng(1).normal(0, 0.01, len(take))
    report = run_checks(audio=write_wav(tmp_path / "long.wav", noisy, rate))
    found = problems(report, "audio")
    assert find(found, "mains hum at 60 Hz")[0] == "warn"
    assert find(found, "background noise")[0] in ("warn", "fail")
    assert find(found, "s of silence at ")[1].startswith("trim the silence")
    first_end = len(speech) / rate
    assert any(start <= first_end + 0.1 and end >= first_end + 2.9
               for start, end in report.to_dict()["checked"]["audio"]["silences"]), "the 3 s pause is found"
    assert "split" in find(found, "longer than one omnihuman-1-5 clip")[1]


def test_a_three_speaker_script_for_omnihuman_1_5_fails(tmp_path):
    path = tmp_path / "three.txt"
    path.write_text("[S1] Welcome back. [S2] Thanks! (laughs) [S3] Hello from me too. (smiles) [music]\n")
    report = run_checks(script=path)
    found = problems(report, "script")
    severity, fix = find(found, "3 speakers (S1, S2, S3); omnihuman-1-5 animates at most 2")
    assert severity == "fail" and fix.startswith("keep to S1 and S2")
    assert find(found, "[S3]: Dia knows only [S1] and [S2]")[0] == "fail"
    severity, fix = find(found, "(smiles) is not a non-verbal tag Dia knows")
    assert severity == "warn" and "(laughs)" in fix
    assert find(found, "[music] is not Dia markup")[0] == "warn"
    assert not any("laughs" in message for message in found), "(laughs) is a tag Dia knows"
    result = run_cli("check", "--script", path)
    assert result.returncode == 1 and "FAIL  script" in result.stdout and "fix: keep to S1 and S2" in result.stdout
    dialogue = run_checks(script=SAMPLES / "dialogue.txt", avatar="omnihuman-1-0")
    assert find(problems(dialogue, "script"), "2 speakers (S1, S2); omnihuman-1-0 animates at most 1")


def test_bad_input_gives_a_problem_or_a_one_line_error(tmp_path):
    not_an_image = tmp_path / "photo.png"
    not_an_image.write_text("not a picture")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    report = run_checks(portrait=not_an_image, audio=tmp_path / "missing.wav", script=empty)
    assert {p.subject: p.severity for p in report.problems} == {"portrait": "fail", "audio": "fail", "script": "fail"}
    assert find(problems(report, "portrait"), "not an image")
    assert_one_line_error(run_cli("check"), "nothing to check")
