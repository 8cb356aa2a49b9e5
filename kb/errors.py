"""Domain errors. Each carries a one-line message written for the person who must fix it.

The CLI prints `Error: <message>` and exits non-zero; the API maps each class to one status code.
"""


class KbError(Exception):
    """Base class: a failure the user can act on. Never carries secrets or tracebacks."""

    http_status = 500


class ConfigError(KbError):
    """Settings or corpus config are invalid."""

    http_status = 500


class KeyringError(KbError):
    """The master key is missing or does not open the store. Fails closed."""

    http_status = 500


class StoreUnavailable(KbError):
    """The vector store cannot be reached or opened."""

    http_status = 503


class StoreMissing(KbError):
    """No store exists yet at the configured location."""

    http_status = 503


class BadRequest(KbError):
    """A malformed query or request (empty, too long, k out of range, unknown role)."""

    http_status = 400


class Forbidden(KbError):
    """Authenticated, but the role may not do this."""

    http_status = 403


class ModelServerError(KbError):
    """The OpenAI-compatible model server is down, slow, or answered nonsense."""

    http_status = 502


class AuditWriteError(KbError):
    """The audit record could not be written; the request fails rather than go unaudited."""

    http_status = 503


class FileRejected(KbError):
    """One input file cannot be ingested; the reason is shown in the ingest report."""

    http_status = 422
