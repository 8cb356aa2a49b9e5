"""Commands: serve (the HTTPS API and web UI), token (local issuer), audit (verify, export, purge)."""

from __future__ import annotations

import getpass
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

import click

from kb.errors import ConfigError, KbError
from kb.models import ROLES
from kb.settings import Settings, load_settings

TIME_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S"]


@click.command()
@click.option("--host", help="Address to bind (default KB_SERVER__HOST, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default KB_SERVER__PORT, 8443).")
@click.option("--cert", type=click.Path(path_type=Path, dir_okay=False), help="TLS certificate chain (PEM).")
@click.option("--key", type=click.Path(path_type=Path, dir_okay=False), help="TLS private key (PEM).")
@click.option("--self-signed", is_flag=True, help="Demo: make (once) and use a self-signed certificate in KB_HOME/tls.")
def serve(host: str | None, port: int | None, cert: Path | None, key: Path | None, self_signed: bool) -> None:
    """Start the service: HTTPS (TLS 1.2+) with a certificate, plain HTTP only on loopback."""
    import uvicorn

    from kb.services import Services
    from serving.app import create_app
    from serving.tls import check_transport, self_signed_certificate, server_ssl_context

    settings = load_settings()
    host = host or settings.server.host
    port = port or settings.server.port
    cert = cert or settings.server.cert
    key = key or settings.server.key
    if self_signed:
        if cert or key:
            raise ConfigError("give either --self-signed or --cert/--key, not both")
        cert, key = self_signed_certificate(settings.home / "tls", host)
    check_transport(host, cert, key)
    tls = server_ssl_context(cert, key) if cert and key else None

    app = create_app(Services(settings))
    _print_how_to_sign_in(settings, host, port, https=tls is not None)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_certfile=str(cert) if cert else None,
        ssl_keyfile=str(key) if key else None,
        ssl_context_factory=(lambda _config, _default: tls) if tls else None,
        server_header=False,
        proxy_headers=False,
        log_level="info",
    )
    uvicorn.Server(config).run()


def _print_how_to_sign_in(settings: Settings, host: str, port: int, https: bool) -> None:
    from serving.auth.local_signin import USERS_FILE_NAME, LocalUsers
    from serving.tls import is_loopback

    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"{'https' if https else 'http'}://{'[' + shown_host + ']' if ':' in shown_host else shown_host}:{port}/"
    click.echo(f"kb: serving on {url}  (web UI at {url}ui/)")
    if settings.auth.issuer:
        click.echo(f"kb: sign in through {settings.auth.issuer}")
        return
    users = LocalUsers.open(settings.keys_dir).all()
    if is_loopback(host):
        click.echo("kb: built-in sign-in (demo users):")
        for user in users:
            click.echo(f"       {user.role:<11} user {user.username:<16} password {user.password}")
    else:
        click.echo(f"kb: built-in sign-in; demo users and passwords are in {settings.keys_dir / USERS_FILE_NAME}")
    click.echo("kb: or mint a token: kb token --user NAME --role front_desk|coder|admin")


@click.command()
@click.option("--user", required=True, help="Subject of the token (user name).")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--ttl", "ttl_s", type=click.IntRange(1), help="Lifetime in seconds (capped at KB_AUTH__TOKEN_TTL_S).")
@click.option("--mfa", is_flag=True, help="Mark the token as multi-factor (amr mfa), for admin when MFA is required.")
def token(user: str, role: str, ttl_s: int | None, mfa: bool) -> None:
    """Mint a short-lived access token from the built-in local issuer."""
    from serving.auth.local_issuer import LocalIssuer

    settings = load_settings()
    if settings.auth.issuer:
        raise ConfigError(f"tokens come from the identity provider {settings.auth.issuer} (KB_AUTH__ISSUER is set)")
    click.echo(LocalIssuer.open(settings).mint(user, role, ttl_s=ttl_s, mfa=mfa))


@click.group()
def audit() -> None:
    """The encrypted, hash-chained audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the whole chain; name the first edited, deleted, inserted or reordered record."""
    report = _audit_log(load_settings()).verify()
    if not report.ok:
        raise _ChainBroken(report.describe())
    click.echo(report.describe())


@audit.command("export")
@click.option("--since", type=click.DateTime(TIME_FORMATS), help="From this time (UTC unless an offset is given).")
@click.option("--until", type=click.DateTime(TIME_FORMATS), help="Before this time.")
def audit_export(since: datetime | None, until: datetime | None) -> None:
    """Decrypt records to stdout as JSON lines (the export itself is audited)."""
    log = _audit_log(load_settings())
    records = log.export(_utc(since), _utc(until))
    log.append(_cli_record("audit.export", f"{len(records)} records, since {since} until {until}"))
    for record in records:
        click.echo(json.dumps(record.model_dump(mode="json"), ensure_ascii=False))


@audit.command("purge")
@click.option("--retention-days", type=click.IntRange(1), help="Default: KB_AUDIT__RETENTION_DAYS (6 years).")
def audit_purge(retention_days: int | None) -> None:
    """Remove whole monthly segments older than the retention period; the rest stays verifiable."""
    settings = load_settings()
    days = retention_days or settings.audit.retention_days
    report = _audit_log(settings).purge(days, purged_by=_cli_record("audit.purge", None))
    if report.segments_removed:
        click.echo(
            f"purged {len(report.segments_removed)} segment(s) through record #{report.through_seq} "
            f"(older than {report.cutoff.date().isoformat()})"
        )
    else:
        click.echo(f"nothing older than {report.cutoff.date().isoformat()} to purge")


class _ChainBroken(KbError):
    pass


def _audit_log(settings: Settings):
    from kb.services import Services
    from serving.audit import AuditLog

    return AuditLog(settings.audit_dir, Services(settings).keyring)


def _cli_record(action: str, detail: str | None):
    from serving.audit import AuditRecord

    return AuditRecord(request_id=uuid.uuid4().hex, user=f"cli:{getpass.getuser()}", action=action, detail=detail)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


COMMANDS: list[click.Command] = [serve, token, audit]
