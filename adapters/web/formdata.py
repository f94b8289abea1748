"""Reading POSTed form bodies strictly: anything malformed is a 400, never a 500."""

from __future__ import annotations

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_form(request: web.Request) -> MultiDictProxy[str]:
    """The form fields of a POST; 400 for another content type or an undecodable body."""
    if request.content_type not in _FORM_TYPES:
        raise web.HTTPBadRequest(
            text="Send this form from the web page (application/x-www-form-urlencoded)."
        )
    try:
        posted = await request.post()
    except (ValueError, UnicodeDecodeError, LookupError) as exc:
        raise web.HTTPBadRequest(
            text=f"The form could not be read: {exc}. Reload and retry."
        ) from None
    fields: MultiDict[str] = MultiDict()
    for key, value in posted.items():
        if not isinstance(value, str):
            raise web.HTTPBadRequest(text=f"The field '{key}' cannot be a file upload.")
        fields.add(key, value)
    return MultiDictProxy(fields)


def one(form: MultiDictProxy[str], name: str, *, required: bool = True) -> str | None:
    """The single value of `name`; 400 when it is repeated, or missing and required."""
    values = form.getall(name, [])
    if len(values) > 1:
        raise web.HTTPBadRequest(text=f"The field '{name}' was sent more than once.")
    if not values:
        if required:
            raise web.HTTPBadRequest(text=f"The form is missing the field '{name}'.")
        return None
    return values[0]


def text(form: MultiDictProxy[str], name: str) -> str:
    """A required single text value (may be empty)."""
    value = one(form, name)
    assert value is not None
    return value
