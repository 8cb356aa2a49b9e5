"""Commands that build and look after the store: ingest, docs, keys."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kb.services import Services


@click.command()
@click.option("--quiet", is_flag=True, help="Print only the summary line.")
def ingest(quiet: bool) -> None:
    """Ingest the corpus named by KB_CONFIG into the encrypted store (incremental)."""
    from ingest.pipeline import ingest_corpus

    services = Services(allow_create=True)
    documents = services.corpus.discover()
    progress_bar = None
    if sys.stderr.isatty() and not quiet:
        from tqdm import tqdm

        progress_bar = tqdm(total=len(documents), unit="file", file=sys.stderr)

    def progress(path: str) -> None:
        if progress_bar is not None:
            progress_bar.set_postfix_str(path[-40:])
            progress_bar.update(1)

    try:
        report = ingest_corpus(services, progress)
    finally:
        if progress_bar is not None:
            progress_bar.close()
        services.close()
    if not quiet:
        for label, paths in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
            for path in paths:
                click.echo(f"  {label:<8} {path}")
        for skipped in report.skipped:
            click.echo(f"  skipped  {skipped.document}: {skipped.reason}")
    stages = report.stages
    click.echo(
        f"ingest: {len(report.added)} added, {len(report.changed)} changed, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.skipped)} skipped; {report.chunks_written} chunks written, "
        f"{report.chunks_total} in store; {report.seconds:.1f} s "
        f"(parse {stages.parse:.1f}, chunk {stages.chunk:.1f}, embed {stages.embed:.1f}, store {stages.store:.1f})"
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def docs(as_json: bool) -> None:
    """List ingested documents with collection, dates, chunk count and status."""
    from ingest.pipeline import list_documents

    statuses = list_documents(Services())
    if as_json:
        click.echo(json.dumps({"documents": [s.model_dump() for s in statuses]}, indent=1))
        return
    for s in statuses:
        dated = f"  [{s.effective_date}]" if s.effective_date else ""
        click.echo(f"{s.chunks:>6}  {s.status:<8} {s.collection:<22} {s.document}{dated}")


@click.group()
def keys() -> None:
    """Key ring: rotate the master key or the data keys."""


@keys.command("rotate")
@click.option(
    "--new-master-key-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the new master key when the current one comes from KB_MASTER_KEY.",
)
@click.option("--data-keys", is_flag=True, help="Also start new data-key versions and re-encrypt every chunk.")
def rotate(new_master_key_file: Path | None, data_keys: bool) -> None:
    """Re-wrap every data key under a new master key (and optionally re-encrypt the content)."""
    from store.rotation import rotate_keys

    result = rotate_keys(Services(), new_master_key_file, data_keys)
    click.echo(result)


COMMANDS: list[click.Command] = [ingest, docs, keys]
