"""The local issuer's sign-in page: one server-rendered form, no script, every value escaped."""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}
label{display:block;margin-top:1rem;font-weight:600}
input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1.25rem;padding:.6rem 1.2rem;font-size:1rem}
.error{color:#a00000;font-weight:600}
.note{color:#444;font-size:.9rem}
"""


def signin_page(
    fields: dict[str, str] | None,
    problem: str | None,
    status_code: int = 200,
    demo_users: list[str] | None = None,
) -> HTMLResponse:
    """`fields`: the authorization request to carry through the form; None when it cannot go on."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Sign in — kb</title><style>{_STYLE}</style></head><body><main>",
        "<h1>Sign in</h1>",
    ]
    if problem:
        parts.append(f"<p class='error' role='alert'>{escape(problem)}</p>")
    if fields is not None:
        parts.append("<form method='post' action='/oauth/authorize'>")
        parts.extend(
            f"<input type='hidden' name='{escape(name)}' value='{escape(value)}'>" for name, value in fields.items()
        )
        parts.append(
            "<label for='username'>User name</label>"
            "<input id='username' name='username' autocomplete='username' required autofocus>"
            "<label for='password'>Password</label>"
            "<input id='password' name='password' type='password' autocomplete='current-password' required>"
            "<button type='submit'>Sign in</button></form>"
        )
    if demo_users:
        names = ", ".join(f"<code>{escape(name)}</code>" for name in demo_users)
        parts.append(
            f"<p class='note'>Built-in demo sign-in. Users: {names}. Their passwords are in "
            "<code>KB_HOME/keys/local-users.json</code> and are printed by <code>kb serve</code> on loopback.</p>"
        )
    parts.append("</main></body></html>")
    headers = {"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"}
    return HTMLResponse("".join(parts), status_code=status_code, headers=headers)
