"""Read a POST /documents body: JSON `{"doc_id", "text"}` or multipart files named by their filename."""

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.document_schemas import DocumentIn

MAX_FILES = 100

OPENAPI_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": DocumentIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string", "format": "binary"},
                            "description": "Each file's name is its doc_id",
                        }
                    },
                    "required": ["files"],
                }
            },
        },
    }
}


class NotAnUpload(Exception):
    """The body is neither JSON nor multipart form data."""


async def read_upload(request: Request) -> list[tuple[str, bytes]]:
    """(doc_id, bytes) for every document in the body; malformed bodies raise 422 or NotAnUpload."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        return await _multipart(request)
    if media == "application/json" or media.endswith("+json"):
        try:
            doc = DocumentIn.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            ) from exc
        return [(doc.doc_id, doc.text.encode("utf-8", "surrogatepass"))]
    raise NotAnUpload


async def _multipart(request: Request) -> list[tuple[str, bytes]]:
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
    uploads = [v for _, v in form.multi_items() if isinstance(v, UploadFile)]
    if not uploads:
        raise RequestValidationError(
            [
                {
                    "type": "missing",
                    "loc": ("body", "files"),
                    "msg": "no file in the form",
                    "input": None,
                }
            ]
        )
    return [(u.filename or "", await u.read()) for u in uploads]
