"""The Helm chart in helm/kb: it lints, renders manifests Kubernetes accepts, and keeps the production
guarantees — hardened pods, default-deny networking, secrets only in Secrets, GPUs only for vLLM.

Rendering goes through helm-python-sdk (Helm's Go SDK as a shared library, no cluster involved) and
validation through kubernetes-validate's bundled OpenAPI schemas. Both come with the `dev` extra; without
them the whole module is skipped.
"""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

helm = pytest.importorskip(
    "helm_python", reason="helm-python-sdk is not importable (pip install -e '.[dev]')", exc_type=ImportError
)
kubernetes_validate = pytest.importorskip(
    "kubernetes_validate",
    reason="kubernetes-validate is not importable (pip install -e '.[dev]')",
    exc_type=ImportError,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "helm" / "kb"
PRODUCTION_VALUES = yaml.safe_load((CHART_DIR / "ci" / "production-values.yaml").read_text(encoding="utf-8"))
# The chart's defaults plus only the values an install must set.
MINIMAL_VALUES = yaml.safe_load((CHART_DIR / "ci" / "minimal-values.yaml").read_text(encoding="utf-8"))
RELEASE = "kb"
NAMESPACE = "practice"
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion allows older, but 1.30 is the oldest
# still maintained) and the newest kubernetes-validate knows.
KUBE_VERSIONS = ["1.30", kubernetes_validate.latest_version()]

MASTER_KEY = base64.b64encode(bytes(range(32))).decode()
INLINE_SECRETS = {
    "masterKey": MASTER_KEY,
    "qdrantApiKey": "qdrant-key-7f3a9c1e5b2d",
    "vllmApiKey": "vllm-key-4e8b0d6f2a1c",
    "oidcClient": "kb-web-client-9d2c7a5e3f1b",
}
POD_KINDS = {"Deployment", "StatefulSet", "Job", "CronJob"}


# ---- helpers -------------------------------------------------------------------------------------------
def merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `overrides` into a copy of `base`, the way Helm layers values files."""
    result = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def with_inline_secrets(values: dict[str, Any]) -> dict[str, Any]:
    secrets = {name: {"value": value, "existingSecret": ""} for name, value in INLINE_SECRETS.items()}
    return merged(values, {"secrets": secrets})


# Single-node Qdrant, secrets given inline, vLLM on, the ingest Job a plain Job and the CronJob on.
SINGLE_NODE_VALUES = merged(
    with_inline_secrets(PRODUCTION_VALUES),
    {
        "qdrant": {"replicas": 1, "cluster": {"enabled": False}, "collection": {"shards": 1, "replicationFactor": 1}},
        "ingest": {"job": {"hook": False}, "cronJob": {"enabled": True}},
        "api": {"autoscaling": {"enabled": False}, "replicas": 1},
    },
)
WITHOUT_VLLM_VALUES = merged(
    PRODUCTION_VALUES,
    {
        "vllm": {"enabled": False},
        "ingress": {"enabled": False},
        "networkPolicy": {"apiIngressFrom": [], "idp": {"cidrs": []}},
    },
)
VARIANTS = {
    "defaults": MINIMAL_VALUES,
    "production": PRODUCTION_VALUES,
    "single-node-inline-secrets": SINGLE_NODE_VALUES,
    "without-vllm": WITHOUT_VLLM_VALUES,
}


@pytest.fixture(scope="module")
def chart() -> Iterator[Any]:
    with helm.Chart.load(CHART_DIR) as loaded:
        yield loaded


# Rendering and parsing are the slow part; many tests look at the same few renders.
_RENDERED: dict[str, dict[str, str]] = {}
_PARSED: dict[str, list[dict[str, Any]]] = {}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def render_text(chart: Any, values: dict[str, Any]) -> dict[str, str]:
    key = json.dumps(values, sort_keys=True)
    if key not in _RENDERED:
        _RENDERED[key] = chart.render(values, name=RELEASE, namespace=NAMESPACE, revision=3, is_install=True)
    return dict(_RENDERED[key])


def render(chart: Any, values: dict[str, Any]) -> list[dict[str, Any]]:
    key = json.dumps(values, sort_keys=True)
    if key not in _PARSED:
        manifests = []
        for path, text in sorted(render_text(chart, values).items()):
            if path.endswith("NOTES.txt"):
                continue
            manifests.extend(doc for doc in yaml.load_all(text, Loader=_LOADER) if doc)
        _PARSED[key] = manifests
    return copy.deepcopy(_PARSED[key])


def of_kind(manifests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in manifests if m["kind"] == kind]


def named(manifests: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [m for m in of_kind(manifests, kind) if m["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def pod_template(workload: dict[str, Any]) -> dict[str, Any]:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]
    return workload["spec"]["template"]


def pod_templates(manifests: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{m['kind']}/{m['metadata']['name']}", pod_template(m)) for m in manifests if m["kind"] in POD_KINDS]


def containers(pod_spec: dict[str, Any]) -> list[dict[str, Any]]:
    return pod_spec.get("initContainers", []) + pod_spec["containers"]


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def render_error(chart: Any, values: dict[str, Any]) -> str:
    with pytest.raises(helm.HelmError) as caught:
        render_text(chart, values)
    return str(caught.value)


# ---- lint and Kubernetes validation --------------------------------------------------------------------
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_chart_lints_clean(variant: str) -> None:
    report = helm.lint(CHART_DIR, VARIANTS[variant], strict=True, namespace=NAMESPACE, kube_version="v1.30.0")
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert report["errors"] == [] and problems == [], report


def test_lint_reports_the_missing_required_values_of_a_bare_install() -> None:
    report = helm.lint(CHART_DIR, strict=True)
    assert any("repository" in error for error in report["errors"]), report


def test_the_kubernetes_validate_command_accepts_the_production_manifests(chart: Any, tmp_path: Path) -> None:
    manifests = render(chart, PRODUCTION_VALUES)
    target = tmp_path / "production.yaml"
    target.write_text(yaml.safe_dump_all(manifests), encoding="utf-8")
    command = [sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet", "-k", KUBE_VERSIONS[-1], str(target)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr

    # The same command must notice a field Kubernetes does not know.
    manifests[0].setdefault("spec", {})["notAField"] = True
    target.write_text(yaml.safe_dump_all(manifests), encoding="utf-8")
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_manifests_validate_strictly_against_kubernetes(chart: Any, variant: str, kube_version: str) -> None:
    manifests = render(chart, VARIANTS[variant])
    assert len(manifests) > 10
    for manifest in manifests:
        # strict: unknown fields are errors; a kind without a schema raises instead of passing silently.
        kubernetes_validate.validate(manifest, kube_version, strict=True)


# ---- pod hardening -------------------------------------------------------------------------------------
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_pod_runs_non_root_read_only_and_bounded(chart: Any, variant: str) -> None:
    templates = pod_templates(render(chart, VARIANTS[variant]))
    assert templates
    for where, template in templates:
        spec = template["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        assert spec["securityContext"]["runAsUser"] > 0, where
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert spec["automountServiceAccountToken"] is False, where
        assert spec.get("hostNetwork", False) is False and spec.get("hostPID", False) is False, where
        for container in containers(spec):
            context = container["securityContext"]
            label = f"{where} container {container['name']}"
            assert context["allowPrivilegeEscalation"] is False, label
            assert context["readOnlyRootFilesystem"] is True, label
            assert context["capabilities"]["drop"] == ["ALL"], label
            assert "add" not in context["capabilities"], label
            assert context.get("privileged", False) is False, label
            limits = container["resources"]["limits"]
            assert {"cpu", "memory"} <= set(limits), label
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), label
            mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
            assert "/tmp" in mounts, f"{label}: /tmp must be a writable volume under a read-only root"
            env = env_of(container)
            for name in ("DO_NOT_TRACK", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
                assert env[name]["value"] == "1", f"{label}: {name}"


def test_api_probes_health_and_readiness_over_https(chart: Any) -> None:
    api = named(render(chart, PRODUCTION_VALUES), "Deployment", "kb-api")["spec"]["template"]["spec"]["containers"][0]
    assert api["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "https", "scheme": "HTTPS"}
    assert api["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "https", "scheme": "HTTPS"}
    assert api["args"][:3] == ["serve", "--host=0.0.0.0", "--port=8443"]
    assert "--cert=$(KB_SERVER__CERT)" in api["args"] and "--key=$(KB_SERVER__KEY)" in api["args"]


def test_autoscaler_owns_api_replicas_and_a_disruption_budget_exists(chart: Any) -> None:
    manifests = render(chart, PRODUCTION_VALUES)
    assert "replicas" not in named(manifests, "Deployment", "kb-api")["spec"]
    hpa = named(manifests, "HorizontalPodAutoscaler", "kb-api")["spec"]
    assert hpa["scaleTargetRef"]["name"] == "kb-api" and hpa["minReplicas"] == 2
    assert named(manifests, "PodDisruptionBudget", "kb-api")["spec"]["maxUnavailable"] == 1

    fixed = render(chart, SINGLE_NODE_VALUES)
    assert named(fixed, "Deployment", "kb-api")["spec"]["replicas"] == 1
    assert of_kind(fixed, "HorizontalPodAutoscaler") == []


# ---- GPUs ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_only_the_vllm_pod_asks_for_gpus(chart: Any, variant: str) -> None:
    gpu_containers = []
    for where, template in pod_templates(render(chart, VARIANTS[variant])):
        for container in containers(template["spec"]):
            resources = container["resources"]
            if "nvidia.com/gpu" in resources.get("limits", {}) or "nvidia.com/gpu" in resources.get("requests", {}):
                gpu_containers.append((where, container))
    if VARIANTS[variant]["vllm"].get("enabled", True) is False:
        assert gpu_containers == []
        return
    assert [where for where, _ in gpu_containers] == ["Deployment/kb-vllm"]
    resources = gpu_containers[0][1]["resources"]
    assert resources["limits"]["nvidia.com/gpu"] == resources["requests"]["nvidia.com/gpu"] == 1


def test_vllm_serves_the_model_from_its_volume_offline(chart: Any) -> None:
    manifests = render(chart, PRODUCTION_VALUES)
    pod = named(manifests, "Deployment", "kb-vllm")["spec"]["template"]["spec"]
    vllm = pod["containers"][0]
    assert vllm["command"] == ["vllm", "serve"]
    assert vllm["args"][0] == "/models/Qwen2.5-7B-Instruct"
    assert "--served-model-name=kb-answer" in vllm["args"] and "--max-model-len=8192" in vllm["args"]
    assert not any("api-key" in arg for arg in vllm["args"]), "the key belongs in VLLM_API_KEY, not argv"
    vllm_key = env_of(vllm)["VLLM_API_KEY"]["valueFrom"]["secretKeyRef"]
    assert vllm_key == {"name": "kb-service-keys", "key": "vllm-api-key"}
    assert vllm["livenessProbe"]["httpGet"]["path"] == vllm["readinessProbe"]["httpGet"]["path"] == "/health"
    models = next(v for v in pod["volumes"] if v["name"] == "models")
    assert models["persistentVolumeClaim"] == {"claimName": "kb-models", "readOnly": True}
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert any(t["key"] == "nvidia.com/gpu" for t in pod["tolerations"])

    api_env = env_of(named(manifests, "Deployment", "kb-api")["spec"]["template"]["spec"]["containers"][0])
    assert api_env["KB_ANSWER__BACKEND"]["value"] == "openai"
    assert api_env["KB_ANSWER__BASE_URL"]["value"] == "http://kb-vllm:8000/v1"
    assert api_env["KB_ANSWER__MODEL"]["value"] == "kb-answer"


def test_without_vllm_the_api_answers_extractively(chart: Any) -> None:
    manifests = render(chart, WITHOUT_VLLM_VALUES)
    assert not [m for m in manifests if "vllm" in m["metadata"]["name"]]
    api_env = env_of(named(manifests, "Deployment", "kb-api")["spec"]["template"]["spec"]["containers"][0])
    assert api_env["KB_ANSWER__BACKEND"]["value"] == "extractive"
    assert "KB_ANSWER__API_KEY" not in api_env


# ---- network policies ----------------------------------------------------------------------------------
def policies_by_name(manifests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {p["metadata"]["name"]: p["spec"] for p in of_kind(manifests, "NetworkPolicy")}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_default_deny_policy_covers_every_pod(chart: Any, variant: str) -> None:
    manifests = render(chart, VARIANTS[variant])
    deny = [
        spec
        for spec in policies_by_name(manifests).values()
        if set(spec["policyTypes"]) == {"Ingress", "Egress"} and not spec.get("ingress") and not spec.get("egress")
    ]
    assert len(deny) == 1
    selector = deny[0]["podSelector"]["matchLabels"]
    for where, template in pod_templates(manifests):
        labels = template["metadata"]["labels"]
        assert selector.items() <= labels.items(), f"{where} escapes the default-deny policy"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_no_policy_opens_egress_to_the_internet(chart: Any, variant: str) -> None:
    for name, spec in policies_by_name(render(chart, VARIANTS[variant])).items():
        for rule in spec.get("egress") or []:
            assert rule.get("to"), f"{name}: an egress rule without `to` allows every destination"
            assert rule.get("ports"), f"{name}: an egress rule without ports allows every port"
            for peer in rule["to"]:
                cidr = peer.get("ipBlock", {}).get("cidr")
                assert cidr not in {"0.0.0.0/0", "::/0"}, name


def component_selector(component: str) -> dict[str, Any]:
    return {
        "podSelector": {
            "matchLabels": {
                "app.kubernetes.io/name": "kb",
                "app.kubernetes.io/instance": RELEASE,
                "app.kubernetes.io/component": component,
            }
        }
    }


def test_qdrant_and_vllm_accept_traffic_only_from_kb_pods(chart: Any) -> None:
    policies = policies_by_name(render(chart, PRODUCTION_VALUES))

    qdrant = policies["kb-qdrant"]
    client_rule, peer_rule = qdrant["ingress"]
    assert client_rule["from"] == [component_selector("api"), component_selector("ingest")]
    assert client_rule["ports"] == [{"port": 6333, "protocol": "TCP"}]
    assert peer_rule == {"from": [component_selector("qdrant")], "ports": [{"port": 6335, "protocol": "TCP"}]}

    vllm = policies["kb-vllm"]
    assert vllm["ingress"] == [{"from": [component_selector("api")], "ports": [{"port": 8000, "protocol": "TCP"}]}]
    assert "Egress" in vllm["policyTypes"] and not vllm.get("egress"), "vLLM needs no outbound traffic"



DNS_PEERS = [
    {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
    }
]
DNS_PORTS = [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]


def egress_rules(policy: dict[str, Any]) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    return [(rule["to"], rule["ports"]) for rule in policy["egress"]]


def test_the_api_reaches_only_dns_qdrant_vllm_and_the_idp(chart: Any) -> None:
    api = policies_by_name(render(chart, PRODUCTION_VALUES))["kb-api"]
    assert api["podSelector"]["matchLabels"] == component_selector("api")["podSelector"]["matchLabels"]
    assert egress_rules(api) == [
        (DNS_PEERS, DNS_PORTS),
        ([component_selector("qdrant")], [{"port": 6333, "protocol": "TCP"}]),
        ([component_selector("vllm")], [{"port": 8000, "protocol": "TCP"}]),
        ([{"ipBlock": {"cidr": "10.20.0.0/24"}}], [{"port": 443, "protocol": "TCP"}]),
    ]
    assert api["ingress"] == [
        {
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
            "ports": [{"port": "https", "protocol": "TCP"}],
        }
    ]

    keycloak = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "keycloak"}}}
    idp = {"cidrs": [], "peers": [keycloak], "ports": [{"port": 8443, "protocol": "TCP"}]}
    values = merged(PRODUCTION_VALUES, {"networkPolicy": {"idp": idp}})
    in_cluster_idp = policies_by_name(render(chart, values))["kb-api"]
    assert egress_rules(in_cluster_idp)[-1] == ([keycloak], [{"port": 8443, "protocol": "TCP"}])


def test_the_ingest_job_reaches_only_dns_and_qdrant(chart: Any) -> None:
    ingest = policies_by_name(render(chart, PRODUCTION_VALUES))["kb-ingest"]
    assert egress_rules(ingest) == [
        (DNS_PEERS, DNS_PORTS),
        ([component_selector("qdrant")], [{"port": 6333, "protocol": "TCP"}]),
    ]
    assert "Ingress" in ingest["policyTypes"] and not ingest.get("ingress"), "nothing may connect to an ingest pod"


def test_single_node_qdrant_has_no_peer_traffic(chart: Any) -> None:
    qdrant = policies_by_name(render(chart, SINGLE_NODE_VALUES))["kb-qdrant"]
    assert len(qdrant["ingress"]) == 1 and not qdrant.get("egress")


# ---- secrets -------------------------------------------------------------------------------------------
def test_secret_values_appear_only_in_the_secret(chart: Any) -> None:
    plain = list(INLINE_SECRETS.values())
    secret_strings = plain + [base64.b64encode(value.encode()).decode() for value in plain]
    rendered = render_text(chart, SINGLE_NODE_VALUES)
    notes = next(text for path, text in rendered.items() if path.endswith("NOTES.txt"))
    assert not [value for value in secret_strings if value in notes]

    manifests = render(chart, SINGLE_NODE_VALUES)
    holders = {
        f"{m['kind']}/{m['metadata']['name']}"
        for m in manifests
        for value in secret_strings
        if value in yaml.safe_dump(m)
    }
    assert holders == {"Secret/kb-secrets"}, "a secret value leaks outside the Secret"

    secret = named(manifests, "Secret", "kb-secrets")
    decoded = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
    assert decoded == {
        "master-key": INLINE_SECRETS["masterKey"],
        "qdrant-api-key": INLINE_SECRETS["qdrantApiKey"],
        "vllm-api-key": INLINE_SECRETS["vllmApiKey"],
        "client-id": INLINE_SECRETS["oidcClient"],
    }


def test_existing_secrets_are_referenced_and_never_created(chart: Any) -> None:
    manifests = render(chart, PRODUCTION_VALUES)
    assert of_kind(manifests, "Secret") == []
    refs = set()
    for _, template in pod_templates(manifests):
        for container in containers(template["spec"]):
            for entry in container.get("env", []):
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.add((entry["name"], ref["name"], ref["key"]))
    assert refs == {
        ("KB_MASTER_KEY", "kb-master-key", "master-key"),
        ("KB_STORE__API_KEY", "kb-service-keys", "qdrant-api-key"),
        ("KB_ANSWER__API_KEY", "kb-service-keys", "vllm-api-key"),
        ("QDRANT__SERVICE__API_KEY", "kb-service-keys", "qdrant-api-key"),
        ("VLLM_API_KEY", "kb-service-keys", "vllm-api-key"),
        ("KB_AUTH__CLIENT_ID", "kb-oidc-client", "client-id"),
    }


def test_the_master_key_is_required(chart: Any) -> None:
    values = merged(PRODUCTION_VALUES, {"secrets": {"masterKey": {"existingSecret": "", "value": ""}}})
    assert "secrets.masterKey" in render_error(chart, values)


# ---- Qdrant --------------------------------------------------------------------------------------------
def test_cluster_mode_runs_the_peers_and_passes_shards_and_replication(chart: Any) -> None:
    manifests = render(chart, PRODUCTION_VALUES)
    statefulset = named(manifests, "StatefulSet", "kb-qdrant")
    assert statefulset["spec"]["replicas"] == 3
    assert statefulset["spec"]["serviceName"] == "kb-qdrant-headless"
    qdrant = statefulset["spec"]["template"]["spec"]["containers"][0]
    env = env_of(qdrant)
    assert env["QDRANT__CLUSTER__ENABLED"]["value"] == "true"
    assert env["QDRANT__CLUSTER__P2P__PORT"]["value"] == "6335"
    assert env["QDRANT__SERVICE__ENABLE_TLS"]["value"] == "true"
    assert env["QDRANT__TELEMETRY_DISABLED"]["value"] == "true"
    assert env["QDRANT__SERVICE__ENABLE_STATIC_CONTENT"]["value"] == "false"
    script = qdrant["args"][0]
    assert '--bootstrap "https://kb-qdrant-0.kb-qdrant-headless.practice.svc:6335"' in script
    assert {port["name"] for port in qdrant["ports"]} == {"http", "grpc", "p2p"}
    claims = {claim["metadata"]["name"] for claim in statefulset["spec"]["volumeClaimTemplates"]}
    assert claims == {"storage", "snapshots"}

    headless = named(manifests, "Service", "kb-qdrant-headless")["spec"]
    assert headless["clusterIP"] == "None" and headless["publishNotReadyAddresses"] is True
    assert named(manifests, "PodDisruptionBudget", "kb-qdrant")["spec"]["maxUnavailable"] == 1

    for workload in (named(manifests, "Deployment", "kb-api"), named(manifests, "Job", "kb-ingest")):
        env = env_of(pod_template(workload)["spec"]["containers"][0])
        assert env["KB_STORE__SHARDS"]["value"] == "6"
        assert env["KB_STORE__REPLICATION_FACTOR"]["value"] == "2"
        assert env["KB_STORE__URL"]["value"] == "https://kb-qdrant.practice.svc:6333"
        assert env["KB_STORE__CA_CERT"]["value"] == "/etc/kb/qdrant-ca/ca.crt"


@pytest.mark.parametrize(("peers", "shards", "replication"), [(3, 6, 2), (5, 10, 3), (2, 4, 2)])
def test_cluster_mode_renders_the_peers_shards_and_copies_asked_for(
    chart: Any, peers: int, shards: int, replication: int
) -> None:
    values = merged(
        PRODUCTION_VALUES,
        {"qdrant": {"replicas": peers, "collection": {"shards": shards, "replicationFactor": replication}}},
    )
    manifests = render(chart, values)
    assert named(manifests, "StatefulSet", "kb-qdrant")["spec"]["replicas"] == peers
    workloads = [("Deployment", "kb-api"), ("Job", "kb-ingest"), ("CronJob", "kb-ingest")]
    for workload in (named(manifests, kind, name) for kind, name in workloads):
        env = env_of(pod_template(workload)["spec"]["containers"][0])
        assert (env["KB_STORE__SHARDS"]["value"], env["KB_STORE__REPLICATION_FACTOR"]["value"]) == (
            str(shards),
            str(replication),
        )


def test_single_node_qdrant_runs_the_image_entrypoint(chart: Any) -> None:
    statefulset = named(render(chart, SINGLE_NODE_VALUES), "StatefulSet", "kb-qdrant")
    qdrant = statefulset["spec"]["template"]["spec"]["containers"][0]
    assert statefulset["spec"]["replicas"] == 1
    assert "command" not in qdrant and "args" not in qdrant
    assert env_of(qdrant)["QDRANT__CLUSTER__ENABLED"]["value"] == "false"


# ---- ingest --------------------------------------------------------------------------------------------
def test_ingest_runs_as_a_hook_or_as_a_job_per_revision(chart: Any) -> None:
    hook = named(render(chart, PRODUCTION_VALUES), "Job", "kb-ingest")
    assert hook["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"
    assert hook["spec"]["template"]["spec"]["containers"][0]["args"] == ["ingest"]

    manifests = render(chart, SINGLE_NODE_VALUES)
    plain = named(manifests, "Job", "kb-ingest-r3")
    assert "annotations" not in plain["metadata"]
    cron = named(manifests, "CronJob", "kb-ingest")["spec"]
    assert cron["concurrencyPolicy"] == "Forbid"
    assert cron["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"] == ["ingest"]


# ---- corpus config -------------------------------------------------------------------------------------
def corpus_config_of(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    return yaml.safe_load(named(manifests, "ConfigMap", "kb-corpus-config")["data"]["corpus.yaml"])


def test_the_default_corpus_config_is_the_sample_rooted_at_the_mount(chart: Any, tmp_path: Path) -> None:
    from corpus_config.schema import load_corpus_config

    shipped = corpus_config_of(render(chart, PRODUCTION_VALUES))
    sample = yaml.safe_load((REPO_ROOT / "corpus_config" / "sample.yaml").read_text(encoding="utf-8"))
    assert shipped["corpus_root"] == "/srv/corpus"
    dated = {path: doc for path, doc in sample["documents"].items() if "effective_date" in doc}
    for doc in dated.values():
        doc["effective_date"] = doc["effective_date"].isoformat()
    assert {**shipped, "corpus_root": None} == {**sample, "corpus_root": None}, (
        "helm/kb/files/corpus_config.yaml drifted from corpus_config/sample.yaml"
    )
    config_file = tmp_path / "corpus.yaml"
    config_file.write_text(yaml.safe_dump(shipped), encoding="utf-8")
    loaded = load_corpus_config(config_file, corpus_root_override=tmp_path)
    assert [c.name for c in loaded.collections] == [c["name"] for c in sample["collections"]]


def test_a_practice_corpus_config_replaces_the_sample_entirely(chart: Any) -> None:
    practice = {
        "corpus_root": "/somewhere/else",
        "collections": [{"name": "front_office", "roles": ["front_desk", "admin"], "sources": ["front/*"]}],
    }
    values = merged(PRODUCTION_VALUES, {"corpus": {"config": yaml.safe_dump(practice)}})
    assert corpus_config_of(render(chart, values)) == {**practice, "corpus_root": "/srv/corpus"}

    broken = merged(PRODUCTION_VALUES, {"corpus": {"config": "collections: [unclosed"}})
    assert "corpus.config" in render_error(chart, broken)


def kb_variables(manifests: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    for where, template in pod_templates(manifests):
        for container in containers(template["spec"]):
            for name in env_of(container):
                if name.startswith("KB_"):
                    yield where, name


def is_known_setting(name: str) -> bool:
    """Whether KB_A__B names a field of kb.settings.Settings; its nested groups forbid unknown keys, so an
    unknown variable stops the app at start."""
    from pydantic import BaseModel

    from kb.settings import Settings

    model: type[BaseModel] = Settings
    parts = name.removeprefix("KB_").lower().split("__")
    for depth, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return False
        if depth < len(parts) - 1:
            if not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
                return False
            model = field.annotation
    return True


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_kb_variable_the_chart_sets_is_a_known_setting(chart: Any, variant: str) -> None:
    names = list(kb_variables(render(chart, VARIANTS[variant])))
    assert len(names) > 20
    for where, name in names:
        assert is_known_setting(name), f"{where}: {name} is not in kb/settings.py"


def test_the_oidc_client_id_comes_from_its_secret_when_one_is_given(chart: Any) -> None:
    def client_id_env(values: dict[str, Any]) -> dict[str, Any]:
        api = named(render(chart, values), "Deployment", "kb-api")["spec"]["template"]["spec"]["containers"][0]
        env = env_of(api)
        assert "KB_AUTH__CLIENT_SECRET" not in env, "kb's web UI is a public client; the setting does not exist"
        return env["KB_AUTH__CLIENT_ID"]

    from_secret = client_id_env(PRODUCTION_VALUES)["valueFrom"]["secretKeyRef"]
    assert from_secret == {"name": "kb-oidc-client", "key": "client-id"}
    assert client_id_env(SINGLE_NODE_VALUES)["valueFrom"]["secretKeyRef"] == {"name": "kb-secrets", "key": "client-id"}
    assert client_id_env(MINIMAL_VALUES) == {"name": "KB_AUTH__CLIENT_ID", "value": "kb-web"}


def test_a_private_idp_ca_is_trusted_by_the_api_only_when_given(chart: Any) -> None:
    def api_pod(values: dict[str, Any]) -> dict[str, Any]:
        return named(render(chart, values), "Deployment", "kb-api")["spec"]["template"]["spec"]

    pod = api_pod(PRODUCTION_VALUES)
    assert "SSL_CERT_FILE" not in env_of(pod["containers"][0])
    assert "idp-ca" not in {v["name"] for v in pod["volumes"]}

    ca_bundle = {"configMap": "practice-ca", "key": "root.pem"}
    pod = api_pod(merged(PRODUCTION_VALUES, {"kb": {"auth": {"caBundle": ca_bundle}}}))
    api = pod["containers"][0]
    assert env_of(api)["SSL_CERT_FILE"]["value"] == "/etc/kb/idp-ca/root.pem"
    assert {"name": "idp-ca", "mountPath": "/etc/kb/idp-ca", "readOnly": True} in api["volumeMounts"]
    volume = next(v for v in pod["volumes"] if v["name"] == "idp-ca")
    assert volume["configMap"] == {"name": "practice-ca", "items": [{"key": "root.pem", "path": "root.pem"}]}


# ---- values schema and cross-field checks --------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"api": {"replicas": -1}}, "/api/replicas"),
        ({"api": {"replicas": "two"}}, "/api/replicas"),
        ({"replicaCount": 3}, "replicaCount"),
        ({"api": {"image": {"repository": ""}}}, "/api/image/repository"),
        # null deletes a default in Helm, as `--set api.resources.limits.memory=null` would
        ({"api": {"resources": {"limits": {"memory": None}}}}, "/api/resources/limits"),
        ({"qdrant": {"replicas": 3, "cluster": {"enabled": False}}}, "/qdrant/replicas"),
        ({"qdrant": {"collection": {"shards": 0}}}, "/qdrant/collection/shards"),
        ({"secrets": {"masterKey": {"value": "c2hvcnQ="}}}, "/secrets/masterKey/value"),
        ({"networkPolicy": {"idp": {"cidrs": ["0.0.0.0/0"]}}}, "/networkPolicy/idp/cidrs/0"),
        ({"kb": {"auth": {"issuer": "http://sso.practice.example"}}}, "/kb/auth/issuer"),
        ({"kb": {"auth": {"issuer": ""}}}, "/kb/auth/issuer"),
        ({"ingress": {"host": ""}}, "/ingress/host"),
        ({"vllm": {"model": {"directory": "../etc"}}}, "/vllm/model/directory"),
        ({"vllm": {"gpus": 0}}, "/vllm/gpus"),
        ({"kb": {"extraEnv": [{"name": "KB_STORE__API_KEY", "value": "in-the-clear"}]}}, "/kb/extraEnv/0"),
        ({"kb": {"auth": {"caBundle": {"configMap": "Not_A_Name", "key": "ca.crt"}}}}, "/kb/auth/caBundle/configMap"),
        ({"qdrant": {"tls": {"secretName": ""}}}, "/qdrant/tls/secretName"),
    ],
)
def test_the_values_schema_rejects_bad_values(chart: Any, overrides: dict[str, Any], complaint: str) -> None:
    values = merged(PRODUCTION_VALUES, overrides)
    with pytest.raises(helm.HelmValuesError) as caught:
        render_text(chart, values)
    assert complaint in str(caught.value)


def test_two_stored_secrets_cannot_share_an_entry(chart: Any) -> None:
    values = merged(SINGLE_NODE_VALUES, {"secrets": {"vllmApiKey": {"key": "qdrant-api-key"}}})
    assert "already used by another secret" in render_error(chart, values)


def test_replication_factor_cannot_exceed_the_qdrant_peers(chart: Any) -> None:
    values = merged(PRODUCTION_VALUES, {"qdrant": {"collection": {"replicationFactor": 4}}})
    assert "cannot exceed qdrant.replicas" in render_error(chart, values)


def test_extra_env_takes_plain_settings_and_secret_references(chart: Any) -> None:
    extra = [
        {"name": "KB_INGEST__MAX_FILE_MB", "value": "80"},
        {"name": "EXTRA_TOKEN", "valueFrom": {"secretKeyRef": {"name": "practice-extra", "key": "token"}}},
    ]
    manifests = render(chart, merged(PRODUCTION_VALUES, {"kb": {"extraEnv": extra}}))
    for workload in (named(manifests, "Deployment", "kb-api"), named(manifests, "Job", "kb-ingest")):
        env = env_of(pod_template(workload)["spec"]["containers"][0])
        assert env["KB_INGEST__MAX_FILE_MB"] == extra[0] and env["EXTRA_TOKEN"] == extra[1]
