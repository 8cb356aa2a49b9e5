"""Documents: admin curation (list, upload, delete, reindex, job status) and role-checked downloads."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from serving.audit.audit_middleware import AuditEntry
from serving.auth.auth_dependencies import admin, authenticated
from serving.auth.principal import Principal
from serving.context import ServingContext
from serving.dependencies import audit_entry, audited_as, serving_context
from serving.documents.documents_service import DeletedDocument, DocumentList
from serving.documents.ingest_jobs import IngestJob
from serving.error_handlers import COMMON_ERRORS, documented_errors
from serving.errors import PayloadTooLarge

router = APIRouter(prefix="/v1", tags=["documents"])


@router.get(
    "/documents",
    dependencies=[audited_as("documents.list")],
    response_model=DocumentList,
    summary="List ingested documents and recent ingest jobs (admin)",
    responses=documented_errors(*COMMON_ERRORS),
)
async def list_documents(
    _: Principal = Depends(admin),
    context: ServingContext = Depends(serving_context),
) -> DocumentList:
    return await run_in_threadpool(context.documents.list)


@router.post(
    "/documents",
    dependencies=[audited_as("documents.upload")],
    response_model=IngestJob,
    status_code=202,
    summary="Upload a document, or replace one of the same name, and ingest it in the background (admin)",
    description="The type is decided by the file's bytes, the name is sanitised, and the file is placed in a "
    "folder of the chosen collection. Poll `GET /v1/jobs/{job_id}` or `GET /v1/documents` for its status.",
    responses=documented_errors(*COMMON_ERRORS),
)
async def upload_document(
    file: UploadFile = File(description="PDF, Word (.docx, .doc), HTML, Markdown, CSV or plain text."),
    collection: str = Form(description="Collection from the corpus config, e.g. internal_policies."),
    principal: Principal = Depends(admin),
    entry: AuditEntry = Depends(audit_entry),
    context: ServingContext = Depends(serving_context),
) -> IngestJob:
    limit = context.documents.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"the file is larger than the {limit / 1024 / 1024:g} MB limit")
    job = await run_in_threadpool(
        context.documents.upload, file.filename or "upload", data, collection, principal.audit_name
    )
    entry.detail = f"{job.document} (job {job.job_id})"
    return job


@router.delete(
    "/documents/{doc_id}",
    dependencies=[audited_as("documents.delete")],
    response_model=DeletedDocument,
    summary="Purge a document: its chunks and its source file, verified by a count of the store (admin)",
    responses=documented_errors(404, *COMMON_ERRORS),
)
async def delete_document(
    doc_id: str,
    _: Principal = Depends(admin),
    entry: AuditEntry = Depends(audit_entry),
    context: ServingContext = Depends(serving_context),
) -> DeletedDocument:
    entry.detail = doc_id
    deleted = await run_in_threadpool(context.documents.delete, doc_id)
    entry.detail = f"{doc_id} {deleted.document}: {deleted.chunks_removed} chunks removed, verified"
    return deleted


@router.post(
    "/reindex",
    dependencies=[audited_as("documents.reindex")],
    response_model=IngestJob,
    status_code=202,
    summary="Bring the store in line with the corpus folder in the background (admin)",
    responses=documented_errors(*COMMON_ERRORS),
)
async def reindex(
    principal: Principal = Depends(admin),
    entry: AuditEntry = Depends(audit_entry),
    context: ServingContext = Depends(serving_context),
) -> IngestJob:
    job = context.documents.reindex(principal.audit_name)
    entry.detail = f"job {job.job_id}"
    return job


@router.get(
    "/jobs/{job_id}",
    dependencies=[audited_as("documents.job")],
    response_model=IngestJob,
    summary="Status of an upload or reindex job (admin)",
    responses=documented_errors(404, *COMMON_ERRORS),
)
async def job_status(
    job_id: str,
    _: Principal = Depends(admin),
    context: ServingContext = Depends(serving_context),
) -> IngestJob:
    return context.documents.job(job_id)


@router.get(
    "/files/{document:path}",
    dependencies=[audited_as("documents.download")],
    response_class=FileResponse,
    summary="Download a source document cited in an answer",
    description="Only documents of collections the caller's role may read; any other path is a 404.",
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file, as an attachment."},
               **documented_errors(404, *COMMON_ERRORS)},
)
async def download_document(
    document: str,
    principal: Principal = Depends(authenticated),
    entry: AuditEntry = Depends(audit_entry),
    context: ServingContext = Depends(serving_context),
) -> FileResponse:
    entry.detail = document[:300]
    path, media_type = await run_in_threadpool(context.documents.readable_file, document, principal.role)
    return FileResponse(path, media_type=media_type, filename=path.name, content_disposition_type="attachment")
