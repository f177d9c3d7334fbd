"""A client that never finishes its request headers is cut off: uvicorn times out idle
keep-alive connections, but not one that opens and then sends its headers a byte at a time,
holding a connection (and a file descriptor) for ever."""

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

IDLE_FACTOR = 6


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request headers have not all
    arrived within `timeout` seconds (RAG_HEADER_TIMEOUT_S) of the request's first byte, and one
    that sends nothing at all for IDLE_FACTOR times that (a browser's preconnected socket may
    wait a while for its first request: closing it early races the request it is kept for)."""

    timeout = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._start_header_timer(self.timeout * IDLE_FACTOR)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._stop_header_timer()
        self._start_header_timer(self.timeout)

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _start_header_timer(self, seconds: float) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(seconds, self._too_slow)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()
