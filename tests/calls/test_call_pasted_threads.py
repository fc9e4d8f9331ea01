"""Email threads pasted as people paste them (issue #22): Outlook's header blocks, "-----Original Message-----",
Gmail's "On … wrote:", a forwarded message, and Gmail's conversation view copied from the page (sender line,
date line, "to me, Ben"), each in English and in Spanish. Every form must give the same turns: each message once,
oldest first, with its sender and its own words."""

from __future__ import annotations

import pytest

from bot.calls.formats import detect_format, read_call_text

OLD_EN = "We are worried the price is too high for eight trucks."
NEW_EN = "Thanks, Dana. I will send the pilot numbers on Thursday."
OLD_ES = "Nos preocupa que el precio sea demasiado alto para ocho camiones."
NEW_ES = "Gracias, Martín. Te paso las cifras del piloto el jueves."

FORMS = {
    "outlook_en": (
        f"Hi Dana,\n\n{NEW_EN}\n\nBest,\nAna Ruiz\n\n"
        "From: Dana Okafor <dana@northwind.com>\nSent: Tuesday, March 3, 2026 10:02 AM\n"
        "To: Ana Ruiz <ana@brightpath.io>\nSubject: RE: pilot\n\n"
        f"Ana,\n\n{OLD_EN}\n\nThanks,\nDana\n"),
    "outlook_es": (
        f"Hola Martín:\n\n{NEW_ES}\n\nUn saludo,\nLucía Gómez\n\n"
        "De: Martín Herrera <martin@ferreteriasol.es>\nEnviado: martes, 3 de marzo de 2026 10:02\n"
        "Para: Lucía Gómez <lucia@brightpath.io>\nAsunto: RE: piloto\n\n"
        f"Lucía:\n\n{OLD_ES}\n\nSaludos,\nMartín\n"),
    "original_message_en": (
        f"{NEW_EN}\n\nAna Ruiz\n\n-----Original Message-----\n"
        "From: Okafor, Dana [mailto:dana@northwind.com]\nSent: Tuesday, March 03, 2026 10:02 AM\n"
        "To: Ruiz, Ana\nSubject: pilot\n\n"
        f"{OLD_EN}\n"),
    "original_message_es": (
        f"{NEW_ES}\n\nLucía Gómez\n\n-----Mensaje original-----\n"
        "De: Herrera, Martín [mailto:martin@ferreteriasol.es]\nEnviado el: martes, 3 de marzo de 2026 10:02\n"
        "Para: Gómez, Lucía\nAsunto: piloto\n\n"
        f"{OLD_ES}\n"),
    "gmail_wrote_en": (
        f"Hi Dana,\n\n{NEW_EN}\n\nAna Ruiz\n\n"
        "On Tue, Mar 3, 2026 at 10:02 AM Dana Okafor <dana@northwind.com>\nwrote:\n\n"
        f"> Ana,\n>\n> {OLD_EN}\n>\n> Dana\n"),
    "gmail_wrote_es": (
        f"Hola Martín:\n\n{NEW_ES}\n\nLucía Gómez\n\n"
        "El mar, 3 mar 2026 a las 10:02, Martín Herrera (<martin@ferreteriasol.es>) escribió:\n\n"
        f"> Lucía:\n>\n> {OLD_ES}\n>\n> Martín\n"),
    # Thunderbird's attribution names no address: the date comes first
    "wrote_no_address_en": (
        f"Hi Dana,\n\n{NEW_EN}\n\nAna Ruiz\n\n"
        "On 03/03/2026 10:02, Dana Okafor wrote:\n"
        f"> Ana,\n>\n> {OLD_EN}\n>\n> Dana\n"),
    "wrote_no_address_es": (
        f"Hola Martín:\n\n{NEW_ES}\n\nLucía Gómez\n\n"
        "El 03/03/2026 10:02, Martín Herrera escribió:\n"
        f"> Lucía:\n>\n> {OLD_ES}\n>\n> Martín\n"),
    "wrote_no_address_us_en": (
        f"Hi Dana,\n\n{NEW_EN}\n\nAna Ruiz\n\n"
        "On Tue, Mar 3, 2026 at 10:02 AM Dana Okafor wrote:\n"
        f"> Ana,\n>\n> {OLD_EN}\n>\n> Dana\n"),
    "forwarded_en": (
        f"Ana Ruiz <ana@brightpath.io>\nTue, Mar 3, 2026, 4:10 PM\n\n{NEW_EN}\n\n"
        "---------- Forwarded message ---------\nFrom: Dana Okafor <dana@northwind.com>\n"
        "Date: Tue, Mar 3, 2026 at 10:02 AM\nSubject: pilot\nTo: Ana Ruiz <ana@brightpath.io>\n\n"
        f"{OLD_EN}\n"),
    "forwarded_es": (
        f"{NEW_ES}\n\nLucía Gómez\n\n"
        "---------- Mensaje reenviado ---------\nDe: Martín Herrera <martin@ferreteriasol.es>\n"
        "Fecha: mar, 3 mar 2026 a las 10:02\nAsunto: piloto\nPara: Lucía Gómez <lucia@brightpath.io>\n\n"
        f"{OLD_ES}\n"),
    "gmail_page_en": (
        "Pilot proposal\nInbox\n\n"
        "Dana Okafor <dana@northwind.com>\nTue, Mar 3, 2026, 10:02 AM\nto me, Raj\n\n"
        f"Ana,\n\n{OLD_EN}\n\nThanks,\nDana Okafor\nVP Operations\n\n\n"
        "Ana Ruiz <ana@brightpath.io>\n10:47 AM (2 hours ago)\nto Dana, Raj\n\n"
        f"Hi Dana,\n\n{NEW_EN}\n\nBest,\nAna\n"),
    "gmail_page_es": (
        "Propuesta de piloto\nRecibidos\n\n"
        "Martín Herrera <martin@ferreteriasol.es>\nmar, 3 mar 2026, 10:02\npara Lucía, Carlos\n\n"
        f"Hola, Lucía:\n\n{OLD_ES}\n\nSaludos,\nMartín Herrera\nGerente\n\n\n"
        "Lucía Gómez <lucia@brightpath.io>\n10:47 (hace 2 horas)\npara mí, Carlos\n\n"
        f"Hola, Martín:\n\n{NEW_ES}\n\nUn saludo,\nLucía\n"),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_pasted_form_reads_oldest_first_with_its_senders(form):
    conversation = read_call_text(FORMS[form], "thread.txt")
    spanish = form.endswith("_es")
    old, new = (OLD_ES, NEW_ES) if spanish else (OLD_EN, NEW_EN)
    buyer, seller = ("Martín Herrera", "Lucía Gómez") if spanish else ("Dana Okafor", "Ana Ruiz")
    assert conversation.format == "email_text"
    assert conversation.language == ("es" if spanish else "en")
    earlier, latest = conversation.turns
    assert earlier.speaker == buyer and earlier.text == old
    assert latest.text == new
    if form.startswith(("gmail_page", "forwarded_en")):  # the paste names the newest message's sender too
        assert latest.speaker == seller


@pytest.mark.parametrize("text", [
    "Dana Okafor <dana@northwind.com>\nWe should talk.\nAna Ruiz <ana@brightpath.io>\nSure.\n",
    "Contacto: Martín Herrera <martin@ferreteriasol.es>\nmar, 3 mar 2026\nNada más.\n",
])
def test_an_address_line_alone_is_no_thread(text):
    """A line with an address is no message header unless a date line follows it."""
    assert detect_format(text) is None


@pytest.mark.parametrize(("text", "said"), [
    ("Dana Okafor <dana@northwind.com>\nTue, Mar 3, 2026, 10:02 AM\nto Ana\n\nHi, Ana.\n\n"
     "The price is too high for us.\n\nCheers,\nDana Okafor\n\n\n"
     "Ana Ruiz <ana@brightpath.io>\nTue, Mar 3, 2026, 11:02 AM\nto Dana\n\nNoted.\n", "The price is too high for us."),
    ("Vicent Llorca <compras@farmalevante.es>\njue, 3 abr 2025, 12:20\npara Paula\n\nBuenas, Paula.\n\n"
     "El coste es casi el doble.\n\nSalut,\nVicent Llorca\nDpto. de Compras\n\n\n"
     "Paula Echeverría <paula@gelida.es>\nvie, 4 abr 2025, 16:35\npara Vicent\n\nEntendido.\n",
     "El coste es casi el doble."),
])
def test_a_greeting_that_ends_in_a_full_stop_and_the_sign_off_are_dropped(text, said):
    assert read_call_text(text, "thread.txt").turns[0].text == said
