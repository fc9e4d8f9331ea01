"""An email thread as turns: each message once, oldest first, its sender, its own words only.

A reply carries the thread below it: Outlook's "From: / Sent: / To: / Subject:" block, Gmail's and Apple Mail's
"On … wrote:" ("El … escribió:") with the earlier message quoted by "> ". Each of those starts an earlier
message; quote marks are removed one level at a time, so a reply to a reply is read the same way. Signatures are
dropped ("-- ", a sign-off followed by name, title and phone lines, "Sent from my iPhone"): they are neither
resistance nor an answer to it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from bot.calls.formats import EXPECTED, CallError, Turn, page_header

_HEADER_KEYS = r"(?:From|Sent|Date|To|Cc|Bcc|Subject|De|Enviado(?: el)?|Para|CC|Asunto|Fecha|Reply-To|Importance)"
_HEADER_LINE = re.compile(rf"^[ \t*]*{_HEADER_KEYS}[ \t]*:\*?[ \t]*(?P<value>.*)$", re.I)
_FROM_LINE = re.compile(r"^[ \t*]*(?:From|De)[ \t]*:\*?[ \t]*(?P<value>\S.*)$", re.I)
_SENT_LINE = re.compile(r"^[ \t*]*(?:Sent|Date|Enviado(?: el)?|Fecha)[ \t]*:", re.I)
_SUBJECT_LINE = re.compile(r"^[ \t*]*(?:Subject|Asunto)[ \t]*:\*?[ \t]*(?P<value>.*)$", re.I)
_WROTE = re.compile(r"^[ \t>]*(?:On|El)\b(?P<who>.*?)(?:wrote|escribió)[ \t]*:[ \t]*$", re.I | re.S)
_SEPARATOR = re.compile(r"^[ \t]*-{2,}[ \t]*(?:Original Message|Mensaje original|Forwarded message|"
                        r"Mensaje reenviado)[ \t]*-{2,}[ \t]*$", re.I)
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_QUOTE = re.compile(r"^[ \t]?>[ \t]?")
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:best|best regards|kind regards|warm regards|warmly|regards|many thanks|thanks|thank you|thanks again|"
    r"thx|cheers|sincerely|all the best|talk soon|speak soon|saludos|un saludo|saludos cordiales|"
    r"un cordial saludo|atentamente|cordialmente|gracias|muchas gracias|un abrazo|abrazos|quedo atent[oa]|salut)"
    r"[ \t]*[,.!]*[ \t]*$", re.I)
_SIGN_OFF_NAMED = re.compile(r"^[ \t]*(?:best|thanks|cheers|regards|saludos|gracias|un saludo)[ \t]*,?[ \t]+"
                             r"(?P<name>[A-ZÁÉÍÓÚÑ][\wáéíóúñ'-]+)[ \t]*[.!]*$")
_MOBILE = re.compile(r"^[ \t]*(?:sent from my|get outlook for|enviado desde mi|obtener outlook para)\b", re.I)
_GREETING = re.compile(r"^[ \t]*(?:(?i:hi|hello|hey|dear|good morning|good afternoon|hola|buenos d[ií]as|buenas tardes|"
                       r"buenas|estimad[oa]s?|querid[oa])\b[^.!?]{0,40}[,:!.]?|"
                       # a bare name that opens the message: "Tomás:", "Ana,"
                       r"[A-ZÁÉÍÓÚÑ][\wáéíóúñ'-]+(?:[ \t]+[A-ZÁÉÍÓÚÑ][\wáéíóúñ'-]+)?[ \t]*[,:])[ \t]*$")
_BARE_NAME = re.compile(r"^[ \t]*[A-ZÁÉÍÓÚÑ][\wáéíóúñ'-]+(?:[ \t]+[A-ZÁÉÍÓÚÑ][\wáéíóúñ'-]+){0,2}[ \t]*$")
# a signature is short: a name, a title, a company, a phone, an address, a link
SIGNATURE_LINES = 7


@dataclass
class _Message:
    name: str = ""
    address: str = ""
    lines: list[str] = field(default_factory=list)


# --- .eml ---------------------------------------------------------------------------------------------------------

def parse_eml(data: bytes) -> tuple[list[Turn], str | None]:
    """An `.eml` file: its own sender and body, then the earlier messages quoted inside the body."""
    try:
        message = message_from_bytes(data, policy=policy.default)
    except Exception as exc:  # the parser is lenient; anything it still refuses is a broken file
        raise CallError(f"a broken email file ({exc}): {EXPECTED}") from None
    if not isinstance(message, EmailMessage) or not message.get("From"):
        raise CallError(f"an email file with no sender (From:): {EXPECTED}")
    body = _body(message)
    if body is None:
        raise CallError(f"the email has no text or HTML body: {EXPECTED}")
    name, address = _person(str(message.get("From", "")))
    return _turns(body, _Message(name, address)), (str(message.get("Subject") or "").strip() or None)


def _body(message: EmailMessage) -> str | None:
    """The text/plain part, else the HTML part as text: the plain part is what the sender wrote, the HTML the
    same words with markup."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return None
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # an unknown or wrong charset: read what can be read
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)
    if not isinstance(content, str):
        return None
    return html_text(content) if part.get_content_type() == "text/html" else content


_BLOCK = re.compile(r"<\s*(?:br|/p|/div|/tr|/li|/h\d|/blockquote|p|div|li|tr)\b[^>]*>", re.I)
_DROP = re.compile(r"<\s*(style|script|head)\b.*?<\s*/\s*\1\s*>", re.I | re.S)
_ANY_TAG = re.compile(r"<[^>]+>")
_QUOTE_OPEN = re.compile(r"<\s*blockquote\b[^>]*>", re.I)
_QUOTE_CLOSE = re.compile(r"<\s*/\s*blockquote\s*>", re.I)


def html_text(markup: str) -> str:
    """An HTML email body as plain lines; a <blockquote> becomes "> " lines, as a plain-text reply quotes."""
    markup = _DROP.sub(" ", markup)
    out, depth = [], 0
    for piece in re.split(r"(<\s*/?\s*blockquote\b[^>]*>)", markup, flags=re.I):
        if _QUOTE_OPEN.fullmatch(piece):
            depth += 1
            continue
        if _QUOTE_CLOSE.fullmatch(piece):
            depth = max(0, depth - 1)
            continue
        text = html.unescape(_ANY_TAG.sub("", _BLOCK.sub("\n", piece)))
        for line in text.splitlines():
            out.append(("> " * depth + line.strip()) if line.strip() else "")
    return "\n".join(out)


# --- pasted text --------------------------------------------------------------------------------------------------

def parse_email_text(text: str) -> tuple[list[Turn], str | None]:
    """A thread pasted as text: the newest message first (no sender line unless it was copied with one)."""
    subject = next((m.group("value").strip() for line in text.splitlines()
                    if (m := _SUBJECT_LINE.match(line)) and m.group("value").strip()), None)
    return _turns(text, _Message()), subject


# --- the thread ---------------------------------------------------------------------------------------------------

def _pages(lines: list[str], first: _Message) -> list[tuple[_Message, list[str]]]:
    """A conversation view copied from the page lists its messages oldest first, each under a header
    (formats.page_header): (sender, lines) for each, the lines above the first header kept for `first` unless they
    are only the subject and the folder. Without such headers, the whole text is `first`'s."""
    blocks: list[tuple[_Message, list[str]]] = [(first, [])]
    index = 0
    while index < len(lines):
        page = page_header(lines, index)
        if page is None:
            blocks[-1][1].append(lines[index])
            index += 1
            continue
        end, who = page
        blocks.append((_Message(*_person(who)), []))
        index = end
    if len(blocks) > 1 and not first.name and not first.address and _only_a_title(blocks[0][1]):
        blocks = blocks[1:]
    return blocks


def _turns(body: str, first: _Message) -> list[Turn]:
    messages: list[_Message] = []
    for sender, lines in _pages(body.replace("\r\n", "\n").splitlines(), first):
        # within one message, the replies quoted below it are older: oldest first, as it happened
        messages.extend(reversed(_split(lines, sender)))
    names = {m.address.lower(): m.name for m in messages if m.address and m.name}
    turns: list[Turn] = []
    for message in messages:
        lines, signed = _without_signature(message.lines)
        while lines and not lines[0].strip():
            lines = lines[1:]
        if lines and _GREETING.match(lines[0]):  # "Hi Ana," says nothing about the deal
            lines = lines[1:]
        # a message's paragraphs stay apart ("\n\n"): a writer starts a new point in a new one; the lines of one
        # paragraph (a mail client wraps them) are one line
        paragraphs = "\n".join(line.strip() for line in lines).split("\n\n")
        text = "\n\n".join(p for p in (" ".join(par.split()) for par in paragraphs) if p)
        if not text:
            continue
        name = message.name or names.get(message.address.lower(), "") or signed or message.address
        turns.append(Turn(name or "(unknown sender)", text, None, len(turns) + 1, message.address or None))
    if not turns:
        raise CallError(f"the email thread has no message text: {EXPECTED}")
    return turns


def _split(lines: list[str], current: _Message) -> list[_Message]:
    """The messages in these lines, newest first: the lines up to the first earlier message's header belong to
    `current`; the header says who wrote the next one, and so on down the thread."""
    messages = [current]
    index = 0
    while index < len(lines):
        line = lines[index]
        if _SEPARATOR.match(line):
            index += 1
            continue
        wrote = _wrote_at(lines, index)
        if wrote is not None:
            end, who = wrote
            name, address = _person(who)
            quoted = lines[end:]
            # what follows "wrote:" is the earlier message, quoted one level deeper than the reply; the replier's
            # own paragraphs between and after its quoted lines answer it inline
            if any(_QUOTE.match(q) for q in quoted if q.strip()):
                quoted, inline = _unquote(quoted)
                messages[-1].lines.extend(["", *inline] if any(line.strip() for line in inline) else [])
            return messages + _split(quoted, _Message(name, address))
        if _FROM_LINE.match(line) and _headers_follow(lines, index):
            end = index
            sender = ""
            while end < len(lines) and (_HEADER_LINE.match(lines[end]) or (end > index and not lines[end].strip()
                                                                            and end + 1 < len(lines)
                                                                            and _HEADER_LINE.match(lines[end + 1]))):
                if _FROM_LINE.match(lines[end]) and not sender:
                    sender = _FROM_LINE.match(lines[end]).group("value")  # type: ignore[union-attr]
                end += 1
            name, address = _person(sender)
            if not any(ln.strip() for ln in messages[-1].lines) and not messages[-1].name and \
                    not messages[-1].address:
                messages[-1] = _Message(name, address)  # the paste began with this message's own header
            else:
                messages.append(_Message(name, address))
            index = end
            continue
        messages[-1].lines.append(line)
        index += 1
    return [m for m in messages if any(line.strip() for line in m.lines)]


def _unquote(lines: list[str]) -> tuple[list[str], list[str]]:
    """The quoted lines one level up, and the replier's own lines among them: a paragraph without the quote mark,
    set off by a blank line, is an inline reply ("My answers are inline below"); an unmarked line right under a
    quoted one is that quote wrapped by a mail client."""
    quoted: list[str] = []
    inline: list[str] = []
    replying = False
    after_blank = False
    for line in lines:
        if _QUOTE.match(line):
            replying = False
            quoted.append(_QUOTE.sub("", line, count=1))
        elif not line.strip():
            (inline if replying else quoted).append(line)
        elif replying or after_blank:
            replying = True
            inline.append(line)
        else:
            quoted.append(line)
        after_blank = not line.strip()
    return quoted, inline


def _only_a_title(lines: list[str]) -> bool:
    """Whether the lines before a conversation view's first message are only its subject and folder ("Propuesta
    piloto", "Recibidos"): at most three short lines that end no sentence."""
    said = [line.strip() for line in lines if line.strip()]
    return len(said) <= 3 and all(len(line) <= 100 and not line.endswith((".", "?", "!")) for line in said)


def _headers_follow(lines: list[str], index: int) -> bool:
    """A "From:" line opens a header block when a "Sent:" / "Date:" line follows within four lines."""
    return any(_SENT_LINE.match(line) for line in lines[index + 1 : index + 5])


def _wrote_at(lines: list[str], index: int) -> tuple[int, str] | None:
    """(the line after the attribution, who wrote) when an "On … wrote:" attribution starts here; mail clients
    wrap a long one over two or three lines."""
    if not re.match(r"^[ \t>]*(?:On|El)\b", lines[index], re.I):
        return None
    for width in (1, 2, 3):
        joined = " ".join(line.strip() for line in lines[index : index + width])
        match = _WROTE.match(joined)
        if match:
            return index + width, match.group("who")
    return None


# A title before a name: the same person signs with it and without it.
_HONORIFIC = re.compile(r"^(?:(?:dr|dra|mr|mrs|ms|mx|prof|sr|sra|srta|ing|lic)\.?|doctor|doctora)\s+(?=\w)", re.I)


def _person(raw: str) -> tuple[str, str]:
    """(display name, address) from "Ana Ruiz <ana@acme.com>", "ana@acme.com", "Tue, 3 Mar 2026 at 10:02, Ana
    Ruiz <ana@acme.com>" (an attribution line), or "Ruiz, Ana" (Outlook's display name)."""
    raw = " ".join(raw.replace("[mailto:", "<").replace("]", ">").split())
    # Gmail in Spanish and other languages wraps the address in parentheses: "Ana Ruiz (<ana@acme.com>)"
    raw = re.sub(r"\(\s*<([^<>]*)>\s*\)", r"<\1>", raw)
    match = _ADDRESS.search(raw)
    address = match.group(0).lower() if match else ""
    if "<" in raw or match:
        before = raw[: raw.find("<")] if "<" in raw else raw.replace(address, "")
        # an attribution's date comes first: the name is what follows the last comma or "at 10:02 AM"
        before = re.split(r"\b\d{1,2}:\d{2}(?:\s*[AaPp]\.?[Mm]\.?)?,?|\b\d{4},", before)[-1]
        name = before.strip(" ,\"'<>")
        if name.lower().startswith(("at ", "a las ")):
            name = name.split(" ", 2)[-1] if name.count(" ") >= 2 else ""
    else:
        # ("On 15/10/2024 09:12, Nadia Haddad wrote:" names no address: the date still comes first)
        raw = re.split(r"\b\d{1,2}:\d{2}(?:\s*[AaPp]\.?\s?[Mm]\.?)?,?|\b\d{4},", raw)[-1]
        parsed = getaddresses([raw])
        name = parsed[0][0] if parsed and parsed[0][0] else raw.strip(" ,\"'")
        name = parseaddr(raw)[0] or name
    name = _HONORIFIC.sub("", name.strip())  # "Dr. Fernando Salvat" signs as "Fernando Salvat" too
    if "," in name and len(name.split(",")) == 2 and all(p.strip() for p in name.split(",")):
        last, first_name = (p.strip() for p in name.split(","))
        name = f"{first_name} {last}"
    return " ".join(name.split())[:60], address


def _without_signature(lines: list[str]) -> tuple[list[str], str]:
    """The message without its signature, and the name signed under a sign-off ("Best,\\nAna Ruiz"), if any."""
    kept: list[str] = []
    content = [line.rstrip() for line in lines]
    while content and not content[-1].strip():
        content.pop()
    # a bare first name on the last line, after a blank one ("…see you Tuesday.\n\nBen"), signs the message
    if len(content) >= 3 and not content[-2].strip() and _BARE_NAME.match(content[-1]):
        return _without_signature(content[:-2])[0], content[-1].strip()
    for index, line in enumerate(content):
        if line.strip() in ("--", "-- ", "—") or _MOBILE.match(line):
            return kept, ""
        named = _SIGN_OFF_NAMED.match(line)
        after = [ln for ln in content[index + 1 :] if ln.strip()]
        if named and len(after) <= SIGNATURE_LINES and all(len(ln) <= 80 for ln in after):
            return kept, named.group("name")
        if _SIGN_OFF.match(line) and index > 0 and len(after) <= SIGNATURE_LINES \
                and all(len(ln.strip()) <= 80 for ln in after):
            signed = after[0].strip() if after and len(after[0].split()) <= 4 else ""
            return kept, signed
        kept.append(line)
    return kept, ""
