"""Follow-up questions the way a reader asks them: a conversation over HTTP (the client sends
the earlier turns back) and `rag chat` on the command line."""

import json

import httpx

from rag.workbench.followup import MAX_TURNS

FIRST = "Where was Yidiresi Aishan arrested?"
FOLLOW_UP = "In which prison is he being held?"


def test_a_follow_up_over_http_is_searched_standalone(api_url: str) -> None:
    first = httpx.post(f"{api_url}/answer", json={"question": FIRST}, timeout=60).json()
    assert first["searched_as"] == first["question"] == FIRST
    turn = {
        "question": FIRST,
        "searched_as": first["searched_as"],
        "doc_ids": [first["citations"][n - 1]["source"]["doc_id"] for n in first["cited"]],
    }
    body = {"question": FOLLOW_UP, "conversation": [turn]}
    answer = httpx.post(f"{api_url}/answer", json=body, timeout=60).json()
    assert answer["question"] == FOLLOW_UP
    assert "Yidiresi Aishan" in answer["searched_as"] and answer["searched_as"] != FOLLOW_UP
    assert answer["answerable"] and "Tiflet prison" in answer["answer"]
    query = httpx.post(f"{api_url}/query", json=body, timeout=60).json()
    assert query["searched_as"] == answer["searched_as"]
    assert "Tiflet prison" in query["passages"][0]["text"]
    alone = httpx.post(f"{api_url}/query", json={"question": FOLLOW_UP}, timeout=60).json()
    assert alone["searched_as"] == FOLLOW_UP


def test_a_bad_conversation_is_refused_with_its_reason(api_url: str) -> None:
    turns = [{"question": FIRST}] * (MAX_TURNS + 1)
    reply = httpx.post(f"{api_url}/query", json={"question": FOLLOW_UP, "conversation": turns})
    assert reply.status_code == 422 and "conversation" in reply.text
    nameless = httpx.post(
        f"{api_url}/query", json={"question": FOLLOW_UP, "conversation": [{"doc_ids": []}]}
    )
    assert nameless.status_code == 422 and "question" in nameless.text
    blank = httpx.post(
        f"{api_url}/query", json={"question": FOLLOW_UP, "conversation": [{"question": "  "}]}
    )
    assert blank.status_code == 422 and "blank" in blank.text


def test_rag_chat_keeps_the_conversation_until_new(run_cli) -> None:
    lines = f"{FIRST}\n{FOLLOW_UP}\n/new\n{FOLLOW_UP}\n"
    done = run_cli("chat", "--json", stdin=lines)
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["question"] for r in replies] == [FIRST, FOLLOW_UP, FOLLOW_UP]
    assert "Yidiresi Aishan" in replies[1]["searched_as"]
    assert replies[2]["searched_as"] == FOLLOW_UP  # after /new nothing came before
    assert "(new conversation)" in done.stderr
    shown = run_cli("chat", stdin=f"{FIRST}\n{FOLLOW_UP}\n")
    assert "(searched as: In which prison is he being held? (Yidiresi Aishan" in shown.stdout
    assert "Sources:" in shown.stdout
