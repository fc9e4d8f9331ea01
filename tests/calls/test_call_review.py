"""The call review: each buyer objection in order, its kind and concerns, the seller's answer scored with the
words that earned each check; obstacles and the next step; batched so a long call stays fast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.calls.finding import resisting
from bot.calls.formats import Conversation, Turn, read_call
from bot.calls.review import review_call, review_lines
from bot.calls.sides import assign_sides

DATA = Path(__file__).resolve().parent.parent / "data" / "calls"


def _review(coach, name: str, ours: str):
    conversation = read_call(DATA / name)
    return review_call(coach, conversation, assign_sides(conversation, ours=[ours]))


def test_each_buyer_objection_in_order_with_its_time_kind_and_scored_answer(shared_coach):
    review = _review(shared_coach, "zoom_en.vtt", "Ana")
    assert [m.where for m in review.moments] == ["00:00:40", "00:01:10"]
    price, adoption = review.moments
    assert price.speaker == "Dana Okafor" and "more than we budgeted" in price.quote
    assert "Honestly, chaos" not in price.quote  # the quote is the resisting words, not the whole turn
    assert any(c["topic"] == "price" for c in price.concerns)
    assert adoption.kind == "skepticism"
    answer = price.answer
    assert answer is not None and answer.speakers == ["Ana Ruiz"] and answer.where == "00:00:55"
    assert answer.checks["align"] and answer.checks["no_pitfalls"]
    for check, words in answer.evidence.items():  # the evidence is the seller's own words
        assert words in answer.text, check
    guarantee = adoption.answer
    assert guarantee.checks["no_pitfalls"] is False and "guarantee" in guarantee.evidence["no_pitfalls"]
    assert "guarantee" in guarantee.improve  # the one change: take that sentence out
    assert review.duration == pytest.approx(96.4)  # 00:00:02.100 to 00:01:38.500


def test_agreement_small_talk_and_discovery_answers_are_not_objections(shared_coach):
    review = _review(shared_coach, "zoom_en.vtt", "Ana")
    quotes = " ".join(m.quote for m in review.moments)
    for said in ("loud and clear", "forty technicians", "Sounds good"):
        assert said not in quotes


def test_a_spanish_call_review_catches_an_argument(shared_coach):
    review = _review(shared_coach, "teams_es.vtt", "Lucía")
    assert review.language == "es" and len(review.moments) == 2
    argued = review.moments[1].answer
    assert argued.checks["no_pitfalls"] is False and "no es cierto" in argued.evidence["no_pitfalls"]
    assert review.moments[0].answer.score > argued.score


def test_an_email_thread_review_names_the_email_and_an_unanswered_objection(shared_coach):
    review = _review(shared_coach, "thread_en.eml", "ana@brightpath.io")
    assert [m.where for m in review.moments] == ["email 1", "email 3"]
    assert review.moments[0].answer.where == "email 2"
    assert review.moments[1].answer is None  # the thread ends on the buyer's worry
    assert review.next_step  # the unmet objection's next move, or the summary's


def test_obstacles_come_from_the_buyers_turns_with_where_they_were_said(shared_coach):
    turns = (Turn("Ana", "Thanks for joining. Our platform schedules field crews.", 0.0),
             Turn("Dana", "Everyone has to sign off, the committee meets once a month and they can't agree on "
                          "anything.", 5.0),
             Turn("Ana", "That makes sense. Who else should be in the room when we talk priorities?", 20.0))
    conversation = Conversation("call", "colon", turns, "en")
    review = review_call(shared_coach, conversation, assign_sides(conversation, ours=["Ana"]))
    assert review.obstacles and all(o.where == "00:00:05" for o in review.obstacles)
    assert review.next_step_reason in {o.kind for o in review.obstacles}


def test_the_review_needs_every_side_decided(shared_coach):
    conversation = read_call(DATA / "thread_es_undecided.txt")
    with pytest.raises(ValueError, match="side"):
        review_call(shared_coach, conversation, assign_sides(conversation))


def test_the_review_is_plain_json_and_readable_text(shared_coach):
    review = _review(shared_coach, "otter_es.txt", "Lucía")
    data = json.loads(json.dumps(review.as_json(), ensure_ascii=False))
    assert set(data) >= {"moments", "obstacles", "next_step", "sides", "language"}
    assert data["moments"][0]["answer"]["checks"]["align"] in (True, False)
    text = "\n".join(review_lines(review, shared_coach.kind_names("es"), shared_coach.obstacle_names("es")))
    assert text.startswith("Revisión de la llamada") and "[00:00:24] Sofía Marín" in text


def _long_call(cues: int = 400) -> Conversation:
    """A 60-minute call: the short calls' turns over and over, a cue every nine seconds."""
    pool = [t for name in ("zoom_en.vtt", "otter_en.txt", "gong_en.txt", "meet_en.srt")
            for t in read_call(DATA / name).turns]
    sellers = {"Ana Ruiz", "Ben Carter"}
    return Conversation("call", "webvtt", tuple(
        Turn("Ana Ruiz" if pool[i % len(pool)].speaker in sellers else "Dana Okafor", pool[i % len(pool)].text, 9.0 * i)
        for i in range(cues)), "en")


def test_a_long_call_is_diagnosed_in_one_batch(shared_coach, monkeypatch):
    classifier = shared_coach.classifier
    calls = []
    original = type(classifier).diagnose_many

    def counting(self, texts):
        calls.append(len(texts))
        return original(self, texts)

    monkeypatch.setattr(type(classifier), "diagnose_many", counting)
    conversation = _long_call()
    review = review_call(shared_coach, conversation, assign_sides(conversation, ours=["Ana"]))
    batches = [n for n in calls if n]  # (the summariser asks with none: a call has no quoted deal-room words)
    assert len(batches) == 1 and batches[0] >= 40  # every candidate objection of the hour at once
    assert len(review.moments) >= 40 and review.duration == pytest.approx(9.0 * 399)
    assert [m.start for m in review.moments] == sorted(m.start for m in review.moments)


@pytest.mark.parametrize("text", ["That makes sense, no concerns there.", "Can you share your screen again?",
                                  "Great, the demo was clear and the price is fine.",
                                  "Sí, el martes me va bien a las diez."])
def test_no_resistance_in_agreement_or_logistics(text):
    assert resisting(text) == []


@pytest.mark.parametrize("text", ["I'd need to run this by our CFO before we commit to anything.",
                                  "Me dijeron que su aplicación no funciona sin conexión.",
                                  "What happens to our data if we cancel after the first year?"])
def test_resistance_in_either_language(text):
    assert resisting(text) == [text]


def test_the_buyers_words_settle_which_perception_it_is(shared_coach):
    turns = (Turn("Ana", "Thanks for joining. Let me show you the planner.", 0.0),
             Turn("Dana", "I know you connect to the payroll system, but I didn't see anything about overtime rules.",
                  5.0),
             Turn("Ana", "Good catch. Overtime rules come over with the payroll sync, and you can edit them.", 12.0))
    conversation = Conversation("call", "colon", turns, "en")
    review = review_call(shared_coach, conversation, assign_sides(conversation, ours=["Ana"]))
    assert [m.kind for m in review.moments] == ["incomplete"]
    assert review.moments[0].answer.checks["align"]  # "Good catch" acknowledges it


@pytest.mark.parametrize(("name", "ours", "found"), [
    ("review_hr_en.vtt", ["Priya Das", "Marco Ruiz"],
     ["I read somewhere", "My worry is the union", "I don't see where the price comes from",
      "That's more than we spend", "we tried a scheduling app"]),
    ("review_obra_es.srt", ["Julia Serrano", "Raúl Pastor"],
     ["no van a usar una aplicación", "Tengo entendido", "no sé cuánto nos costaría", "no podemos meter nada nuevo"]),
    ("review_hvac_en.txt", ["Nina Patel"], ["worried about the cost", "My concern is the techs", "I heard your"]),
])
def test_the_objections_of_a_whole_call_and_nothing_else(shared_coach, name, ours, found):
    conversation = read_call(DATA / name)
    review = review_call(shared_coach, conversation, assign_sides(conversation, ours=ours), offline=True)
    assert len(review.moments) == len(found)
    for moment, words in zip(review.moments, found, strict=True):
        assert words in moment.quote, (moment.quote, words)
