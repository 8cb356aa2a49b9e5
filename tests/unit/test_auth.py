"""Token validation: every bad token is refused for the right reason; roles, MFA, JWKS discovery and refresh."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from kb.errors import Forbidden
from kb.settings import AuthSettings, load_settings
from serving.auth import LocalIssuer, OidcDiscovery, TokenVerifier, build_verifier, require_admin
from serving.auth.local_signin import AuthorizationCodes, LocalUsers, s256_challenge
from serving.auth.principal import kb_role, roles_from_claims
from serving.errors import AuthenticationFailed, IdentityProviderUnavailable

ISSUER = "https://idp.example.test/realms/practice"
AUDIENCE = "kb"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rsa_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


class FakeIdP:
    """An IdP behind httpx.MockTransport: discovery document and JWKS, with request counts."""

    def __init__(self, *keys, issuer: str = ISSUER) -> None:
        self.keys = list(keys)
        self.issuer = issuer
        self.requests: list[str] = []
        self.down = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.url.path)
        if self.down:
            return httpx.Response(503)
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={"issuer": self.issuer, "jwks_uri": f"{ISSUER}/protocol/certs"})
        if request.url.path.endswith("/protocol/certs"):
            return httpx.Response(200, json=KeySet(self.keys).as_dict(private=False))
        return httpx.Response(404)

    def jwks_fetches(self) -> int:
        return sum(path.endswith("/certs") for path in self.requests)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def make_verifier(idp: FakeIdP, clock: Clock | None = None, roles_claim: str = "realm_access.roles") -> TokenVerifier:
    client = httpx.Client(transport=httpx.MockTransport(idp.handler))
    return TokenVerifier(ISSUER, AUDIENCE, OidcDiscovery(ISSUER, client), roles_claim, clock=clock or time.time)


def claims(**overrides: object) -> dict:
    now = int(time.time())
    body: dict[str, object] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-123",
        "preferred_username": "alice",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "realm_access": {"roles": ["coder", "offline_access"]},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def sign(key, body: dict, alg: str = "RS256", kid: str | None = None) -> str:
    header = {"alg": alg, "kid": kid if kid is not None else key.kid, "typ": "JWT"}
    return jwt.encode(header, body, key, algorithms=[alg])


@pytest.fixture
def key() -> RSAKey:
    return rsa_key("k1")


@pytest.fixture
def idp(key) -> FakeIdP:
    return FakeIdP(key)


# ---- accepted --------------------------------------------------------------------------------------------------
def test_a_valid_token_is_accepted(idp, key):
    principal = make_verifier(idp).validate(sign(key, claims()))
    assert principal.subject == "user-123" and principal.username == "alice"
    assert principal.roles == ("coder",) and principal.role == "coder"


def test_es256_and_ps256_are_accepted():
    ec = ECKey.generate_key("P-256", parameters={"kid": "ec1", "use": "sig"})
    rsa = RSAKey.generate_key(2048, parameters={"kid": "ps1", "use": "sig"})
    verifier = make_verifier(FakeIdP(ec, rsa))
    assert verifier.validate(sign(ec, claims(), alg="ES256")).role == "coder"
    assert verifier.validate(sign(rsa, claims(), alg="PS256")).role == "coder"


# ---- rejected --------------------------------------------------------------------------------------------------
def rejected(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(AuthenticationFailed) as caught:
        verifier.validate(token)
    message = str(caught.value)
    assert len(token) < 8 or token not in message
    return message


def test_an_expired_token_is_rejected(idp, key):
    past = int(time.time()) - 3600
    assert "expired" in rejected(make_verifier(idp), sign(key, claims(iat=past - 300, nbf=past - 300, exp=past)))


def test_a_token_for_another_audience_is_rejected(idp, key):
    assert "audience" in rejected(make_verifier(idp), sign(key, claims(aud="billing-app")))


def test_a_token_from_another_issuer_is_rejected(idp, key):
    assert "issuer" in rejected(make_verifier(idp), sign(key, claims(iss="https://evil.example.test")))


def test_a_token_not_yet_valid_is_rejected(idp, key):
    future = int(time.time()) + 3600
    rejected(make_verifier(idp), sign(key, claims(nbf=future, exp=future + 300)))


def test_a_token_without_expiry_is_rejected(idp, key):
    assert "exp" in rejected(make_verifier(idp), sign(key, claims(exp=None)))


def test_alg_none_is_rejected(idp, key):
    header = b64url(json.dumps({"alg": "none", "kid": key.kid, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims()).encode())
    for token in (f"{header}.{payload}.", f"{header}.{payload}.{b64url(b'x')}"):
        assert "not accepted" in rejected(make_verifier(idp), token)


def test_hs256_signed_with_the_public_key_is_rejected(idp, key):
    """The classic confusion attack: the public key's PEM used as an HMAC secret."""
    public_pem = key.as_pem(private=False)
    header = b64url(json.dumps({"alg": "HS256", "kid": key.kid, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims(realm_access={"roles": ["admin"]})).encode())
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert "not accepted" in rejected(make_verifier(idp), f"{header}.{payload}.{b64url(signature)}")


def test_an_unknown_kid_is_rejected(idp):
    stranger = rsa_key("not-published")
    assert "unknown key" in rejected(make_verifier(idp), sign(stranger, claims()))


def test_a_missing_kid_is_rejected(idp, key):
    token = jwt.encode({"alg": "RS256"}, claims(), key, algorithms=["RS256"])
    assert "kid" in rejected(make_verifier(idp), token)


def test_another_key_claiming_a_published_kid_is_rejected(idp, key):
    impostor = rsa_key(key.kid)
    assert "signature" in rejected(make_verifier(idp), sign(impostor, claims()))


def test_a_tampered_signature_is_rejected(idp, key):
    header, payload, signature = sign(key, claims()).split(".")
    flipped = signature[:-6] + ("AAAAAA" if not signature.endswith("AAAAAA") else "BBBBBB")
    assert "signature" in rejected(make_verifier(idp), f"{header}.{payload}.{flipped}")


def test_a_tampered_payload_is_rejected(idp, key):
    header, _, signature = sign(key, claims()).split(".")
    elevated = b64url(json.dumps(claims(realm_access={"roles": ["admin"]})).encode())
    assert "signature" in rejected(make_verifier(idp), f"{header}.{elevated}.{signature}")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b", "a.b.c.d.e", "!!!.###.$$$", "x" * 20000])
def test_garbage_is_rejected(idp, garbage):
    rejected(make_verifier(idp), garbage)


# ---- JWKS discovery, cache and refresh ---------------------------------------------------------------------------
def test_jwks_is_discovered_once_and_cached(idp, key):
    verifier = make_verifier(idp)
    for _ in range(5):
        verifier.validate(sign(key, claims()))
    assert idp.requests.count("/realms/practice/.well-known/openid-configuration") == 1
    assert idp.jwks_fetches() == 1


def test_a_rotated_key_is_picked_up_on_an_unknown_kid(idp, key):
    clock = Clock()
    verifier = make_verifier(idp, clock)
    verifier.validate(sign(key, claims()))
    rotated = rsa_key("k2")
    idp.keys.append(rotated)
    clock.now += 60
    assert verifier.validate(sign(rotated, claims())).subject == "user-123"
    assert idp.jwks_fetches() == 2


def test_unknown_kids_do_not_hammer_the_idp(idp, key):
    clock = Clock()
    verifier = make_verifier(idp, clock)
    verifier.validate(sign(key, claims()))
    for n in range(20):
        rejected(verifier, sign(rsa_key(f"junk-{n}"), claims()))
    assert idp.jwks_fetches() == 1  # refreshed at most once per interval; the first fetch was just now
    clock.now += 31
    rejected(verifier, sign(rsa_key("junk-late"), claims()))
    assert idp.jwks_fetches() == 2


def test_cached_keys_still_validate_while_the_idp_is_down(idp, key):
    clock = Clock()
    verifier = make_verifier(idp, clock)
    verifier.validate(sign(key, claims()))
    idp.down = True
    clock.now += 7200  # past the cache lifetime: a refresh is attempted and fails
    verifier.validate(sign(key, claims(iat=int(clock.now), nbf=int(clock.now), exp=int(clock.now) + 300)))


def test_an_unreachable_idp_without_cached_keys_is_unavailable(idp, key):
    idp.down = True
    with pytest.raises(IdentityProviderUnavailable):
        make_verifier(idp).validate(sign(key, claims()))


def test_metadata_naming_another_issuer_is_refused(key):
    idp = FakeIdP(key, issuer="https://attacker.example.test")
    with pytest.raises(IdentityProviderUnavailable):
        make_verifier(idp).validate(sign(key, claims()))


# ---- roles ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        ("realm_access.roles", {"realm_access": {"roles": ["offline_access", "front_desk"]}}, ("front_desk",)),
        ("roles", {"roles": ["kb-coder"]}, ("coder",)),
        ("groups", {"groups": ["/kb/admin", "/staff"]}, ("admin",)),
        ("resource_access.kb.roles", {"resource_access": {"kb": {"roles": ["KB_Front-Desk"]}}}, ("front_desk",)),
        ("roles", {"roles": "coder admin"}, ("admin", "coder")),
        ("roles", {"roles": ["superuser", "administrator"]}, ()),
        ("roles", {}, ()),
        ("realm_access.roles", {"realm_access": "admin"}, ()),
    ],
)
def test_roles_come_from_the_configured_claim_path(path, body, expected):
    assert roles_from_claims(body, path) == expected


def test_role_names_are_mapped_strictly():
    assert [kb_role(n) for n in ("admin", "kb-admin", "kb:coder", "/kb/front-desk", "front desk")] == [
        "admin",
        "admin",
        "coder",
        "front_desk",
        "front_desk",
    ]
    assert [kb_role(n) for n in ("kb-administrators", "sysadmin", "admins", "")] == [None, None, None, None]


def test_the_broadest_role_is_used(idp, key):
    principal = make_verifier(idp, roles_claim="groups").validate(sign(key, claims(groups=["front_desk", "admin"])))
    assert principal.role == "admin"


# ---- admin and MFA ----------------------------------------------------------------------------------------------
def test_admin_endpoints_need_the_admin_role(idp, key):
    coder = make_verifier(idp).validate(sign(key, claims()))
    with pytest.raises(Forbidden):
        require_admin(coder, require_mfa=False)


def test_admin_needs_mfa_when_configured(idp, key):
    verifier = make_verifier(idp)
    admin_pwd = verifier.validate(sign(key, claims(realm_access={"roles": ["admin"]}, amr=["pwd"])))
    admin_otp = verifier.validate(sign(key, claims(realm_access={"roles": ["admin"]}, amr=["pwd", "otp"])))
    admin_hwk = verifier.validate(sign(key, claims(realm_access={"roles": ["admin"]}, amr=["hwk"])))
    require_admin(admin_pwd, require_mfa=False)
    with pytest.raises(Forbidden, match="multi-factor"):
        require_admin(admin_pwd, require_mfa=True)
    require_admin(admin_otp, require_mfa=True)
    require_admin(admin_hwk, require_mfa=True)


def test_no_role_is_forbidden(idp, key):
    from serving.auth import require_a_role

    nobody = make_verifier(idp).validate(sign(key, claims(realm_access={"roles": ["offline_access"]})))
    with pytest.raises(Forbidden):
        require_a_role(nobody)


# ---- the local issuer goes through the same verifier ---------------------------------------------------------------
def test_local_issuer_tokens_pass_the_same_verifier(tmp_path):
    settings = load_settings(home=tmp_path / "home", auth=AuthSettings(roles_claim="realm_access.roles"))
    issuer = LocalIssuer.open(settings)
    verifier = build_verifier(settings, issuer)
    assert isinstance(verifier, TokenVerifier)
    principal = verifier.validate(issuer.mint("alice", "coder"))
    assert principal.subject == "alice" and principal.role == "coder" and not principal.has_mfa
    assert verifier.validate(issuer.mint("root", "admin", mfa=True)).has_mfa

    key_file = settings.keys_dir / "local-issuer-key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert LocalIssuer.open(settings).kid == issuer.kid  # the key persists across starts


def test_local_issuer_tokens_are_short_lived_and_rejected_elsewhere(tmp_path):
    settings = load_settings(home=tmp_path / "home", auth=AuthSettings(token_ttl_s=600))
    issuer = LocalIssuer.open(settings)
    claims_seen = jwt.decode(issuer.mint("alice", "coder", ttl_s=86400), KeySet.import_key_set(issuer.jwks())).claims
    assert claims_seen["exp"] - claims_seen["iat"] == 600

    other = LocalIssuer.open(load_settings(home=tmp_path / "other-home"))
    with pytest.raises(AuthenticationFailed):
        build_verifier(settings, issuer).validate(other.mint("mallory", "admin"))


def test_local_issuer_key_set_is_public_only(tmp_path):
    issuer = LocalIssuer.open(load_settings(home=tmp_path / "home"))
    (published,) = issuer.jwks()["keys"]
    assert set(published) >= {"kty", "n", "e", "kid"} and not {"d", "p", "q", "dp", "dq", "qi"} & set(published)


def test_local_sign_in_codes_are_single_use_and_pkce_bound(tmp_path):
    users = LocalUsers.open(tmp_path / "keys")
    coder = next(user for user in users.all() if user.role == "coder")
    assert users.check(coder.username, coder.password) == coder
    assert users.check(coder.username, "wrong") is None and users.check("nobody", coder.password) is None

    codes = AuthorizationCodes()
    verifier = "v" * 64
    code = codes.issue(coder, "kb-web", "https://kb.local/ui/", s256_challenge(verifier))
    assert codes.redeem(code, "kb-web", "https://kb.local/ui/", "w" * 64) is None  # wrong verifier burns it
    code = codes.issue(coder, "kb-web", "https://kb.local/ui/", s256_challenge(verifier))
    assert codes.redeem(code, "kb-web", "https://evil.test/", verifier) is None
    code = codes.issue(coder, "kb-web", "https://kb.local/ui/", s256_challenge(verifier))
    assert codes.redeem(code, "kb-web", "https://kb.local/ui/", verifier) == coder
    assert codes.redeem(code, "kb-web", "https://kb.local/ui/", verifier) is None
