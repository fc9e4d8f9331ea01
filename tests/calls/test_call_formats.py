"""Reading calls and email threads: each format of issue #22 (EN and ES fixtures in tests/data/calls/), and one
clear line for every file that is not a conversation we can review."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.calls.formats import MAX_BYTES, CallError, detect_format, read_call, read_call_bytes, read_call_text

DATA = Path(__file__).resolve().parent.parent / "data" / "calls"


@pytest.mark.parametrize(("name", "fmt", "lang", "speakers", "turns"), [
    ("zoom_en.vtt", "webvtt", "en", ["Ana Ruiz", "Dana Okafor"], 11),
    ("teams_es.vtt", "webvtt", "es", ["Lucía Gómez", "Martín Herrera"], 9),
    ("meet_en.srt", "srt", "en", ["Ben Carter", "Priya Shah"], 5),
    ("otter_en.txt", "otter", "en", ["Ana Ruiz", "Raj Patel"], 6),
    ("otter_es.txt", "otter", "es", ["Lucía Gómez", "Sofía Marín"], 6),
    ("gong_en.txt", "colon", "en", ["Ben Carter", "Tom Reyes"], 7),
    ("fireflies_es.txt", "colon", "es", ["Lucía Gómez", "Carlos Vega"], 5),
    ("thread_en.eml", "eml", "en", ["Dana Okafor", "Ana Ruiz"], 3),
    ("thread_es_html.eml", "eml", "es", ["Lucía Gómez", "Martín Herrera"], 2),
    ("thread_es.txt", "email_text", "es", ["Martín Herrera", "Lucía Gómez"], 2),
    ("thread_en_pasted.txt", "email_text", "en", ["Priya Shah", "Ben"], 2),
])
def test_each_format_reads_into_turns(name, fmt, lang, speakers, turns):
    conversation = read_call(DATA / name)
    assert (conversation.format, conversation.language, conversation.speakers, len(conversation.turns)) == \
        (fmt, lang, speakers, turns)
    # consecutive turns always change speaker (or email): cues of one speaker are merged
    for before, after in zip(conversation.turns, conversation.turns[1:], strict=False):
        assert (before.speaker, before.email) != (after.speaker, after.email)
    for turn in conversation.turns:
        assert "<v" not in turn.text and "</" not in turn.text and not turn.text.startswith(">")


def test_zoom_cues_of_one_speaker_become_one_turn_with_the_first_cue_time():
    turns = read_call(DATA / "zoom_en.vtt").turns
    assert turns[2].speaker == "Ana Ruiz" and turns[2].start == pytest.approx(8.4)
    assert turns[2].text.endswith("how you plan the week today before I show you anything.")
    assert turns[2].where() == "00:00:08"


def test_teams_voice_tags_name_the_speaker_and_leave_no_markup():
    turns = read_call(DATA / "teams_es.vtt").turns
    assert turns[3].speaker == "Martín Herrera" and "qué incluye el precio" in turns[3].text
    assert turns[4].text.startswith("Entiendo") and "actualizaciones" in turns[4].text  # two cues, one turn


def test_otter_text_below_a_header_is_joined_and_timed():
    turns = read_call(DATA / "otter_en.txt").turns
    assert turns[3].start == 21.0 and "thirty percent cut in overtime" in turns[3].text
    assert read_call(DATA / "otter_es.txt").turns[0].start == 4.0


def test_gong_timestamps_and_fireflies_continuation_lines():
    assert [t.start for t in read_call(DATA / "gong_en.txt").turns][:3] == [5.0, 12.0, 15.0]
    fireflies = read_call(DATA / "fireflies_es.txt").turns
    assert fireflies[2].start is None and fireflies[2].text.endswith("bastante menor de lo que imagina.")


def test_an_eml_thread_is_oldest_first_without_quotes_signatures_or_the_html_copy():
    conversation = read_call(DATA / "thread_en.eml")
    assert conversation.subject == "Re: Brightpath proposal"
    first, reply, last = conversation.turns
    assert [t.email for t in conversation.turns] == [1, 2, 3]
    assert first.sender == "dana.okafor@northwind-logistics.com" and reply.sender == "ana@brightpath.io"
    assert first.text.endswith("Is the mobile app for technicians extra?") and "Thanks," not in first.text
    assert reply.text.endswith("Could we walk through it with Raj on Thursday?")  # "--" signature gone
    assert "Account Executive" not in reply.text
    assert "VP Operations" not in last.text and "555" not in last.text and "HTML copy" not in last.text
    assert last.text.startswith("Thanks for the proposal.")  # the greeting line is dropped
    assert last.where() == "email 3"


def test_an_html_only_spanish_eml_splits_its_blockquote_and_reverses_outlooks_name():
    conversation = read_call(DATA / "thread_es_html.eml")
    earlier, latest = conversation.turns
    assert (earlier.speaker, earlier.sender) == ("Lucía Gómez", "lucia@brightpath.io")
    assert latest.speaker == "Martín Herrera"  # "Herrera, Martín" in the From header
    assert "Gerente" not in latest.text and "Saludos" not in earlier.text


def test_pasted_outlook_blocks_and_gmail_quotes():
    spanish = read_call(DATA / "thread_es.txt")
    assert spanish.subject == "RE: Propuesta de rutas"
    assert spanish.turns[0].sender == "martin@ferreteriasol.es" and "Ejecutiva" not in spanish.turns[1].text
    english = read_call(DATA / "thread_en_pasted.txt")
    assert english.turns[0].text.endswith("I don't see how this would work for us.")
    assert "Sales Operations" not in english.turns[0].text
    assert english.turns[1].speaker == "Ben"  # signed under the reply


def test_the_format_is_told_by_content_not_by_name(tmp_path):
    vtt_named_txt = tmp_path / "zoom.txt"
    vtt_named_txt.write_bytes((DATA / "zoom_en.vtt").read_bytes())
    assert read_call(vtt_named_txt).format == "webvtt"
    assert read_call_bytes((DATA / "otter_en.txt").read_bytes(), "call.vtt").format == "otter"
    assert detect_format((DATA / "meet_en.srt").read_text(encoding="utf-8")) == "srt"


def test_utf16_exports_are_read(tmp_path):
    path = tmp_path / "teams.vtt"
    path.write_bytes((DATA / "teams_es.vtt").read_text(encoding="utf-8").encode("utf-16"))
    assert read_call(path).speakers == ["Lucía Gómez", "Martín Herrera"]


def _error(path: Path) -> str:
    with pytest.raises(CallError) as caught:
        read_call(path)
    message = str(caught.value)
    assert "\n" not in message and message
    return message


def test_an_empty_file_is_refused(tmp_path):
    (tmp_path / "empty.vtt").write_text("")
    (tmp_path / "blank.txt").write_text("  \n\n ")
    assert "empty" in _error(tmp_path / "empty.vtt")
    assert "empty" in _error(tmp_path / "blank.txt")


def test_a_binary_file_is_refused(tmp_path):
    path = tmp_path / "call.vtt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    assert "binary" in _error(path)
    with pytest.raises(CallError, match="binary"):
        read_call_text("WEBVTT\n" + "\x01\x02\x03\x04" * 200)


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.vtt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_reading)
    assert "50.0 MB" in _error(path) and f"{MAX_BYTES // 1024 // 1024} MB" in _error(path)
    with pytest.raises(CallError, match="MB"):
        read_call_bytes(b"a" * (MAX_BYTES + 1))


def test_one_speaker_a_foreign_language_and_an_unknown_layout_are_refused():
    assert "only one speaker (Ana Ruiz)" in _error(DATA / "one_speaker.txt")
    assert "neither English nor Spanish" in _error(DATA / "french.vtt")
    assert "unknown layout" in _error(DATA / "notes.txt")


def test_broken_or_nameless_captions_are_refused(tmp_path):
    broken = tmp_path / "broken.vtt"
    broken.write_text("WEBVTT\n\n00:00:01.000 --> soon\nhello there\n", encoding="utf-8")
    assert "WebVTT" in _error(broken)
    nameless = tmp_path / "nameless.vtt"
    nameless.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nhello there, how are you\n\n"
                        "00:00:04.000 --> 00:00:06.000\nfine thanks, and you\n", encoding="utf-8")
    assert "name no speaker" in _error(nameless)
    missing = tmp_path / "nowhere.vtt"
    assert "cannot read" in _error(missing)


def test_meet_captions_name_the_speaker_alone_on_the_cue_first_line():
    conversation = read_call(DATA / "meet_names_en.vtt")
    assert conversation.format == "webvtt" and conversation.speakers == ["Ana Ruiz", "Raj Patel"]
    assert [t.speaker for t in conversation.turns] == ["Ana Ruiz", "Raj Patel", "Ana Ruiz", "Raj Patel", "Ana Ruiz"]
    assert conversation.turns[1].text == "Sure. I only have twenty minutes, so let's keep it tight."
    assert conversation.turns[2].text.endswith("Want me to start there?")  # two cues of one speaker, one turn


def test_a_short_first_caption_line_is_not_taken_for_a_name(tmp_path):
    # one cue opening with capitalised words is no layout: the names must recur over most cues
    path = tmp_path / "zoom.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nAna: Hello Raj\nGood to see you\n\n"
                    "00:00:04.000 --> 00:00:06.000\nRaj: Likewise, Ana.\n", encoding="utf-8")
    assert [t.speaker for t in read_call(path).turns] == ["Ana", "Raj"]


def test_gmail_attribution_with_the_address_in_parentheses(tmp_path):
    path = tmp_path / "hilo.eml"
    path.write_text(
        "From: Lucía Gómez <lucia@brightpath.io>\nTo: Martín Herrera <martin@ferreteriasol.es>\n"
        "Subject: Re: Propuesta\nDate: Tue, 3 Mar 2026 10:00:00 +0100\nContent-Type: text/plain; charset=utf-8\n\n"
        "Martín:\n\nGracias, te lo confirmo el jueves.\n\n"
        "El lun, 2 mar 2026 a las 17:48, Martín Herrera (<martin@ferreteriasol.es>) escribió:\n"
        "> Lucía:\n>\n> El precio nos parece alto para lo que usamos hoy.\n", encoding="utf-8")
    earlier, latest = read_call(path).turns
    assert (earlier.speaker, earlier.sender) == ("Martín Herrera", "martin@ferreteriasol.es")
    assert earlier.text == "El precio nos parece alto para lo que usamos hoy."  # "Lucía:" opens, says nothing
    assert latest.text == "Gracias, te lo confirmo el jueves."


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_inline_reply_is_the_repliers_not_the_quoted_senders(tmp_path, lang):
    """A seller who answers between the buyer's quoted paragraphs ("my answers are inline below") wrote those
    paragraphs: the buyer's turn is only the quoted lines, wrapped ones included, and the answers are the seller's."""
    en = lang == "en"
    path = tmp_path / "inline.eml"
    path.write_text(
        "From: Owen Pryce <owen@ferndock.com>\nTo: Hana Whitlock <hana@cedarhollow.com>\nSubject: Re: Concerns\n"
        "Date: Wed, 12 Mar 2025 10:41:07 -0500\nContent-Type: text/plain; charset=utf-8\n\n"
        + ("My answers are inline below.\n\nOn Tue, Mar 11, 2025 at 9:52 PM Hana Whitlock <hana@cedarhollow.com> "
           "wrote:\n> 1. With cloud software, if the internet goes down we can't check\n"
           "patients in.\n\nEach workstation keeps a local copy of today's schedule.\n\n"
           "> 2. The data conversion worries Marcy.\n\nWe run a full test conversion first.\n"
           if en else
           "Respondo entre líneas.\n\nEl mar, 11 mar 2025 a las 21:52, Hana Whitlock <hana@cedarhollow.com> "
           "escribió:\n> 1. Si se cae internet no podemos recibir\n"
           "pacientes.\n\nCada equipo guarda una copia local de la agenda del día.\n\n"
           "> 2. A Marcy le preocupa la migración.\n\nHacemos antes una migración de prueba completa.\n"),
        encoding="utf-8")
    buyer, seller = read_call(path).turns
    assert buyer.speaker == "Hana Whitlock" and seller.speaker == "Owen Pryce"
    assert ("can't check patients in" if en else "no podemos recibir pacientes") in buyer.text
    assert ("local copy" if en else "copia local") not in buyer.text
    assert ("test conversion" if en else "migración de prueba") in seller.text


ANDROID_ES = """3/4/24, 09:12 - Los mensajes y las llamadas están cifrados de extremo a extremo.
3/4/24, 09:13 - Añadiste a Wilder Huamán y Rosa Tapullima
3/4/24, 09:15 - Valeria Quispe: Buenos días a todos, creé este grupo para lo de los sensores.
3/4/24, 09:33 - Wilder Huamán: El tema es que no hay señal en los centros de acopio.
Eso de la app en la nube allá no funciona.
3/4/24, 09:34 - Wilder Huamán: <Multimedia omitido>
3/4/24, 09:52 - Valeria Quispe: Entiendo Wilder, lo diseñamos para eso.
"""
IPHONE_EN = """[12/03/2025, 4:05:12 PM] Dana Price: Thanks for the deck. Honestly the price is double what we pay now.
[12/03/2025, 4:06:40 PM] Ben Carter: Understood. What are you comparing it with?
[12/03/2025, 4:07:02 PM] Dana Price: image omitted
[12/03/2025, 4:08:15 PM] Dana Price: Our current tool, and it does the job.
"""


@pytest.mark.parametrize(("text", "turns"), [
    (ANDROID_ES, [("Valeria Quispe", "Buenos días a todos, creé este grupo para lo de los sensores.", "09:15"),
                  ("Wilder Huamán", "El tema es que no hay señal en los centros de acopio. Eso de la app en la nube "
                                    "allá no funciona.", "09:33"),
                  ("Valeria Quispe", "Entiendo Wilder, lo diseñamos para eso.", "09:52")]),
    (IPHONE_EN, [("Dana Price", "Thanks for the deck. Honestly the price is double what we pay now.", "16:05"),
                 ("Ben Carter", "Understood. What are you comparing it with?", "16:06"),
                 ("Dana Price", "Our current tool, and it does the job.", "16:08")]),
])
def test_a_whatsapp_export_reads_each_message_with_its_time_and_drops_the_apps_own_lines(text, turns):
    """A chat export (Android "3/4/24, 09:15 - Name: …", iPhone "[12/03/2025, 4:05:12 PM] Name: …"): a line without
    a date continues the message; "<Multimedia omitido>", "image omitted" and the app's own lines are no one's."""
    assert detect_format(text) == "chat"
    conversation = read_call_text(text, "chat.txt")
    assert [(t.speaker, t.text, t.where()[:5]) for t in conversation.turns] == turns
