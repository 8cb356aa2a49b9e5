"""Probes and metrics. Unauthenticated and unaudited: they carry no document or patient content."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from serving.context import ServingContext
from serving.dependencies import serving_context
from serving.health.health_service import Readiness, check_readiness

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: str = "ok"


@router.get("/healthz", response_model=Liveness, summary="The process is up")
async def healthz() -> Liveness:
    return Liveness()


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Store, model server and audit log reachable",
    responses={503: {"model": Readiness, "description": "Not ready; which part is unavailable."}},
)
async def readyz(context: ServingContext = Depends(serving_context)) -> JSONResponse:
    readiness = await run_in_threadpool(check_readiness, context.services, context.audit_log)
    return JSONResponse(readiness.model_dump(), status_code=200 if readiness.ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format."}},
)
async def metrics(context: ServingContext = Depends(serving_context)) -> Response:
    return Response(context.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
