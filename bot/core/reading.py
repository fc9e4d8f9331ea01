"""Read what the seller pasted the way a sales manager would: the buyer's concerns (several per message), what
the buyer accepts or likes, and what the seller added as fact. Pure functions, no models: the coach gives each
concern its topic afterwards (bot/services/coach.py).

- A seller's note is text in [square brackets], text in (parentheses) that speaks of the buyer in the third
  person, starts with "note" or states what we do ("(we do annual deals all the time)"), or what follows a
  dash and "note:" / "nota:". They are never read as the buyer's words. A note that states what we do is a fact
  the coaching may state; any other note (about the buyer, the deal) is context for the seller only.
- An accepted point is a clause that approves of something of ours ("the price is fine", "nos gustó la demo"),
  usually followed by "but" / "pero". It is acknowledged, never argued again.
- Every other clause with a question or a worry in it is a concern; greetings, thanks and sign-offs are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CONCERNS = 3  # a message's concerns answered at most (its strongest): more would read as a list

_BRACKETED = re.compile(r"\[([^\[\]]{3,400})\]")
_PARENS = re.compile(r"\(([^()]{3,400})\)")
_DASH_NOTE = re.compile(r"(?:^|\s)(?:[—–]|--?)\s*((?:my |mi )?(?:seller )?(?:notes?|nota(?: mía)?|n\.b\.|fyi|ojo|"
                        r"context|contexto)\s*[:：].+)$", re.I | re.M)
_LINE_NOTE = re.compile(r"^\s*((?:my |mi )?(?:seller |internal )?(?:notes?|nota(?: mía| interna)?|fyi|ojo|context|"
                        r"contexto)\s*[:：].+)$", re.I | re.M)
# What we (the seller's company) do: a note in this voice is a fact the seller may state to the buyer.
# (at its start, or after a first clause: "this isn't true, we haven't raised prices")
_OUR_FACT = (r"(?:^\s*(?:(?:my |mi )?(?:notes?|nota(?: mía)?|n\.b\.|fyi|ojo)\s*[:：]\s*)?|[,;:]\s+)(?:"
             r"(?:we|nosotros)\s+(?:do|did|offer|have|had|can|support|include|already|always|often|usually|sell|"
             r"integrate|host|never|haven'?t|have not|didn'?t|did not)\b|we(?:'ve| have) done\b|"
             r"(?:hacemos|ofrecemos|tenemos|podemos|incluimos|solemos|ya hemos|siempre)\b|"
             r"(?:no|nunca) (?:hemos|subimos|cobramos|cambiamos)\b)")
# Inside parentheses, what makes the words the seller's: a note marker, the buyer in the third person, or a
# statement of what we do.
_NOTE_VOICE = re.compile(
    r"^\s*(?:notes?|nota|n\.b\.|fyi|ojo|context|contexto|me|yo)\b|"
    # what the seller told or showed the buyer: "(les comenté lo de Fráncfort…)", "(I told them about the pilot)"
    r"^\s*(?:(?:already|ya)\s+)?(?:i (?:told|explained|mentioned|sent|showed|offered|said)|"
    r"(?:le|les) (?:dije|coment[ée]|expliqu[ée]|mencion[ée]|cont[ée]|mand[ée]|envi[ée]|pas[ée]|mostr[ée]|"
    r"ofrec[íi]))\b|"
    r"\b(?:they|their|them|he|she|his|her|the (?:buyer|client|customer|prospect)|ellos|ellas|él|ella|"
    r"(?:el|la) (?:cliente|comprador[a]?))\b|" + _OUR_FACT,
    re.I,
)
_STATES_OUR_FACT = re.compile(_OUR_FACT, re.I)
_CLAUSE_BOUNDARY = re.compile(
    r"(?<=[.!?…])[\"”’)]*\s+|\n+|(?<=[;:])\s+|\s+(?=[¿¡])|(?<=\?)|\s+\(?(?:\d|[a-c])\)\s*|^\s*\d[.)]\s+|"
    r",?\s+(?=(?:but|however|although|though|yet|pero|sin embargo|aunque|no obstante)\b)|"
    # a second question in the same sentence: "do you have a customer in Spain, and does it work offline?"
    r",\s+(?=(?:and|y)\s+(?:does|do|did|is|are|can|could|will|would|should|has|have|how|what|when|where|who|"
    r"which|whether|c[oó]mo|qu[eé]|cu[aá]nto|cu[aá]ndo|d[oó]nde|qui[eé]n)\b[^.!?]*\?)|"
    # a second requirement with a subject of its own: "…asks for a SOC 2 report, and IT wants SSO through Entra"
    r",\s+(?=(?:and|y)\s+(?:(?:our|my|the|nuestr[oa]|mi|el|la|los|las)\s+)?[\w-]+\s+"
    r"(?:wants?|needs?|requires?|insists?|asks? for|demands?|quiere[n]?|necesita[n]?|exige[n]?|pide[n]?|"
    r"requiere[n]?)\b(?!\s+(?:it|this|that|you|to (?:buy|sign|go ahead|move forward|start)|esto|eso|lo|"
    r"avanzar|firmar|comprar|empezar)\b))",
    re.I | re.M,
)
# A clause the buyer turns with "but" / "pero" is what they hold against us, whatever its words ("Your references
# are solid. But those are big groups with IT teams.")
_TURNS = re.compile(r"^(?:but|however|yet|pero|sin embargo|no obstante)\b", re.I)
_CONTRAST = re.compile(r"^(?:(?:but|however|although|though|yet|pero|sin embargo|aunque|no obstante|and|also|plus|"
                       r"y|también|además|first|second|third|finally|primero|segundo|tercero|por último)\b[,:\s]*)+",
                       re.I)
# A clause that only says what follows from the one before ("If not, it's useless."): part of that concern.
_CONSEQUENCE = re.compile(r"^(?:if not|otherwise|or else|else|si no|de lo contrario|sino)\b", re.I)
# what a short clause says of the one before it: "Mis técnicos así no van a aprender", "They won't learn that way"
_REFERS_BACK = re.compile(r"\b(?:as[íi]|de esa (?:forma|manera)|de ese modo|that way|this way)\b", re.I)
_LETTERS = re.compile(r"[^\W\d_]{2,}")
# A short question that points back at what was just said ("Is that something you have?", "¿Eso lo tienen?").
_POINTS_BACK = re.compile(
    r"^(?:(?:and|so|y|entonces)\s+)?(?:(?:is|are|does|do|can|could|will|would|was)\s+(?:that|this|those)\b|"
    r"(?:that|this)\s+(?:is|would be|will be)\b|¿?\s*(?:eso|esto)\b|¿?\s*lo (?:tienen|ofrecen|incluyen|hacen|"
    r"cubren|soportan)\b|¿?\s*(?:es|está|son) (?:eso|esto)\b)", re.I)
# A clause that only announces what follows ("I have some concerns.", "Tengo un par de dudas"): the concerns are
# the clauses after it.
# (What holds them back, said of the list that follows: "…that keep us from moving forward", "que nos impiden
# avanzar", "before we can issue a PO".)
_HOLDING = (r"(?:\s+(?:that|which|que|before|antes de|holding|blocking|keeping|stopping|to (?:clear|close|resolve|"
            r"sort out))\b[^.?!:]{0,60})?")
_ANNOUNCES = re.compile(
    r"^(?:(?:i|we) (?:still )?(?:have|had|'ve got|'ve) |there are |(?:tengo|tenemos|hay) )?(?:just |only |solo )?"
    r"(?:some|a few|a couple of|two|three|several|few|algunas?|unas?|un par de|dos|tres|varias?)\s+(?:more |m[áa]s )?"
    r"(?:concerns?|questions?|points?|things?|issues?|doubts?|dudas?|preguntas?|inquietudes?|cosas?|puntos?|"
    r"temas?)(?: (?:before|first|for you|antes|para ti|para usted))?" + _HOLDING + r"[.!:]*$|"
    # a list's title with no count: "Open items before we can issue a PO:", "Where we got stuck:", "Puntos
    # pendientes:", "The sticking points are commercial."
    r"^(?:the |our |los |las |nuestros |nuestras )?(?:open|pending|outstanding|remaining|main|key)?\s*"
    r"(?:items|sticking points|blockers|points|puntos|temas|pendientes)(?: pendientes| abiertos)?"
    r"(?: (?:are|son) (?:commercial|technical|legal|contractual|these|the following|comerciales|t[ée]cnicos|"
    r"legales|contractuales|estos|los siguientes))?" + _HOLDING + r"[.!:]*$|"
    r"^(?:where|here'?s where) we (?:got|get|are) stuck[.!:]*$", re.I)
# A clause ending in a colon that counts what follows ("Before I can route this for approval I need three things in
# writing:", "Necesitamos aclarar dos puntos:"): an announcement whatever leads up to it.
_COUNTED = re.compile(r"\b(?:a few|a couple of|two|three|four|several|some|un par de|dos|tres|cuatro|varias?|"
                      r"algunas?)\s+(?:more |m[áa]s )?(?:things?|questions?|points?|items?|issues?|concerns?|cosas|"
                      r"preguntas|puntos|temas|dudas|inquietudes)\b[^:]{0,40}[:：]$", re.I)
# In the list that follows such a title, items run in one sentence: "the total cost for year one, whether there
# are per-user fees, and what happens to our data if we leave"
_LIST_ITEM = re.compile(r",\s+(?:and\s+|y\s+|or\s+|o\s+)?(?=(?:whether|what|how|who|when|where|which|if|si|qu[ée]|"
                        r"c[óo]mo|cu[áa]ndo|cu[áa]nto|qui[ée]n|d[óo]nde|cu[áa]l)\b)", re.I)
# Approval of something of ours: the price, the product, the demo, the team, the plan...
_APPROVES = re.compile(
    r"\b(?:is|are|looks?|seems?|sounds?|was|were|went|worked)\s+(?:(?!any\b|ever\b|not\b|never\b|too\b)\w+\s+)?"
    r"(?:fine|ok|okay|good|great|reasonable|"
    r"fair|solid|competitive|impressive|clear|excellent|perfect|right|well|slick|nice|neat|polished|sharp|intuitive|"
    r"promising)\b|"
    r"\b(?:works? for (?:us|me)|no complaints|no argument|i(?:'ll| will) (?:give|grant) you that|we(?:'re| are) sold|"
    r"sold on|within (?:our )?(?:approved )?(?:range|budget)|enthusiastic|"
    r"in line with (?:what we (?:expected|budgeted)|our (?:expectations|budget))|"
    r"(?:we|i|they|team|everyone|leads|managers|supervisors)\s+(?:(?!feels?\b|felt\b|looks?\b|seems?\b|sounds?\b)"
    r"\w+\s+)?(?:like[ds]?|love[ds]?|liked|loved|"
    r"appreciate[ds]?|enjoy(?:ed|s)?)|impressed|makes sense|(?:is|are|looks?|seems?|works?|much|way|far) better than|"
    r"(?:i'?m|we'?re|i am|we are) (?:a )?(?:big |huge )?fans?(?: of)?)\b|"
    r"^(?:\w+\s+)?(?:love|loved|like|liked)\s+(?:the|how|your|it)\b|"
    # praise of the thing itself, said in passing: "Nice product, no offence, but…", "Buen producto, pero…"
    r"\b(?:nice|great|good|solid|impressive|lovely|cool|neat|slick|brilliant)\s+(?:product|tool|demo|system|"
    r"platform|software|app|solution|presentation)\b|\b(?:buen|gran|bonito|lindo)\s+(?:producto|sistema|programa|"
    r"software)\b|\b(?:buena|linda|bonita|gran)\s+(?:herramienta|demo|plataforma|presentaci[óo]n|app|aplicaci[óo]n)\b|"
    # "La demo muy chula, no digo que no", "el programa es muy completo"
    r"(?<!nuestro )(?<!nuestra )(?<!\bmi )(?<!\bsu )"
    r"\b(?:demo|producto|herramienta|plataforma|app|aplicaci[óo]n|sistema|programa)\s+(?:(?:est[áa]|es|qued[óo])\s+)?"
    r"(?:muy|bien|s[úu]per|bastante)\s+(?:chul[oa]|bonit[oa]|complet[oa]|potente|interesante|lind[oa])\b|"
    # (either gender and number: "la validación está perfecta")
    r"\b(?:est[áa]n?|es|son|parece|parecen|fue|qued[óo]|anduvo|funcion[óo])\s+(?:\w+\s+)?(?:bien|razonables?|"
    r"correct[oa]s?|clar(?:ísim)?[oa]s?|excelentes?|perfect[oa]s?|genial(?:es)?|"
    r"just[oa]s?(?!\s+(?:lo|la|el|los|las|como|cuando|donde|ahora|eso|esto|a|en|para|por))|competitiv[oa]s?|"
    r"buen(?:ísim)?[oa]s?|"
    r"intuitiv[oa]s?|prometedor(?:a|es|as)?)\b|\bjusto lo que (?:necesit|busc|quer)\w+|"
    # "el precio lo veo bien", "lo vemos razonable"
    r"\b(?:lo|la|los|las) (?:veo|vemos|encuentro|encontramos) (?:muy |bastante )?(?:bien(?=\s*(?:[.,;:!?]|$|pero\b|"
    r"y\b))|razonables?|correct[oa]s?|"
    r"just[oa]s?|competitiv[oa]s?)\b|"
    r"\bexactly what (?:we|our \w+|my \w+|they) (?:need|needs|needed|were looking for|want|wanted)"
    r"(?=\s*(?:[.,;!]|$|\band\b|\bbut\b))|"
    r"\b(?:disfrut\w+|(?:soy|somos) (?:muy )?fans?)\b|"
    r"\b(?:we|i) can live with\b|\b(?:is|are) doable\b|\bchecks? out\b|"
    # what reassures them ("that it keeps running offline reassures us", "nos tranquiliza mucho")
    r"\b(?:reassur(?:ing|es (?:us|me)|ed (?:us|me))|crystal clear|puts? (?:us|me|our minds?) at ease)\b|"
    r"(?:\b(?:is|are|am)|['’](?:re|m))\s+(?:all\s+|fully\s+)?on board\b|"
    # a budget or a purchase already approved ("Budget's approved", "el presupuesto ya está aprobado")
    r"\b(?:budget|funding|purchase|po)(?:['’]s| is| was| has been)? (?:already )?(?:approved|signed off)\b|"
    r"\b(?:presupuesto|compra|partida)(?: ya)? (?:est[áa] |fue |qued[óo] )?(?:aprobad[oa])\b|"
    # "no problem" that closes a clause or is said of something ("…12-month minimum; no problem", "no problem with
    # the price"), never "no problem to solve"
    r"\b(?:no|not a) problem(?=\s*(?:[.;,!]|$|with\b))|\bnot an issue(?=\s*(?:[.;,!]|$))|"
    r"\bno (?:hay|es) (?:ning[úu]n )?problema(?=\s*(?:[.;,!]|$|con\b))|"
    r"\b(?:nos|me|les|le)\s+(?:\w+\s+)?(?:gust[óoa]|gustan|gustaron|encant[óoa]|encantaron|convence|cuadra|cuadran|"
    r"encaja|encajan|tranquiliza|tranquilizan|tranquiliz[óo]|da tranquilidad|"
    r"convenci[óo]|parece bien|parece razonable|sirve)\b|"
    r"\b(?:sin quejas|de acuerdo|(?:es|son|funciona|mucho) mejor que|no hay problema con|no lo discuto|"
    r"eso no se discute|"
    r"dentro de(?:l)? (?:nuestro )?presupuesto|dentro de lo (?:esperado|previsto)|"
    r"en l[ií]nea con lo (?:esperado|previsto|que esper[aá]bamos)|visto bueno)\b",
    re.I,
)
# ...but not the buyer's contentment with what they have now: that is the objection itself.
_CONTENT_WITH_STATUS_QUO = re.compile(
    r"\b(?:current|existing|present|our own|what we have|today'?s|incumbent|actual|actuales?|nuestro (?:sistema|"
    r"proveedor)|lo que tenemos|ya tenemos|we already|ya usamos|seguimos con|with (?:our|the) (?:own )?\w+ we|"
    r"(?:fine|happy|content|ok|okay|good) with our|(?:bien|content[oa]s) con (?:nuestr|el|la|los|las)|nos va bien|"
    r"nos (?:arreglamos|apa[ñn]amos)|as it is|como est[áa])\b",
    re.I,
)
# A question or a worry: what makes a clause a concern rather than a statement of the buyer's situation.
_WORRY = re.compile(
    r"\?|\b(?:no|not|never|can'?t|cannot|won'?t|don'?t|doesn'?t|isn'?t|aren'?t|without|need|needs|must|only|too|hard|"
    r"who|how|what|when|where|which|why|prove|show me|tell me|nunca|tampoco|sin|debe|debemos|solo|sólo|caro|"
    r"miedo|quién|quien|cómo|cuánto|cuánta|cuántos|cuándo|dónde|qué|dime|decidme)\b|"
    # what must be so ("it has to work offline", "nos tienen que coger el teléfono")
    r"\b(?:has to|have to|had better|tiene[ns]? que|tenemos que|tendr[íi]an que)\b|"
    # what someone on their side asks for or wants ("corporate wants 24/7 phone support", "Compras pide saber si…")
    # (not wanting us: "the team wants this", "quieren avanzar")
    r"\b(?:(?:wants|quiere[n]?|pide[n]?|exige[n]?)\b(?!\s+(?:this|it|that|you|your|us|to (?:move|go) (?:ahead|forward)|"
    r"to (?:buy|sign|start)|esto|eso|avanzar|seguir|firmar|comprar|empezar)\b)|"
    r"insists?|asks? (?:for|whether|if)|wants to know|pregunta[n]? si)\b|"
    # a bad experience, or nothing that worked ("we got burned by Provenix", "ninguno aguantó el ritmo")
    r"\b(?:burn(?:ed|t)|nobody|none of|neither|ninguno|ninguna|nadie|nos quemamos)\b|"
    r"\b(?:worr|concern|problem|risk|issue|requir|expensive|afraid|doubt|unclear|confus|difficult|believe|"
    r"preocup|problema|riesgo|necesit|requier|requisit|exig|demasiad|carísim|dud|dif[íi]cil|demuestr|demostr|"
    r"cre[eo]|expli|optimist|ambitious|aggressive|skeptic|esc[ée]ptic|ambicios|convinc)",
    re.I,
)
# A question typed without its question mark ("also are the wall clocks in the price or extra").
_QUESTION_START = re.compile(r"^(?:(?:and|also|so|y|también)\s+)?(?:are|is|do|does|did|can|could|will|would|"
                             r"how|what|who|when|where|which|why|whats|hows|wheres|whos|"  # (typed without "'")
                             r"cu[áa]nto|c[óo]mo|qu[ée]|qui[ée]n|d[óo]nde|"
                             r"cu[áa]ndo|hay|tienen|pueden|incluye|"
                             # a question the seller's call notes report: "asked if we have anyone in hotels"
                             r"asked|asks|wants to know|wanted to know|wondered|wonders|preguntó|pregunta si|"
                             r"quiere saber|quería saber|quieren saber)\b", re.I)
# Who said it, before what they said: "Buyer:", "Call notes w/ Dana (VP Ops, 30 locations):", "Cliente:", "CFO:"
_LABEL = re.compile(r"^(?:(?:the |el |la )?(?:buyer|client|customer|prospect|cliente|comprador[a]?|prospecto|"
                    r"procurement|compras|legal|jur[íi]dico|finance|finanzas|it|ti|cfo|ceo|cto|coo|cio|dpo|vp\b[^:]*|"
                    r"call notes?|meeting notes?|notes?|notas?(?: de (?:la )?(?:llamada|reuni[óo]n))?|email|e-mail|"
                    r"correo|from|de parte de)\b[^:]{0,60}|"
                    # a name ("Dana:", "Dana Ortiz:"), not a heading in capitals ("SSO:", "ERP:")
                    r"(?-i:[A-ZÁÉÍÓÚÑ][a-záéíóúñ'’-])[\w'’-]*(?: [A-ZÁÉÍÓÚÑ][\w'’-]+)?"
                    r"(?: \([^)]{0,40}\))?|"
                    # who wrote or said what follows: "Me escribió el director de planta:", "Their CFO replied:"
                    r"(?:\w+\s+){0,4}(?:wrote|writes|said|says|replied|asked|emailed|forwarded|added|escribi[óo]|"
                    r"dijo|dice|respondi[óo]|contest[óo]|coment[óo]|pregunt[óo]|reenvi[óo]|agreg[óo]|a[ñn]adi[óo])"
                    r"\b[^:]{0,60})[:：]$", re.I)
_FILLER = re.compile(
    r"^(?:hi|hello|hey|dear|hola|buenas|buenos d[íi]as|buenas tardes|estimad[oa]s?|thanks|thank you|many thanks|"
    r"cheers|best|regards|kind regards|best regards|sincerely|gracias|muchas gracias|saludos|un saludo|atentamente|"
    r"cordialmente|abrazo|thanks again|talk soon|mira|look|honestly|so|ok|okay|vale|bueno|quedo atent[oa]|"
    r"quedamos atent[oa]s|quedo (?:a la espera|pendiente)|looking forward|look forward)\b[\s\w,.!—–-]{0,40}$",
    re.I,
)
# A clause that only softens or hedges what follows ("Sin ofender, pero…", "Mmm no sé.", "To be honest,"): no
# concern of its own.
_SOFTENER = re.compile(
    r"^¿?(?:(?:mm+|hmm+|uh+|um+|eh|pues|well|sin ofender|no offen[cs]e|with (?:all due )?respect|con (?:todo )?respeto|"
    r"la verdad|to be (?:honest|fair|frank)|honestly|frankly|sinceramente|"
    r"i'?ll be (?:honest|upfront|frank)(?: with you)?|"
    r"te (?:soy|voy a ser) (?:honest[oa]|sincer[oa]|franc[oa])|ser[ée] (?:honest[oa]|sincer[oa]|franc[oa])|"
    # (asked of themselves too: "But honestly? 12 months is a big ask")
    r"no s[ée]|i don'?t know|not sure|ni idea)[\s,.!?…—–-]*)+$", re.I)
_SIGN_OFF = re.compile(r"^\s*(?:best|regards|kind regards|best regards|sincerely|cheers|thanks|thank you|saludos|"
                       r"un saludo|atentamente|cordialmente|gracias)\b[\s,.!]*$", re.I)
# ... or at the end of the last line, with the name: "…if we leave after the first year. Thanks, Gwen"
_SIGNED_AT_END = re.compile(r"(?<=[.!?])\s+(?:best|regards|kind regards|best regards|cheers|thanks|thank you|saludos|"
                            r"un saludo|gracias)\b[\s,.!]*(?:[A-ZÁÉÍÓÚÑ][\w'’-]*(?: [A-ZÁÉÍÓÚÑ][\w'’-]*)?)?"
                            r"[\s.!]*$", re.I)


_MENTION = re.compile(r"^(?:@[\w.-]+[,:]?\s+)+")  # whom a pasted Slack message was addressed to
_LIST_MARK = re.compile(r"^(?:\(?[a-h]\)|\(?[1-9][.)])\s+", re.I)  # an item's letter or number at a line's start


@dataclass(frozen=True)
class Concern:
    words: str  # the buyer's clause that raises it
    about: str  # the clause with the statements just before it ("we run ADP. Is payroll included?"): what it is about


@dataclass(frozen=True)
class Reading:
    concerns: tuple[Concern, ...]  # the most important first (at most three), in the buyer's order
    accepted: tuple[str, ...]  # what the buyer accepts or likes, in their words
    seller_notes: tuple[str, ...]  # what the seller added as fact
    buyer_text: str  # the message without the seller's notes


# Where a note line hands over to the buyer's own words: "Nota: es el director de RRHH. Dice: 'Cualquier sistema…'",
# "Note: they run three hospitals. She said: …"
_REPORTED = re.compile(
    r"(?:^|(?<=[.;,]))\s*(?:(?:and |y )?(?:he|she|they|the (?:buyer|client|customer|prospect)|(?:el|la) "
    r"(?:cliente|comprador[a]?))\s+(?:said|says|wrote|writes|told (?:me|us)|replied|dice|dijo|escribi[óo])|"
    r"(?:me |nos )?(?:dice|dicen|dijo|dijeron|comenta|coment[óo]|escribe|escribi[óo]|respondi[óo]|contest[óo]))"
    r"\s*[:：]\s*(.+)$", re.I)
_QUOTE_MARKS = re.compile(r"^['\"‘’“”«»]+|['\"‘’“”«»]+(?=[.!?…]*$)")


def _seller_notes(text: str) -> tuple[str, list[str]]:
    """The text without the seller's notes, and the notes."""
    notes: list[str] = []

    def take(match: re.Match[str]) -> str:
        note = " ".join(match.group(1).split())
        reported = _REPORTED.search(note)
        if reported:  # the note ends where the buyer's quoted words begin: they are the buyer's
            notes.append(note[:reported.start()].strip())
            return " " + _QUOTE_MARKS.sub("", reported.group(1).strip()) + " "
        notes.append(note)
        return " "

    text = _DASH_NOTE.sub(take, text)
    text = _LINE_NOTE.sub(take, text)
    text = _BRACKETED.sub(take, text)
    text = _PARENS.sub(lambda m: take(m) if _NOTE_VOICE.search(m.group(1)) else m.group(0), text)
    return text, notes


def _without_sign_off(text: str) -> str:
    """An email's body: what comes after the first sign-off line (a name, a title, a phone) is dropped."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if index > 0 and _SIGN_OFF.match(line):
            return "\n".join(lines[:index])
    return _SIGNED_AT_END.sub("", text)


# An item of an enumeration: "1) …" / "a) …" at a line's start, or "(a) …" inside a sentence
_ITEM_MARK = re.compile(r"(?m)^[ \t]*(?:\(?\d{1,2}[.)]|\(?[a-h]\))[ \t]+|(?<=\s)\((?:\d{1,2}|[a-h])\)[ \t]+")
_ITEM_END = re.compile(r"\n|(?<=[.!?])\s+")  # (inside a sentence: its sentence)
_LINE_END = re.compile(r"\n")
_TRAILING_AND = re.compile(r"[\s,;]*(?:\b(?:and|or|y|o|e|u)\s*)?[\s,;]*$", re.I)


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The message cut into sentences and clauses, and whether each is an item the buyer numbered or lettered
    ("1) Finance runs on SAP. Whatever we buy has to post there." / "requires (a) …, (b) …, and (c) …"): with
    two items or more, each item is one piece, up to the end of its line (its sentence, inside a sentence)."""
    marks = list(_ITEM_MARK.finditer(text))
    if len(marks) < 2:
        return [(piece, False) for piece in _CLAUSE_BOUNDARY.split(text)]
    found: list[tuple[str, bool]] = []
    start = 0
    for n, mark in enumerate(marks):
        found += [(piece, False) for piece in _CLAUSE_BOUNDARY.split(text[start:mark.start()])]
        limit = marks[n + 1].start() if n + 1 < len(marks) else len(text)
        at_line_start = text[:mark.start()].rstrip(" \t")[-1:] in ("", "\n")
        end = (_LINE_END if at_line_start else _ITEM_END).search(text, mark.end(), limit)
        stop = end.start() if end else limit
        found.append((_TRAILING_AND.sub("", " ".join(text[mark.end():stop].split())), True))
        start = stop
    found += [(piece, False) for piece in _CLAUSE_BOUNDARY.split(text[start:])]
    return found


def clauses(text: str) -> list[tuple[str, bool, bool]]:
    """The message's sentences, cut again at "but" / "pero", each without its leading conjunction; whether each
    is an item of a list a title announced ("I need three things: the total cost, whether…, and what…"), which
    makes it a concern whatever its words; and whether the buyer turned it with "but" / "pero"."""
    parts: list[tuple[str, bool, bool]] = []
    intro = ""  # "What worries me:", "Two things:" introduce the clause after them
    listed = False  # after "I need three things:", one sentence may hold them all
    turning = False  # the intro was turned with "but": so is the clause it opens
    for piece, enumerated in _pieces(text):
        listed = listed or enumerated
        # "@dana whats the api situation?", "c) Compras pide saber si…"
        piece = _LIST_MARK.sub("", _MENTION.sub("", (piece or "").strip(" \t-—–•*>\"'“”«»")))
        turned = _TURNS.match(piece) is not None
        piece = _CONTRAST.sub("", piece)
        # greetings, thanks, sign-offs and softeners say nothing of their own, nor of the clause before them
        if not _LETTERS.search(piece) or _FILLER.match(piece) or _SOFTENER.match(piece):
            continue
        if _ANNOUNCES.match(piece) or _COUNTED.search(piece):  # "Three things:" says only that concerns follow
            listed = _COUNTED.search(piece) is not None
            continue
        items = [i.strip() for i in _LIST_ITEM.split(piece) if _LETTERS.search(i)] if listed else [piece]
        if len(items) > 1:
            parts += [(item, True, False) for item in items[:-1]]
            piece = items[-1]
        if _LABEL.match(piece):  # who said it is no part of what they said
            continue
        if piece.endswith((":", "：")) and len(_LETTERS.findall(piece)) <= 6:  # "What worries me:" is part of it
            intro = f"{intro} {piece}".strip()
            continue
        piece, intro = (f"{intro} {piece}" if intro else piece), ""
        turned, turning = turned or turning, False
        # "¿ya?", "if not, …", and a short statement answering the one before ("…assumes we waste 8%. We're not.")
        words = len(_LETTERS.findall(piece))
        if turned and words < 4 and "?" not in piece:
            # "…loved the route map. But it's March. We're heading into swarm season…": a short turn opens what
            # follows it, never the approval before it
            intro, turning = piece, True
            continue
        if parts and not enumerated and (words < 3 or words < 4 and "?" not in piece or _CONSEQUENCE.match(piece)
                                         or words <= 8 and "?" not in piece and _REFERS_BACK.search(piece)):
            parts[-1] = (f"{parts[-1][0]} {piece}", parts[-1][1], parts[-1][2])
        else:
            parts.append((piece, listed, turned))
        listed = False
    if intro and (turning or not parts):  # a last short turn stands alone: "Price is fine. But too pricey."
        parts.append((intro, False, turning))
    elif intro:  # an intro with nothing after it belongs to what came before
        parts[-1] = (f"{parts[-1][0]} {intro}", parts[-1][1], parts[-1][2])
    return parts


# A buyer who asks to hear no more from us: coaching the seller to probe or answer would be pressure
_OPTS_OUT = re.compile(
    r"\b(?:(?:take|remove|drop|delete) (?:me|us|my (?:name|email|address)) (?:off|from) (?:your|the|this|all|any)\b|"
    r"unsubscribe|opt(?:ing)? (?:me |us )?out\b|(?:stop|quit) (?:emailing|calling|contacting|messaging|texting|"
    r"writing to|sending me) |(?:don'?t|do not|never) (?:contact|call|email|e-mail|message|write to) (?:me|us) "
    r"(?:again|anymore|any more)|"
    r"(?:s[áa]quen(?:me|nos)?|s[áa]came|b[óo]rren|b[óo]rrame|qu[íi]tenme|qu[íi]tame|den de baja|dame de baja|"
    r"denme de baja|darme de baja) (?:de )?(?:su|tu|la|sus|tus|esta)?\s*(?:lista|listas|base|env[íi]os|correos)|"
    r"no (?:me|nos) (?:vuelva[ns]? a |vuelvas a )?(?:escrib\w+|llam\w+|contact\w+) (?:m[áa]s|nunca)|"
    r"dejen de (?:escribir|llamar|contactar|enviar)|no quiero (?:recibir|que me (?:escriban|llamen|contacten)))",
    re.I)


def opts_out(text: str) -> bool:
    """Whether the buyer asks not to be contacted again ("pls take me off your list", "dejen de escribirme")."""
    return bool(_OPTS_OUT.search(text))


# A buyer asking for a customer to hear from: a reference, a case, someone of their kind, size or country
_ASKS_FOR_CUSTOMER = re.compile(
    r"\b(?:(?:a|an|any|the|your|some|two|three|customer|client) references?\b|"
    r"references? (?:customers?|clients?|calls?|checks?|from|for|who|that|in)\b|case stud(?:y|ies)|"
    r"customer stor(?:y|ies)|"
    r"(?:talk|speak) (?:to|with) (?:a|an|one of your|another|other|some|any) (?:\w+ )?(?:customers?|clients?|users?)|"
    r"(?:a|any|other|real) (?:\w+ )?(?:customers?|clients?) (?:of yours )?(?:in|like us|our size|of our size|"
    r"(?:we|i) (?:could|can) (?:call|talk)|that (?:uses?|has|went)|who (?:uses?|has|went))|"
    r"(?:someone|anyone) (?:who|that) (?:already )?(?:uses?|is using|runs?)|"
    r"referencias?|casos? (?:de [ée]xito|reales?)|"
    r"(?:alg[úu]n|un|otros?|alg[úu]nos) (?:\w+ )?clientes? (?:de (?:ustedes|uds\.?|vosotros) )?"
    r"(?:en|como|de (?:su|nuestro|nuestra) |del (?:sector|rubro)|"
    r"con (?:el|la|los|quien(?:es)?) que|que (?:ya )?(?:lo )?(?:use|usen|tenga|tengan)|aqu[íi])|"
    r"hablar con (?:alg[úu]n|un|otro|otros) (?:\w+ )?clientes?|alguien que (?:ya )?lo (?:use|est[ée] usando|tenga)|"
    r"clientes (?:grandes )?(?:aqu[íi]|en [A-ZÁÉÍÓÚ]))", re.I)


def asks_for_customer(text: str) -> bool:
    """Whether the buyer asks to hear from a customer ("any customers in Colombia I could talk to?", "referencias
    de alguna distribuidora de nuestro tamaño"): the proof they ask for is a customer's story."""
    return bool(_ASKS_FOR_CUSTOMER.search(text))


# Asking who we are or what the product is: "I've never heard of you. What is it, some kind of app?", "no sé
# quiénes son ni qué hacen", "¿de qué se trata?". Our name after "heard of", "what is" or "qué es" asks the same.
_ENDS = r"\s*(?:,? (?:exactly|to be honest|honestly|actually|again|la verdad|exactamente))?\s*[?!.,]*\s*$"
_ASKS_WHAT_WE_ARE = re.compile(
    r"\b(?:never heard of (?:you|it|this|them)\b|"
    rf"(?:don'?t|do not) know (?:who you are|what you (?:do|are|sell)|what (?:this|it) is|anything about you){_ENDS}|"
    rf"^\W*(?:(?:and|so|but|sorry|ok|okay)\W+)?(?:who (?:are you|are you guys|is this)|"
    # (who the caller works for: "sorry, who are you with again?", "what company is this?")
    rf"who(?:'re| are) you (?:with|from|calling from)(?: again)?|(?:what|which) company (?:are you|is this|was it)"
    rf"(?: with| from)?(?: again)?|"
    rf"what (?:do|does) (?:you|it) (?:do|sell)(?: exactly)?){_ENDS}|"
    r"what(?:'s| is) (?:it|this)(?:,|\?|$| exactly| you do)|"
    r"(?:is it|is this|it'?s) (?:just )?(?:some|a) (?:kind|sort) of\b|"
    rf"no s[eé] (?:qui[eé]nes son|qu[eé] (?:hacen|hac[eé]is|venden)|qu[eé] es (?:esto|eso)|"
    rf"nada de (?:ustedes|vosotros)){_ENDS}|no s[eé] (?:qui[eé]nes son|qu[eé] es (?:esto|eso)) ni\b|"
    rf"qu[eé] es (?:esto|eso)(?: exactamente)?{_ENDS}|de qu[eé] (?:se trata|va esto){_ENDS}|"
    rf"qui[eé]nes son (?:ustedes|uds|vosotros){_ENDS}|no (?:los|les|os) conozco{_ENDS}|"
    rf"de qu[eé] empresa (?:eres|es usted|son|sois|era|eras|me (?:dijo|dijiste|llama|llamas))(?: \w+){{0,3}}{_ENDS})",
    re.I)
# ...in so many words: who the caller is or works for (not "is it a kind of subscription?")
_ASKS_WHO_WE_ARE = re.compile(
    r"\b(?:who(?:'re| are) you(?: guys)?(?: with| from| calling from)?|who is this|(?:what|which) company|"
    r"never heard of (?:you|it|this|them)|qui[eé]nes son|de qu[eé] empresa|no (?:los|les|os) conozco)\b", re.I)


# Taking the product for less than it is: "Isn't this just a calendar with extra steps?", "¿No es solo un Excel
# bonito?", "So it's basically a booking app". A fact on the thing named would confirm the belief; what we do
# answers it. (Not "it's just a question", "es solo una pregunta", nor "this is only a pilot".)
_BELITTLES = re.compile(
    r"\b(?:(?:isn'?t|is) (?:this|it|that)|(?:this|it)(?:'s| is)) (?:just|only|basically|simply|really just|nothing "
    r"more than) (?:a|an) (?!(?:matter|question|thought|pilot|trial|test|demo|quote|guess|detail|formality|bit|lot|"
    r"little|few|couple|one-time|one-off|single|flat|monthly|yearly|annual|fee|charge|cost|price|problem|issue)\b)\w+|"
    # ("¿No es solo un Excel bonito?" asks; "No es solo un problema de precio" says it is not only that)
    r"(?:¿\s*no es (?:solo|sólo|simplemente|básicamente) (?:un|una)|"
    r"\b(?:(?:esto|eso) es|o sea que es) (?:solo|sólo|simplemente|básicamente|nada más que) (?:un|una)) "
    r"(?!(?:pregunta|prueba|piloto|demo|cotizaci[oó]n|detalle|formalidad|idea|problema|tema|cuesti[oó]n|pago|"
    r"cargo|precio|coste|costo)\b)\w+", re.I)


def belittles(text: str) -> bool:
    """Whether the buyer takes the product for less than it is ("isn't this just a calendar?"): what we do answers
    it, not a fact on the thing they named."""
    return bool(_BELITTLES.search(text))


# A part of the product the buyer praises ("la parte de presupuestos", "the scheduling module", "the quote screen"):
# what they accept is that part, whatever its words would be read as ("presupuestos" are quotes there, not the
# budget), unless the part is the price itself ("the pricing part").
_A_PART_OF_OURS = re.compile(
    r"\b(?:(?:la|esa|esta) (?:parte|secci[oó]n|pantalla|funci[oó]n) de(?:l| la| los| las)?|el m[oó]dulo de(?:l)?|"
    r"lo de (?:los|las))\s+(?!(?:la|las|los|el)\b)(?!precio|coste|costo|tarifa|cuota)\w+|"
    r"\bthe (?!pric|cost)\w+ (?:module|part|screen|feature|tool|piece|side|layout)\b", re.I)


def names_a_part_of_ours(clause: str) -> bool:
    """Whether a clause names a part of the product other than its price ("la parte de presupuestos es justo lo que
    buscábamos"): praise of that part, not of the price or any topic its words would be read as."""
    return bool(_A_PART_OF_OURS.search(clause))


def asks_what_we_are(text: str, company: str = "") -> bool:
    """Whether the buyer asks who we are or what the product is, said in general or of our `company` by name
    ("never heard of Fermata", "¿qué es Fermata?"): what we do answers it."""
    if _ASKS_WHAT_WE_ARE.search(text.strip()):
        return True
    name = company.split()[0] if company.split() else ""
    if len(name) < 4 or name.lower() in {"our", "the", "nuestra", "nuestro", "la", "el"}:
        return False  # ("Our company", the shipped profile, is no name a buyer says)
    return bool(re.search(rf"\b(?:heard of|o[ií]do (?:de|hablar de)|no s[eé] qu[eé] es)\s+{re.escape(name)}\b", text,
                          re.I) or re.search(rf"\b(?:what(?:'s| is)|who(?:'s| is)|qu[eé] es|qui[eé]n(?:es)? (?:es|son))"
                                             rf"\s+{re.escape(name)}(?:\s+\w+)?{_ENDS}", text, re.I))


# a question, said with its mark or opening as one ("is pricing per location", "¿cuánto cuesta al mes?")
_QUESTION = re.compile(r"\?|^\W*(?:and |y |so |or |o )?(?:how|what|which|is|are|does|do|can|could|will|would|"
                       r"cu[aá]nt[oa]s?|qu[eé]|c[oó]mo|cu[aá]l|hay|es|son|tiene[ns]?|ten[eé]is|se puede|puedo|"
                       r"podemos)\b", re.I)
# ...holding something against what it asks about: "is it that expensive?", "¿por qué es tan caro?"
_HOLDS_AGAINST = re.compile(r"\b(?:(?:too|so|that) (?:much|high|expensive|steep|pricey)|expensive|pricey|steep|"
                            r"costly|a lot|more than|over (?:our|the) budget|afford|can'?t|why (?:is|are|does|do)|"
                            r"isn'?t (?:that|it)|caro|car[ií]simo|tan (?:alto|elevado)|m[aá]s (?:de lo|que)|"
                            r"por qu[eé]|demasiado|mucho|inasumible|no (?:nos )?(?:da|alcanza|llega))\b", re.I)


def only_asks(words: str) -> bool:
    """Whether a concern only asks (a question holding nothing against what it asks about): "Can we run two
    taprooms on one account, or is pricing per location?", not "Why is it so expensive?"."""
    return bool(_QUESTION.search(words.strip())) and not _HOLDS_AGAINST.search(words)


def asks_who_we_are(text: str) -> bool:
    """Whether the buyer asks, in so many words, who we are or whom the caller works for ("sorry, who are you
    with again?", "¿de qué empresa me dijiste?"): what we do answers it whatever fact its words would match."""
    return bool(_ASKS_WHO_WE_ARE.search(text)) and asks_what_we_are(text)


def states_our_fact(note: str) -> bool:
    """Whether a seller's note states what we do ("we do annual deals all the time"), which the seller may say to
    the buyer, rather than context about the buyer ("he's the plant GM, not IT"), which is for the seller only."""
    return bool(_STATES_OUR_FACT.search(note))


# what the approval is under: a negation just before it, or a doubt whether it holds ("no sé si eso les sirve",
# "not sure it works for us")
# (two words may come between: "Los socios no nos ponemos de acuerdo", "no estamos muy de acuerdo")
_NEGATED = re.compile(r"\b(?:no|not|never|nunca|ni|tampoco)\s+(?:\w+\s+){0,2}$|n['’]t\s+(?:\w+\s+)?$|"
                      r"\b(?:no s[ée] si|not sure(?: if| whether| that)?|i doubt|dudo que|unsure whether)\s+"
                      r"(?:\w+\s+){0,3}$", re.I)


# ...or granted only in theory, which doubts it holds in practice ("Sounds good on paper", "En teoría está bien")
_IN_THEORY = re.compile(r"\b(?:on paper|in theory|theoretically|en (?:el )?papel|sobre el papel|en teor[íi]a|"
                        r"te[óo]ricamente)\b", re.I)


# ...or said of every demo or vendor, which doubts ours ("demos always look slick", "everything looks great in a
# demo", "todas las demos parecen buenas")
_OF_EVERY_DEMO = re.compile(
    r"\b(?:(?:every|all(?: the)?|any) (?:demos?|vendors?|pitch(?:es)?|presentations?)|demos (?:always|all)|"
    r"everything (?:looks|seems|sounds) \w+ (?:in|on) (?:a|the) demo|tod[oa]s (?:las|los) (?:demos|proveedores|"
    r"presentaciones)|(?:en|con) (?:las|una) demos?,? todo|cualquier (?:demo|proveedor))\b|"
    r"\bdemos?\b[^.?!]{0,30}\b(?:always|siempre)\b|\b(?:always|siempre)\b[^.?!]{0,30}\bdemos?\b", re.I)


# ...or a rule of theirs said to be plain, which binds us rather than approves of us ("their IT policy is clear",
# "la norma es clara")
_RULE_IS_PLAIN = re.compile(r"\b(?:polic(?:y|ies)|rules?|requirements?|mandate|regulations?|law|guidelines?|"
                            r"pol[íi]ticas?|normas?|normativa|reglas?|requisitos?|ley|directrices)(?:\s+\w+){0,3}?\s+"
                            r"(?:is|are|was|were|es|son|est[áa]n?)\s+(?:\w+\s+)?(?:clear|strict|firm|"
                            r"clar[oa]s?|estrict[oa]s?|firmes?)\b", re.I)


def accepts(clause: str) -> bool:
    """Whether a clause approves of something of ours (and is neither a question, nor negated, nor granted only in
    theory or to every demo, nor content with what the buyer has today, nor a rule of theirs said to be plain)."""
    if "?" in clause or _CONTENT_WITH_STATUS_QUO.search(clause) or _IN_THEORY.search(clause) \
            or _RULE_IS_PLAIN.search(clause) or _OF_EVERY_DEMO.search(clause):
        return False
    return any(not _NEGATED.search(clause[: m.start()]) for m in _APPROVES.finditer(clause))


def read(text: str) -> Reading:
    buyer, notes = _seller_notes(text)
    buyer = _without_sign_off(buyer)
    accepted: list[str] = []
    candidates: list[tuple[int, int, Concern]] = []  # (weight, position, concern)
    preamble: list[str] = []  # statements with no question or worry: what the next concern is about
    # A statement turned with "but" ("…but all our supplier payments go through BancoEstado") is a concern itself,
    # unless a question follows it at once, which it then explains: its position while that is undecided.
    turned_at: int | None = None

    def turned_concern() -> None:
        nonlocal preamble, turned_at
        if turned_at is not None and preamble:
            candidates.append((1, turned_at, Concern(preamble[-1], " ".join(preamble))))
            preamble = []
        turned_at = None

    accepted_at = -1
    for position, (clause, listed, turned) in enumerate(clauses(buyer)):
        if turned and accepted_at == position - 1 and _OF_EVERY_DEMO.search(clause) and _APPROVES.search(clause):
            accepted.pop()  # "The demo was great. But every demo is great.": taken back at once
        if accepts(clause):
            accepted_at = position
            turned_concern()
            accepted.append(clause)
            preamble = []
            continue
        weight = (2 if "?" in clause or _QUESTION_START.match(clause) or listed else 0) + \
            (1 if _WORRY.search(clause) else 0)
        if weight == 0:
            turned_concern()
            preamble.append(clause)
            turned_at = position if turned else None
            continue
        if weight < 2:  # a worry of its own does not explain the statement before it; a question asks about it
            turned_concern()
        turned_at = None
        if candidates and not preamble and _POINTS_BACK.match(clause) and len(_LETTERS.findall(clause)) <= 10:
            # "Is that something you have?" asks about the concern just before it: one concern, in both clauses
            last_weight, last_position, last = candidates[-1]
            candidates[-1] = (max(weight, last_weight), last_position,
                              Concern(f"{last.words} {clause}", f"{last.about} {clause}"))
            continue
        candidates.append((weight, position, Concern(clause, " ".join([*preamble, clause]))))
        preamble = []
    turned_concern()
    if candidates and preamble:  # statements after the last concern explain it ("...because we already have X")
        weight, position, last = candidates[-1]
        candidates[-1] = (weight, position, Concern(last.words, " ".join([last.about, *preamble])))
    elif not candidates:  # only statements: together they are the concern ("We're happy with our vendor.")
        whole = " ".join(preamble) or " ".join(buyer.split()) or text.strip()
        candidates = [(0, 0, Concern(whole, whole))] if preamble or not accepted else []
    # the weightiest three, kept in the buyer's order (a buyer leads with what matters most to them)
    kept = sorted(sorted(candidates, key=lambda c: (-c[0], c[1]))[:MAX_CONCERNS], key=lambda c: c[1])
    return Reading(tuple(c[2] for c in kept), tuple(accepted), tuple(notes), " ".join(buyer.split()))
