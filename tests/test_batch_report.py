"""The batch report's HTML from a recorded state, without running anything: rows, summary, escaping, fonts."""

from __future__ import annotations

from pathlib import Path

from batch_helpers import report_rows
from captionkit.batch.manifest import load_manifest
from captionkit.batch.report import font_faces, render_report, write_report
from captionkit.batch.state import BatchState, TaskRecord


def planned(tmp_path: Path):
    folder = tmp_path / "report & <project>"
    (folder / "videos").mkdir(parents=True)
    for name in ("a clip", "b clip", "c clip"):
        (folder / "videos" / f"{name}.mp4").write_bytes(b"-")
    manifest = folder / "batch.toml"
    manifest.write_text('[[jobs]]\nkind = "localize"\ninputs = ["videos/*.mp4"]\nto = ["ja", "ar"]\n', encoding="utf-8")
    return load_manifest(manifest)


def record(task, status: str, **fields) -> TaskRecord:
    return TaskRecord(key=task.key, fingerprint=task.fingerprint, status=status, run=1,
                      started="2026-12-02T12:00:00.000+00:00", finished="2026-12-02T12:00:05.000+00:00",
                      seconds=5.0, **fields)


def lint_row(language: str, text: str, key: str, passed: bool = True) -> dict:
    return {"language": language, "captions": f"{key}/{key}.{language}.srt", "cues": 2, "burned": False,
            "lint": {"profile": "netflix", "passed": passed, "errors": 0 if passed else 2, "unavoidable": 1,
                     "first": None if passed else "5.4 characters per second, over 4"},
            "poster": None, "poster_text": text, "poster_time": 1.0}


def test_rows_summary_and_failures(tmp_path):
    manifest = planned(tmp_path)
    first, second, third = manifest.tasks
    state = BatchState(manifest.output / "batch-state.json")
    state.start_run("local", 2)
    state.record(record(first, "done", rows=[lint_row("ja", "第一課へようこそ。", first.key),
                                              lint_row("ar", "مرحبا بكم", first.key, passed=False)]))
    state.record(record(second, "failed", error="b clip.mp4: <script>alert(1)</script> is not a video"))
    path = write_report(manifest, state, manifest.output / "batch-report.html")
    text = path.read_text(encoding="utf-8")
    rows = report_rows(path)
    assert [(row["key"], row["language"], row["status"]) for row in rows] == [
        ("a clip", "ja", "done"), ("a clip", "ar", "done"), ("b clip", "ja, ar", "failed"), ("c clip", "ja, ar", "not run")]
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text   # errors are text, not markup
    assert 'href="a%20clip/a%20clip.ja.srt"' in text                                     # links work with spaces
    assert "2 errors under netflix" in rows[1]["cells"][6] and "1 unavoidable" in rows[1]["cells"][6]
    assert 'id="failures"' in text and "b clip" in text.split('id="failures"')[1].split("</ul>")[0]
    summary = text.split('id="summary"')[1].split("</div>\n<h2>")[0]
    assert "1/2</b>pass lint" in summary and ">failed</span>" in summary and ">not run</span>" in summary


def test_caption_text_gets_embedded_fonts_for_every_script(tmp_path):
    rules, families = font_faces("Hello 第一課へようこそ。 مرحبا בוקר", tmp_path)
    assert len(families) == 4 and rules.count("@font-face") == 4          # Latin, Arabic, Hebrew, Japanese
    stored = sorted(path.name.split(".")[0] for path in tmp_path.iterdir())
    assert stored == ["NotoSans-Regular", "NotoSansArabic-Regular", "NotoSansCJKjp-Regular", "NotoSansHebrew-Regular"]
    assert sum(path.stat().st_size for path in tmp_path.iterdir()) < 200_000   # subsets, not whole fonts
    again, _ = font_faces("Hello 第一課へようこそ。 مرحبا בוקר", tmp_path)
    assert again == rules and len(list(tmp_path.iterdir())) == 4           # made once, reused


def test_empty_state_renders(tmp_path):
    manifest = planned(tmp_path)
    html = render_report(manifest, BatchState(manifest.output / "batch-state.json"), manifest.output)
    assert html.count('data-status="not run"') == 3 and "Failures" not in html
