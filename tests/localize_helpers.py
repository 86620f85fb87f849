"""Hand-written translations of the pangram sample (tests/helpers.PANGRAM_TEXT) and helpers to fill exchange files."""

from __future__ import annotations

import csv
from pathlib import Path

from captionkit.model import Word

#: The pangram sample's four sentences, translated by hand.
PANGRAM_TRANSLATIONS = {
    "es": [
        "Bienvenidos a la presentación del producto.",
        "Hoy les mostraré tres funciones que ahorran tiempo.",
        "Primero, los subtítulos siguen el guion al pie de la letra.",
        "Segundo, aparecen en el fotograma correcto.",
    ],
    "ja": [
        "製品ツアーへようこそ。",
        "今日は、時間を節約できる三つの機能をご紹介します。",
        "まず、字幕は台本どおりにぴったり表示されます。",
        "次に、正しいフレームにちゃんと合います。",
    ],
    "ar": [
        "مرحبا بكم في جولة المنتج.",
        "اليوم سأعرض لكم ثلاث ميزات توفر الوقت.",
        "أولا، تتبع الترجمات النص بدقة.",
        "ثانيا، تظهر في الإطار الصحيح.",
    ],
}


def fill_csv(path: Path, targets: dict[str, str]) -> None:
    """Fill the target column of an exchange CSV (ids not in ``targets`` stay as they are)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["target"] = targets.get(row["id"], row["target"])
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def timed_words(text: str, *, start: float = 0.5, pause_after: dict[str, float] | None = None) -> list[Word]:
    """Words of ``text`` with plausible times: 60 ms per letter, 50 ms gaps, longer after given words."""
    words, clock = [], start
    for token in text.split():
        duration = 0.06 * len(token) + 0.1
        words.append(Word(token, clock, clock + duration))
        clock += duration + 0.05 + (pause_after or {}).get(token, 0.0)
    return words
