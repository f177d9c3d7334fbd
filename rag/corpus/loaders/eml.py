"""Email newsletters (.eml): the standard library's parser; an HTML part goes through the HTML loader."""

import email
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from rag.corpus.loaders.base import Document, Metadata, SkippedFile, Unreadable, extracted
from rag.corpus.loaders.html import extract_html
from rag.corpus.metadata import parse_date


class EmailLoader:
    """`.eml`: one document; the sender is the outlet, the subject the title."""

    format = "email"

    def load(self, doc_id: str, path: Path, data: bytes) -> list[Document | SkippedFile]:
        message = email.message_from_bytes(data, policy=policy.default)
        if not isinstance(message, EmailMessage) or not message.keys():
            raise Unreadable("not an email message (no headers)")
        body = self._body(message)
        if not body.strip():
            raise Unreadable("email has no text or HTML part")
        name, address = parseaddr(str(message.get("from", "")))
        meta = Metadata(
            title=str(message.get("subject", "")).strip() or None,
            published=parse_date(str(message.get("date", ""))),
            outlet=name or address.partition("@")[2] or None,
            url=_link(message),
        )
        return [extracted(doc_id, path, self.format, body, meta)]

    def _body(self, message: EmailMessage) -> str:
        html_part = message.get_body(preferencelist=("html",))
        if html_part is not None:
            text = extract_html(html_part.get_content(), fragment=True)[0]
            if text.strip():
                return text
        plain = message.get_body(preferencelist=("plain",))
        return plain.get_content() if plain is not None else ""


def _link(message: EmailMessage) -> str | None:
    """A newsletter's "view in browser" address, when its List-Post or List-Archive gives one."""
    for header in ("list-archive", "list-post"):
        value = str(message.get(header, "")).strip("<> ")
        if value.startswith("http"):
            return value
    return None
