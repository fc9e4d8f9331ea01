"""What a buyer requires that a profile item does not meet, read from the words alone: the names, languages,
quantities, hours, scopes and commitments a buyer asks for, against what the item's own words state or rule out.
"Hosted in Mexico" is not met by "Frankfurt or Virginia", nor "month to month, cancel anytime" by "monthly billing
with a 12-month minimum", nor kilns turning "at 3 to 5 RPM" by "validated between 60 and 10,000 RPM". Pure
functions; the matcher (bot/models/matching.py) marks a match that leaves something unmet, and the coaching then
says plainly what the profile states instead of offering it as reassurance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import yaml

from bot.core.grounding import ORDINARY_NAMES, claims
from bot.core.resources import data_dir
from bot.core.words import fold, stems

# A requirement's value is a name right after what introduces it: "hosted in Mexico", "a connector for Oracle
# Fusion", "we run ADP", "alojados en México", "se conectan con Siesa", "lo mandamos por Estafeta"; a name may
# start in lower case when a capital follows ("escanean con iTero").
# the rest of a name's word: a dot only inside it ("S/4HANA", "Node.js"), so a sentence's full stop ends the name
_TOKEN = r"[\w/&'’-]*(?:\.[\w/&'’-]+)*"
_REQUIREMENT = re.compile(
    r"\b(?:(?:run|runs|running|corremos|trabajamos|estamos) (?:on|en)|(?:we|they)(?:'re| are) on|leave|"
    r"outside(?: of)?|salir de|fuera de|in|inside|within|with|for|via|through|into|onto|on|is|are|use|uses|"
    r"using|run|runs|running|en|con|para|dentro de|"
    r"a través de|es|son|usamos|usan|corremos|trabajamos con|from|desde|por)\s+(?:the |el |la |los |las |our |"
    r"nuestro |nuestra |un |una |all |todo |toda )?((?:[A-ZÁÉÍÓÚÑ]|[a-z]+[A-Z])" + _TOKEN +
    r"(?:[ \t]+[A-ZÁÉÍÓÚÑ0-9]" + _TOKEN + r")*)")
_TALKED_WITH = re.compile(r"\b(?:call|calls|meeting|chat|talk|talked|spoke|speak|speaking|conversation|session|"
                          r"reference call|llamada|reuni[óo]n|charla|conversaci[óo]n|(?<!inicio de )sesi[óo]n|"
                          r"habl[ée]|hablamos|platicamos)\s*$", re.I)
# who or what of the buyer's is somewhere: "our ops director in Montreal", "los técnicos en Quebec"
_SOMEONE = re.compile(r"\b(?:director|manager|team|office|offices|plant|plants|staff|people|guys|folks|techs?|"
                      r"technicians|colleagues|branch|branches|HQ|headquarters|crews?|equipo|oficinas?|plantas?|gente|"
                      r"gerente|t[ée]cnicos|sucursal(?:es)?|sedes?|compañeros|muchachos|chicos)\s*$", re.I)
# "the app is only for iPhone", "solo funciona con Salesforce": what they believe limits us, not what they require
_ONLY = re.compile(r"\b(?:only|solo|sólo|solamente|únicamente)\s+(?:\w+\s+)?$", re.I)
_LIMITED_TO = frozenset("with for on in para con en".split())
_IS = frozenset("is are es son".split())
# these name what it must work with, or what the buyer runs, in any sentence
# (and "can't leave the EU", "nada fuera de México": where it must stay)
_LINKS = re.compile(r"with|for|via|through|into|onto|we|they|we're|they're|con|para|run|runs|running|use|uses|"
                    r"using|usamos|usan|corremos|"
                    r"trabajamos|estamos|leave|outside|salir|fuera")
# what may not be outside a place: the data, its copies, where it is kept ("nothing can be outside the EU")
_KEPT_BEFORE = re.compile(r"\b(?:data|datos|informaci[oó]n|hosted|host(?:ing)?|stored|stor(?:e|age)|kept|"
                          r"servers?|servidores?|aloj\w*|guard\w*|stays?|quedar\w*|nothing|nada|anything|"
                          r"processed|procesad\w*|backups?|copias?)\b", re.I)
# ("only" is no ask: "we heard you only work with US companies" states a belief)
_ASKS = re.compile(r"\?|\b(?:need|needs|require[sd]?|must|has to|have to|mandatory|wants?|insists?|"
                   r"dead in the water|deal-?breaker|show-?stopper|non-negotiable|innegociable|no (?:nos|me) sirve|"
                   r"necesit\w*|requier\w*|quiere[n]? que|"
                   r"exig\w*|debe[n]?|tiene[n]? que|obligatori\w*)\b", re.I)
_ORDINARY = ORDINARY_NAMES | frozenset(
    "i we our you your the it this that they he she my me us a an and or but if so what who how when where"
    " which why monday tuesday wednesday thursday friday saturday sunday english spanish yo nosotros usted ustedes"
    " el la los las su sus mi mis es son y o pero si"
    # kinds of system or role, not a product's name: "¿se integra con nuestro TPV?", "our WMS", "el DPO"
    " tpv pos wms tms pms hcm hris ats bi dpo rrhh ti saas mfa 2fa ocr ehr emr scada cmms iot gps vpn qa"
    # roles, not a product's name: "I need this signed off for our GM", "lo tiene que ver nuestro CFO"
    " gm ceo cfo cto coo cio ciso vp md svp evp".split())


def mentions(text: str, name: str) -> bool:
    """Whether `text` names `name` as a whole word, accents and case aside."""
    return bool(re.search(rf"(?<!\w){re.escape(fold(name))}(?!\w)", fold(text)))


def requirements(text: str) -> list[str]:
    """The specific names a buyer requires, as they wrote them: a capitalised name or an acronym (one or a few
    words) right after "with", "for", "con", "para"... ("a connector for Oracle Fusion"), or after "in", "en",
    "we run"... when the words ask or require something ("data must be hosted in Mexico", not "our team in
    Lisbon liked it")."""
    asks = bool(_ASKS.search(text))
    found = []
    for match in _REQUIREMENT.finditer(text):
        name = match.group(1).strip(" .,;:'’")
        if not name or name.split()[0].lower() in _ORDINARY:  # "in English", "with IT": no requirement
            continue
        if match.group(0).split()[0].lower() in _IS and re.match(r"\s+(?!(?:y|e|o|u|and|or|but|pero|so|que|that|"
                                                                 r"which)\b)[a-záéíóúñ]", text[match.end():]):
            continue  # "our team is the Brazilian subsidiary": a name said of something, no requirement
        if _TALKED_WITH.search(text[max(0, match.start() - 30):match.start()]):
            continue  # "thanks for the call with Coastal": whom they spoke with, no requirement
        if match.group(0).split()[0].lower() in ("in", "en") and _SOMEONE.search(text[max(0, match.start() - 30):
                                                                                       match.start()]):
            continue  # "our ops director in Montreal needs it in French": where someone is, no requirement
        if match.group(0).split()[0].lower() in _LIMITED_TO and _ONLY.search(text[max(0, match.start() - 30):
                                                                                       match.start()]):
            continue  # ("we only use Okta" stays: what they run)
        if match.group(0).split()[0].lower() in ("outside", "fuera") and not _KEPT_BEFORE.search(
                text[max(0, match.start() - 40):match.start()]):
            continue  # "a brewpub outside Portland": where they are; "no data outside the EU" stays
        if _WE_ARE_IN.search(text[max(0, match.start(1) - 40):match.start(1)]):
            continue  # "we're in Georgia", "estamos en Santiago": where they are binds only a fact limited to
            # places (`_where_unmet`)
        if asks or _LINKS.fullmatch(match.group(0).split()[0].lower()):
            found.append(name)
    return list(dict.fromkeys(found))


# What a buyer may need that an item rules out by its own words: "support at weekends" is not met by "support
# on weekdays, 7:00 to 20:00", nor "monthly billing" by "billed annually in advance". (needed, limited) pairs:
# the item does not meet the need when it says the limit and not the need.
_SCOPES = (
    (re.compile(r"\b(?:weekends?|saturdays?|sundays?|nights?|overnight|holidays?|24/7|24x7|around the clock|"
                r"fin(?:es)? de semana|s[áa]bados?|domingos?|noches?|festivos?|feriados?|las 24 horas)\b", re.I),
     re.compile(r"\b(?:weekdays?|business hours|office hours|monday to friday|mon-fri|working days|entre semana|"
                r"d[íi]as h[áa]biles|horario (?:laboral|de oficina)|lunes a viernes)\b", re.I)),
    # data that must stay in the buyer's country, or on their own servers, is not met by a fact that names where
    # we host it or says it runs in our cloud (`_DATA_KEPT`)
    (re.compile(r"\b(?:in[- ]country|(?:within|inside|in) (?:the|our|this) (?:country|borders)|"
                r"(?:locally|local) hosted|on[- ]prem(?:ise|ises)?|self[- ]hosted|air[- ]gapped|"
                r"(?:en|dentro del?) (?:el |nuestro |este )?pa[íi]s|territorio nacional|"
                r"soberan[íi]a de (?:los )?datos|data sovereignty|servidores propios|localmente|"
                # (not a bare "local": "un distribuidor local de Albacete" requires nothing of where we host)
                r"(?:alojad[oa]s?|guardad[oa]s?|alojamiento|servidor(?:es)?) local(?:es)?|local (?:servers?|hosting)|"
                r"(?:keep|kept|stay|stays|store|stored) (?:\w+ ){0,3}?local(?:ly)?|\ben local\b|"
                # "en territorio mexicano", "on US soil"
                r"(?:en )?territorio (?:nacional|mexicano|espa[ñn]ol|chileno|colombiano|argentino|peruano)|"
                r"on (?:\w+ )?soil)\b", re.I),
     re.compile(r"\b(?:hosted|stored|data cent(?:re|er)s?|regions?|cloud|saas|aloj\w*|se guardan|centros? de datos|"
                r"regi[óo]n(?:es)?|(?:en la )?nube)\b", re.I)),
    # (and a buyer who cannot pay ahead is not met by what paying ahead earns: "we can't pay a year upfront")
    (re.compile(r"\b(?:monthly|month-to-month|per month billing|mensual(?:es|mente)?|mes a mes|"
                r"(?:can'?t|cannot|unable to|not able to|no (?:podemos|puedo|pueden|nos dejan?))\s+(?:\w+\s+){0,2}?"
                r"(?:pay|prepay|pagar|adelantar|pagos?)\b(?:\s+\w+){0,4}?\s+(?:upfront|up front|in advance|ahead|"
                r"por adelantado|anticipad[oa]s?))\b", re.I),
     re.compile(r"\b(?:annual(?:ly)?|yearly|in advance|up ?front|prepa(?:y|id)\w*|anual(?:es|mente)?|por adelantado)\b",
                re.I)),
)
_DATA_KEPT = _SCOPES[1]
# Someone to talk to on the phone is not met by support given in writing only ("Spanish-language support is by
# email only"). Read on the concern alone: "your phone line opens at 14:00" beside "Spanish is email only" asks
# about the hours, and the Spanish by phone is not asked.
_PHONE = (
    (re.compile(r"\b(?:(?:tele)?phone(?: support| line)?|by phone|on the phone|call (?:someone|somebody|a person|"
                r"support|you)|(?:soporte|atenci[óo]n|asistencia|l[íi]nea) telef[óo]nic[oa]|(?:por )?tel[ée]fono|"
                r"telef[óo]nic[oa]s?|llamar(?:les|le|nos)?(?: a (?:alguien|una persona))?)\b", re.I),
     re.compile(r"\b(?:(?:by|via|through) (?:e-?mail|chat|tickets?)(?: (?:and|or) (?:e-?mail|chat|tickets?))? only|"
                r"(?:e-?mail|chat|ticket)[- ]only|only (?:by|via|through) (?:e-?mail|chat|tickets?)|"
                r"(?:solo|sólo|únicamente|solamente) (?:por|v[íi]a|mediante) (?:e-?mail|correo|chat|tickets?)|"
                r"por (?:e-?mail|correo(?: electr[óo]nico)?|chat) (?:solamente|únicamente))\b", re.I))
)
# Needs the item meets only by its own limit being absent: a buyer who will not be locked in ("cancel month to
# month", "sin permanencia") is not met by "monthly billing, with a 12-month minimum commitment", though both
# speak of months. (needed, limit) pairs: the item does not meet the need whenever it states the limit.
_LIMITS = (
    # a feature still coming is not there from the start: "we need it from day one" against "in beta, general
    # release planned for 2026"
    (re.compile(r"\b(?:from day one|on day one|from the (?:start|first day)|at go-?live|desde el (?:primer )?d[ií]a|"
                r"desde el arranque|desde el inicio|"
                # (or now: "starting this month", "lo necesitamos este mes")
                r"(?:starting |from |by )?this (?:month|week)|right away|immediately|asap|"
                r"(?:a partir de |desde )?(?:este mes|esta semana)|de inmediato|ya mismo|cuanto antes)\b", re.I),
     re.compile(r"\b(?:in beta|beta|planned|on (?:the|our) roadmap|coming soon|previst[oa]|en desarrollo|"
                r"en (?:la )?hoja de ruta|pr[oó]ximamente)\b", re.I)),
    (re.compile(r"\b(?:lock(?:ed|s)? (?:us )?in|lock-in|month[- ]to[- ]month|cancel(?:led|ling)? (?:at )?any ?time|"
                r"cancel\w* (?:month to month|with \d+ days)|no (?:minimum |long[- ]term )?(?:commitment|term)|"
                r"without (?:a )?(?:minimum |long[- ]term )?(?:commitment|contract)|sin permanencia|mes a mes|"
                r"sin (?:compromiso|plazo) m[íi]nimo|cancelar (?:en cualquier momento|cuando|con \d+ d[íi]as)|"
                # a contract they may end whenever it suits them
                r"termination for convenience|terminate for convenience|"
                # the commitment taken away: "Finance wants the 12-month commitment removed", "quitar la permanencia"
                r"(?:remove|drop|waive|get rid of|quitar|eliminar)\w* (?:the |that |any |el |la |ese |esa )?"
                r"(?:\d+[- ]month |minimum |m[íi]nim[oa] )?(?:commitment|lock-?in|minimum term|permanencia|"
                r"compromiso)|(?:commitment|lock-?in|permanencia|compromiso)\b[^.;]{0,20}?\b(?:removed|dropped|waived|"
                r"eliminad[oa]|quitad[oa])|"
                r"(?:rescisi[óo]n|terminaci[óo]n|rescindir|terminar) (?:\w+ )?por conveniencia|"
                # refused with a verb: "we don't sign minimum terms", "no firmamos contratos con permanencia"
                r"(?:don't|do not|won't|will not|can't|cannot|never) (?:sign|accept|agree to|do)\s+(?:\w+\s+){0,3}?"
                r"(?:minimum (?:commitment|term)s?|lock-?ins?|long[- ]term contracts?)|"
                r"no (?:firmamos|aceptamos|queremos|podemos firmar|hacemos)\s+(?:\w+\s+){0,3}?"
                r"(?:permanencias?|compromisos? m[íi]nimos?|plazos? m[íi]nimos?))", re.I),
     # (a word may come between: "a 12-month initial commitment", "un compromiso inicial de 12 meses")
     re.compile(r"\b(?:minimum (?:commitment|term|contract)|\d+[- ]month (?:\w+ )?(?:minimum|commitment|term)|"
                r"commit(?:ment)? (?:of|for) \d+|compromiso (?:\w+ )?(?:m[íi]nimo|de \d+ meses)|"
                r"compromiso inicial|permanencia m[íi]nima|plazo m[íi]nimo|(?:at|on) (?:each|every|the) (?:annual )?"
                r"renewal|(?:en|al final de|a) cada renovaci[óo]n|"
                r"(?:before|at) the end of the (?:term|contract)|al (?:final|t[ée]rmino) del (?:plazo|contrato))",
                re.I)),
)
# what an item says is still coming ("in beta", "on the roadmap", "previsto para 2027")
PLANNED = _LIMITS[0][1]
# an item that says where something is kept or served from
_PLACES = re.compile(r"\b(?:host\w*|stored|regions?|data cent(?:re|er)s?|servers?|aloj\w*|regi[oó]n(?:es)?|"
                     r"centros? de datos|servidores?)\b", re.I)
# ...and a buyer who asks where the data is kept, in other words too: "where do you keep the data?", "¿dónde
# guardan los datos?" ("customers can store unlimited history" is no item about where the data is)
_WHERE_KEPT = re.compile(_PLACES.pattern + r"|\b(?:stor(?:e|es|ing)|kept|keep|guard(?:a|an|amos|ados?|adas?|ar))\b",
                         re.I)
# A name an item rules out: "there is no EU, UK or Latin American data residency option", "no native connector for
# SAP, Sage or Microsoft Dynamics", "no hay conector nativo para SAP": the denial, the words of what is denied, then
# the names it lists. ("no data leaves the EU" names the EU as a promise: a verb stops the denial.)
_DENIED = re.compile(
    r"\b(?:no|not|without|sin|ning[úu]n[oa]?)\s+(?:(?:hay|is|are|there|offer|offers|support|supports|provide|"
    r"a|an|any|the|el|la|los|las|un|una|native|built-in|direct|official|nativ[oa]s?|direct[oa]s?|integrad[oa]s?|"
    r"connectors?|integrations?|options?|opci[óo]n|conectore?s?|integraci[óo]n|integraciones|versions?|versi[óo]n|"
    r"hosting|host|to|alojar|alojamiento|data|datos|residency|residencia|de|del|for|with|in|para|con|en)\s+){0,8}"
    r"((?:[A-ZÁÉÍÓÚÑ][\w.-]*|\d+)(?:,?\s+(?:(?:or|nor|and|ni|o|y)\s+)?(?:[A-ZÁÉÍÓÚÑ][\w.-]*|\d+))*)")


def _denied(item_text: str) -> list[tuple[int, int]]:
    """Where the item lists names it rules out, as positions in its folded text (none where folding moves them)."""
    return [m.span(1) for m in _DENIED.finditer(item_text)] if len(fold(item_text)) == len(item_text) else []


def _named_in(item_text: str, area: str) -> bool:
    """Whether the item names `area` (a name the buyer requires), or a place inside it, or spells out the
    acronym the buyer used ("BC" and "Dynamics 365 Business Central"); a name it names only to rule out does not
    count."""
    denied = _denied(item_text)
    folded = fold(item_text)
    if any(not any(start <= m.start() < end for start, end in denied)
           for m in re.finditer(rf"(?<!\w){re.escape(fold(area))}", folded)):
        return True
    place = _places().place_of.get(fold(area))
    if place and any(place in _places().within.get(p, ()) for start, _, p, _ in _places_in(item_text)
                     if not any(a <= start < b for a, b in denied) and p not in _limited_places(item_text)[1]):
        return True  # the item names, not to rule it out, a place inside the one required: "Frankfurt" for "the EU"
    return area.isupper() and 2 <= len(area) <= 5 and area.isalpha() and any(
        "".join(word[0] for word in run.split()) == area for run in re.findall(
            rf"(?:[A-ZÁÉÍÓÚÑ][\w-]*\s+){{{len(area) - 1}}}[A-ZÁÉÍÓÚÑ][\w-]*", item_text))


def _denies(item_text: str, name: str) -> bool:
    """Whether the item names `name` only to rule it out ("no native connector for SAP"), or the maker of the line
    the buyer named ("SAP" for "SAP Business One"), or a region the place lies in ("no Latin American hosting" for
    Colombia)."""
    folded = fold(item_text)
    places = _places()
    place = places.place_of.get(fold(name))
    words = [fold(name.split()[0])] + [n for around in (places.within.get(place, ())[1:] if place else ())
                                       for n in places.names_of[around]]
    return any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded[start:end])
               for start, end in _denied(item_text) for word in words)


# What an item says we do not have, in lower case too: "no weekend support", "there is no DVSA integration", "no
# iPad or iPhone version", "sin soporte en fin de semana", "Mercado Pago is not supported". A clause that carries a
# denial and a capability word (what is denied is something we would provide); a burden denied ("no setup fees",
# "sin permanencia", "no data leaves the EU") is a promise, not a limit, and is left alone.
_CLAUSES = re.compile(r"[;:.,()—–]\s*|\s+(?:but|pero|while|mientras)\s+")
# ("sin" and "without" deny only a capability named right after them: "sin soporte en fin de semana", not "works
# without a connection", "funciona sin conexión", which is what we do)
_NEGATION = re.compile(r"\b(?:no|not|ning[úu]n[oa]?|never|nunca|isn't|aren't|doesn't|don't|n't|(?:without|sin)\s+"
                       r"(?:an? |any |el |la |los |las )?(?:support|soporte|integrations?|integraci[oó]n|versions?|"
                       r"versi[oó]n|options?|opci[oó]n|access|acceso|connectors?|conector|modules?|m[oó]dulo))\b",
                       re.I)
_CAPABILITY = frozenset("""support supports supported integration integrations integrated connection connections
    connector connectors version versions app apps option options module modules feature features sync access api
    available availability offered included link links interface hosting residency coverage system systems
    soporte integracion integraciones integrado integrada conexion conexiones conector conectores version versiones
    aplicacion aplicaciones opcion opciones modulo modulos funcion funciones sincronizacion acceso disponible
    disponibles incluido incluida incluye ofrece ofrecemos admite admiten enlace alojamiento residencia cobertura
    sistema sistemas hay""".split())
_BURDEN = re.compile(r"\b(?:fees?|costs?|charges?|extra|hidden|penalt\w*|downtime|lock\w*|commitments?|minimums?|"
                     r"limits?|caps?|leaves?|tarifas?|costes?|costos?|cargos?|penalizaci\w*|permanencia|compromisos?|"
                     r"m[íi]nimos?|l[íi]mites?|salen?|sale|inactividad|interrupci\w*|recargos?|cuotas?|setup|alta|leaving|"
                     r"offline|internet|se[ñn]al|signal|coverage|cobertura)\b", re.I)
_GENERIC = frozenset("""there this that these those which with from into your their other such like type kind
    data information customer customers users para como este esta estos estas otros otras tipo desde hacia sobre
    entre datos informacion cliente clientes usuarios""".split())


def _denied_clauses(item_text: str) -> list[str]:
    """The item's clauses that deny a capability (see _CAPABILITY), in its own words."""
    return [clause for clause in _CLAUSES.split(item_text)
            if _NEGATION.search(clause) and not _BURDEN.search(clause)
            and set(re.findall(r"\w+", fold(clause))) & _CAPABILITY]


# (a possessive and "of" stay inside a name: "the US TTB Brewer's Report of Operations")
_NAME = re.compile(r"(?<!\w)(?:[A-ZÁÉÍÓÚÑ][\w'’-]*|[a-z]+[A-Z][\w-]*)"
                   r"(?:\s+(?:(?:of|de|del)\s+)?(?:[A-ZÁÉÍÓÚÑ][\w'’-]*|\d+))*")


def _denied_words(item_text: str) -> tuple[list[str], set[str]]:
    """What the item denies: the names it names there (whole: "Mercado Pago", "DVSA", "iPhone") and, as stems, its
    longer lower-case words, less the capability words themselves ("no weekend support" -> weekend)."""
    names, words = [], set()
    for clause in _denied_clauses(item_text):
        for match in _NAME.finditer(clause):
            # (the rest of a name that opens with an ordinary word: "US TTB Brewer's Report" -> "TTB Brewer's
            # Report", "No Okta" -> "Okta"; a clause's first word is capitalised only as a first word)
            run = match.group(0).split()[1:] if match.start() == 0 else match.group(0).split()
            while run and fold(run[0]) in _ORDINARY | _CAPABILITY | _GENERIC:
                run.pop(0)
            if run and run[0].lower() not in ("of", "de", "del"):
                names.append(" ".join(run))
        if _OTHERS.search(clause):  # "no connection with other accounting packages" denies none of those named
            continue
        for word in re.findall(r"\b[a-záéíóúñü][\w'-]{4,}", clause):
            plain = fold(word)
            if word.islower() and plain not in _CAPABILITY and plain not in _GENERIC:
                words |= stems(word)
    return names, words


_OTHERS = re.compile(r"\b(?:other|others|otros?|otras?|any more|dem[aá]s)\b", re.I)


def _named_denied(item_text: str, concern: str) -> tuple[str, ...]:
    """The buyer's words that name what the item denies ("If nobody picks up at the weekend" against "no weekend
    support", "our own iPhones" against "no iPad or iPhone version"), as the buyer wrote them."""
    names, words = _denied_words(item_text)
    found = [hit for name in names if (hit := _said_of(name, concern))]
    found += [word for word in re.findall(r"\b[a-záéíóúñü][\w'-]{4,}", concern)
              if word.islower() and stems(word) & words]
    return tuple(dict.fromkeys(found))


def _said_of(name: str, concern: str) -> str:
    """The run of `name`'s words that `concern` says, as it says it: the whole name (any case), else the longest
    run of two words or more, or an acronym or a place, written as the name writes it ("TTB Brewer's Report of
    Operations" of "US TTB Brewer's Report of Operations", "México" of "CFDI de México"); never a single ordinary
    word ("Apple" of "Apple Watch" is no "Apple iPhones", "Business" of "Business Central" no "small business").
    "" when it says none."""
    whole = re.search(rf"(?<!\w){re.escape(name)}s?(?!\w)", concern, re.I)
    if whole:
        return whole.group(0)
    words = name.split()
    for size in range(len(words) - 1, 0, -1):
        for start in range(len(words) - size + 1):
            run = words[start:start + size]
            if run[0].lower() in ("of", "de", "del") or run[-1].lower() in ("of", "de", "del") or all(
                    fold(w.strip("'’")) in _ORDINARY | _CAPABILITY | _GENERIC for w in run):
                continue
            if size == 1 and not (re.fullmatch(r"[A-Z][A-Z0-9]+", run[0]) or fold(run[0]) in _places().place_of):
                continue  # (one word alone only as an acronym or a place: "México" of "CFDI de México")
            hit = re.search(rf"(?<!\w){re.escape(' '.join(run))}(?!\w)", concern)
            if hit:
                return hit.group(0)
    return ""


def denied_names(item_text: str, concern: str) -> tuple[str, ...]:
    """The names the concern says that the item names only to rule out ("TTB Brewer's Report of Operations" of
    "the US TTB Brewer's Report of Operations is not supported"), as the concern says them."""
    return tuple(hit for hit in _named_denied(item_text, concern) if hit[:1].isupper())


def _without_denials(item_text: str) -> str:
    """The item with the clauses that deny a capability taken out: what it does offer."""
    for clause in _denied_clauses(item_text):
        item_text = item_text.replace(clause, " ")
    return item_text


@dataclass(frozen=True)
class _Places:
    """The places of playbooks/matching/places.yaml: each name's place, what each place lies in, and a pattern that
    finds them in a text."""

    place_of: dict[str, str]  # a folded name -> its place (the entry's first name)
    names_of: dict[str, tuple[str, ...]]  # a place -> its folded names
    within: dict[str, tuple[str, ...]]  # a place -> itself and every place it lies in
    pattern: re.Pattern[str]  # names as words in folded text
    capitals: re.Pattern[str]  # short names in capitals ("US", "UK", "EU"), found as written: "us" is a pronoun


@cache
def _places() -> _Places:
    raw = yaml.safe_load((data_dir("playbooks") / "matching" / "places.yaml").read_text(encoding="utf-8"))
    parent: dict[str, str | None] = {}
    place_of: dict[str, str] = {}
    regions = [(entry[0], entry[1]) if isinstance(entry[0], list) else (entry, None) for entry in raw["regions"]]
    for names, inside in regions:
        parent[names[0]] = inside
        place_of.update({fold(n): names[0] for n in names})
    for names, inside in raw["countries"]:
        parent[names[0]] = inside
        place_of.update({fold(n): names[0] for n in names})
    for country, places in raw["inside"].items():
        for place in places:
            parent.setdefault(place, country)
            place_of.setdefault(fold(place), place)

    def chain(place: str | None) -> tuple[str, ...]:
        return (place, *chain(parent.get(place))) if place else ()

    short = {n for names in [*(r[0] for r in regions), *(c[0] for c in raw["countries"])] for n in names
             if n.replace(".", "").replace(" ", "").isupper() and len(n.replace(".", "").replace(" ", "")) <= 5}
    words = sorted((n for n in place_of if n not in {fold(s) for s in short}), key=len, reverse=True)
    names_of: dict[str, tuple[str, ...]] = {}
    for name, place in place_of.items():
        names_of[place] = (*names_of.get(place, ()), name)
    return _Places(place_of, names_of, {p: chain(p) for p in parent},
                   re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)"),
                   re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, sorted(short, key=len, reverse=True))) +
                              r")(?![\w])"))


@lru_cache(maxsize=256)  # (asked of one message for every item)
def _places_in(text: str) -> tuple[tuple[int, int, str, str], ...]:
    """(start, end, place, as written) of each place `text` names, in order, written with its capital ("una
    nevada", "chile con carne" and "montaña" name no place); positions in `text` (approximate where folding moves
    letters)."""
    places = _places()
    folded = fold(text)
    found = [(m.start(), m.end(), places.place_of[m.group(1)], text[m.start():m.end()])
             for m in places.pattern.finditer(folded) if text[m.start():m.start() + 1].isupper()]
    found += [(m.start(), m.end(), places.place_of[fold(m.group(1))], m.group(1))
              for m in places.capitals.finditer(text)]
    return tuple(sorted(found))


def names_said(text: str) -> list[str]:
    """The names `text` says that are no place and no ordinary word, as written: the systems, forms, bodies and
    products a buyer names ("TTB", "Wix", "Entra"), which an item naming them too is on the subject of."""
    places = {written for *_, written in _places_in(text)}
    return [c for c in claims(text) if not c[0].isdigit() and len(c) >= 2 and fold(c) not in _ORDINARY
            and c not in places]


# A run of places limited by the item: "Texas, Florida and Ohio only", "only in the US and Canada", "solo en EE. UU.
# y Canadá"; or set aside: "(not New York or California)", "excepto Canarias"
_BETWEEN_PLACES = re.compile(r"\s*,?\s*(?:(?:and|or|y|o|e|&)\s+)?(?:(?:the|el|la|los|las)\s+)?", re.I)
# ("not only in Texas", "no solo en Texas" limit nothing)
_ONLY_BEFORE = re.compile(r"(?<!\bnot )(?<!\bno )\b(?:only|solo|sólo|únicamente|solamente|exclusively|exclusivamente)"
                          r"\s+(?:(?:in|for|to|within|across|on|en|para|a|de|dentro de|the|el|la|los|las)\s+){0,3}$",
                          re.I)
_ONLY_AFTER = re.compile(r"^\s*(?:only|solamente|únicamente)\b", re.I)
# (also "no option to host data in the Americas", "no hay opción de alojar los datos en Asia-Pacífico")
_NOT_BEFORE = re.compile(r"\b(?:not|no|except|excepto|salvo|menos|ni)\s+(?:(?:hay|options?|opci[oó]n|to|host|"
                         r"hosting|alojar|alojamiento|data|datos|de|in|for|en|para|the|el|la|los|las)\s+){0,8}$", re.I)
# where the buyer is: "we're in Georgia", "estamos en Sevilla", "somos de Monterrey", "de aquí, de Sevilla"
# (not "here in Colombia", "aquí en Colombia": "¿trae los productos registrados aquí en Colombia?" requires it)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+|(?=¿)")
_WE_ARE_IN = re.compile(r"\b(?:we['’]re|we are|i['’]m|i am|based|located|estamos|somos|operamos|vivimos)\s+"
                        r"(?:(?:in|en|de|from|desde|out of|the|el|la)\s+){0,2}$", re.I)


@lru_cache(maxsize=256)
def _limited_places(item_text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The places the item limits something to ("… Texas, Florida and Ohio only"), and those it sets aside ("(not
    New York or California)")."""
    found = _places_in(item_text)
    runs: list[list[tuple[int, int, str, str]]] = []
    for place in found:
        if runs and _BETWEEN_PLACES.fullmatch(item_text[runs[-1][-1][1]:place[0]]):
            runs[-1].append(place)
        else:
            runs.append([place])
    limited: set[str] = set()
    set_aside: set[str] = set()
    for run in runs:
        before, after = item_text[:run[0][0]], item_text[run[-1][1]:]
        names = {p[2] for p in run}
        if _NOT_BEFORE.search(before):
            set_aside |= names
        elif _ONLY_BEFORE.search(before) or _ONLY_AFTER.match(after):
            limited |= names
    return frozenset(limited), frozenset(set_aside)


def _where_unmet(item_text: str, concern: str, message: str) -> str | None:
    """The place the buyer is, or works with, that a fact limited to other places does not reach ("we're in
    Georgia" and "EDRS exports for Texas, Florida and Ohio only"), or sets aside ("we're in New York" and "not New
    York or California"), as the buyer wrote it; None if none. Their places: those the concern names, and where
    the message says they are."""
    limited, set_aside = _limited_places(item_text)
    if not limited and not set_aside:
        return None
    within = _places().within
    def where_they_are(text: str, start: int) -> bool:
        return bool(_WE_ARE_IN.search(text, max(0, start - 40), start))

    # (what the concern requires first: "we're in Ohio… data has to stay on US servers" is unmet on the US)
    asked = [(start, p, said, where_they_are(concern, start)) for start, _, p, said in _places_in(concern)]
    theirs = [(p, said) for _, p, said, here in sorted(asked, key=lambda a: a[3])]
    theirs += [(p, said) for start, _, p, said in _places_in(message) if where_they_are(message, start)]
    # (and where the message wants the data: "la junta quiere que estén alojados en México", "our board wants US
    # hosting", said in a sentence of its own)
    theirs += [(p, said) for sentence in _SENTENCE_SPLIT.split(message) if _WHERE_KEPT.search(sentence)
               for _, _, p, said in _places_in(sentence)]
    for place, said in theirs:
        around = set(within.get(place, (place,)))
        if around & set_aside or limited and not around & limited:
            return said
    return None


_LANGUAGES = {
    "english": ("english", "ingles"), "spanish": ("spanish", "espanol", "castellano"),
    "portuguese": ("portuguese", "portugues"), "french": ("french", "frances"), "german": ("german", "aleman"),
    "italian": ("italian", "italiano"), "dutch": ("dutch", "neerlandes", "holandes"), "polish": ("polish", "polaco"),
    "ukrainian": ("ukrainian", "ucraniano"), "catalan": ("catalan",), "chinese": ("chinese", "mandarin", "chino"),
    "japanese": ("japanese", "japones"), "arabic": ("arabic", "arabe"),
}
_LANGUAGE_OF = {form: name for name, forms in _LANGUAGES.items() for form in forms}
# a quantity and its unit: "3 to 5 RPM", "250°C", "45 obras", "18 users", "20 active projects"
_UNITS = (r"(rpm|°\s?c|ºc|degrees|grados|kg|tons?|toneladas|users?|usuarios|employees|empleados|sites?|sedes|plantas|"
          r"locations?|stores?|tiendas?|registers|cajas|projects|proyectos|obras|assets|activos|trucks|camiones|"
          r"entities|entidades|companies|empresas|subsidiaries|filiales|countries|pa[íi]ses|languages|idiomas|"
          r"currencies|monedas|warehouses?|almacenes|branch(?:es)?|sucursal(?:es)?|vehicles|veh[íi]culos|sensors|sensores|"
          r"technicians?|techs?|t[ée]cnicos|years?|a[ñn]os|months?|meses|weeks?|semanas|gb|tb|mbps|km|meters|metros)\b")
_ADJECTIVE = r"(?:(?:active|activ[oa]s|concurrent|named|nominales|legal(?:es)?|historical|hist[óo]ric[oa]s)\s+)?"
_QUANTITY = re.compile(r"(?<![\w.])(-?\d[\d,.]*)\s*(?:(?:to|-|–|a|y|and)\s*(-?\d[\d,.]*)\s*)?" + _ADJECTIVE + _UNITS,
                       re.I)
# one of something, in words: "a single location", "one site", "una sola sede", "un solo almacén"
_ONE = re.compile(r"(?<!than )(?<!least )(?<!each )(?<!per )(?<!más de )(?<!menos )"
                  r"\b(?:(?:a |one )?single|only one|just one|one|una sola|un solo|solo una|solo un)\s+"
                  r"(location|site|store|branch|plant|warehouse|company|sede|tienda|sucursal|planta|almac[ée]n|"
                  r"empresa)\b", re.I)
# a range an item states: "between 60 and 10,000 RPM", "up to 20 active projects", "50 or more users",
# "con 50 usuarios o más", "hasta 20 obras"
_RANGE = re.compile(
    r"(?:between|entre|from|de|desde)\s+(?P<low>-?\d[\d,.]*)\s*(?:and|y|to|a|hasta)\s+(?P<high>-?\d[\d,.]*)\s*"
    + _ADJECTIVE + r"(?P<unit>" + _UNITS[1:] + "|"
    r"(?:up to|max(?:imum)?(?: of)?|no more than|hasta|como m[áa]ximo|m[áa]ximo(?: de)?)\s+(?P<max>-?\d[\d,.]*)\s*"
    + _ADJECTIVE + r"(?P<max_unit>" + _UNITS[1:] + "|"
    r"(?P<min>\d[\d,.]*)\s*" + _ADJECTIVE + r"(?P<min_unit>" + _UNITS[1:] + r"\s+o\s+m[áa]s|"
    r"(?P<min_en>\d[\d,.]*)\s+or\s+more\s+" + _ADJECTIVE + r"(?P<min_en_unit>" + _UNITS[1:] + "|"
    r"(?:at least|a minimum of|al menos|m[íi]nimo(?: de)?|desde|starts? at|starting at|from|a partir de)\s+"
    r"(?P<least>\d[\d,.]*)\s*" + _ADJECTIVE
    + r"(?P<least_unit>" + _UNITS[1:],
    re.I)


def _number(text: str) -> float | None:
    digits = text.replace(",", "") if re.search(r"\d,\d{3}\b", text) else text.replace(".", "").replace(",", ".") \
        if re.search(r"\d\.\d{3}\b", text) else text.replace(",", ".")
    try:
        return float(digits)
    except ValueError:
        return None


def _unit(text: str) -> str:
    folded = fold(text).replace(" ", "").replace("º", "°")
    return {"degrees": "°c", "grados": "°c", "usuarios": "users", "user": "users", "empleados": "employees",
            "sedes": "sites", "site": "sites", "plantas": "sites", "locations": "sites", "ton": "tons",
            "sede": "sites", "planta": "sites", "plant": "sites", "location": "sites", "store": "stores",
            "tienda": "stores", "branch": "branches", "sucursal": "branches", "warehouse": "warehouses",
            "almacen": "warehouses", "company": "companies", "empresa": "companies",
            "toneladas": "tons", "metros": "m", "meters": "m", "tiendas": "stores", "cajas": "registers",
            "proyectos": "projects", "obras": "projects", "activos": "assets", "camiones": "trucks",
            "entidades": "entities", "empresas": "companies", "filiales": "subsidiaries", "paises": "countries",
            "idiomas": "languages", "monedas": "currencies", "almacenes": "warehouses", "sucursales": "branches",
            "vehiculos": "vehicles", "sensores": "sensors", "technician": "technicians",
            "techs": "technicians", "tech": "technicians", "tecnicos": "technicians", "year": "years",
            "anos": "years", "años": "years",
            "month": "months", "meses": "months", "week": "weeks", "semanas": "weeks"}.get(folded, folded)


def _out_of_range(item_text: str, concern: str) -> str | None:
    """The buyer's quantity that lies outside a range the item states for the same unit ("validated between 60
    and 10,000 RPM" for kilns turning "at 3 to 5 RPM"), as the buyer wrote it; None if none."""
    ranges: dict[str, tuple[float, float]] = {}
    inf = float("inf")
    for m in _RANGE.finditer(item_text):
        found = m.groupdict()
        stated = ((found["low"], found["high"], found["unit"]) if found["low"] else
                  ("-inf", found["max"], found["max_unit"]) if found["max"] else
                  (found["min"] or found["min_en"] or found["least"], "inf",
                   found["min_unit"] or found["min_en_unit"] or found["least_unit"]))
        low = -inf if stated[0] == "-inf" else _number(stated[0])
        high = inf if stated[1] == "inf" else _number(stated[1])
        if low is not None and high is not None:
            ranges[_unit(stated[2])] = (low, high)
    for m in _QUANTITY.finditer(concern):
        bounds = ranges.get(_unit(m.group(3)))
        values = [v for v in (_number(m.group(1)), _number(m.group(2) or "")) if v is not None]
        if bounds and values and any(v < bounds[0] or v > bounds[1] for v in values):
            return m.group(0).strip()
    for m in _ONE.finditer(concern):
        bounds = ranges.get(_unit(m.group(1)))
        if bounds and not bounds[0] <= 1 <= bounds[1]:
            return m.group(0).strip()
    return None


# A share the buyer requires at least ("a minimum 99.95% uptime", "al menos un 95 % de disponibilidad"), and the
# shares an item states
_AT_LEAST_SHARE = re.compile(r"\b(?:minimum(?: of)?|at least|no less than|min\.?|m[íi]nimo(?: de)?|al menos(?: un)?|"
                             r"como m[íi]nimo(?: un)?)\s+(?:an?\s+|un\s+|del?\s+)?(\d+(?:[.,]\d+)?)\s?%", re.I)
_SHARE = re.compile(r"(\d+(?:[.,]\d+)?)\s?%")


def _share_short(item_text: str, concern: str) -> str | None:
    """The share the buyer requires at least, when the item states one share, below it ("a minimum 99.95%
    uptime" against "99.9% monthly uptime"); None if none. (An item stating several shares may speak of other
    things: no comparison.)"""
    stated = {_number(m.group(1)) for m in _SHARE.finditer(item_text)}
    required = _AT_LEAST_SHARE.search(concern)
    if not required or len(stated) != 1:
        return None
    share, need = stated.pop(), _number(required.group(1))
    return required.group(0).strip() if share is not None and need is not None and share < need else None


_HOURS = re.compile(r"\b(\d{1,2})[:.](\d{2})\s*(?:to|-|–|a|and|y|until|hasta)\s*(\d{1,2})[:.](\d{2})\b")
_CLOCK = re.compile(r"\b(?:at|by|until|till|a las|hasta las)?\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)|"
                    r"\b(?:a|hasta|desde) las (\d{1,2})(?::(\d{2}))? de la (mañana|madrugada|tarde|noche)", re.I)


# Business hours named by a place: "during Mexico City business hours", "en horario de España", "Spain's hours"
_PLACE_HOURS = re.compile(
    r"\b(?:horario|hora)\s+(?:h[áa]bil\s+|laboral\s+|local\s+|de oficina\s+)?(?:de|en)\s+(?:la\s+|el\s+)?"
    r"([A-ZÁÉÍÓÚÑ]\w+(?:\s+(?:de\s+)?[A-ZÁÉÍÓÚÑ]\w+)*)|"
    r"\b([A-ZÁÉÍÓÚÑ]\w+(?:\s+[A-ZÁÉÍÓÚÑ]\w+)*)(?:['’]s)?\s+(?:business|office|working|local)\s+hours\b|"
    # a time zone: "7:00 to 19:00 US Central Time"
    r"\b([A-ZÁÉÍÓÚÑ]\w+(?:\s+[A-ZÁÉÍÓÚÑ]\w+)*)\s+(?:Time|[Tt]ime [Zz]one)\b")


# ... or by an adjective ("en horario español", "European business hours"), with the names an item may use for it
_HOURS_ADJECTIVE = re.compile(r"\bhorario\s+(español|espanol|peninsular|europeo|mexicano|argentino|colombiano|"
                              r"chileno)\b|\b(Spanish|European|Mexican)\s+(?:business\s+|office\s+|working\s+)?"
                              r"hours\b", re.I)
# (no "Spanish": a language, not a place; no three-letter zones: a name is matched at a word's start)
_SPAIN = ("españa", "espana", "spain", "madrid", "cet", "cest", "central european")
_HOURS_NAMES = {"español": _SPAIN, "espanol": _SPAIN, "peninsular": _SPAIN, "spanish": _SPAIN,
                "europeo": (*_SPAIN, "europe", "european", "europa", "gmt", "wet", "eet"),
                "european": (*_SPAIN, "europe", "european", "europa", "gmt", "wet", "eet"),
                "mexicano": ("méxico", "mexico", "cdmx"), "mexican": ("méxico", "mexico", "cdmx"),
                "argentino": ("argentina", "buenos aires"), "colombiano": ("colombia", "bogotá", "bogota"),
                "chileno": ("chile", "santiago")}


def _places_of_hours(text: str) -> list[str]:
    """The places whose business hours `text` names ("Our Business hours" names none)."""
    found = [next(p for p in places if p) for places in _PLACE_HOURS.findall(text) if any(places)]
    return [place for place in found if place.split()[0].lower() not in _ORDINARY | {"support", "office", "business"}
            or len(place.split()[0]) > 1 and place.split()[0].isupper()] + [  # ("US Central": no pronoun)
        m.group(0) for m in _HOURS_ADJECTIVE.finditer(text)]


def _hours_elsewhere(item_text: str, concern: str) -> str | None:
    """The place whose business hours the buyer needs when the item states another place's ("support during
    Mexico City business hours" to a buyer who needs "horario de España"), as the buyer wrote it."""
    if not _places_of_hours(item_text):
        return None
    return next((place for place in _places_of_hours(concern) if not any(
        _named_in(item_text, name) for name in _hours_names(place))), None)


def _hours_names(place: str) -> tuple[str, ...]:
    """The names an item may give the business hours the buyer named: the place itself, or for an adjective
    ("horario español") the country, its capital and its time zone."""
    adjective = _HOURS_ADJECTIVE.fullmatch(place)
    word = fold(next(g for g in adjective.groups() if g)) if adjective else fold(place)
    return _HOURS_NAMES.get(word, (place,))


# Time zones an item's hours or a buyer's clock may be given in, as hours from UTC (standard time: summer time
# moves both sides of most pairs alike). Central European before US Central.
_ZONES = (
    (re.compile(r"\bCES?T\b|central europe|hora (?:peninsular|de (?:españa|madrid))|horario (?:español|peninsular)|"
                r"(?:spain|spanish|madrid|paris|berlin)(?:'s)? (?:business )?(?:time|hours)", re.I), 1),
    (re.compile(r"\b(?:GMT|BST|WET)\b|\b(?:UK|London|Lisbon|Dublin)(?:'s)? (?:business )?(?:time|hours)|"
                r"bank holiday", re.I), 0),
    (re.compile(r"\b(?:US )?Eastern\b|\bE[SD]T\b", re.I), -5),
    (re.compile(r"\b(?:US )?Central\b(?! Europe)|\bC[SD]T\b|hora del centro de EE", re.I), -6),
    (re.compile(r"\bMountain (?:time|standard)|\bM[SD]T\b", re.I), -7),
    (re.compile(r"\bPacific\b|\bP[SD]T\b", re.I), -8),
    (re.compile(r"mexico city|ciudad de m[ée]xico|cdmx|hora del centro de m[ée]xico", re.I), -6),
    (re.compile(r"bogot[áa]|\blima\b|\bCOT\b", re.I), -5),
    (re.compile(r"buenos aires|\bART\b", re.I), -3),
)
# the zone of a country's places, where it has one
_COUNTRY_ZONES = {"United Kingdom": 0, "Ireland": 0, "Portugal": 0, "Spain": 1, "France": 1, "Germany": 1, "Italy": 1,
                  "Netherlands": 1, "Belgium": 1, "Mexico": -6, "Colombia": -5, "Peru": -5, "Ecuador": -5,
                  "Chile": -4, "Argentina": -3, "Uruguay": -3}


def _zone(text: str, places_too: bool = False) -> int | None:
    """The time zone `text` gives its hours in, as hours from UTC; with `places_too`, also the zone of a place it
    names ("we're in Bogotá"); None if it gives none."""
    found = next((offset for pattern, offset in _ZONES if pattern.search(text)), None)
    if found is None and places_too:
        within = _places().within
        found = next((_COUNTRY_ZONES[p] for _, _, place, _ in _places_in(text) for p in within.get(place, ())
                      if p in _COUNTRY_ZONES), None)
    return found


def _outside_hours(item_text: str, concern: str) -> str | None:
    """The time of day the buyer needs that lies outside the hours the item states ("a till dies at 1am" and
    "support from 07:00 to 23:00"), as the buyer wrote it; None if none. A time the buyer gives in another zone
    is moved into the item's first ("6am Central" is 13:00 CET, inside "8:00-18:00 CET")."""
    hours = [(int(a) * 60 + int(b), int(c) * 60 + int(d)) for a, b, c, d in _HOURS.findall(item_text)]
    if not hours:
        return None
    theirs, ours = _zone(concern, places_too=True), _zone(item_text)
    shift = 60 * (ours - theirs) if theirs is not None and ours is not None else 0
    for m in _CLOCK.finditer(concern):
        hour, minute = int(m.group(1) or m.group(4)), int(m.group(2) or m.group(5) or 0)
        half = (m.group(3) or m.group(6) or "").lower().replace(".", "")
        if half in ("pm", "tarde", "noche") and hour < 12:
            hour += 12
        elif half in ("am", "mañana", "madrugada") and hour == 12:
            hour = 0
        at = (hour * 60 + minute + shift) % (24 * 60)
        if not any(start <= at <= end if start <= end else at >= start or at <= end for start, end in hours):
            return m.group(0).strip()
    return None


# Spans of time, in hours: how long the buyer needs something to last or at most to take, and how often.
_HOURS_IN = {"minute": 1 / 60, "minuto": 1 / 60, "hour": 1, "hora": 1, "day": 24, "dia": 24, "night": 24, "noche": 24,
             "week": 168, "semana": 168, "month": 730, "mes": 730, "year": 8760, "ano": 8760}
_COUNTS = {"a": 1, "an": 1, "one": 1, "un": 1, "una": 1, "uno": 1, "two": 2, "dos": 2, "three": 3, "tres": 3,
           "four": 4, "cuatro": 4, "five": 5, "cinco": 5, "six": 6, "seis": 6, "seven": 7, "siete": 7, "eight": 8,
           "ocho": 8, "ten": 10, "diez": 10, "twelve": 12, "doce": 12}
_SPAN = (r"(\d[\d,.]*|" + "|".join(_COUNTS) + r")[\s-]*"
         r"(minute|minuto|hour|hora|day|dia|week|semana|month|mes|year|ano)(?:s|es)?\b")
# the buyer needs at least this long: "offline for up to a week", "keep 7 years at least", "durante al menos un mes"
_AT_LEAST = re.compile(r"\b(?:for up to|up to|at least|a minimum of|for a full|durante|hasta|al menos|por lo menos|"
                       r"m[ií]nimo)\s+(?:de\s+)?" + _SPAN)
# at most: "live within 2 months", "no more than 6 months", "compromisos superiores a 6 meses" after a refusal
_AT_MOST = re.compile(r"\b(?:within|in under|in less than|no more than|not more than|at most|max(?:imum)?(?: of)?|"
                      r"en menos de|como m[aá]ximo|no m[aá]s de|m[aá]ximo(?: de)?)\s+" + _SPAN)
_REFUSED_LONGER = re.compile(r"\b(?:no|not|never|can't|cannot|won't|don't)\b(?:\W+\w+){0,5}?\W+"
                             r"(?:longer than|more than|over|beyond|superior(?:es)? a|de m[aá]s de|mayores? (?:a|de)|"
                             r"m[aá]s (?:largos? )?de)\s+" + _SPAN)
# how often: "readings every minute", "cada 5 minutos", "four times a day"; an item's "one reading per hour", "hourly"
_EVERY = re.compile(r"\b(?:every|cada)\s+(?:(\d[\d,.]*|" + "|".join(_COUNTS) + r")\s+)?"
                    r"(minute|minuto|hour|hora|day|dia|week|semana|month|mes)(?:s|es)?\b")
_PER = re.compile(r"\b(?:per|a|an|por|al|a la)\s+(minute|minuto|hour|hora|day|dia|night|noche|week|semana|month|mes)\b|"
                  r"\b(hourly|daily|nightly|weekly|monthly|diari[oa]s?)\b")
_ADVERB_HOURS = {"hourly": 1, "daily": 24, "nightly": 24, "diario": 24, "diaria": 24, "diarios": 24, "diarias": 24,
                 "weekly": 168, "monthly": 730}
# within minutes: any period an item states over an hour misses it ("reach BC within minutes" and "syncs once a night")
_SOON = re.compile(r"\b(?:within (?:a few )?minutes|in (?:near[- ])?real[- ]time|real[- ]time|en tiempo real|"
                   r"en (?:pocos )?minutos|al instante|instantly)\b")


def _hours(count: str | None, unit: str) -> float | None:
    n = _COUNTS.get(count or "one") if not (count or "1")[0].isdigit() else _number(count or "1")
    return n * _HOURS_IN[unit] if n is not None else None


def _span_unmet(item_text: str, buyer: str) -> str | None:
    """The span of time the buyer needs that the item's own spans do not reach ("offline for up to a week" and
    "works offline for up to 72 hours"; "no more than 6 months" and "a 12-month minimum"; "readings every minute"
    and "one reading per hour"), as the buyer wrote it; None when it meets it or either side states none."""
    item, said = fold(item_text), fold(buyer)

    def said_as_written(m: re.Match[str]) -> str:  # folding keeps each letter in place: "durante un año"
        return buyer[m.start():m.end()] if len(said) == len(buyer) else m.group(0)

    spans = [h for c, u in re.findall(_SPAN, item) if (h := _hours(c, u))]
    periods = [h for m in _PER.finditer(item)
               if (h := _HOURS_IN[m.group(1)] if m.group(1) else _ADVERB_HOURS.get(m.group(2)))]
    periods += [h for c, u in _EVERY.findall(item) if (h := _hours(c, u))]
    for m in _EVERY.finditer(said):
        need = _hours(m.group(1), m.group(2))
        if need and periods and min(periods) > need:
            return said_as_written(m)
    soon = _SOON.search(said)
    if soon and periods and min(periods) > 1:
        return said_as_written(soon)
    for m in _AT_LEAST.finditer(said):
        need = _hours(m.group(1), m.group(2))
        if need and spans and max(spans) < need:
            return said_as_written(m)
    for m in [*_AT_MOST.finditer(said), *_REFUSED_LONGER.finditer(said)]:
        need = _hours(m.group(1), m.group(2))
        if need and any(span > need for span in spans):
            return said_as_written(m)
    return None


# A grade the buyer needs, against the grade an item states: "Zona 1" and "certified for Zone 2", "SOC 2 Type II"
# and "Type I", "Tier 4" and "Tier 3". The two differ; which way is stricter depends on the scale, so the
# seller qualifies it.
_GRADE = re.compile(r"\b(zone|zona|class|clase|division|divisi[oó]n|category|categor[ií]a|level|nivel|tier|type|"
                    r"tipo)\s+(\d+|i{1,3}|iv|v)\b", re.I)


def _grade_unmet(item_text: str, buyer: str) -> str | None:
    """The buyer's grade that the item states otherwise for the same scale, as the buyer wrote it."""
    def scale(word: str) -> str:
        return {"zona": "zone", "clase": "class", "division": "division", "categoria": "category", "nivel": "level",
                "tipo": "type"}.get(fold(word), fold(word))

    stated: dict[str, set[str]] = {}
    for word, grade in _GRADE.findall(item_text):
        stated.setdefault(scale(word), set()).add(grade.lower())
    for m in _GRADE.finditer(buyer):
        grades = stated.get(scale(m.group(1)))
        if grades and m.group(2).lower() not in grades:
            return m.group(0)
    return None


# a language named as what we only offer, or as one they do not speak, is none they need
_NOT_NEEDED_LANGUAGE = re.compile(r"\b(?:only|solo|sólo|solamente|únicamente|no|not|don't|doesn't|do not|does not|"
                                  r"can't|cannot)\s+(?:\w+\s+){0,2}$", re.I)


def _languages(text: str, believed_too: bool = True) -> dict[str, str]:
    """The languages `text` names, each with the word it uses for it; not `believed_too`, leaving out those it says
    we only offer or they do not speak ("entiendo que viene solo en inglés", "no hablan inglés")."""
    found: dict[str, str] = {}
    for match in re.finditer(r"[^\W\d_]+", text):
        name = _LANGUAGE_OF.get(fold(match.group(0)))
        if name and (believed_too or not _NOT_NEEDED_LANGUAGE.search(text[max(0, match.start() - 30):match.start()])):
            found.setdefault(name, match.group(0))
    return found


_RUNS_ON = re.compile(r"\b(?:runs?|running|ran|uses?|using|used|on|needs?|requires?|wants?|must have|corren?|"
                     r"usan?|utiliza\w*|necesita\w*|requier\w*|quieren?|tienen?|trabaja\w*|sobre)\b(?:\s+\S+){0,3}\s*$",
                     re.I)


_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+|(?=¿)")


def _whole(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


def _same_point(message: str, name: str, concern: str) -> bool:
    """Whether the sentence of `message` that requires `name` is on the point of `concern`: it shares a content
    word with it, or `concern` is the sentence right after it ("…trabajamos con la UNE-EN 81-20. ¿Las tenéis ya
    cargadas?")."""
    # (as a whole word: "Pro" is not in "Problem is procurement's…")
    said = next((part for part in _SENTENCES.split(message) if _whole(name).search(part)), "")
    if concern.strip()[:25] in said and not _whole(name).search(concern):
        # another clause of the concern's own sentence names it, read as a concern of its own ("do you support SSO
        # through Okta, and where is the data stored?": Okta is not required of where the data is)
        return False
    if (stems(said) - stems(name)) & stems(concern):
        return True
    ends = {m.end() for m in _SENTENCES.finditer(message) if m.end() > 0}
    named = _whole(name).search(message)
    named_at, asked_at = named.start() if named else -1, message.find(concern.strip()[:25])
    if named_at < 0 or asked_at < 0:
        return False
    return sum(e <= asked_at for e in ends) - sum(e <= named_at for e in ends) == 1


# A clause that says the thing it names is not there yet, or only half: "an Android version is on the roadmap for
# 2026", "Mexico CFE forms are in beta", "a SOC 2 Type II audit has not started", "QuickBooks Online is one-way
# only", "la pizarra de cuadrillas necesita conexión". ("only" alone is left out: "runs on iPhone and iPad only"
# names what is there.)
_NOT_THERE = re.compile(
    r"\b(?:in beta|beta|planned|planificad[oa]s?|on (?:the|our) roadmap|roadmap|en (?:la )?hoja de ruta|coming soon|"
    r"due (?:in|for|by)|previst[oa]s? (?:para|en)|en desarrollo|pr[oó]ximamente|not yet|todav[ií]a no|a[úu]n no|"
    r"(?:has|have) not (?:yet )?(?:started|begun|been (?:released|launched|certified|completed))|"
    r"hasn'?t (?:yet )?(?:started|begun)|no ha (?:empezado|comenzado)|one-way|one way only|en un solo sentido|"
    r"export[- ]only|solo (?:de )?exportaci[oó]n|"
    r"needs? (?:a|an internet) connection|requires? (?:a|an internet) connection|necesita conexi[oó]n)\b", re.I)


def _says_not_there(item_text: str, concern: str) -> tuple[str, ...]:
    """The buyer's words for what the item names only to say it is not there yet or only half (_NOT_THERE): a
    clause that says so and shares with the concern a name ("Android", "SOC") or two of its content words
    ("battery sizing for existing systems" and "a battery-retrofit sizing module for existing PV systems is due in
    Q2 2026")."""
    names = [c for c in claims(concern) if not c[0].isdigit() and fold(c) not in _ORDINARY]
    asked = stems(concern)
    clauses = [c for c in _CLAUSES.split(item_text) if c.strip()]
    # (said of the whole item, "Roadmap: …", or in a short clause right after, "…, previsto para 2027")
    whole = bool(clauses) and len(clauses[0].split()) <= 3 and bool(_NOT_THERE.search(clauses[0]))
    for n, clause in enumerate(clauses):
        after = clauses[n + 1] if n + 1 < len(clauses) and len(clauses[n + 1].split()) <= 5 and not re.search(
            r"\b(?!Q\d\b)(?:[A-ZÁÉÍÓÚÑ]\w+|[a-z]+[A-Z]\w*)", clauses[n + 1]) else ""  # (a qualifier, naming
        # nothing of its own: "an iOS version is planned" names iOS, and says nothing of the Android before it)
        if not (whole or _NOT_THERE.search(clause) or _NOT_THERE.search(after)):
            continue
        folded = fold(clause)
        shared = [name for name in names if re.search(rf"(?<!\w){re.escape(fold(name))}(?!\w)", folded)]
        if not shared:  # (or two content words: said back as the run of them the buyer wrote)
            common = asked & stems(clause)
            shared = [w for w in re.findall(r"[^\W\d_]{4,}", concern) if stems(w) & common] if len(common) >= 2 else []
        if shared:
            # the buyer's own run of words ("SOC 2 Type II", "battery sizing"), as they wrote it
            words = "|".join(map(re.escape, shared))
            run = re.search(rf"(?<!\w)(?:{words})(?:[\s-]+(?:(?:de|del|of|for)\s+)?(?:{words}|\d+)(?!\w))*",
                            concern)
            return (run.group(0),) if run else (shared[0],)
    return ()


def unmet(item_text: str, concern: str, notes: str = "", message: str = "") -> tuple[str, ...]:
    """What the buyer requires that the item's own words leave out or rule out, in the buyer's words (`unmet_why`)."""
    return unmet_why(item_text, concern, notes, message)[0]


def unmet_why(item_text: str, concern: str, notes: str = "", message: str = "", firm: bool = False,
              any_subject: bool = False) -> tuple[tuple[str, ...], bool]:
    """What the buyer requires that the item's own words (`item_text`) leave out or rule out, in the buyer's words,
    and whether the item rules it out (True: it denies the name, or states a limit the need lies outside; False:
    it only leaves it out, or states another grade, which the seller has to check);
    empty when it meets them: a name it never mentions while naming others, a language it does not list while
    listing others, a quantity or an hour outside the range it states, a share below the least they require, a
    span of time it does not reach (how long, how soon, how often), another grade on the same scale, a place the
    data must not leave, a scope it limits (`_SCOPES`) or a commitment it imposes (`_LIMITS`). `notes`: the
    seller's notes on the deal ("they run SAP Business One"), whose requirements count as the buyer's; `message`:
    all the buyer said, for the needs that only an item stating a limit can fail ("no annual contracts. Month to
    month or we can't buy it" asked in two sentences) and for where the data must stay. `firm`: only the needs
    read from words that cannot be mistaken for something else (where the data must be, a language, hours, a
    scope or a commitment, each said in this concern, not in the notes), for a limit said to the buyer as the item
    states it. `any_subject`: the item may be on another subject than the concern, so only the needs whose words
    name their subject count: where the data is kept and a commitment (a time, a weekend or a language may be
    asked of reminders while the item states the support hours)."""
    both = item_text
    firm = firm or any_subject
    notes = "" if firm else notes
    # a name in the seller's notes is the buyer's requirement when the note says they run, use or need it ("they
    # run SAP"); not when it is only context ("they may be confusing us with Optimare")
    from_notes = [name for name in requirements(notes) if _RUNS_ON.search(notes[:notes.find(name)][-40:])]
    # (a concern that requires no name of its own is bound by a name another part of the message requires on the
    # same point: "¿valida con SUNAT? si no valida no nos sirve" is read as two, both on validating; not "¿la app
    # aguanta sin conexión?" by "trabajamos con la UNE-EN 81-20", nor the sign-on by the app's language)
    required = [*requirements(concern), *from_notes] or [
        name for name in requirements(message) if _same_point(message, name, concern)]
    # (one name, once and as fully as it was given: "QuickBooks Desktop" asked, "QuickBooks Desktop 2021" in the
    # seller's note)
    required = [r for r in dict.fromkeys(required) if not any(o != r and o.startswith(r) for o in required)]
    missing = tuple(r for r in required if not _named_in(both, r))
    concern = f"{concern} {notes}".strip()
    if missing and not firm and any(c.lower() not in _ORDINARY and not c[0].isdigit()  # it names others
                                    for c in claims(both)):
        return missing, any(_denies(both, name) for name in missing)
    # where the data must stay ("can't leave the EU") binds every answer about where we host, wherever it was said
    staying = [name for name in requirements(message) if re.search(
        rf"\b(?:leave|outside(?: of)?|salir de|fuera de)\s+(?:the |el |la |los |las |our |nuestro |nuestra )?"
        rf"{re.escape(name)}", message)]
    left = tuple(name for name in staying if not _named_in(both, name))
    if left and _PLACES.search(both):
        return left, True
    denied = _named_denied(both, concern)
    if firm:  # (a name the item itself denies is firm, "there is no SAML or Okta support"; a word may be said twice)
        denied = () if any_subject else tuple(word for word in denied if word[:1].isupper())
    if denied:
        return denied, True
    # (firm: only where the concern is about where the data is, not a customer "in Mexico" or an office in Europe)
    elsewhere = _where_unmet(both, concern, message) if not firm or _WHERE_KEPT.search(concern) else None
    if elsewhere:
        return (elsewhere,), True
    said_here = concern
    concern = concern if firm else f"{concern} {message}".strip()
    offered = _languages(both)
    named = _languages(concern, believed_too=False) if _ASKS.search(concern) and not any_subject else {}
    wanted = [word for name, word in named.items() if name not in offered]
    if offered and wanted:
        return tuple(wanted), True
    # (firm: hours, but not quantities and spans, which an item on another subject states too: "in under 20
    # minutes" of training against an alert "in under a minute")
    if any_subject:
        outside = None
    elif firm:
        outside = _outside_hours(both, concern) or _hours_elsewhere(both, concern)
    else:
        outside = _out_of_range(both, concern) or _share_short(both, concern) or _outside_hours(both, concern) or \
            _hours_elsewhere(both, concern) or _span_unmet(both, concern)
    if outside:
        return (outside,), True
    grade = None if firm else _grade_unmet(both, concern)  # (which way is stricter depends on the scale)
    if grade:
        return (grade,), False
    scopes = [(_DATA_KEPT, concern)] if any_subject else [*((scope, concern) for scope in _SCOPES), (_PHONE, said_here)]
    for (needed, limited), asked_in in scopes:
        # (firm: a scope asked for, not a Sunday told of: "en mi sucursal nos toma todo el domingo")
        asked = needed.findall(asked_in) if not firm or _ASKS.search(said_here) else []
        # (the item limits the scope, or denies the very scope asked for: "sin soporte en fin de semana")
        if asked and (limited.search(both) and not needed.search(_without_denials(both))
                      or any(needed.search(clause) for clause in _denied_clauses(both))):
            return tuple(dict.fromkeys(a.lower() for a in asked)), True
    for needed, limit in _LIMITS[1:] if any_subject else _LIMITS:  # (not "from day one": of what?)
        asked = needed.findall(concern)
        imposed = [m for m in limit.finditer(both)
                   if not re.search(r"\b(?:no|without|sin|ning[úu]n[a]?)\s+$", both[:m.start()], re.I)]
        if asked and imposed:
            return tuple(dict.fromkeys(a.lower() for a in asked)), True
    # the item's own words say what they ask for is not there yet: said as the limit it is, never as reassurance
    # (after the timing they require, "from day one", which names what decides; and not of an item on another
    # subject below the floors: by a name or two words shared, "Mexico CFE forms are in beta" was told to a buyer
    # who quotes by WhatsApp in Guadalajara; heldout-aa, unrelated 0.067 -> 0.111)
    not_there = () if any_subject else _says_not_there(item_text, said_here)
    if not_there:
        return not_there, True
    return (), False
