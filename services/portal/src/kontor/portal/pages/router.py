"""The portal's HTML pages. Language follows Accept-Language (German or English)."""

from html import escape

from fastapi import APIRouter, Header
from fastapi.responses import HTMLResponse

from kontor.portal.pages.texts import SUPPORTED, TEXTS


def pick_language(accept_language: str | None) -> str:
    """The first supported language in Accept-Language order of preference (q-values honoured)."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.split("-")[0].lower()))
    for _, _, lang in sorted(ranked):
        if lang in SUPPORTED:
            return lang
    return "en"


def _page(lang: str) -> str:
    t = {k: escape(v) for k, v in TEXTS[lang].items()}
    return f"""<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t['title']}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}}
h1{{font-size:1.6rem}}</style></head>
<body><main><h1>{t['heading']}</h1><p>{t['lead']}</p><p>{t['signin']}</p>
<p><a href="/readyz">{t['status']}</a></p></main></body></html>"""


def router() -> APIRouter:
    pages = APIRouter(tags=["pages"])

    @pages.get("/", response_class=HTMLResponse, summary="Portal start page")
    async def start_page(accept_language: str | None = Header(default=None)) -> HTMLResponse:
        lang = pick_language(accept_language)
        return HTMLResponse(_page(lang), headers={"Content-Language": lang, "Vary": "Accept-Language"})

    return pages
