{{/*
Shared helpers. Every per-component template loops over
`include "kontor.components" . | fromJson`, so the merge of `defaults` with each
component and all cross-value checks live in one place.
*/}}

{{/* Resource name prefix: fullnameOverride or the release name. */}}
{{- define "kontor.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
"<fullname>-<suffix>", at most 63 characters (DNS label). The prefix is cut,
never the suffix, so names of different components cannot collide.
Usage: include "kontor.name" (list $ "contacts-worker")
*/}}
{{- define "kontor.name" -}}
{{- $root := index . 0 -}}
{{- $suffix := index . 1 -}}
{{- $room := sub 62 (len $suffix) | int -}}
{{- if lt $room 1 -}}
{{- fail (printf "resource name suffix %q is too long" $suffix) -}}
{{- end -}}
{{- printf "%s-%s" (include "kontor.fullname" $root | trunc $room | trimSuffix "-") $suffix -}}
{{- end -}}

{{- define "kontor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Selector labels of one workload. `component` is the component name, with a
"-worker", "-beat" or "-migrate" suffix for its other processes, so the
Service, PDB and HPA of the serving Deployment never select worker pods.
Usage: include "kontor.selectorLabels" (dict "root" $ "component" "contacts")
*/}}
{{- define "kontor.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* All labels; same arguments as kontor.selectorLabels. */}}
{{- define "kontor.labels" -}}
{{ include "kontor.selectorLabels" . }}
app.kubernetes.io/part-of: kontor
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "kontor.chart" .root }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Enabled components, each deep-merged over .Values.defaults, as JSON
(name -> settings). Fails early, with the value path, on settings that would
only break at runtime.
*/}}
{{- define "kontor.components" -}}
{{- $root := . -}}
{{- $out := dict -}}
{{- range $name, $raw := .Values.components -}}
{{- if dig "enabled" true (default dict $raw) -}}
{{- $_ := set $out $name (mustMergeOverwrite (deepCopy $root.Values.defaults) (deepCopy (default dict $raw))) -}}
{{- end -}}
{{- end -}}
{{- if not (or .Values.redis.existingSecret .Values.redis.url) -}}
{{- fail "redis: set redis.url or redis.existingSecret" -}}
{{- end -}}
{{- range $name, $c := $out -}}
{{- $db := default dict $c.database -}}
{{- if not (or $db.existingSecret $db.url) -}}
{{- fail (printf "components.%s.database: set url or existingSecret (each service has its own database)" $name) -}}
{{- end -}}
{{- range $dep := default list $c.calls -}}
{{- if eq $dep $name -}}
{{- fail (printf "components.%s.calls: a component cannot call itself" $name) -}}
{{- end -}}
{{- if not (hasKey $out $dep) -}}
{{- fail (printf "components.%s.calls: %q is not an enabled component" $name $dep) -}}
{{- end -}}
{{- end -}}
{{- if and $c.autoscaling.enabled (gt (int $c.autoscaling.minReplicas) (int $c.autoscaling.maxReplicas)) -}}
{{- fail (printf "components.%s.autoscaling: minReplicas is greater than maxReplicas" $name) -}}
{{- end -}}
{{- end -}}
{{- if and (not .Values.auth.jwksUrl) (not (hasKey $out "gateway")) -}}
{{- fail "auth.jwksUrl: required when the gateway component is disabled" -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* Env var prefix of a component: KONTOR_<NAME>_ with "-" -> "_". */}}
{{- define "kontor.envPrefix" -}}
{{- printf "KONTOR_%s_" (. | upper | replace "-" "_") -}}
{{- end -}}

{{/* Image reference. Usage: include "kontor.image" (dict "root" $ "name" $name "c" $c) */}}
{{- define "kontor.image" -}}
{{- $img := .c.image -}}
{{- $repo := $img.repository | default (printf "%s/kontor-%s" (trimSuffix "/" $img.registry) .name) -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $repo $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo ($img.tag | default .root.Chart.AppVersion | toString) -}}
{{- end -}}
{{- end -}}

{{/* Non-secret settings shared by all components (ConfigMap data). */}}
{{- define "kontor.configData" -}}
{{- $jwks := .Values.auth.jwksUrl -}}
{{- if not $jwks -}}
{{- $gw := index (include "kontor.components" . | fromJson) "gateway" -}}
{{- $jwks = printf "http://%s:%d/.well-known/jwks.json" (include "kontor.name" (list . "gateway")) (int $gw.ports.http) -}}
{{- end -}}
NATS_URL: {{ .Values.nats.url | quote }}
JWKS_URL: {{ $jwks | quote }}
LOG_LEVEL: {{ .Values.logLevel | quote }}
OTLP_ENDPOINT: {{ .Values.tracing.otlpEndpoint | quote }}
{{- end -}}

{{/*
Chart-managed credentials of one component (Secret data). Empty when every
credential comes from an existingSecret. An existingSecret wins over a URL.
Usage: include "kontor.secretData" (dict "root" $ "c" $c)
*/}}
{{- define "kontor.secretData" -}}
{{- $db := .c.database -}}
{{- if and $db.url (not $db.existingSecret) }}
database-url: {{ $db.url | b64enc | quote }}
{{- end }}
{{- $redis := .root.Values.redis -}}
{{- if and $redis.url (not $redis.existingSecret) }}
redis-url: {{ $redis.url | b64enc | quote }}
{{- end }}
{{- with .c.secretKeys }}
{{- if and .value (not .existingSecret) }}
secret-keys: {{ .value | b64enc | quote }}
{{- end }}
{{- end }}
{{- with .c.serviceSecret }}
{{- if and .value (not .existingSecret) }}
service-secret: {{ .value | b64enc | quote }}
{{- end }}
{{- end }}
{{- with .c.serviceClients }}
{{- if and .value (not .existingSecret) }}
service-clients: {{ .value | b64enc | quote }}
{{- end }}
{{- end }}
{{- range $setting, $s := default dict .c.secretSettings }}
{{- if and $s.value (not $s.existingSecret) }}
{{ include "kontor.secretSettingKey" $setting }}: {{ $s.value | b64enc | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Key of a secretSettings entry in the chart-managed Secret: MESSAGE_ID_KEY → message-id-key. */}}
{{- define "kontor.secretSettingKey" -}}
{{- . | lower | replace "_" "-" -}}
{{- end -}}

{{/*
Where a component's credentials come from, as JSON
{"db": {"name", "key"}, "redis": {"name", "key"}}. hook=true points at the
hook-only copy of the chart-managed Secret that the migration Job reads
(see migrations.yaml).
Usage: include "kontor.secretRefs" (dict "root" $ "name" $name "c" $c "hook" false)
*/}}
{{- define "kontor.secretRefs" -}}
{{- $own := include "kontor.name" (list .root (ternary (printf "%s-migrate" .name) .name .hook)) -}}
{{- $db := .c.database -}}
{{- $redis := .root.Values.redis -}}
{{- $refs := dict
    "db" (ternary (dict "name" $db.existingSecret "key" $db.existingSecretKey) (dict "name" $own "key" "database-url") (not (empty $db.existingSecret)))
    "redis" (ternary (dict "name" $redis.existingSecret "key" $redis.existingSecretKey) (dict "name" $own "key" "redis-url") (not (empty $redis.existingSecret)))
-}}
{{- with .c.secretKeys -}}
{{- $_ := set $refs "keys" (ternary (dict "name" .existingSecret "key" .existingSecretKey) (dict "name" $own "key" "secret-keys") (not (empty .existingSecret))) -}}
{{- end -}}
{{- with .c.serviceSecret -}}
{{- $_ := set $refs "serviceSecret" (ternary (dict "name" .existingSecret "key" .existingSecretKey) (dict "name" $own "key" "service-secret") (not (empty .existingSecret))) -}}
{{- end -}}
{{- with .c.serviceClients -}}
{{- $_ := set $refs "serviceClients" (ternary (dict "name" .existingSecret "key" .existingSecretKey) (dict "name" $own "key" "service-clients") (not (empty .existingSecret))) -}}
{{- end -}}
{{- toJson $refs -}}
{{- end -}}

{{/* Signing key Secret name and key, as JSON {"name", "key"}. */}}
{{- define "kontor.signingKeyRef" -}}
{{- $sk := .Values.auth.signingKey -}}
{{- if $sk.existingSecret -}}
{{- toJson (dict "name" $sk.existingSecret "key" $sk.existingSecretKey) -}}
{{- else -}}
{{- toJson (dict "name" (include "kontor.name" (list . "signing-key")) "key" "signing-key.pem") -}}
{{- end -}}
{{- end -}}

{{- define "kontor.signingKeyDir" -}}/var/run/secrets/kontor/signing-key{{- end -}}

{{/*
Environment of every process of a component (serve, worker, beat, migrate),
so that the migration Job sees exactly the settings the service sees.
Usage: include "kontor.env" (dict "root" $ "name" $name "c" $c "hook" false)
*/}}
{{- define "kontor.env" -}}
{{- $p := include "kontor.envPrefix" .name -}}
{{- $refs := include "kontor.secretRefs" . | fromJson -}}
{{- $all := include "kontor.components" .root | fromJson -}}
- name: OTEL_SERVICE_NAME
  value: {{ .name | quote }}
- name: {{ $p }}DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $refs.db.name }}
      key: {{ $refs.db.key }}
- name: {{ $p }}REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $refs.redis.name }}
      key: {{ $refs.redis.key }}
- name: {{ $p }}GRPC_PORT
  value: {{ int .c.ports.grpc | toString | quote }}
- name: {{ $p }}HTTP_PORT
  value: {{ int .c.ports.http | toString | quote }}
- name: {{ $p }}MIGRATE_ON_START
  value: {{ eq .c.migrations.mode "onStart" | toString | quote }}
# Celery beat keeps its schedule in a file, by default in the working
# directory, which is on the read-only root filesystem.
- name: {{ $p }}CELERY_BEAT_SCHEDULE_FILE
  value: /tmp/celerybeat-schedule
{{- with .c.secretKeys }}
{{- if not (or .value .existingSecret) }}
{{- fail (printf "components.%s.secretKeys: set existingSecret (a Secret holding the key(s)) or, for development only, value" $.name) }}
{{- end }}
- name: {{ $p }}SECRET_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ $refs.keys.name }}
      key: {{ $refs.keys.key }}
{{- end }}
{{- with .c.blobStore }}
- name: {{ $p }}BLOB_STORE_URL
  value: {{ .url | quote }}
- name: {{ $p }}BLOB_STORE_ENDPOINT_URL
  value: {{ .endpointUrl | quote }}
- name: {{ $p }}BLOB_STORE_REGION
  value: {{ .region | quote }}
- name: {{ $p }}BLOB_STORE_MAX_BYTES
  value: {{ int64 .maxBytes | toString | quote }}
{{- if .existingSecret }}
- name: {{ $p }}BLOB_STORE_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .accessKeyIdKey }}
- name: {{ $p }}BLOB_STORE_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .secretAccessKeyKey }}
{{- end }}
{{- end }}
{{- /* Background identity: a component with a client secret asks the gateway's TokenService for the
tokens of the users it works for; the gateway holds the secrets' SHA-256 (serviceClients). */}}
{{- with .c.serviceSecret }}
{{- if or .value .existingSecret }}
- name: {{ $p }}GATEWAY_ADDR
  value: {{ printf "%s:%d" (include "kontor.name" (list $.root "gateway")) (int (index $all "gateway").ports.grpc) | quote }}
- name: {{ $p }}SERVICE_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $refs.serviceSecret.name }}
      key: {{ $refs.serviceSecret.key }}
{{- end }}
{{- end }}
{{- with .c.serviceClients }}
{{- if or .value .existingSecret }}
- name: {{ $p }}SERVICE_CLIENTS
  valueFrom:
    secretKeyRef:
      name: {{ $refs.serviceClients.name }}
      key: {{ $refs.serviceClients.key }}
{{- end }}
{{- end }}
{{- /* Secret settings of the component's own (e.g. mail-import's MESSAGE_ID_KEY), from its Secret. */}}
{{- $own := include "kontor.name" (list .root (ternary (printf "%s-migrate" .name) .name .hook)) }}
{{- range $setting, $s := default dict .c.secretSettings }}
{{- if not (or $s.value $s.existingSecret) }}
{{- fail (printf "components.%s.secretSettings.%s: set existingSecret (a Secret holding it) or, for development only, value" $.name $setting) }}
{{- end }}
- name: {{ $p }}{{ $setting }}
  valueFrom:
    secretKeyRef:
      name: {{ ternary $s.existingSecret $own (not (empty $s.existingSecret)) }}
      key: {{ ternary $s.existingSecretKey (include "kontor.secretSettingKey" $setting) (not (empty $s.existingSecret)) }}
{{- end }}
{{- range $dep := default list .c.calls }}
- name: {{ $p }}{{ $dep | upper | replace "-" "_" }}_ADDR
  value: {{ printf "%s:%d" (include "kontor.name" (list $.root $dep)) (int (index $all $dep).ports.grpc) | quote }}
{{- end }}
{{- /* Set for the migration Job too: the settings require the path, although
only `serve` reads the file (the Job does not mount it). */}}
{{- if .c.mountSigningKey }}
- name: {{ $p }}SIGNING_KEY_FILE
  value: {{ printf "%s/signing-key.pem" (include "kontor.signingKeyDir" .) | quote }}
{{- with .root.Values.auth.keyEncryptionKey }}
{{- if .existingSecret }}
- name: {{ $p }}KEY_ENCRYPTION_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .existingSecretKey }}
{{- end }}
{{- end }}
{{- end }}
{{- with .c.trustedProxies }}
- name: {{ $p }}FORWARDED_ALLOW_IPS
  value: {{ join "," . | quote }}
{{- end }}
{{- range $k, $v := .c.env }}
- name: {{ $p }}{{ $k }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- with .c.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Pod template (metadata + spec) shared by every workload of a component.
Arguments: root, name, c (merged settings), process (serve | worker | beat |
migrate), args, resources; optional livenessProbe (worker).
*/}}
{{- define "kontor.podTemplate" -}}
{{- $root := .root -}}
{{- $c := .c -}}
{{- $hook := eq .process "migrate" -}}
{{- $component := ternary .name (printf "%s-%s" .name .process) (eq .process "serve") -}}
{{- $selector := include "kontor.selectorLabels" (dict "root" $root "component" $component) | fromYaml -}}
metadata:
  labels:
    {{- include "kontor.labels" (dict "root" $root "component" $component) | nindent 4 }}
    {{- with $c.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- $annotations := deepCopy (default dict $c.podAnnotations) }}
  {{- if not $hook }}
  {{- /* Roll the pods when their configuration or credentials change. */}}
  {{- $_ := set $annotations "checksum/config" (include "kontor.configData" $root | sha256sum) }}
  {{- $_ := set $annotations "checksum/secret" (include "kontor.secretData" (dict "root" $root "c" $c) | sha256sum) }}
  {{- end }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with $c.serviceAccountName }}
  serviceAccountName: {{ . }}
  {{- end }}
  # The services never call the Kubernetes API.
  automountServiceAccountToken: false
  # Service links would inject variables such as KONTOR_CONTACTS_PORT into
  # every pod, which collide with the services' own KONTOR_<NAME>_ settings.
  enableServiceLinks: false
  {{- if $hook }}
  restartPolicy: Never
  {{- end }}
  {{- with $c.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  terminationGracePeriodSeconds: {{ int $c.terminationGracePeriodSeconds }}
  securityContext:
    {{- toYaml $c.podSecurityContext | nindent 4 }}
  {{- with $c.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- /* Spreading is for replicated workloads: not the Job, not the single beat. */}}
  {{- if not (or $hook (eq .process "beat")) }}
  {{- if $c.affinity }}
  affinity:
    {{- toYaml $c.affinity | nindent 4 }}
  {{- else if $c.podAntiAffinity }}
  {{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" $selector) }}
  affinity:
    podAntiAffinity:
      {{- if eq $c.podAntiAffinity "hard" }}
      requiredDuringSchedulingIgnoredDuringExecution:
        - {{- toYaml $term | nindent 10 }}
      {{- else }}
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            {{- toYaml $term | nindent 12 }}
      {{- end }}
  {{- end }}
  {{- with $c.topologySpread }}
  topologySpreadConstraints:
    {{- range . }}
    - topologyKey: {{ .topologyKey }}
      maxSkew: {{ .maxSkew | default 1 | int }}
      whenUnsatisfiable: {{ .whenUnsatisfiable | default "ScheduleAnyway" }}
      labelSelector:
        matchLabels:
          {{- toYaml $selector | nindent 10 }}
      matchLabelKeys:
        - pod-template-hash
    {{- end }}
  {{- end }}
  {{- end }}
  containers:
    - name: {{ ternary .name .process (eq .process "serve") }}
      image: {{ include "kontor.image" (dict "root" $root "name" .name "c" $c) }}
      imagePullPolicy: {{ $c.image.pullPolicy }}
      args:
        {{- toYaml .args | nindent 8 }}
      {{- if eq .process "serve" }}
      ports:
        - name: grpc
          containerPort: {{ int $c.ports.grpc }}
          protocol: TCP
        - name: http
          containerPort: {{ int $c.ports.http }}
          protocol: TCP
      {{- with $c.probes.startup }}
      {{- if .enabled }}
      startupProbe:
        grpc:
          port: {{ int $c.ports.grpc }}
        {{- toYaml (omit . "enabled") | nindent 8 }}
      {{- end }}
      {{- end }}
      {{- with $c.probes.liveness }}
      {{- if .enabled }}
      livenessProbe:
        httpGet:
          path: /healthz
          port: http
        {{- toYaml (omit . "enabled") | nindent 8 }}
      {{- end }}
      {{- end }}
      {{- with $c.probes.readiness }}
      {{- if .enabled }}
      readinessProbe:
        httpGet:
          path: /readyz
          port: http
        {{- toYaml (omit . "enabled") | nindent 8 }}
      {{- end }}
      {{- end }}
      {{- end }}
      {{- with .livenessProbe }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      envFrom:
        - prefix: {{ include "kontor.envPrefix" .name }}
          configMapRef:
            name: {{ include "kontor.name" (list $root (ternary "migrate-config" "config" $hook)) }}
      env:
        {{- include "kontor.env" (dict "root" $root "name" .name "c" $c "hook" $hook) | nindent 8 }}
      resources:
        {{- toYaml .resources | nindent 8 }}
      securityContext:
        {{- toYaml $c.securityContext | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        {{- /* Only the server signs; worker, beat and the migration Job get the path, not the key. */}}
        {{- if and $c.mountSigningKey (eq .process "serve") }}
        - name: signing-key
          mountPath: {{ include "kontor.signingKeyDir" . }}
          readOnly: true
        {{- end }}
  volumes:
    # The root filesystem is read-only; Python, Celery and temp files get /tmp.
    - name: tmp
      emptyDir:
        sizeLimit: 256Mi
    {{- if and $c.mountSigningKey (eq .process "serve") }}
    {{- $sk := include "kontor.signingKeyRef" $root | fromJson }}
    - name: signing-key
      secret:
        secretName: {{ $sk.name }}
        defaultMode: 0440
        items:
          - key: {{ $sk.key }}
            path: signing-key.pem
    {{- end }}
{{- end -}}

{{/*
PodDisruptionBudget spec fields. minAvailable wins when both are set.
Usage: include "kontor.pdbBudget" $pdbSettings
*/}}
{{- define "kontor.pdbBudget" -}}
{{- /* Values arrive as float64 (JSON); print integers as integers, keep "50%". */ -}}
{{- if and (hasKey . "minAvailable") (not (kindIs "invalid" .minAvailable)) -}}
minAvailable: {{ ternary .minAvailable (int .minAvailable) (kindIs "string" .minAvailable) }}
{{- else -}}
{{- $max := .maxUnavailable | default 1 -}}
maxUnavailable: {{ ternary $max (int $max) (kindIs "string" $max) }}
{{- end -}}
{{- end -}}
