"""Commands that ask: search and ask."""

from __future__ import annotations

import json

import click

from kb.models import ROLES, SearchResponse
from kb.services import Services

ROLE_OPTION = click.option("--role", type=click.Choice(ROLES), default="front_desk", show_default=True)


@click.command()
@click.argument("question")
@ROLE_OPTION
@click.option("-k", "k", type=int, default=5, show_default=True, help="Passages to return (1-50).")
@click.option("--json", "as_json", is_flag=True, help="Print the response object.")
def search(question: str, role: str, k: int, as_json: bool) -> None:
    """Find the passages that answer QUESTION, among the collections ROLE may read."""
    passages = Services().retriever.search(question, role, k)
    if as_json:
        fields = {"document", "page", "section", "text", "score", "collection"}
        body = {"results": [p.model_dump(include=fields) for p in SearchResponse(results=passages).results]}
        click.echo(json.dumps(body, ensure_ascii=False))
        return
    if not passages:
        click.echo("No passages found.")
    for rank, p in enumerate(passages, 1):
        where = ", ".join(x for x in (f"p. {p.page}" if p.page else None, p.section) if x)
        click.echo(f"{rank}. {p.document} ({where}) [{p.collection}] score {p.score}")
        snippet = " ".join(p.text.split())
        click.echo(f"   {snippet[:300]}{'…' if len(snippet) > 300 else ''}")


@click.command()
@click.argument("question")
@ROLE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the response object.")
def ask(question: str, role: str, as_json: bool) -> None:
    """Answer QUESTION from the documents ROLE may read, every claim cited and verified."""
    response = Services().answerer.ask(question, role)
    if as_json:
        click.echo(response.model_dump_json())
        return
    click.echo(response.answer)
    for c in response.citations:
        where = ", ".join(x for x in (f"p. {c.page}" if c.page else None, c.section) if x)
        click.echo(f"  [{c.marker}] {c.document} ({where}): “{c.quote}”")
    for note in response.notes:
        click.echo(f"  Note: {note}")


COMMANDS: list[click.Command] = [search, ask]
