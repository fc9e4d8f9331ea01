"""How a deal-room thread says things, in English and Spanish: the cue patterns for the buyer's situation (where
they are, where they want to be, what staying put costs them), for stalls and for the buyer's side moving, for
stakeholders and their positions; and the pieces a message is read in (`message_units`, `buyer_words`, `snippet`).
Pure functions, no models: bot/services/summarize.py reads a thread with them, and the stall detector
(bot/models/deal_room.py) learns what they miss.
"""

from __future__ import annotations

import re

from bot.core.text import plain

SNIPPET = 220  # the most of a message quoted as evidence, in characters (cut at a word, with "…")

SENTENCES = re.compile(r"(?<=[.!?;:])\s+|\n+")
# What the buyer said, inside a deal-room message: quoted words, a forwarded email, or "X says: ..."
QUOTED = re.compile(r"[\"“«]((?:[^\"”»\s]+\s+){3,}[^\"”»]*)[\"”»]")  # four words or more in quotes
# a quoted email, on any line of the message: "> forwarded from Ana (CFO): ..."
FORWARDED = re.compile(r"^\s*>\s*(?:(?:forwarded|fwd|reenviado|re)\b[^:]{0,80}:)?\s*(?P<said>.+)",
                        re.I | re.S | re.M)
REPORTED = re.compile(
    r"\b(?:says?|said|thinks?|asked|told (?:me|us)|pushed back|objected|wrote|replied|dice|dijo|cree|creen|"
    r"pregunt[oó]|coment[oó]|opina|escribi[oó]|respondi[oó])\b[^:]{0,40}:\s*(?P<said>.+)",
    re.I | re.S,
)
CURRENT = re.compile(
    r"\b(today(:|,? (they|their|the team|everything|it|all))|hoy:|currently|right now they|at the moment they|"
    r"still (use|using|run|running|do|doing)|by hand|manual(ly)?|spreadsheets?|excel|on paper|"
    r"hoy (tienen|usan|hacen|llevan|manejan|trabajan|todo)|actualmente|todav[ií]a (usan|hacen|llevan)|a mano|"
    r"planillas?|hojas? de c[aá]lculo|en papel)(?!\w)",
    re.I,
)
DESIRED = re.compile(
    r"\b(wants?|wanted to|goal|aim(s|ing)? to|would like|looking (to|for)|hope to|target|by q[1-4]|"
    r"quieren?|querr[ií]an?|objetivo|(su|la|sus) metas?|buscan?|aspiran?|esperan lograr|"
    r"necesitan? (que|poder|tener))\b",
    re.I,
)
COST = re.compile(
    # what staying put costs them, not what we cost: losses, penalties, waste, another year of the same
    r"(cost of (doing nothing|inaction|waiting|status quo)|\b(on|about) (doing nothing|waiting)\b|"
    r"if (they|we) do nothing|another (year|quarter) of (paying|losing|running|doing)|costing|costs? them|losing|"
    r"lost (\$|~?\d|orders|deals|customers)|penalt|overtime|churn|write-?offs?|cost[oe] de no hacer nada|"
    r"cost[oe] de esperar|sobre no hacer nada|si no hacen nada|otro año (m[aá]s )?(de|pagando|perdiendo)|"
    r"les cuesta|pierden|perdiendo|perdieron|multas?|sanci[oó]n)",
    re.I,
)
COST_SEEN = re.compile(
    r"\b(they (get|got|see|saw) it|agreed|acknowledg\w+|bought into|understands?|recogn\w+|"
    r"reconoc\w+|entiende\w*|lo ven|lo vieron|aceptaron|est[aá]n de acuerdo)\b",
    re.I,
)
COST_MISSED = re.compile(
    r"(no urgency|don'?t see (the|a|any) (cost|urgency|problem)|doesn'?t see (the|a|any) (cost|urgency)|"
    r"nice to have|sin urgencia|no ven (el|la|ning[uú]n) (costo|urgencia|problema)|no les urge)",
    re.I,
)
# the deal itself, not where the buyer wants to get to: "Goal: signature before end of Q2" is the seller's goal
DEAL_MECHANICS = re.compile(
    r"\b(signatures?|sign(ed|ing)? (the|by|before|off)|target close|close (the deal|it|by end|this quarter)|"
    r"closed?[- ]won|PO|purchase order|order form|quota|firmas?|firmar|cierre del (deal|trato)|orden de compra)\b",
    re.I,
)
# A stall said in words, in English or Spanish (the examples in playbooks/examples/obstacles/stalls/ show the
# range; a detector trained on them catches the phrasings these cues miss).
STALL = re.compile(
    r"(\bno (reply|replies|response|answer|word|news|movement|activity|progress)\b|not a word|zero (replies|response)|"
    r"\b(still|yet) (nothing|no\b|silent|waiting)|\bnothing (from|yet|since|back)\b|nothing has moved|"
    r"haven'?t heard|has(n'?t| not) (replied|responded|answered|opened|come back|gotten back|written)|"
    r"not (responding|answering|replying)|(went|gone|going|has gone) (dark|quiet|silent)|radio silence|ghost\w*|"
    r"\bstuck\b|\b(is|it'?s|this one is|looks) (stalled|dead)|calling it stalled|"
    r"checked in (twice|again|\w+ times)|followed up (again|twice|\w+ times)|"
    r"(second|third|another|\w+) (follow-?ups?|nudges?|reminders?|pings?)[^.]{0,30}(no|nothing|zero|unanswered)|"
    r"\b(segund|tercer|otr)[oa]? (mail|correo|mensaje|seguimiento|recordatorio)[^.]{0,30}(nada|sin respuesta)|"
    r"\bon hold\b|\bpaused\b|\bpark(ing|ed) it\b|indefinitely|shelved|on ice|\bfrozen\b|"
    r"(push|move|slide|slip|kick)\w* (it |the deal |the close( date)? )?(out )?(to|into|until) (the )?"
    r"(next (quarter|fiscal|year)|q[1-4]|nurture)|"
    r"sin (respuesta|noticias|novedades)|no (contesta|responde)\w*|no (han|ha) (contestado|respondido|vuelto)|"
    r"\bni\b[^.]{0,40}\b(contesta|responde)n?\b|(de momento|por ahora|todav[ií]a|a[uú]n|y) nada\b|"
    r"\bnada (todav[ií]a|a[uú]n|de \w+ (ni|desde))|^nada\b|(seguimos|sigo) (esperando|sin)|cero respuesta|"
    r"est[aá] parad[oa]|estancad\w+|no se (ha )?movido nada|en pausa|congelad\w+|se enfri\w+|pospus\w+|"
    r"posterg\w+|aplazad\w+|clavaron el visto|visto y sin respuesta|silencio|"
    r"(pasa|pas|mov|mue|dej)\w* (lo |el deal )?(al|a|para el) (pr[oó]ximo trimestre|trimestre que viene|"
    r"siguiente trimestre|q[1-4]|nurture|a[nñ]o que viene))",
    re.I | re.M,
)
# The buyer's side did something: replied, confirmed, approved, met us. A reported silence is not one.
CONTACT = re.compile(
    r"\b(replied|answered|responded|got back|wrote back|came back|confirmed|approved|agreed|accepted|signed|"
    r"booked|scheduled|rebooked|picked|chose|liked|loved|says|said|told (us|me)|asked (for|us)|wants|sent (us|over|"
    r"this|the numbers|back)|(call|demo|meeting|readout|briefing|review) (done|went|happened)|recap|"
    r"respondi[oó]|contest[oó]|confirm[oó]|aprob[oó]|acept[oó]|firm[oó]|agend[oó]|eligi[oó]|pidi[oó]|dijo|dice|"
    r"mand[oó]|envi[oó]|volvi[oó]|quiere|escribi[oó]|(llamada|reuni[oó]n|demo) con|resumen|"
    # outcomes only the buyer's side produces
    r"received|kick-?off|PO (for|is|came|arrived|received)|firmad[oa]|firmaron|aprobad[oa]|"
    r"aceptad[oa]|recibid[oa]|ganad[oa])\b",
    re.I,
)
ROLE = (
    r"(?:CFO|CEO|COO|CTO|CIO|CISO|CMO|CRO|CHRO|VP(?: of)? [A-Z][\w&]*(?: [A-Z][\w&]*)?|SVP [\w ]{2,20}|"
    r"Head of [A-Z][\w]*(?: [A-Z][\w]*)?|(?:IT |HR |Ops |Finance |Procurement )?Director(?: of [A-Z]\w*)?|"
    r"director(?:a)? (?:de|del) [\wáéíóú]+|gerente(?: (?:de|del) [\wáéíóú]+)?|jef[ea] (?:de|del) [\wáéíóú]+|"
    r"controller|general counsel|procurement lead|champion|due[ñn]o|presidente)"
)
NAME = r"(?P<name>[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+(?: [A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)?)"
STAKEHOLDER_PATTERNS = (
    re.compile(NAME + r"\s*\((?P<role>[^()]{2,40})\)"),  # Dana (VP Ops)
    re.compile(r"(?:their|the|our|su|el|la|with|con)\s+(?P<role>" + ROLE + r")\s*,?\s+" + NAME),  # their CFO Raj
    re.compile(NAME + r",\s*(?:their|the|su|el|la)?\s*(?P<role>" + ROLE + r")\b"),  # Raj, their CFO
)
# what a role in "Name (role)" must contain, so "Brazos Foodservice (Houston, TX)" is not a stakeholder
ROLE_WORD = re.compile(
    r"\b(c[a-z]?o|ciso|vp|svp|evp|head|director\w*|dir|manager|mgr|lead|owner|founder|president\w*|partner|"
    r"controller|counsel|legal|procurement|purchasing|buyer|analyst|engineer|admin\w*|architect|champion|"
    r"it|ops|finance|hr|cno|cmio|gerente|jef[ea]|due[ñn][oa]|socio|compras|responsable|coordinador\w*|"
    r"encargad[oa]|administrador\w*|presidente|directora?|subdirector\w*|analista|abogad[oa]|legal)\b",
    re.I,
)
NOT_NAMES = {"The", "Their", "They", "We", "Our", "El", "La", "Los", "Las", "Su", "Call", "Llamada", "Forwarded",
              "Reenviado", "Re", "Fwd", "Update", "Hoy", "Today", "Note", "Nota", "Ok", "And", "But"}
SUPPORTIVE = re.compile(
    r"\b(champion|on board|supports?|supportive|backing|loves?|excited|pushing for|sponsor\w*|fan of|"
    r"apoya\w*|a favor|entusiasm\w+|convencid[oa]|de nuestro lado|impulsa\w*)\b",
    re.I,
)
OPPOSED = re.compile(
    r"\b(block\w*|against|skeptic\w*|not convinced|unconvinced|pushed back|push(es|ing)? back|resist\w*|veto\w*|"
    r"opposes?|opposed|won'?t sign|isn'?t sold|en contra|frena\w*|bloque\w+|no est[aá] convencid[oa]|"
    r"esc[eé]ptic[oa]|se opone|reticente)\b",
    re.I,
)


def buyer_words(text: str) -> str | None:
    """The buyer's own words in a deal-room message, if it quotes or reports them as resistance.

    Quoted words that say what doing nothing costs them ("Dana on doing nothing: “another year of…”") are the
    buyer's reason to move, not an objection: they count for the cost of inaction instead."""
    flat = plain(text)
    quoted = [m.group(1).strip() for m in QUOTED.finditer(flat)
              if not COST.search(flat[flat.rfind("\n", 0, m.start()) + 1 : m.start()])]  # its line's lead-in
    if quoted:
        return " ".join(quoted)
    for pattern in (FORWARDED, REPORTED):
        match = pattern.search(flat)
        if match and len(match.group("said").split()) >= 4:
            return match.group("said").strip()
    return None


def snippet(text: str) -> str:
    text = " ".join(plain(text).split()).lstrip("> ")
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1].rsplit(" ", 1)[0] + "…"


def message_units(text: str) -> list[str]:
    """The whole message and, when it has several, each of its sentences (a lead-in ending in a colon stays
    with what follows it: "what they want: faster closes")."""
    flat = plain(text).lstrip("> ")
    sentences: list[str] = []
    for part in (s.strip(" >-•*") for s in SENTENCES.split(flat)):
        if sentences and sentences[-1].endswith(":"):
            sentences[-1] = f"{sentences[-1]} {part}"
        elif part:
            sentences.append(part)
    sentences = [s for s in sentences if len(s.split()) >= 3]
    return [flat] + (sentences if len(sentences) > 1 else [])
