{{/* Names ------------------------------------------------------------------------------------------ */}}

{{- define "kb.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kb.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A component's resource name, e.g. "<fullname>-api". Takes (list $ "api"). */}}
{{- define "kb.componentName" -}}
{{- $root := index . 0 }}
{{- printf "%s-%s" (include "kb.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kb.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kb.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Labels ----------------------------------------------------------------------------------------- */}}

{{- define "kb.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "kb.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kb
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels every pod of the release carries; the default-deny policy selects on them. */}}
{{- define "kb.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "kb.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Takes (list $ "api"). */}}
{{- define "kb.selectorLabels" -}}
{{ include "kb.releaseSelectorLabels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/* Takes (list $ "api"). */}}
{{- define "kb.componentLabels" -}}
{{ include "kb.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/* Images ----------------------------------------------------------------------------------------- */}}

{{/* Takes (list $ .Values.api.image). A digest pins the image exactly. */}}
{{- define "kb.image" -}}
{{- $root := index . 0 }}
{{- $image := index . 1 }}
{{- if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository (default $root.Chart.AppVersion $image.tag) }}
{{- end }}
{{- end }}

{{/* Secrets ---------------------------------------------------------------------------------------- */}}

{{- define "kb.secretsName" -}}
{{- include "kb.componentName" (list . "secrets") }}
{{- end }}

{{/* Whether a secret (an entry of .Values.secrets) is configured at all. */}}
{{- define "kb.secretIsSet" -}}
{{- if or .value .existingSecret }}true{{ end }}
{{- end }}

{{/* A secretKeyRef for an entry of .Values.secrets. Takes (list $ .Values.secrets.masterKey). */}}
{{- define "kb.secretKeyRef" -}}
{{- $root := index . 0 }}
{{- $secret := index . 1 -}}
secretKeyRef:
  name: {{ default (include "kb.secretsName" $root) $secret.existingSecret }}
  key: {{ $secret.key }}
{{- end }}

{{/* Whether the chart must create its own Secret: some secret is given as a value, not by reference. */}}
{{- define "kb.ownsSecrets" -}}
{{- range $name, $secret := .Values.secrets }}
{{- if and $secret.value (not $secret.existingSecret) }}true{{ end }}
{{- end }}
{{- end }}

{{/* Cross-field checks the JSON schema cannot express. Included by every workload template. */}}
{{- define "kb.validate" -}}
{{- $v := .Values }}
{{- if not (include "kb.secretIsSet" $v.secrets.masterKey) }}
{{- fail "secrets.masterKey: set existingSecret (recommended) or value. It wraps every data key; keep a copy offline." }}
{{- end }}
{{- if not (include "kb.secretIsSet" $v.secrets.qdrantApiKey) }}
{{- fail "secrets.qdrantApiKey: set existingSecret (recommended) or value; Qdrant never runs without an API key." }}
{{- end }}
{{- if and $v.vllm.enabled (not (include "kb.secretIsSet" $v.secrets.vllmApiKey)) }}
{{- fail "secrets.vllmApiKey: set existingSecret (recommended) or value, or set vllm.enabled=false." }}
{{- end }}
{{- if and $v.vllm.enabled (not $v.vllm.model.directory) }}
{{- fail "vllm.model.directory: name the model's directory on the model PVC, or set vllm.enabled=false." }}
{{- end }}
{{- $ownedKeys := list }}
{{- range $name, $secret := $v.secrets }}
{{- if and $secret.value (not $secret.existingSecret) }}
{{- if has $secret.key $ownedKeys }}
{{- fail (printf "secrets.%s.key: %q is already used by another secret the chart stores; give each its own key." $name $secret.key) }}
{{- end }}
{{- $ownedKeys = append $ownedKeys $secret.key }}
{{- end }}
{{- end }}
{{- if gt (int $v.qdrant.collection.replicationFactor) (int $v.qdrant.replicas) }}
{{- fail (printf "qdrant.collection.replicationFactor (%v) cannot exceed qdrant.replicas (%v): each copy of a shard needs its own peer." $v.qdrant.collection.replicationFactor $v.qdrant.replicas) }}
{{- end }}
{{- if and $v.api.autoscaling.enabled (gt (int $v.api.autoscaling.minReplicas) (int $v.api.autoscaling.maxReplicas)) }}
{{- fail "api.autoscaling.minReplicas cannot exceed api.autoscaling.maxReplicas." }}
{{- end }}
{{- end }}

{{/* Pod hardening ---------------------------------------------------------------------------------- */}}

{{/* Pod securityContext. Takes (list uid gid fsGroup). */}}
{{- define "kb.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ index . 0 }}
runAsGroup: {{ index . 1 }}
fsGroup: {{ index . 2 }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container securityContext; the same for every container of the chart. */}}
{{- define "kb.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Environment every container of the chart gets: nothing may phone home or download a model. */}}
{{- define "kb.offlineEnv" -}}
- name: DO_NOT_TRACK
  value: "1"
- name: HF_HUB_OFFLINE
  value: "1"
- name: TRANSFORMERS_OFFLINE
  value: "1"
- name: HF_HUB_DISABLE_TELEMETRY
  value: "1"
{{- end }}

{{/* The kb application (API and ingest) -------------------------------------------------------------- */}}

{{- define "kb.homePath" -}}/var/lib/kb{{- end }}
{{- define "kb.configDir" -}}/etc/kb/corpus{{- end }}
{{- define "kb.qdrantCaDir" -}}/etc/kb/qdrant-ca{{- end }}
{{- define "kb.idpCaDir" -}}/etc/kb/idp-ca{{- end }}

{{- define "kb.qdrantUrl" -}}
{{- printf "https://%s.%s.svc:6333" (include "kb.componentName" (list . "qdrant")) .Release.Namespace }}
{{- end }}

{{- define "kb.vllmUrl" -}}
{{- printf "http://%s:8000/v1" (include "kb.componentName" (list . "vllm")) }}
{{- end }}

{{- define "kb.corpusClaimName" -}}
{{- default (include "kb.componentName" (list . "corpus")) .Values.corpus.persistence.existingClaim }}
{{- end }}

{{- define "kb.stateClaimName" -}}
{{- default (include "kb.componentName" (list . "state")) .Values.state.persistence.existingClaim }}
{{- end }}

{{- define "kb.modelClaimName" -}}
{{- default (include "kb.componentName" (list . "models")) .Values.vllm.persistence.existingClaim }}
{{- end }}

{{/* KB_* settings shared by the API and the ingest pods (see kb/settings.py). */}}
{{- define "kb.appEnv" -}}
{{ include "kb.offlineEnv" . }}
- name: HOME
  value: /tmp
- name: KB_HOME
  value: {{ include "kb.homePath" . }}
- name: KB_CONFIG
  value: {{ include "kb.configDir" . }}/corpus.yaml
{{- /* An environment variable, not a mounted file: `kb keys rotate` writes its new key beside a key file,
       which a read-only Secret volume does not allow. */}}
- name: KB_MASTER_KEY
  valueFrom:
    {{- include "kb.secretKeyRef" (list . .Values.secrets.masterKey) | nindent 4 }}
- name: KB_STORE__BACKEND
  value: server
- name: KB_STORE__URL
  value: {{ include "kb.qdrantUrl" . }}
- name: KB_STORE__API_KEY
  valueFrom:
    {{- include "kb.secretKeyRef" (list . .Values.secrets.qdrantApiKey) | nindent 4 }}
- name: KB_STORE__CA_CERT
  value: {{ include "kb.qdrantCaDir" . }}/ca.crt
- name: KB_STORE__COLLECTION
  value: {{ .Values.qdrant.collection.name | quote }}
- name: KB_STORE__SHARDS
  value: {{ .Values.qdrant.collection.shards | quote }}
- name: KB_STORE__REPLICATION_FACTOR
  value: {{ .Values.qdrant.collection.replicationFactor | quote }}
- name: KB_EMBEDDING__MODEL
  value: {{ .Values.kb.embedding.model | quote }}
- name: KB_EMBEDDING__DEVICE
  value: {{ .Values.kb.embedding.device | quote }}
{{- if .Values.vllm.enabled }}
- name: KB_ANSWER__BACKEND
  value: openai
- name: KB_ANSWER__BASE_URL
  value: {{ include "kb.vllmUrl" . }}
- name: KB_ANSWER__MODEL
  value: {{ .Values.vllm.model.servedModelName | quote }}
- name: KB_ANSWER__API_KEY
  valueFrom:
    {{- include "kb.secretKeyRef" (list . .Values.secrets.vllmApiKey) | nindent 4 }}
{{- else }}
- name: KB_ANSWER__BACKEND
  value: extractive
{{- end }}
- name: KB_ANSWER__TIMEOUT_S
  value: {{ .Values.kb.answer.timeoutSeconds | quote }}
- name: KB_AUTH__ISSUER
  value: {{ .Values.kb.auth.issuer | quote }}
- name: KB_AUTH__AUDIENCE
  value: {{ .Values.kb.auth.audience | quote }}
{{- if include "kb.secretIsSet" .Values.secrets.oidcClient }}
- name: KB_AUTH__CLIENT_ID
  valueFrom:
    {{- include "kb.secretKeyRef" (list . .Values.secrets.oidcClient) | nindent 4 }}
{{- else }}
- name: KB_AUTH__CLIENT_ID
  value: {{ .Values.kb.auth.clientId | quote }}
{{- end }}
- name: KB_AUTH__ROLES_CLAIM
  value: {{ .Values.kb.auth.rolesClaim | quote }}
- name: KB_AUTH__REQUIRE_MFA_FOR_ADMIN
  value: {{ .Values.kb.auth.requireMfaForAdmin | quote }}
{{- with .Values.kb.auth.caBundle.configMap }}
{{- /* httpx (OIDC discovery and keys) trusts this bundle instead of the public CAs. */}}
- name: SSL_CERT_FILE
  value: {{ include "kb.idpCaDir" $ }}/{{ $.Values.kb.auth.caBundle.key }}
{{- end }}
- name: KB_AUDIT__RETENTION_DAYS
  value: {{ .Values.kb.audit.retentionDays | quote }}
{{- with .Values.kb.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Volume mounts of the API and ingest containers. */}}
{{- define "kb.appVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: state
  mountPath: {{ include "kb.homePath" . }}
- name: corpus-config
  mountPath: {{ include "kb.configDir" . }}
  readOnly: true
- name: corpus
  mountPath: {{ .Values.corpus.mountPath }}
  readOnly: true
- name: qdrant-ca
  mountPath: {{ include "kb.qdrantCaDir" . }}
  readOnly: true
{{- if .Values.kb.auth.caBundle.configMap }}
- name: idp-ca
  mountPath: {{ include "kb.idpCaDir" . }}
  readOnly: true
{{- end }}
{{- if .Values.kb.embedding.modelVolume.existingClaim }}
- name: embedding-models
  mountPath: {{ .Values.kb.embedding.modelVolume.mountPath }}
  readOnly: true
{{- end }}
{{- end }}

{{/* Volumes of the API and ingest pods. */}}
{{- define "kb.appVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 2Gi
- name: state
  persistentVolumeClaim:
    claimName: {{ include "kb.stateClaimName" . }}
- name: corpus-config
  configMap:
    name: {{ include "kb.componentName" (list . "corpus-config") }}
- name: corpus
  persistentVolumeClaim:
    claimName: {{ include "kb.corpusClaimName" . }}
    readOnly: true
- name: qdrant-ca
  secret:
    secretName: {{ .Values.qdrant.tls.secretName }}
    items:
      - key: ca.crt
        path: ca.crt
{{- with .Values.kb.auth.caBundle.configMap }}
- name: idp-ca
  configMap:
    name: {{ . }}
    items:
      - key: {{ $.Values.kb.auth.caBundle.key }}
        path: {{ $.Values.kb.auth.caBundle.key }}
{{- end }}
{{- if .Values.kb.embedding.modelVolume.existingClaim }}
- name: embedding-models
  persistentVolumeClaim:
    claimName: {{ .Values.kb.embedding.modelVolume.existingClaim }}
    readOnly: true
{{- end }}
{{- end }}

{{/* Pod spec of an ingest run, shared by the Job and the CronJob. */}}
{{- define "kb.ingestPodSpec" -}}
serviceAccountName: {{ include "kb.serviceAccountName" . }}
automountServiceAccountToken: false
enableServiceLinks: false
restartPolicy: Never
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- include "kb.podSecurityContext" (list 10001 10001 10001) | nindent 2 }}
containers:
  - name: ingest
    image: {{ include "kb.image" (list . .Values.api.image) }}
    imagePullPolicy: {{ .Values.api.image.pullPolicy }}
    args: [ingest]
    env:
      {{- include "kb.appEnv" . | nindent 6 }}
    resources:
      {{- toYaml .Values.ingest.resources | nindent 6 }}
    securityContext:
      {{- include "kb.containerSecurityContext" . | nindent 6 }}
    volumeMounts:
      {{- include "kb.appVolumeMounts" . | nindent 6 }}
volumes:
  {{- include "kb.appVolumes" . | nindent 2 }}
{{- with .Values.ingest.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.ingest.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.ingest.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* A PersistentVolumeClaim the chart creates. Takes (list $ "state" .Values.state.persistence). */}}
{{- define "kb.persistentVolumeClaim" -}}
{{- $root := index . 0 }}
{{- $component := index . 1 }}
{{- $persistence := index . 2 }}
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ include "kb.componentName" (list $root $component) }}
  labels:
    {{- include "kb.componentLabels" (list $root $component) | nindent 4 }}
  annotations:
    {{- /* Uninstalling the release must never delete the key ring, the documents or the weights. */}}
    helm.sh/resource-policy: keep
spec:
  accessModes:
    {{- toYaml $persistence.accessModes | nindent 4 }}
  {{- with $persistence.storageClass }}
  storageClassName: {{ . }}
  {{- end }}
  resources:
    requests:
      storage: {{ $persistence.size }}
{{- end }}
