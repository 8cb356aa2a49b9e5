"""Commands: placeholder until the stage lands."""

import click

COMMANDS: list[click.Command] = []
