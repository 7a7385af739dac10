"""The reviewers' web interface at ``/ui``: one page and its static files, all served by the gateway.

The page is a small script over ``/review/api`` (see ``static/app.js``); nothing
is fetched from anywhere else, which the Content-Security-Policy enforces.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter()


@router.get("/ui", include_in_schema=False)
async def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")


@router.get("/ui/", include_in_schema=False)
async def index_slash() -> RedirectResponse:
    return RedirectResponse("/ui", status_code=308)


def install_ui(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
