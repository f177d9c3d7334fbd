"""Pages the user happens to open cannot write to a default server, nor reach it by another name."""

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from api.app import create_app
from eval.bench_http import free_port
from rag.service import RagService
from tests.browser import chromium
from tests.conftest import snapshot
from tests.formats import BEEKEEPER
from tests.server import serve

EVIL = "https://evil.example"


@pytest.fixture
def default_server(live: RagService) -> Iterator[str]:
    """`make run`'s configuration: no keys, no extra hosts or origins."""
    with serve(create_app(live.settings, live)) as url:
        yield url


def files_of(live: RagService) -> dict[str, str]:
    uploads = live.settings.uploads_folder
    return {
        **snapshot(live.settings.corpus_dir),
        **({f"uploads/{k}": v for k, v in snapshot(uploads).items()} if uploads.exists() else {}),
    }


def test_a_cross_origin_multipart_upload_is_refused(default_server: str, live) -> None:
    before = files_of(live)
    reply = httpx.post(
        f"{default_server}/documents",
        headers={"Origin": EVIL},
        files=[("files", ("evil.txt", b"Planted\n\nA story nobody wrote.\n", "text/plain"))],
    )
    assert reply.status_code == 403, reply.text
    assert "RAG_CORS_ORIGINS" in reply.json()["detail"] and EVIL in reply.json()["detail"]
    assert files_of(live) == before
    referred = httpx.post(
        f"{default_server}/documents",
        headers={"Referer": f"{EVIL}/page.html"},
        json={"doc_id": "evil.txt", "text": "Planted"},
    )
    assert referred.status_code == 403 and files_of(live) == before


def test_dns_rebinding_cannot_delete(default_server: str, live) -> None:
    port = default_server.rsplit(":", 1)[1]
    before = files_of(live)
    reply = httpx.delete(
        f"{default_server}/documents/harbour.txt",
        headers={"Host": f"attacker.example:{port}", "Origin": f"http://attacker.example:{port}"},
    )
    assert reply.status_code == 403, reply.text
    assert "RAG_ALLOWED_HOSTS" in reply.json()["detail"]
    assert files_of(live) == before
    read = httpx.get(f"{default_server}/health", headers={"Host": "attacker.example"})
    assert read.status_code == 403
    listed = httpx.get(f"{default_server}/documents").json()["documents"]
    assert "harbour.txt" in [d["doc_id"] for d in listed]


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_loopback_names_and_the_own_origin_may_write(default_server: str, live, host: str) -> None:
    port = default_server.rsplit(":", 1)[1]
    own = f"http://{host}:{port}"
    reply = httpx.post(
        f"{default_server}/documents",
        headers={"Host": f"{host}:{port}", "Origin": own},
        json={"doc_id": "bees.txt", "text": BEEKEEPER},
    )
    assert reply.status_code in (200, 201), reply.text


def test_configured_hosts_and_origins_are_let_through(live: RagService) -> None:
    settings = live.settings.model_copy(
        update={"allowed_hosts": ["news.internal"], "cors_origins": ["https://desk.example"]}
    )
    with serve(create_app(settings, live)) as url:
        named = httpx.get(f"{url}/health", headers={"Host": "news.internal"})
        assert named.status_code == 200
        allowed = httpx.post(
            f"{url}/documents",
            headers={"Origin": "https://desk.example"},
            json={"doc_id": "bees.txt", "text": BEEKEEPER},
        )
        assert allowed.status_code == 201, allowed.text
        foreign = httpx.delete(f"{url}/documents/bees.txt", headers={"Origin": EVIL})
        assert foreign.status_code == 403


ATTACK = """<!doctype html><html><body>
<form id="f" method="post" enctype="multipart/form-data" action="{api}/documents" target="sink">
<input type="file" name="files" id="file"></form><iframe name="sink"></iframe>
<script>
const planted = new File(["Planted\\n\\nA story nobody wrote.\\n"], "planted.txt",
                         {{type: "text/plain"}});
window.results = [];
async function attack() {{
  const data = new FormData(); data.append("files", planted);
  for (const [method, url, init] of [
      ["POST", "{api}/documents", {{method: "POST", body: data, mode: "no-cors"}}],
      ["DELETE", "{api}/documents/harbour.txt", {{method: "DELETE"}}]]) {{
    try {{ const r = await fetch(url, init); window.results.push(method + " " + r.type); }}
    catch (e) {{ window.results.push(method + " blocked"); }}
  }}
  const list = new DataTransfer(); list.items.add(planted);
  document.getElementById("file").files = list.files;
  document.getElementById("f").submit();
  window.done = true;
}}
attack();
</script></body></html>"""


def test_a_page_from_another_local_port_cannot_upload_or_delete(
    default_server: str, live, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(ATTACK.format(api=default_server))
    port = free_port()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = lambda *a, **k: Quiet(*a, directory=str(site), **k)  # noqa: E731
    other = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    before = files_of(live)
    try:
        with chromium() as browser:
            page = _attack(browser, f"http://127.0.0.1:{port}/index.html")
            assert page == ["POST opaque", "DELETE blocked"]
    finally:
        other.shutdown()
    assert files_of(live) == before
    listed = [d["doc_id"] for d in httpx.get(f"{default_server}/documents").json()["documents"]]
    assert "planted.txt" not in listed and "harbour.txt" in listed


def _attack(browser: Browser, url: str) -> list[str]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("window.done === true", timeout=30_000)
    page.wait_for_timeout(1500)  # the form's post lands in the iframe
    results: list[str] = page.evaluate("window.results")
    context.close()
    return results


def test_the_api_docs_run_under_their_policy(default_server: str) -> None:
    with chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{default_server}/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
        page.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors
