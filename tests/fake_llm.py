"""A local server that speaks the OpenAI chat-completions protocol, with scripted failure modes.

The `model` field picks the behaviour: "cite" answers citing [1] and a bogus [9]; "fail" answers
500; "slow" sleeps past the client's timeout; "malformed" sends a body without choices.
"""

import asyncio
import json

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
            return StreamingResponse(_events(model), media_type="text/event-stream")
        message = {"role": "assistant", "content": "".join(ANSWER)}
        return {
            "id": "x",
            "object": "chat.completion",
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        }

    return app


async def _events(model: str):  # type: ignore[no-untyped-def]
    first = {"choices": [{"index": 0, "delta": {"role": "assistant"}}]}
    yield f"data: {json.dumps(first)}\n\n"
    for piece in ANSWER:
        if model == "broken-stream":
            yield "data: {not json\n\n"
            return
        yield f"data: {json.dumps({'choices': [{'index': 0, 'delta': {'content': piece}}]})}\n\n"
    yield "data: [DONE]\n\n"
