"""Make the localisation preview sheets in this folder: the sample presenter video in es, ja and ar.

    python docs/localize/make_previews.py

Runs ``localize`` on ``samples/presenter.mp4`` with its timed words and the hand translations below (through
the ``file`` translator's exchange CSVs), then a contact sheet per language from the ``.ass`` it wrote.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from captionkit.jobs.localize import LocalizeOptions, TranslationsNeeded, localize
from captionkit.render.preview import preview

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[1] / "samples"

TRANSLATIONS = {
    "es": [
        "Hola, soy Joe, y bienvenidos a captionkit.",
        "En el próximo minuto les mostraré cómo un vídeo de presentador recibe subtítulos que dicen exactamente "
        "lo que dice el guion.",
        "Primero, tomamos el guion que le diste a tu generador de voz.",
        "Cada palabra, cada número y cada nombre se quedan como los escribiste, así que «three features» nunca "
        "se convierte en «free features».",
    ],
    "ja": [
        "こんにちは、ジョーです。captionkitへようこそ。",
        "これから1分間で、トーキングヘッド動画に台本どおりの字幕が付く仕組みをお見せします。",
        "まず、音声生成に渡した台本を使います。",
        "単語も数字も名前もすべて書いたとおりに残るので、「three features」が「free features」になることはありません。",
    ],
    "ar": [
        "مرحبا، أنا جو، وأهلا بكم في captionkit.",
        "في الدقيقة القادمة سأريكم كيف يحصل فيديو المتحدث على ترجمات تقول بالضبط ما يقوله النص.",
        "أولا، نأخذ النص الذي أعطيته لمولد الصوت.",
        "كل كلمة وكل رقم وكل اسم يبقى كما كتبته، فلا تتحول «three features» أبدا إلى «free features».",
    ],
}


def fill(path: Path, targets: list[str]) -> None:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if len(rows) != len(targets):
        raise SystemExit(f"{path}: {len(rows)} sentences, {len(targets)} translations")
    for row, target in zip(rows, targets):
        row["target"] = target
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    video = SAMPLES / "presenter.mp4"
    options = LocalizeOptions(captions=SAMPLES / "presenter.words.json")
    with tempfile.TemporaryDirectory() as work:
        out = Path(work)
        try:
            localize(video, list(TRANSLATIONS), out, options)
        except TranslationsNeeded:
            pass
        for code, targets in TRANSLATIONS.items():
            fill(out / "translations" / f"presenter.{code}.csv", targets)
        result = localize(video, list(TRANSLATIONS), out, options)
        for code in TRANSLATIONS:
            sheet = preview(video, result.languages[code].outputs["ass"], HERE / f"presenter.{code}.png",
                            max_frames=6, columns=3, title=f"captionkit localize: {code}")
            print(sheet)


if __name__ == "__main__":
    main()
