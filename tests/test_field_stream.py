"""bot/llm/client.py FieldStream: the guidance fields' text picked out of a JSON answer that arrives in pieces."""

import json

import pytest

from bot.llm.streaming import FieldStream


def _stream(content: str, size: int) -> list[tuple[str, str]]:
    fields = FieldStream()
    return [pair for i in range(0, len(content), size) for pair in fields.feed(content[i : i + size])]


@pytest.mark.parametrize("size", [1, 2, 5, 7, 1000])
@pytest.mark.parametrize("ascii_only", [True, False])
def test_each_field_arrives_whole_and_decoded_whatever_the_pieces(size, ascii_only):
    answer = {"label": "skepticism", "confidence": 0.8, "language": "es",
              "align": 'Vuelve a la "meta" del comprador,\nsin prisa.', "clarify": "Pregunta qué cambió — y por qué.",
              "assure": "Una referencia: \\ barra, ñandú 😀.", "talk_track": "Entiendo.", "question": None}
    pairs = _stream(json.dumps(answer, ensure_ascii=ascii_only), size)
    joined: dict[str, str] = {}
    for field, text in pairs:
        joined[field] = joined.get(field, "") + text
    assert joined == {k: answer[k] for k in ("align", "clarify", "assure", "talk_track")}
    assert [f for f, _ in pairs] == sorted((f for f, _ in pairs), key=list(joined).index)  # in order, not mixed


def test_other_fields_and_a_half_answer_give_only_what_arrived():
    assert _stream('{"label": "missing", "question": "Why now?"}', 3) == []
    pairs = _stream('{"align": "Go back to the goa', 4)
    assert "".join(text for _, text in pairs) == "Go back to the goa"
