"""Localisation: sentences, translators (file, infsh, argos), glossary, re-segmentation per language, the job."""

from __future__ import annotations

import csv
import json
import sys
import types
from pathlib import Path

import pytest

from captionkit.cues.profiles import load_profile
from captionkit.cues.scripts import NO_LINE_END, NO_LINE_START, PDF, RLE, unspaced_tokens
from captionkit.cues.segment import build_track
from captionkit.errors import CaptionkitError
from captionkit.formats import load, save
from captionkit.jobs.localize import LocalizeOptions, TranslationsNeeded, check_languages, localize
from captionkit.localize.glossary import Glossary, Term, glossary_breaks, load_glossary
from captionkit.localize.resegment import length_note, target_track
from captionkit.localize.sentences import source_sentences
from captionkit.localize.translators import Request
from captionkit.localize.translators.file import FileTranslator, read_translations, write_exchange_files
from captionkit.localize.translators.infsh import InfshOptions, InfshTranslator, parse_reply
from captionkit.model import Track
from helpers import assert_one_line_error, run_cli
from localize_helpers import fill_csv, timed_words

SOURCE_TEXT = "Welcome to captionkit. Today we show how subtitles work, in every language. Thanks for watching!"


@pytest.fixture
def source_file(tmp_path) -> Path:
    """A captionkit JSON track of three sentences, with a 1.1 s pause after the comma."""
    track = build_track(timed_words(SOURCE_TEXT, pause_after={"work,": 1.1, "captionkit.": 0.5}))
    return save(track, tmp_path / "talk 'x', ü.json")


def _request(track: Track, language: str = "es", glossary: Glossary | None = None) -> Request:
    sentences = tuple(source_sentences(track))
    notes = {s.id: length_note(s, load_profile("netflix", language)) for s in sentences}
    return Request(sentences, "en", language, glossary or Glossary(), notes, stem="talk")


# --------------------------------------------------------------------------- sentences


def test_sentences_follow_punctuation_with_stable_ids_and_inner_pauses(source_file):
    track = load(source_file)
    sentences = source_sentences(track)
    assert [s.id for s in sentences] == ["s0001", "s0002", "s0003"]
    assert [s.text for s in sentences] == [
        "Welcome to captionkit.", "Today we show how subtitles work, in every language.", "Thanks for watching!"]
    words = track.words
    assert sentences[1].start == words[3].start and sentences[1].end == words[11].end
    (pause,) = sentences[1].pauses
    assert pause.end - pause.start == pytest.approx(1.15, abs=1e-6)
    assert pause.share == pytest.approx(len("Today we show how subtitles work, ") / len(sentences[1].text), abs=0.03)
    assert source_sentences(load(source_file)) == sentences, "the same track gives the same ids"


def test_sentences_from_srt_without_word_times_are_spread_over_cues(tmp_path):
    path = tmp_path / "talk.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:03,000\nHello there. How are\n\n2\n00:00:03,500 --> 00:00:05,000\n"
                    "you today?\n", encoding="utf-8")
    sentences = source_sentences(load(path))
    assert [s.text for s in sentences] == ["Hello there.", "How are you today?"]
    assert sentences[0].start == 1.0 and sentences[1].end == 5.0
    assert 1.0 < sentences[1].start < 3.0


# --------------------------------------------------------------------------- re-segmentation


def test_japanese_lines_keep_the_line_break_rules():
    assert unspaced_tokens("残るので、「three features」が", "ja", 13) == ["残るので、", "「three ", "features」が"]
    text = "今日は、「ちょっと」だけ、キャプションキットの使い方をゆっくりとお見せしますね。ありがとうございました！"
    pieces = unspaced_tokens(text, "ja", 13)
    assert "".join(pieces) == text
    assert all(piece[0] not in NO_LINE_START and piece[-1] not in NO_LINE_END for piece in pieces[1:])
    assert all(len(piece) <= 13 for piece in pieces)
    assert "ちょっと" in "".join(pieces) and any(piece.startswith("「") for piece in pieces), "an opening bracket starts"
    long_run = unspaced_tokens("ー" * 3 + "あ" * 30 + "ゃ。", "ja", 13)
    assert all(len(piece) <= 13 and piece[0] not in NO_LINE_START for piece in long_run[1:])


def test_target_sentences_take_the_source_span_and_break_at_its_pauses(source_file):
    track = load(source_file)
    sentences = source_sentences(track)
    targets = {"s0001": "Bienvenidos a captionkit.",
               "s0002": "Hoy mostramos cómo funcionan los subtítulos, en todos los idiomas.",
               "s0003": "¡Gracias por vernos!"}
    spanish = target_track(sentences, targets, "es", fps=30)
    texts = [" ".join(cue.lines) for cue in spanish.cues]
    assert texts[0] == "Bienvenidos a captionkit." and texts[-1] == "¡Gracias por vernos!"
    assert " ".join(texts) == " ".join(targets.values()), "every word once, in order"
    for sentence in sentences:  # each target word lies in its source sentence's span
        for word in spanish.words:
            if sentence.start <= word.start < sentence.end:
                assert word.end <= sentence.end + 1e-6
    middle = [cue for cue in spanish.cues if cue.start >= sentences[1].start - 0.05 and cue.end <= sentences[2].start]
    assert len(middle) == 2, "the second sentence is cut in two at its pause"
    (pause,) = sentences[1].pauses
    assert middle[0].lines[-1].endswith("subtítulos,"), "the cut is at the comma nearest the pause"
    assert middle[0].words[-1].end == pytest.approx(pause.start, abs=1e-6)
    assert middle[1].words[0].start == pytest.approx(pause.end, abs=1e-6)


def test_japanese_and_arabic_tracks_follow_their_profiles(source_file):
    sentences = source_sentences(load(source_file))
    japanese = target_track(sentences, {"s0001": "captionkitへようこそ。",
                                        "s0002": "今日は、字幕がすべての言語でどのように機能するかをお見せします。",
                                        "s0003": "ご視聴ありがとうございました！"}, "ja")
    limit = load_profile("netflix", "ja")
    for cue in japanese.cues:
        assert all(limit.line_length(line) <= 13 for line in cue.lines), cue.lines
        assert all(line[0] not in NO_LINE_START for line in cue.lines), cue.lines
        assert all(" " not in line for line in cue.lines)
    arabic = target_track(sentences, {"s0001": "مرحبا بكم في captionkit.", "s0002": "اليوم نعرض كيف تعمل الترجمات، بكل اللغات.",
                                      "s0003": "شكرا للمشاهدة!"}, "ar")
    assert [len(arabic.cues), arabic.cues[0].lines] == [4, [f"{RLE}مرحبا بكم في captionkit.{PDF}"]]
    assert arabic.cues[1].lines == [f"{RLE}اليوم نعرض كيف تعمل الترجمات،{PDF}"], "cut at the pause, after the comma"
    assert all(line.startswith(RLE) and line.endswith(PDF) for cue in arabic.cues for line in cue.lines)


# --------------------------------------------------------------------------- the file translator


def test_file_translator_writes_csv_xliff_and_po_then_imports_any_one(source_file, tmp_path):
    request = _request(load(source_file))
    folder = tmp_path / "translations"
    translator = FileTranslator(folder)
    with pytest.raises(TranslationsNeeded) as waiting:
        translator.translate(request)
    assert waiting.value.exit_code == 3 and "talk.es.{csv,xlf,po}" in str(waiting.value)
    assert sorted(p.name for p in folder.iterdir()) == ["talk.es.csv", "talk.es.po", "talk.es.xlf"]
    assert "max 42 characters per line" in (folder / "talk.es.csv").read_text(encoding="utf-8-sig")
    targets = {"s0001": "Uno.", "s0002": "Dos, tres.", "s0003": "¡Cuatro!"}
    import polib
    import xml.etree.ElementTree as ET

    po = polib.pofile(str(folder / "talk.es.po"))
    for entry in po:
        entry.msgstr = targets[entry.msgctxt]
    po.save(str(tmp_path / "talk.es.po"))
    assert read_translations(tmp_path / "talk.es.po", request) == targets
    tree = ET.parse(folder / "talk.es.xlf")
    for unit in tree.getroot().iter("{urn:oasis:names:tc:xliff:document:1.2}trans-unit"):
        unit.find("{urn:oasis:names:tc:xliff:document:1.2}target").text = targets[unit.get("id")]
    tree.write(tmp_path / "talk.es.xlf", encoding="utf-8", xml_declaration=True)
    assert read_translations(tmp_path / "talk.es.xlf", request) == targets
    fill_csv(folder / "talk.es.csv", targets)
    assert FileTranslator(folder).translate(request) == targets, "a filled file in the exchange folder is imported"


@pytest.mark.parametrize("damage, fragments", [
    (lambda rows: rows[:2], ["missing id s0003"]),
    (lambda rows: rows + [rows[0]], ["duplicate id s0001 (row 2 and row 5)"]),
    (lambda rows: rows + ["s0099,,,x,y,"], ["extra id s0099 (row 5)"]),
    (lambda rows: [rows[0], rows[1].replace(",Dos,", ",,"), rows[2]], ["empty id s0002 (row 3)"]),
    (lambda rows: [rows[0].replace("Welcome", "Goodbye"), *rows[1:]], ["another source text", "s0001"]),
])
def test_a_bad_translation_file_is_named_with_its_ids(source_file, tmp_path, damage, fragments):
    request = _request(load(source_file))
    write_exchange_files(request, tmp_path)
    fill_csv(tmp_path / "talk.es.csv", {"s0001": "Uno.", "s0002": "Dos", "s0003": "Tres."})
    header, *rows = (tmp_path / "talk.es.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "talk.es.csv").write_text("\n".join([header, *damage(rows)]) + "\n", encoding="utf-8")
    with pytest.raises(CaptionkitError) as error:
        read_translations(tmp_path / "talk.es.csv", request)
    message = str(error.value)
    assert "talk.es.csv" in message and "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_a_started_exchange_file_is_never_overwritten(source_file, tmp_path):
    request = _request(load(source_file))
    write_exchange_files(request, tmp_path)
    fill_csv(tmp_path / "talk.es.csv", {"s0001": "Uno."})  # half done
    before = (tmp_path / "talk.es.csv").read_bytes()
    with pytest.raises(CaptionkitError, match=r"empty ids s0002 \(row 3\), s0003 \(row 4\)"):
        FileTranslator(tmp_path).translate(request)
    write_exchange_files(request, tmp_path)
    assert (tmp_path / "talk.es.csv").read_bytes() == before


# --------------------------------------------------------------------------- glossary


def test_glossary_is_read_given_to_translators_and_checked(tmp_path, source_file):
    path = tmp_path / "glossary.csv"
    path.write_text("term,es,ja\n# brand names stay\ncaptionkit,,\nsubtitles,subtítulos,字幕\n", encoding="utf-8")
    glossary = load_glossary(path)
    assert glossary.terms == (Term("captionkit", {}), Term("subtitles", {"es": "subtítulos", "ja": "字幕"}))
    sentences = source_sentences(load(source_file))
    good = {"s0001": "Bienvenidos a captionkit.", "s0002": "Los subtítulos funcionan.", "s0003": "Gracias."}
    assert glossary_breaks(glossary, sentences, good, "es") == []
    bad = {**good, "s0001": "Bienvenidos a CaptionKit Pro.", "s0002": "Las leyendas funcionan."}
    assert [b.message() for b in glossary_breaks(glossary, sentences, bad, "es")] == [
        "s0002 (es): 'subtitles' must appear as 'subtítulos'"]
    bad["s0001"] = "Bienvenidos a Captionkid."
    assert [b.term for b in glossary_breaks(glossary, sentences, bad, "es")] == ["captionkit", "subtitles"]
    request = _request(load(source_file), "ja", glossary)
    write_exchange_files(request, tmp_path)
    with open(tmp_path / "talk.ja.csv", encoding="utf-8-sig", newline="") as handle:
        notes = [row["note"] for row in csv.DictReader(handle)]
    assert notes[1].endswith('; "subtitles": translate as "字幕"') and notes[1].startswith("max 13 characters per line")
    (tmp_path / "bad.csv").write_text("word,es\nx,y\n", encoding="utf-8")
    with pytest.raises(CaptionkitError, match="header row"):
        load_glossary(tmp_path / "bad.csv")


# --------------------------------------------------------------------------- the infsh (LLM) translator


class ScriptedClient:
    """Stands in for the inference.sh client: each run() answers with the next scripted reply."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.calls = []

    def run(self, app, inputs, *, timeout):
        self.calls.append((app, inputs))
        reply = self.replies.pop(0)
        text = reply(inputs["text"]) if callable(reply) else reply
        return types.SimpleNamespace(id="t", output={"response": text})


def _numbered(text: str) -> list[str]:
    block = text.split("Translate into ", 1)[1].split("\n")[1:]
    return [line.split(". ", 1)[1] for line in block]


def test_llm_replies_are_checked_and_what_is_missing_is_asked_again(source_file):
    request = _request(load(source_file), "es", Glossary((Term("captionkit", {}),)))
    client = ScriptedClient([
        "1. Bienvenidos a captionkit.\n3. ¡Gracias!",                 # sentence 2 missing
        lambda text: "1. " + _numbered(text)[0].upper(),                 # the retry, alone
    ])
    translator = InfshTranslator(InfshOptions(batch_size=3), client)
    result = translator.translate(request)
    assert result == {"s0001": "Bienvenidos a captionkit.", "s0002": _numbered(client.calls[0][1]["text"])[1].upper(),
                      "s0003": "¡Gracias!"}
    first, retry = (inputs for _, inputs in client.calls)
    assert client.calls[0][0] == "openrouter/claude-haiku-45"
    assert "into Spanish (es)" in first["system_prompt"] and '"captionkit": keep exactly' in first["text"]
    assert "Context before" in retry["text"] and "Welcome to captionkit." in retry["text"]
    assert _numbered(retry["text"]) == ["Today we show how subtitles work, in every language."]


def test_an_unusable_batch_is_split_and_a_glossary_break_is_asked_again(source_file):
    request = _request(load(source_file), "es", Glossary((Term("captionkit", {}),)))
    client = ScriptedClient([
        "Sorry, I cannot help with that.",                               # whole batch unusable -> split
        "1. Bienvenidos a CaptionKid.",                                 # breaks the glossary -> asked again
        "1. Bienvenidos a captionkit.",
        "1. Hoy.\n2. Gracias.\n2. Gracias otra vez.",                    # 2 duplicated -> asked again
        "1. Gracias.",
    ])
    result = InfshTranslator(InfshOptions(batch_size=3), client).translate(request)
    assert result == {"s0001": "Bienvenidos a captionkit.", "s0002": "Hoy.", "s0003": "Gracias."}
    assert [len(_numbered(inputs["text"])) for _, inputs in client.calls] == [3, 1, 1, 2, 1]
    assert "broke the glossary" in client.calls[2][1]["system_prompt"]


def test_llm_gives_up_naming_the_sentences(source_file):
    request = _request(load(source_file))
    client = ScriptedClient(["nothing useful"] * 20)
    with pytest.raises(CaptionkitError, match=r"after 2 tries for sentence ids? s000"):
        InfshTranslator(InfshOptions(batch_size=3, max_attempts=2), client).translate(request)


def test_reply_parsing_drops_duplicates_out_of_range_and_blanks():
    assert parse_reply("1. a\n2) b\n[3] c\n4. d\n2. again\n 5:  \n", 5) == {1: "a", 3: "c", 4: "d"}


# --------------------------------------------------------------------------- the argos translator


def test_argos_names_the_missing_package(source_file, monkeypatch):
    from captionkit.localize.translators.argos import ArgosTranslator

    request = _request(load(source_file), "ja")
    monkeypatch.setitem(sys.modules, "argostranslate", None)
    with pytest.raises(CaptionkitError, match=r"pip install 'captionkit\[argos\]'.*translate-en_ja"):
        ArgosTranslator().translate(request)
    fake = types.ModuleType("argostranslate")
    fake.translate = types.SimpleNamespace(get_installed_languages=lambda: [])
    monkeypatch.setitem(sys.modules, "argostranslate", fake)
    monkeypatch.setitem(sys.modules, "argostranslate.translate", fake.translate)
    with pytest.raises(CaptionkitError, match="package translate-en_ja"):
        ArgosTranslator().translate(request)


def test_argos_translates_with_glossary_terms_protected(source_file, monkeypatch):
    from captionkit.localize.translators.argos import ArgosTranslator

    class Pair:  # an "installed package" that upper-cases, as a model would change every word
        def translate(self, text):
            return text.upper()

    class Language:
        def __init__(self, code):
            self.code = code

        def get_translation(self, other):
            return Pair() if (self.code, other.code) == ("en", "es") else None

    fake = types.ModuleType("argostranslate")
    fake.translate = types.SimpleNamespace(get_installed_languages=lambda: [Language("en"), Language("es")])
    monkeypatch.setitem(sys.modules, "argostranslate", fake)
    monkeypatch.setitem(sys.modules, "argostranslate.translate", fake.translate)
    glossary = Glossary((Term("captionkit", {}), Term("subtitles", {"es": "subtítulos"})))
    result = ArgosTranslator().translate(_request(load(source_file), "es", glossary))
    assert result["s0001"] == "WELCOME TO captionkit."
    assert result["s0002"] == "TODAY WE SHOW HOW subtítulos WORK, IN EVERY LANGUAGE."


# --------------------------------------------------------------------------- the job and the command


def test_languages_are_checked():
    assert check_languages(["es", "pt-BR", "ja"]) == ["es", "pt-BR", "ja"]
    with pytest.raises(CaptionkitError, match="unknown language code 'zz'"):
        check_languages(["es", "zz"])
    with pytest.raises(CaptionkitError, match="given twice"):
        check_languages(["es", "es"])


def test_the_command_asks_for_translations_then_makes_every_language(source_file, tmp_path):
    out = tmp_path / "out -dir"
    first = run_cli("localize", source_file, "--to", "es,ja", "-o", out)
    assert first.returncode == 3 and "Traceback" not in first.stderr
    assert first.stderr.count("\n") == 1 and "talk 'x', ü.es.{csv,xlf,po}" in first.stderr
    assert not list(out.glob("*.srt")), "nothing but the exchange files on the first run"
    for code, targets in {"es": ["Uno, dos.", "Tres, cuatro, cinco.", "Seis."],
                          "ja": ["一つ。", "二つ、三つ。", "四つ！"]}.items():
        fill_csv(out / "translations" / f"talk 'x', ü.{code}.csv", dict(zip(["s0001", "s0002", "s0003"], targets)))
    second = run_cli("localize", source_file, "--to", "es,ja", "-o", out, "--json")
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert summary["sentences"] == 3 and set(summary["languages"]) == {"es", "ja"}
    spanish = load(out / "talk 'x', ü.es.srt")
    assert " ".join(" ".join(cue.lines) for cue in spanish.cues) == "Uno, dos. Tres, cuatro, cinco. Seis."
    assert load(out / "talk 'x', ü.ja.vtt").cues[0].lines == ["一つ。"]
    assert (out / "talk 'x', ü.ja.ass").is_file() and (out / "talk 'x', ü.en.srt").is_file()


def test_chinese_captions_name_the_chinese_face_and_japanese_keep_theirs(source_file, tmp_path):
    filled = tmp_path / "filled"
    filled.mkdir()
    for code, targets in {"zh": ["欢迎。", "直角。", "谢谢！"], "ja": ["ようこそ。", "直角。", "ありがとう！"]}.items():
        (filled / f"{source_file.stem}.{code}.csv").write_text(
            "id,target\n" + "".join(f"s000{n},{text}\n" for n, text in enumerate(targets, start=1)), encoding="utf-8")
    localize(source_file, ["zh", "ja"], tmp_path / "out", LocalizeOptions(translations=filled))
    chinese = (tmp_path / "out" / f"{source_file.stem}.zh.ass").read_text(encoding="utf-8")
    japanese = (tmp_path / "out" / f"{source_file.stem}.ja.ass").read_text(encoding="utf-8")
    assert "Style: Caption,Noto Sans CJK SC," in chinese and "Language: zh" in chinese
    assert "Style: Caption,Noto Sans," in japanese and "Noto Sans CJK JP" in japanese   # its CJK runs fall back


def test_bad_input_gets_one_line_naming_the_place(source_file, tmp_path):
    assert_one_line_error(run_cli("localize", source_file, "--to", "es,xx", "-o", tmp_path), "'xx'")
    out = tmp_path / "out"
    run_cli("localize", source_file, "--to", "es", "-o", out)
    exchange = out / "translations" / f"{source_file.stem}.es.csv"
    fill_csv(exchange, {"s0001": "Uno.", "s0003": "Tres."})
    header, *rows = exchange.read_text(encoding="utf-8").splitlines()
    exchange.write_text("\n".join([header, rows[0], rows[2]]) + "\n", encoding="utf-8")
    assert_one_line_error(run_cli("localize", source_file, "--to", "es", "-o", out), "es.csv", "missing id s0002")
    assert_one_line_error(run_cli("localize", source_file, "--to", "es", "-o", out, "--burn"), "no picture")
    assert_one_line_error(run_cli("localize", tmp_path / "nope.mp4", "--to", "es", "-o", out), "nope.mp4")
    assert_one_line_error(run_cli("localize", source_file, "--to", "en", "-o", out), "source language")


def test_a_render_folder_gives_its_clean_video_and_words_and_no_track_is_doubled(tmp_path):
    from captionkit.engines.synthetic import make_video
    from captionkit.formats.jsonfile import write_words
    from captionkit.render.mux import mux

    folder = tmp_path / "render out"
    (folder / ".captionkit" / "align").mkdir(parents=True)
    words = timed_words("Hello there. See you soon.")
    write_words(words, folder / ".captionkit" / "align" / "words.json", "en")
    track = build_track(words)
    save(track, folder / "talk.srt")
    video = make_video(tmp_path / "plain.mp4", 3.0, size=(320, 180), fps=25)
    mux(video, [folder / "talk.srt"], folder / "talk.subtitled.mp4")
    (folder / "talk.captioned.mp4").write_bytes(video.read_bytes())
    (folder / "report.json").write_text(json.dumps({"steps": {"align": {"outputs": {
        "words": str(folder / ".captionkit" / "align" / "words.json")}}}}), encoding="utf-8")
    translations = tmp_path / "filled"
    translations.mkdir()
    request = _request(track)
    write_exchange_files(request, translations)
    fill_csv(translations / "talk.es.csv", {"s0001": "Hola.", "s0002": "Hasta pronto."})
    out = tmp_path / "out"
    result = localize(folder, ["es"], out, LocalizeOptions(translations=translations))
    assert result.sentences == 2 and result.outputs["mp4"] == out / "talk.subtitled.mp4"
    import av

    with av.open(str(result.outputs["mp4"])) as container:
        tracks = [(s.metadata.get("language"), bool(int(s.disposition) & 1)) for s in container.streams.subtitles]
    assert tracks == [("eng", True), ("spa", False)]
    assert [cue.lines for cue in load(out / "talk.es.srt").cues] == [["Hola."], ["Hasta pronto."]]


def test_the_infsh_translator_runs_the_llm_app_on_the_service_and_retries_a_wrong_count(source_file, tmp_path,
                                                                                        infsh_sdk):
    calls = []

    def llm(inputs, out_dir):  # an LLM that drops lines on its first answer
        calls.append(inputs)
        numbered = _numbered(inputs["text"])
        if len(calls) == 1:
            numbered = numbered[:1]
        return {"response": "\n".join(f"{n}. [es] {text}" for n, text in enumerate(numbered, start=1))}

    infsh_sdk.register_app("openrouter/claude-haiku-45", llm, required=("text", "system_prompt"))
    result = run_cli("localize", source_file, "--to", "es", "-o", tmp_path / "out", "--translator", "infsh", "--json")
    assert result.returncode == 0, result.stderr
    assert [len(_numbered(inputs["text"])) for inputs in calls] == [3, 2], "the two missing sentences asked again"
    assert infsh_sdk.submissions["openrouter/claude-haiku-45"] == 2
    spanish = load(tmp_path / "out" / f"{source_file.stem}.es.srt")
    assert " ".join(" ".join(cue.lines) for cue in spanish.cues).startswith("[es] Welcome to captionkit. [es] Today")


def test_a_run_started_again_never_pays_twice_for_a_reply(source_file, tmp_path, infsh_sdk):
    """The LLM's tasks are journaled in the output folder: after a run that stopped part-way (Japanese
    failed), the next asks only for what it lacks, and a finished run started again asks for nothing."""
    app, calls = "openrouter/claude-haiku-45", []

    def llm(inputs, out_dir):  # Japanese fails the first time it is asked
        language = "ja" if "(ja)" in inputs["system_prompt"] else "es"
        calls.append(language)
        if calls == ["es", "ja"]:
            raise RuntimeError("the model is overloaded")
        return {"response": "\n".join(f"{n}. [{language}] {text}"
                                       for n, text in enumerate(_numbered(inputs["text"]), start=1))}

    infsh_sdk.register_app(app, llm, required=("text", "system_prompt"))
    out = tmp_path / "out"
    command = ("localize", source_file, "--to", "es,ja", "-o", out, "--translator", "infsh")
    assert_one_line_error(run_cli(*command), "overloaded")
    assert calls == ["es", "ja"] and infsh_sdk.submissions[app] == 2
    second = run_cli(*command)
    assert second.returncode == 0, second.stderr
    assert calls == ["es", "ja", "ja"] and infsh_sdk.submissions[app] == 3, "Spanish was not asked again"
    assert "[ja]Welcome" in (out / f"{source_file.stem}.ja.srt").read_text(encoding="utf-8")
    assert run_cli(*command).returncode == 0
    assert infsh_sdk.submissions[app] == 3, "a finished run started again pays for nothing"


def test_an_input_is_never_overwritten_by_an_output(tmp_path):
    source = save(build_track(timed_words(SOURCE_TEXT)), tmp_path / "talk.en.srt")
    before = source.read_bytes()
    run_cli("localize", source, "--to", "es", "-o", tmp_path)
    fill_csv(tmp_path / "translations" / "talk.es.csv", {"s0001": "Uno.", "s0002": "Dos.", "s0003": "Tres."})
    assert_one_line_error(run_cli("localize", source, "--to", "es", "-o", tmp_path), "talk.en.srt", "overwrite")
    assert source.read_bytes() == before
