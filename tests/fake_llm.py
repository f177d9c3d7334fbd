"""A local server that speaks the OpenAI chat-completions protocol, with scripted failure modes.

The `model` field picks the behaviour: "cite" answers citing [1] and a bogus [9]; "fail" answers
500; "slow" sleeps past the client's timeout; "malformed" sends a body without choices. As a
judge: "judge-yes" copies passage 1's first sentence, "judge-no" finds no answer,
"judge-nonsense" chats, "judge-invented" quotes a sentence no passage has; "mixed" answers with passage 1's first
sentence and then a made-up one, both citing [1]; "say:TEXT" answers TEXT. Asked to rewrite a
follow-up, "rewrite" puts the name of the first question's subject for "he", and
"rewrite-chatty" answers in prose.
"""

import asyncio
import json
import re

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

ANSWER = ["The activist ", "is held in ", "Tiflet prison [1]", " and elsewhere [9]."]


def create_fake_llm() -> FastAPI:
    app = FastAPI()
    app.state.requests = []

    @app.post("/v1/chat/completions")
    async def chat(request: Request):  # type: ignore[no-untyped-def]
        body = await request.json()
        app.state.requests.append({"body": body, "auth": request.headers.get("authorization")})
        model = body["model"]
        if model == "fail":
            return JSONResponse({"error": {"message": "boom"}}, status_code=500)
        if model == "slow":
            await asyncio.sleep(3)
        if model == "malformed":
            return JSONResponse({"unexpected": True})
        if body.get("stream"):
            pieces = _mixed(body["messages"]) if model == "mixed" else ANSWER
            return StreamingResponse(_events(model, pieces), media_type="text/event-stream")
        if model == "mixed":
            content = "".join(_mixed(body["messages"]))
        elif model.startswith("rewrite"):
            content = _rewritten(model, body["messages"])
        elif model.startswith("judge"):
            content = _judged(model, body["messages"])
        elif model.startswith("say:"):
            content = model.removeprefix("say:")
        else:
            content = "".join(ANSWER)
        message = {"role": "assistant", "content": content}
        return {
            "id": "x",
            "object": "chat.completion",
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        }

    return app


async def _events(model: str, pieces: list[str]):  # type: ignore[no-untyped-def]
    first = {"choices": [{"index": 0, "delta": {"role": "assistant"}}]}
    yield f"data: {json.dumps(first)}\n\n"
    for piece in pieces:
        if model == "broken-stream":
            yield "data: {not json\n\n"
            return
        yield f"data: {json.dumps({'choices': [{'index': 0, 'delta': {'content': piece}}]})}\n\n"
    yield "data: [DONE]\n\n"


def _judged(model: str, messages: list[dict[str, str]]) -> str:
    """A judge's reply about the passages in the last message."""
    if model == "judge-no":
        return "NOT ANSWERED"
    if model == "judge-nonsense":
        return "Sure! Happy to help with your news question."
    if model == "judge-invented":
        return "ANSWERED 1: The moon is made of cheese."
    body = re.search(r"<passage id=\"1\"[^>]*>\n(.*?)\n</passage>", messages[-1]["content"], re.S)
    first = re.split(r"(?<=[.!?])\s", body.group(1).strip())[0] if body else ""
    return f"ANSWERED 1: {first}"


def _mixed(messages: list[dict[str, str]]) -> list[str]:
    """The first sentence of passage 1's longest paragraph, cited (supported), then a made-up
    figure citing it too."""
    body = re.search(r"<passage id=\"1\"[^>]*>\n(.*?)\n</passage>", messages[-1]["content"], re.S)
    longest = max(body.group(1).split("\n\n"), key=len).strip() if body else ""
    first = re.split(r"(?<=[.!?])\s", longest)[0]
    return [f"{first} [1] ", "It cost 97 million pounds ", "and was paid by Atlantis [1]."]


def _rewritten(model: str, messages: list[dict[str, str]]) -> str:
    """A rewrite of the follow-up in the last message: 'he' becomes the first Q's last two names."""
    if model == "rewrite-chatty":
        return "Great question! Here is what I think\nabout it."
    text = messages[-1]["content"]
    names = re.findall(r"[A-Z][a-z]+ [A-Z][a-z]+", text.split("Follow-up:")[0])
    followup = re.sub(r"<[^>]+>", "", text.split("Follow-up:")[1]).strip()
    return "QUESTION: " + re.sub(r"\bhe\b", names[-1] if names else "he", followup)
