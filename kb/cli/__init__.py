"""The `kb` command line. Commands only parse arguments and call a service; KbError becomes one line."""

from __future__ import annotations

import sys

import click

from kb.errors import KbError


class _KbGroup(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KbError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_KbGroup)
def main() -> None:
    """Private knowledge search for healthcare practices."""


def _register() -> None:
    from kb.cli import evaluate, query, serve, store

    for module in (store, query, serve, evaluate):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
