"""Read a call transcript or an email thread into a `Conversation` of `Turn`s, whatever tool exported it.

The format is told by the content, not the file name (a Zoom `.txt` is as likely as a `.vtt`, a pasted thread has
no name at all): WebVTT (Zoom's "Name: text" cues, Teams' `<v Name>` voice tags, Meet's name alone on a cue's
first line) and SRT through webvtt-py; the plain-text layouts of Otter, Gong and Fireflies ("Name  00:01:23" over
the text, or "[00:12:03] Name: text"); email threads (bot/calls/emails.py). Anything else, or a file that is
empty, binary, too big, has one speaker or is in a language we do not coach, raises `CallError` with one line
that says what was expected.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from bot.core.language import detect_language

# The most text a call or a thread may hold: a 3-hour call is about 200 KB of text, a long thread less. Checked on
# the file's size before it is read, so a 50 MB upload is refused without reading it into memory.
MAX_BYTES = 5 * 1024 * 1024
EXPECTED = ("expected a call transcript (WebVTT or SRT from Zoom, Teams or Meet; an Otter, Gong or Fireflies text "
            "export), a WhatsApp chat export, or an email thread (.eml or pasted text)")
# The most characters of one turn kept: a monologue longer than this is a talk, not a turn in a conversation.
MAX_TURN_CHARS = 4000


class CallError(ValueError):
    """The file cannot be read as a conversation; the message is one line naming what was expected."""


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    start: float | None = None  # seconds from the call's start (transcripts with times)
    email: int | None = None  # which message of a thread, 1 = the oldest
    sender: str | None = None  # the email address the message came from, when known

    def where(self) -> str:
        """Where the turn is, for a reader: "00:12:03", "email 3", or "" when the file gives neither."""
        if self.start is not None:
            seconds = int(self.start)
            return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        return f"email {self.email}" if self.email is not None else ""


@dataclass(frozen=True)
class Conversation:
    kind: str  # "call" or "email"
    format: str  # webvtt, srt, otter, colon, eml, email_text
    turns: tuple[Turn, ...]
    language: str  # "en" or "es": the majority of the turns
    subject: str | None = None  # an email thread's subject
    # (name, company) for each participant a transcript's header lists with a company: "Participants: Trevor
    # Sandoval (Meridex Surgical), Angela Wu (Lakemont Regional)"
    affiliations: tuple[tuple[str, str], ...] = ()

    @property
    def speakers(self) -> list[str]:
        """Each speaker once, in the order they first speak."""
        return list(dict.fromkeys(turn.speaker for turn in self.turns))


# --- entry points -------------------------------------------------------------------------------------------------

def read_call(path: str | Path) -> Conversation:
    """Read a transcript or an email file from disk; CallError for anything that is not one."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:  # before reading: a 50 MB upload never reaches memory
            raise CallError(_too_big(size))
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CallError(f"cannot read the file ({exc.strerror or exc})") from None
    return read_call_bytes(data, path.name)


def read_call_bytes(data: bytes, name: str = "") -> Conversation:
    """Read a file's bytes (an upload); `name` only helps tell an `.eml` from pasted text."""
    if len(data) > MAX_BYTES:
        raise CallError(_too_big(len(data)))
    if not data.strip():
        raise CallError(f"the file is empty: {EXPECTED}")
    text = _decode(data)
    if name.lower().endswith(".eml") or _EML_HEADERS.match(text):
        from bot.calls.emails import parse_eml

        turns, subject = parse_eml(data)
        return _conversation("email", "eml", turns, subject)
    return read_call_text(text, name)


def read_call_text(text: str, name: str = "") -> Conversation:
    """Read text already decoded (a pasted transcript or thread)."""
    if len(text.encode("utf-8", "ignore")) > MAX_BYTES:
        raise CallError(_too_big(len(text.encode("utf-8", "ignore"))))
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise CallError(f"the file is empty: {EXPECTED}")
    if _binary(text):
        raise CallError(f"the file is binary, not text: {EXPECTED}")
    fmt = detect_format(text)
    if fmt == "webvtt":
        return _conversation("call", fmt, _captions(text, "vtt"))
    if fmt == "srt":
        return _conversation("call", fmt, _captions(text, "srt"))
    if fmt == "eml":
        from bot.calls.emails import parse_eml

        turns, subject = parse_eml(text.encode("utf-8"))
        return _conversation("email", fmt, turns, subject)
    if fmt == "email_text":
        from bot.calls.emails import parse_email_text

        turns, subject = parse_email_text(text)
        return _conversation("email", fmt, turns, subject)
    if fmt == "otter":
        return _conversation("call", fmt, _headed_lines(text), affiliations=participants(text))
    if fmt == "colon":
        return _conversation("call", fmt, _colon_lines(text), affiliations=participants(text))
    if fmt == "chat":
        return _conversation("call", fmt, _chat_lines(text))
    raise CallError(f"unknown layout{f' in {name}' if name else ''}: {EXPECTED}")


def _too_big(size: int) -> str:
    return (f"the file is {size / 1024 / 1024:.1f} MB; at most {MAX_BYTES // 1024 // 1024} MB of text is read: "
            f"{EXPECTED}")


# --- bytes to text ------------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Windows tools still export UTF-16 with a BOM
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise CallError(f"the file is binary, not text: {EXPECTED}") from None
    if b"\x00" in data[:65536]:
        raise CallError(f"the file is binary, not text: {EXPECTED}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # an older Outlook export; binary shows up below
    if _binary(text):
        raise CallError(f"the file is binary, not text: {EXPECTED}")
    return text


def _binary(text: str) -> bool:
    sample = text[:65536]
    return "\x00" in sample or len(_CONTROL.findall(sample)) > max(8, len(sample) // 200) or \
        sample.count("\ufffd") > max(8, len(sample) // 100)


# --- telling the format from the content -----------------------------------------------------------------------

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_SRT_CUE = re.compile(r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*", re.M)
_EML_HEADERS = re.compile(
    r"\A(?:(?:Return-Path|Received|Delivered-To|Message-ID|MIME-Version|Date|From|To|Cc|Subject|Content-Type|"
    r"X-[\w-]+|In-Reply-To|References|Thread-Topic|Thread-Index|Content-Transfer-Encoding)[ \t]*:.*\n(?:[ \t].*\n)*)"
    r"{3,}", re.I)
# a speaker's name as transcripts give it: words that start with a capital ("Ana Ruiz", "Speaker 2", "Ana (Acme)")
_NAME = r"[A-ZÁÉÍÓÚÑÜ][\w'’.\-]*(?:[ \t]+(?:[A-ZÁÉÍÓÚÑÜ(][\w'’.\-()&@]*|\d+(?![\d:.,])|de|del|la|van|von|da|y))*"
# Otter / Gong / Fireflies: "Ana Ruiz  00:01:23", "Ana Ruiz - 1:23", "00:01:23 Ana Ruiz", "[01:23] Ana Ruiz"
_HEADER = re.compile(
    rf"^[ \t]*(?:(?P<name>{_NAME})[ \t]*(?:[-–|·,][ \t]*)?[(\[]?(?P<ts>{_TS})[)\]]?|"
    rf"[(\[]?(?P<ts2>{_TS})[)\]]?[ \t]*(?:[-–|·][ \t]*)?(?P<name2>{_NAME})[ \t]*:?)[ \t]*$")
# "Ana Ruiz: text", "[00:12:03] Ana Ruiz: text", "00:12:03 Ana: text", "Ana (00:12): text"
_COLON = re.compile(
    rf"^[ \t]*(?:[(\[]?(?P<ts>{_TS})[)\]]?[ \t]*(?:[-–|][ \t]*)?)?(?P<name>{_NAME})[ \t]*"
    rf"(?:[(\[](?P<ts2>{_TS})[)\]])?[ \t]*:[ \t]+(?P<text>\S.*)$")
# labels that open a line with a colon without being a speaker
_NOT_SPEAKERS = frozenset("""note notes nota notas re fw fwd subject asunto summary resumen agenda action actions
next tip ps p.s pd p.d http https date fecha time hora from to de para cc attendees participants participantes
transcript transcripción meeting reunión title título webvtt kind language call llamada duration duración
location lugar platform plataforma recording grabación host organizer organizador""".split())
# An export's header line that lists who took part, with each one's company in brackets.
_PARTICIPANTS = re.compile(r"^[ \t]*(?:participants|attendees|participantes|asistentes)[ \t]*:[ \t]*(?P<who>.+)$",
                           re.I | re.M)
_WHO = re.compile(r"(?:^|[,;])\s*(?:and |y )?(?P<name>[^,;()]+?)\s*\((?P<company>[^)]+)\)")
_EMAIL_TEXT = re.compile(
    r"^[ \t>*]*(?:From|De)[ \t]*:\*?[ \t]*\S.*\n(?:[ \t>*]*\S.*\n){0,3}?[ \t>*]*(?:Sent|Date|Enviado(?: el)?|"
    r"Fecha)[ \t]*:|"
    r"^[ \t>]*(?:On|El)\b.{0,300}?(?:wrote|escribió)[ \t]*:[ \t]*$|"
    r"^[ \t>]*-{2,}[ \t]*(?:Original Message|Mensaje original|Forwarded message|Mensaje reenviado)[ \t]*-{2,}",
    re.I | re.M | re.S)
# A message copied from a mail client's conversation view (Gmail, Outlook on the web), with no "From:" label: the
# sender on a line of their own ("Rocío Sanchis <rsanchis@farmalevante.es>", the date may follow on that line), then
# the date ("jue, 3 abr 2025, 9:47", "10:47 AM (2 hours ago)"), then, optionally, who it went to ("to me, Raj",
# "para Paula, Vicent"). A sender without an address needs that "to" line.
_PAGE_ADDRESS = r"<[\w.+'-]+@[\w-]+(?:\.[\w-]+)+>"
PAGE_SENDER = re.compile(rf"^[ \t]*(?P<who>[^<>:\n\t]{{0,60}}?[ \t]*{_PAGE_ADDRESS})[ \t]*(?P<rest>[^\n]{{0,80}})$")
PAGE_NAME = re.compile(r"^[ \t]*(?P<who>[A-ZÁÉÍÓÚÑÜ][\w'’.-]+(?:[ \t]+[A-ZÁÉÍÓÚÑÜ][\w'’.-]+){1,3})[ \t]*$")
PAGE_DATE = re.compile(r"^[ \t]*(?=[^\n]{4,80}$)[^\n.!?]*?(?:\b\d{1,2}:\d{2}\b|\b(?:19|20)\d{2}\b|\bago\b|\bhace\b)"
                       r"[^\n!?]*$", re.I)
_PAGE_WHO = r"(?:me|m[ií]|yo|[\w.+'-]+@[\w.-]+|[A-ZÁÉÍÓÚÑÜ][\w'’.-]*(?:[ \t]+[A-ZÁÉÍÓÚÑÜ][\w'’.-]*){0,2})"
PAGE_TO = re.compile(rf"^[ \t]*(?:to|para|cc|cco|bcc)[ \t:]+{_PAGE_WHO}(?:[ \t]*(?:,|and|y)[ \t]*{_PAGE_WHO})*"
                     rf"[ \t▾]*$", re.I)


def page_header(lines: list[str], index: int) -> tuple[int, str] | None:
    """(the line after the header, who sent it) when a conversation view's message header (PAGE_SENDER) starts at
    `index`, else None."""
    line = lines[index]
    sender = PAGE_SENDER.match(line)
    name = None if sender else PAGE_NAME.match(line)
    if not sender and not name:
        return None
    end = index + 1
    if not (sender and sender.group("rest").strip() and PAGE_DATE.match(sender.group("rest"))):
        if end >= len(lines) or not PAGE_DATE.match(lines[end]):
            return None
        end += 1
    if end < len(lines) and PAGE_TO.match(lines[end]):
        end += 1
    elif name:
        return None
    return end, (sender or name).group("who")  # type: ignore[union-attr]


def _page_thread(text: str) -> bool:
    """Whether a conversation view's message header opens a message somewhere in the text."""
    lines = text.splitlines()
    return any(page_header(lines, index) for index, line in enumerate(lines) if "@" in line or PAGE_NAME.match(line))


def detect_format(text: str) -> str | None:
    """webvtt, srt, eml, email_text, chat, otter or colon; None when the text is none of them."""
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("WEBVTT"):
        return "webvtt"
    if _SRT_CUE.search(head[:4000]):
        return "srt"
    if _EML_HEADERS.match(head.replace("\r\n", "\n")):
        return "eml"
    if _EMAIL_TEXT.search(head.replace("\r\n", "\n")) or _page_thread(head.replace("\r\n", "\n")):
        return "email_text"
    lines = head.splitlines()
    headers = sum(1 for line in lines if _header(line))
    colons = sum(1 for line in lines if _colon(line))
    chats = sum(1 for line in lines if _CHAT.match(line))
    if chats >= 2 and chats >= max(headers, colons):
        return "chat"
    if headers >= 2 and headers >= colons:
        return "otter"
    if colons >= 2:
        return "colon"
    return None


def _speaker_ok(name: str) -> bool:
    words = name.split()
    return 1 <= len(words) <= 6 and len(name) <= 60 and words[0].lower().strip(".") not in _NOT_SPEAKERS


def _header(line: str) -> tuple[str, float] | None:
    match = _HEADER.match(line)
    if not match:
        return None
    name = (match.group("name") or match.group("name2") or "").strip()
    return (name, seconds(match.group("ts") or match.group("ts2"))) if _speaker_ok(name) else None


def _colon(line: str) -> tuple[str, float | None, str] | None:
    match = _COLON.match(line)
    if not match or not _speaker_ok(match.group("name")):
        return None
    ts = match.group("ts") or match.group("ts2")
    return match.group("name").strip(), seconds(ts) if ts else None, match.group("text").strip()


def seconds(stamp: str) -> float:
    """"01:02:03.500" → 3723.5; "12:03" (minutes and seconds) → 723.0."""
    parts = stamp.replace(",", ".").split(":")
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return total


# --- captions: WebVTT and SRT -----------------------------------------------------------------------------------

_VOICE = re.compile(r"<v(?:\.[\w.-]+)?[ \t]+([^>]+)>")
_TAG = re.compile(r"</?[a-z][^>]*>", re.I)
_SPEAKER_BRACKET = re.compile(r"^[ \t]*(?:-[ \t]*)?\[(?P<name>[^\]\n]{1,60})\][ \t]*:?[ \t]*(?P<text>.*)$")
_LEADING_DASH = re.compile(r"^[ \t]*-[ \t]+")


def _captions(text: str, fmt: str) -> list[Turn]:
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    try:
        captions = list(webvtt.WebVTT.from_buffer(io.StringIO(text), format=fmt))
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise CallError(f"a broken {'WebVTT' if fmt == 'vtt' else 'SRT'} file ({exc}): {EXPECTED}") from None
    turns: list[Turn] = []
    named_lines = _name_line_layout([caption.raw_text for caption in captions])
    for caption in captions:
        start = seconds(caption.start)  # "00:01:02.500": the library's own seconds drop the milliseconds
        if named_lines:
            first, _, rest = caption.raw_text.strip().partition("\n")
            if first.strip() in named_lines and rest.strip():
                turns.append(Turn(first.strip(), " ".join(_TAG.sub("", rest).split()), start))
                continue
        for speaker, said in _cue_lines(caption.raw_text):
            if said:
                turns.append(Turn(speaker or "", said, start))
    if turns and all(not turn.speaker for turn in turns):
        raise CallError(f"the captions name no speaker, so the buyer cannot be told from the seller: {EXPECTED} "
                        "with speaker names (most meeting tools add them)")
    # a cue without a name continues the one before (Zoom names a speaker once per stretch in some exports)
    named: list[Turn] = []
    for turn in turns:
        if not turn.speaker:
            if not named:
                continue
            turn = replace(turn, speaker=named[-1].speaker)
        named.append(turn)
    return named


_BARE_NAME_LINE = re.compile(rf"^{_NAME}$")


def _name_line_layout(cues: list[str]) -> set[str]:
    """The speakers' names when the captions give each speaker's name alone on a cue's first line and the words
    on the lines below (Google Meet's export); else an empty set. A first line is only taken as a name when it
    looks like one (capitalised words, no sentence punctuation), the cues carry no other speaker markup, and the
    same few names open most cues: a caption whose first line happens to be short text does not qualify."""
    opened: Counter[str] = Counter()
    multi = 0
    for raw in cues:
        lines = [line.strip() for line in raw.strip().splitlines() if line.strip()]
        if not lines:
            continue
        if _VOICE.search(raw) or _colon(lines[0]) or _SPEAKER_BRACKET.match(lines[0]):
            return set()  # Teams', Zoom's or SRT's own way of naming speakers
        if len(lines) < 2:
            continue
        multi += 1
        if _BARE_NAME_LINE.match(lines[0]) and _speaker_ok(lines[0]) and not re.search(r"[.?!,;:…]$", lines[0]):
            opened[lines[0]] += 1
    repeated = {name for name, count in opened.items() if count >= 2}
    if len(repeated) < 2 or sum(opened[name] for name in repeated) < 0.8 * multi:
        return set()
    return repeated


def _cue_lines(raw: str) -> list[tuple[str | None, str]]:
    """(speaker or None, text) for each speaker inside one cue: Teams' voice tags, Zoom's "Name: text",
    SRT's "[Name] text"; a line with no name belongs to the speaker before it in the cue."""
    out: list[tuple[str | None, str]] = []
    for line in raw.splitlines():
        voice = _VOICE.search(line)
        speaker: str | None = voice.group(1).strip() if voice else None
        said = " ".join(_TAG.sub("", line).split())
        said = _LEADING_DASH.sub("", said)
        if speaker is None:
            bracket = _SPEAKER_BRACKET.match(said)
            colon = _colon(said)
            if bracket and _speaker_ok(bracket.group("name")):
                speaker, said = bracket.group("name").strip(), bracket.group("text").strip()
            elif colon:
                speaker, said = colon[0], colon[2]
        if speaker is None and out:
            out[-1] = (out[-1][0], f"{out[-1][1]} {said}".strip())
        elif said or speaker:
            out.append((speaker, said))
    return out


# --- plain-text transcripts -------------------------------------------------------------------------------------

def _headed_lines(text: str) -> list[Turn]:
    """Otter, Gong, Fireflies: a line with the speaker and the time, then what they said on the lines below."""
    turns: list[Turn] = []
    speaker, start, lines = None, None, []  # type: ignore[var-annotated]
    for line in [*text.splitlines(), None]:
        header = _header(line) if line is not None else None
        if line is None or header:
            if speaker is not None and " ".join(lines).strip():
                turns.append(Turn(speaker, " ".join(" ".join(lines).split()), start))
            if header:
                speaker, start, lines = header[0], header[1], []
            continue
        if speaker is not None:
            lines.append(line.strip())
    return turns


def _colon_lines(text: str) -> list[Turn]:
    """"Name: text" lines, with an optional time; a line without a name continues the turn before it."""
    turns: list[Turn] = []
    for line in text.splitlines():
        found = _colon(line)
        if found:
            turns.append(Turn(found[0], found[2], found[1]))
        elif line.strip() and turns:
            last = turns[-1]
            turns[-1] = replace(last, text=f"{last.text} {line.strip()}")
    return turns


# A WhatsApp export's line: "3/4/24, 09:15 - Ana: …" (Android), "[3/4/24, 09:15:02] Ana: …" (iPhone), the time
# maybe with "a. m." or "PM"; a line without it continues the message before
_CHAT = re.compile(r"^[ \t\u200e]*\[?(?P<date>\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}),?[ \t]+"
                   r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
                   r"(?:[ \t\u202f]*(?P<half>[ap])\.?[ \t\u202f]?m\.?)?\]?[ \t]*(?:[-–][ \t]*)?", re.I)
# what the export puts for what it left out: "<Multimedia omitido>", "<Media omitted>", "image omitted"
_LEFT_OUT = re.compile(r"^[\u200e]*(?:<[^>]{1,40}>|(?:image|video|audio|sticker|GIF|document) omitted|"
                       r"(?:imagen|video|audio|sticker|GIF|documento) omitid[oa]|"
                       r"(?:This message was deleted|Se eliminó este mensaje)\.?)$", re.I)


def _chat_lines(text: str) -> list[Turn]:
    """A chat export's messages as turns, at the time of day each was sent; the app's own lines ("Creaste el
    grupo", "Messages are end-to-end encrypted") and what it left out ("<Media omitted>") are no one's words."""
    turns: list[Turn] = []
    last: Turn | None = None  # the message a line without a date continues (none after the app's own line)
    for line in text.splitlines():
        stamp = _CHAT.match(line)
        if stamp:
            found = _colon(line[stamp.end():])
            clock = stamp.group("time")
            at = seconds(clock) * 60 if clock.count(":") == 1 else seconds(clock)  # "09:15" is hours and minutes
            if (stamp.group("half") or "").lower() == "p" and at < 12 * 3600:
                at += 12 * 3600
            elif (stamp.group("half") or "").lower() == "a" and at >= 12 * 3600:
                at -= 12 * 3600  # "12:30 AM"
            last = Turn(found[0], "" if _LEFT_OUT.match(found[2]) else found[2], at) if found else None
            if last:
                turns.append(last)
        elif line.strip() and last is not None and not _LEFT_OUT.match(line.strip()):
            last = replace(last, text=f"{last.text} {line.strip()}".strip())
            turns[-1] = last
    return [turn for turn in turns if turn.text]


# --- the conversation ---------------------------------------------------------------------------------------------

_PARAGRAPH = re.compile(r"\n[ \t]*\n")


def merge_turns(turns: list[Turn]) -> list[Turn]:
    """Consecutive cues of one speaker (in one email) become one turn: a sentence cut over three captions is one
    answer, and what the seller answered is everything they said before the buyer spoke again."""
    merged: list[Turn] = []
    for turn in turns:
        # an email's paragraphs stay apart ("\n\n"): a writer starts a new point in a new one
        text = "\n\n".join(" ".join(p.split()) for p in _PARAGRAPH.split(turn.text) if p.strip()) \
            if turn.email is not None else " ".join(turn.text.split())
        if not text:
            continue
        if merged and merged[-1].speaker == turn.speaker and merged[-1].email == turn.email:
            last = merged[-1]
            merged[-1] = replace(last, text=f"{last.text} {text}")
        else:
            merged.append(replace(turn, text=text))
    return [replace(t, text=_cut(t.text)) for t in merged]


def _cut(text: str) -> str:
    if len(text) <= MAX_TURN_CHARS:
        return text
    cut = text[:MAX_TURN_CHARS]
    return cut[: cut.rfind(" ")] if " " in cut else cut


def participants(text: str) -> tuple[tuple[str, str], ...]:
    """(name, company) for each participant a transcript's header line lists with a company in brackets
    ("Participants: Trevor Sandoval (Meridex Surgical), Angela Wu (Lakemont)"); the first such line only."""
    match = _PARTICIPANTS.search(text[:3000])
    if not match:
        return ()
    return tuple((m.group("name").strip(), m.group("company").strip()) for m in _WHO.finditer(match.group("who")))


def _conversation(kind: str, fmt: str, turns: list[Turn], subject: str | None = None,
                  affiliations: tuple[tuple[str, str], ...] = ()) -> Conversation:
    turns = merge_turns(turns)
    if not turns:
        raise CallError(f"no one says anything in the file: {EXPECTED}")
    speakers = list(dict.fromkeys(t.speaker for t in turns))
    if len(speakers) < 2:
        raise CallError(f"only one speaker ({speakers[0]}): expected a conversation between the seller's side and "
                        "the buyer's")
    language = _language(turns)
    affiliations = tuple((name, company) for name, company in affiliations if name in speakers)
    return Conversation(kind, fmt, tuple(turns), language, subject, affiliations)


def _language(turns: list[Turn]) -> str:
    """The conversation's language: English or Spanish by the majority of its words; CallError for any other
    (the coach's playbooks, scorecard and classifier speak those two)."""
    votes = Counter(detect_language(t.text) for t in turns if len(t.text.split()) >= 4)
    if not votes:
        votes = Counter([detect_language(" ".join(t.text for t in turns))])
    top = max(votes, key=lambda lang: (votes[lang], lang == "en"))
    if top == "other" and votes["other"] > votes["en"] + votes["es"]:
        raise CallError("the conversation is in neither English nor Spanish, the languages the coach reviews: "
                        "expected a call or a thread in English or Spanish")
    return "es" if votes["es"] > votes["en"] else "en"
