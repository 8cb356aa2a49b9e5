"""Readiness: can this instance serve a question right now?"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal

import httpx
from pydantic import BaseModel

from kb.errors import KbError
from kb.services import Services

log = logging.getLogger(__name__)

Check = Literal["ok", "unavailable", "not used"]


class Readiness(BaseModel):
    ready: bool
    store: Check
    model_server: Check
    audit_log: Check


def check_readiness(services: Services, open_audit_log: Callable[[], object], timeout_s: float = 3.0) -> Readiness:
    """Blocking (store count, one HTTP call): run it in a worker thread. Reasons go to the log, not the client."""
    store = _check("store", lambda: services.store.count())
    audit = _check("audit log", open_audit_log)
    model: Check = "not used"
    answer = services.settings.answer
    if answer.backend == "openai":
        headers = {"Authorization": f"Bearer {answer.api_key.get_secret_value()}"} if answer.api_key else {}
        url = answer.base_url.rstrip("/") + "/models"
        model = _check("model server", lambda: httpx.get(url, headers=headers, timeout=timeout_s).raise_for_status())
    return Readiness(ready=all(c != "unavailable" for c in (store, model, audit)), store=store, model_server=model, audit_log=audit)


def _check(name: str, probe: Callable[[], object]) -> Check:
    try:
        probe()
    except (KbError, httpx.HTTPError, OSError) as exc:
        log.warning("readiness: %s unavailable: %s", name, exc)
        return "unavailable"
    return "ok"
