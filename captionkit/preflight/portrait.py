"""Portrait checks: what an avatar model needs from the photo it animates.

Faces are found with OpenCV's bundled Haar cascade (frontal faces; the
picture is histogram-equalised first so a dark photo's face is still found),
eyes with its eye cascade inside the face. The limits below come from the
talking-head guide: a sharp, front-facing, evenly lit face of at least 512 px,
centred, eyes about a third of the way down.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..infsh.apps import Avatar
from .report import SubjectReport


@dataclass(frozen=True, slots=True)
class PortraitLimits:
    """Where a portrait stops being good enough (pixels, fractions of the frame, 0-255 luma)."""

    min_side: int = 256  # the shorter side; below it the avatar has too little to work with (fail)
    good_side: int = 720  # below it the video looks soft (warn)
    min_face: int = 64  # face box side below which the face cannot be animated well (fail)
    good_face: int = 512  # the guide's face size (warn below)
    off_centre: float = 0.15  # horizontal offset of the face centre, as a fraction of the width (warn)
    eye_line: tuple[float, float] = (0.15, 0.5)  # eyes within this band of the height ("upper third") (warn)
    too_dark: float = 50.0  # mean face luma below it fails
    dark: float = 80.0  # below it warns
    bright: float = 215.0  # above it warns (washed out)
    uneven: float = 0.35  # left/right halves of the face differing by this fraction of their mean (warn)


def check_portrait(path: Path, avatar: Avatar, limits: PortraitLimits = PortraitLimits()) -> SubjectReport:
    """Measure the portrait and list its problems."""
    import cv2

    report = SubjectReport("portrait", str(path))
    if not path.is_file():
        report.fail(f"{path} does not exist", "give the path of a JPG or PNG portrait")
        return report
    picture = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if picture is None:
        report.fail(f"{path.name} is not an image OpenCV can read", "export the portrait as JPG or PNG")
        report.summary = "not an image"
        return report
    height, width = picture.shape[:2]
    gray = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
    report.measured.update(width=width, height=height, bytes=path.stat().st_size)
    _check_file(report, path, width, height, avatar, limits)
    try:
        faces = find_faces(gray)
    except FaceDetectorMissing as error:
        report.summary = f"{width}x{height}, face not checked, brightness {gray.mean():.0f}/255"
        report.warn(f"the face checks were skipped: {error}",
                    "pip install 'opencv-python-headless>=4.8,<5' (as captionkit declares)")
        _check_light(report, gray, limits)
        return report
    report.measured["faces"] = len(faces)
    if not faces:
        report.summary = f"{width}x{height}, no face found, brightness {gray.mean():.0f}/255"
        report.fail("no face found", "use a front-facing photo of one person, face unobstructed and in focus")
        _check_light(report, gray, limits)
        return report
    x, y, w, h = max(faces, key=lambda box: box[2] * box[3])
    face = gray[y:y + h, x:x + w]
    eye_y = _eye_line(face) + y
    offset = (x + w / 2 - width / 2) / width
    report.measured.update(face_box=[x, y, w, h], face_size=w, face_offset=round(offset, 3),
                           eye_line=round(eye_y / height, 3))
    report.summary = (f"{width}x{height}, {len(faces)} face{'s' if len(faces) > 1 else ''} "
                      f"({w} px, {abs(offset):.0%} {'left' if offset < 0 else 'right'} of centre), eye line at "
                      f"{eye_y / height:.0%} of the height, face brightness {face.mean():.0f}/255")
    if len(faces) > avatar.max_speakers:
        report.fail(f"{len(faces)} faces found; {avatar.name} animates at most {avatar.max_speakers}",
                    "crop the portrait to the speaker" if avatar.max_speakers == 1
                    else f"crop the portrait to at most {avatar.max_speakers} people")
    if w < limits.min_face:
        report.fail(f"the face is {w} px across, too small to animate (at least {limits.min_face}, "
                    f"{limits.good_face} or more is best)", "use a closer or sharper photo: head and shoulders")
    elif w < limits.good_face:
        report.warn(f"the face is {w} px across; {limits.good_face} px or more animates best",
                    "use a higher-resolution photo, framed on head and shoulders")
    if abs(offset) > limits.off_centre:
        side = "left" if offset < 0 else "right"
        report.warn(f"the face is off centre ({abs(offset):.0%} of the width to the {side})",
                    "crop the photo so the face is in the middle")
    low, high = limits.eye_line
    if not low <= eye_y / height <= high:
        where = "too high" if eye_y / height < low else "too low"
        report.warn(f"the eyes are {where} ({eye_y / height:.0%} of the height; about a third is best)",
                    "crop so the eyes sit about a third of the way down, with some space above the head")
    _check_light(report, gray, limits, face_box=(x, y, w, h))
    return report


def find_faces(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Frontal faces as (x, y, width, height), from the equalised picture."""
    import cv2

    cascade = _cascade("haarcascade_frontalface_default.xml")
    smallest = max(24, min(gray.shape) // 20)
    found = cascade.detectMultiScale(cv2.equalizeHist(gray), scaleFactor=1.1, minNeighbors=5,
                                     minSize=(smallest, smallest))
    return [tuple(int(v) for v in box) for box in found]  # type: ignore[misc]


def _cascade(name: str):
    """One of OpenCV's bundled Haar cascades (opencv-python-headless 4.x ships them in ``cv2/data``)."""
    import cv2
    from cv2.data import haarcascades

    path = Path(haarcascades) / name
    if not path.is_file() or not hasattr(cv2, "CascadeClassifier"):
        raise FaceDetectorMissing(f"OpenCV {cv2.__version__} has no bundled face detector ({name})")
    return cv2.CascadeClassifier(str(path))


class FaceDetectorMissing(Exception):
    """OpenCV without its Haar cascades (5.x dropped them)."""


def _eye_line(face: np.ndarray) -> float:
    """The eyes' height inside a face box: found with the eye cascade, else where a frontal face has them."""
    import cv2

    cascade = _cascade("haarcascade_eye.xml")
    upper = face[: face.shape[0] * 6 // 10]
    eyes = cascade.detectMultiScale(cv2.equalizeHist(upper), scaleFactor=1.1, minNeighbors=5)
    if len(eyes):
        return float(np.median([ey + eh / 2 for _, ey, _, eh in eyes]))
    return 0.4 * face.shape[0]


def _check_file(report: SubjectReport, path: Path, width: int, height: int, avatar: Avatar,
                limits: PortraitLimits) -> None:
    if path.stat().st_size > avatar.image_max_bytes:
        report.fail(f"the file is {path.stat().st_size / 2**20:.1f} MB; {avatar.name} takes at most "
                    f"{avatar.image_max_bytes / 2**20:.0f} MB", "save it as a JPG at quality 90")
    if max(width, height) > avatar.image_max_side:
        report.fail(f"{width}x{height} is larger than {avatar.name} takes ({avatar.image_max_side} px a side)",
                    f"scale it down to at most {avatar.image_max_side} px on the longer side")
    if min(width, height) < limits.min_side:
        report.fail(f"{width}x{height} is too low a resolution (at least {limits.min_side} px a side)",
                    f"use a photo of at least {limits.good_side} px on the shorter side")
    elif min(width, height) < limits.good_side:
        report.warn(f"{width}x{height} is a low resolution; the video will look soft",
                    f"use a photo of at least {limits.good_side} px on the shorter side")


def _check_light(report: SubjectReport, gray: np.ndarray, limits: PortraitLimits,
                 face_box: tuple[int, int, int, int] | None = None) -> None:
    x, y, w, h = face_box or (0, 0, gray.shape[1], gray.shape[0])
    face = gray[y:y + h, x:x + w].astype(np.float64)
    brightness = float(face.mean())
    report.measured["brightness"] = round(brightness, 1)
    what = "the face" if face_box else "the photo"
    if brightness < limits.too_dark:
        report.fail(f"{what} is too dark (mean brightness {brightness:.0f}/255)",
                    "use a well-lit photo: soft light from the front, or raise the exposure")
    elif brightness < limits.dark:
        report.warn(f"{what} is dark (mean brightness {brightness:.0f}/255)",
                    "brighten the photo or light the face from the front")
    elif brightness > limits.bright:
        report.warn(f"{what} is washed out (mean brightness {brightness:.0f}/255)",
                    "lower the exposure so skin keeps its detail")
    if face_box is None:
        return
    left, right = face[:, : w // 2].mean(), face[:, w - w // 2:].mean()
    unevenness = abs(left - right) / max((left + right) / 2, 1.0)
    report.measured["unevenness"] = round(float(unevenness), 3)
    if unevenness > limits.uneven:
        darker = "left" if left < right else "right"
        report.warn(f"the face is lit unevenly (its {darker} half is {unevenness:.0%} darker)",
                    "light the face evenly from the front, or fill the shadow side")
