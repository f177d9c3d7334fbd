"""Half a minute of mixed traffic from 16 clients, hostile uploads included: no server error, no leak
(eval/bench_soak.py; its 10-minute run adds large uploads)."""

from pathlib import Path

from eval.bench_soak import serve_copy, soak
from tests.conftest import SEEDS


def test_half_a_minute_of_mixed_traffic(tmp_path: Path) -> None:
    server, url = serve_copy(SEEDS, tmp_path)
    try:
        found = soak(url, server.pid, seconds=30, clients=16, large=False, warmup_s=5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert found["requests"] > 250
    assert found["server_errors_5xx"] == 0, found["statuses"]
    assert set(found["statuses"]) <= {200, 201, 404, 413, 415, 422, 503}, found["statuses"]
    assert found["statuses"][200] > found["requests"] / 2
    assert found["rss_growth"] < 0.30, found  # a leak; the 10% target is bench_soak's
    assert found["fds_end"] <= found["fds_start"] + 4, found
