"""The Bot API's JSON both ways (bot/telegram/request.py): orjson for speed, but no text a
stranger can put into an update or an answer stops a call."""

import json

from bot.telegram.request import AiohttpRequest, json_body

LONE = "Antrag \ud800 Ende"


def test_a_lone_surrogate_in_telegrams_answer_is_read() -> None:
    payload = json.dumps({"ok": True, "result": [{"text": LONE}]}).encode()
    assert AiohttpRequest.parse_json_payload(payload)["result"][0]["text"] == LONE


def test_a_lone_surrogate_in_a_request_is_written_escaped() -> None:
    body = json_body({"chat_id": 1, "text": LONE})
    assert json.loads(body) == {"chat_id": 1, "text": LONE}


def test_ordinary_requests_are_written_by_orjson_compactly() -> None:
    assert json_body({"chat_id": 1, "text": "Grüße"}) == '{"chat_id":1,"text":"Grüße"}'.encode()
