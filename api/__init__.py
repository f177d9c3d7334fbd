"""HTTP edge of the service: FastAPI app factory, schemas, auth and limits. No retrieval logic here."""

from api.app import create_app

__all__ = ["create_app"]
