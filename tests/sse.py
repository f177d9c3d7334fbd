"""Read Server-Sent Events from a real HTTP response."""

import json

import httpx


def read_events(url: str, body: dict, **kwargs: object) -> list[tuple[str, object]]:
    """POST and collect (event, decoded data) pairs until the stream ends."""
    events: list[tuple[str, object]] = []
    event = "message"
    with httpx.stream("POST", url, json=body, timeout=120, **kwargs) as response:  # type: ignore[arg-type]
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                events.append((event, json.loads(line[5:].strip())))
                event = "message"
    return events
