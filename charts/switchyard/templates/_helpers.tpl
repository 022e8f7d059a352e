{{/*
Names, labels and the per-component context. A component context ("$c") is
  (dict "root" $ "component" "router" "values" .Values.router "pool" "")
where "pool" names a provider-worker pool and is empty for the other components.
*/}}

{{- define "switchyard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "switchyard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "switchyard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The name of a component's resources: <fullname>-<component>, and <fullname>-worker-<pool> for a provider-worker pool
(the full name is at most 40 characters and a pool name at most 15, so every name stays a 63-character DNS label).
*/}}
{{- define "switchyard.componentName" -}}
{{- if .pool }}
{{- printf "%s-worker-%s" (include "switchyard.fullname" .root) .pool | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" (include "switchyard.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* The Service of a component (not of a pool): <fullname>-<component>. */}}
{{- define "switchyard.serviceName" -}}
{{- printf "%s-%s" (include "switchyard.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "switchyard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchyard.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- if .pool }}
switchyard/worker-pool: {{ .pool }}
{{- end }}
{{- end }}

{{- define "switchyard.labels" -}}
helm.sh/chart: {{ include "switchyard.chart" .root }}
{{ include "switchyard.selectorLabels" . }}
app.kubernetes.io/part-of: switchyard
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of resources that belong to the release but to no component (the ConfigMap). */}}
{{- define "switchyard.releaseLabels" -}}
helm.sh/chart: {{ include "switchyard.chart" . }}
app.kubernetes.io/name: {{ include "switchyard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: switchyard
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "switchyard.serviceAccountName" -}}
{{- $sa := .values.serviceAccount }}
{{- if $sa.create }}
{{- default (include "switchyard.componentName" .) $sa.name }}
{{- else }}
{{- default "default" $sa.name }}
{{- end }}
{{- end }}

{{/* repository:tag or repository@digest; a component's non-empty image keys override the global ones. */}}
{{- define "switchyard.image" -}}
{{- $global := .root.Values.image }}
{{- $own := .values.image | default dict }}
{{- $repository := $own.repository | default $global.repository }}
{{- $tag := $own.tag | default $global.tag | default .root.Chart.AppVersion }}
{{- $digest := $own.digest | default $global.digest }}
{{- if $digest }}
{{- printf "%s@%s" $repository $digest }}
{{- else }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}
{{- end }}

{{- define "switchyard.imagePullPolicy" -}}
{{- $own := .values.image | default dict }}
{{- $own.pullPolicy | default .root.Values.image.pullPolicy }}
{{- end }}

{{/* The container ports every service listens on; Services map their own ports onto these by name. */}}
{{- define "switchyard.containerPort" -}}
{{- $ports := dict
  "ingress" (dict "http" 4000 "grpc" 4001)
  "router" (dict "http" 8082 "grpc" 4002)
  "policy" (dict "http" 8083 "grpc" 4003)
  "provider-worker" (dict "http" 8084 "grpc" 4004)
  "metering" (dict "http" 8085 "grpc" 4005) }}
{{- if eq .port "metrics" }}9090{{ else }}{{ get (get $ports .component) .port }}{{ end }}
{{- end }}

{{/* host:port for a listen address; an IPv6 host goes in brackets. */}}
{{- define "switchyard.listenAddress" -}}
{{- $host := .root.Values.listenHost }}
{{- if contains ":" $host }}{{ printf "[%s]:%s" $host .port }}{{ else }}{{ printf "%s:%s" $host .port }}{{ end }}
{{- end }}

{{/* host:port of a component's Service HTTP port, as the other services dial it. */}}
{{- define "switchyard.serviceAddress" -}}
{{- $values := index .root.Values .component }}
{{- printf "%s.%s.svc:%v" (include "switchyard.serviceName" .) .root.Release.Namespace $values.service.httpPort }}
{{- end }}

{{/* The rendered gateway config; its checksum rolls the pods when it changes. */}}
{{- define "switchyard.configYaml" -}}
{{- toYaml .Values.config }}
{{- end }}

{{/*
Merges "over" onto "base" key by key: maps recursively, anything else (lists, scalars, false, null) replaced. Unlike
sprig's merge, a false or empty value in "over" wins. Returns JSON.
*/}}
{{- define "switchyard.mergeValues" -}}
{{- $out := deepCopy .base }}
{{- range $key, $value := .over }}
{{- $baseValue := get $out $key }}
{{- if and (kindIs "map" $value) (kindIs "map" $baseValue) }}
{{- $_ := set $out $key (include "switchyard.mergeValues" (dict "base" $baseValue "over" $value) | fromJson) }}
{{- else }}
{{- $_ := set $out $key $value }}
{{- end }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/* The component contexts of every enabled provider-worker pool, as a JSON list of their values. */}}
{{- define "switchyard.workerPools" -}}
{{- $pools := list }}
{{- range .Values.providerWorker.pools }}
{{- $merged := include "switchyard.mergeValues" (dict "base" $.Values.providerWorker.poolDefaults "over" .) | fromJson }}
{{- if $merged.enabled }}
{{- $pools = append $pools $merged }}
{{- end }}
{{- end }}
{{- toJson $pools }}
{{- end }}

{{/* "true" when the component signs in to NATS with a .creds file mounted from nats.auth. */}}
{{- define "switchyard.natsCredsMounted" -}}
{{- $a := .root.Values.nats.auth }}
{{- if and .root.Values.nats.url $a.existingSecret $a.credsKey (has .component (list "policy" "provider-worker" "metering")) }}true{{ end }}
{{- end }}

{{/* "true" when the component reaches NATS with the client certificate of nats.tls, mounted from its Secret. */}}
{{- define "switchyard.natsTlsMounted" -}}
{{- if and .root.Values.nats.url .root.Values.nats.tls.existingSecret (has .component (list "policy" "provider-worker" "metering")) }}true{{ end }}
{{- end }}

{{/* Fails the render with a precise message when values contradict each other. */}}
{{- define "switchyard.validate" -}}
{{- $v := .Values }}
{{- if not $v.secrets.masterKey.existingSecret }}
{{- fail "secrets.masterKey.existingSecret: required (a Secret holding the master key; the chart never creates secrets)" }}
{{- end }}
{{- if and $v.nats.url (not $v.secrets.keyHashSecret.existingSecret) }}
{{- fail "secrets.keyHashSecret.existingSecret: required with nats.url (the policy keeps virtual keys in NATS)" }}
{{- end }}
{{- if and $v.metering.enabled (not $v.nats.url) }}
{{- fail "nats.url: required when metering.enabled is true (or set metering.enabled=false)" }}
{{- end }}
{{- if and $v.metering.enabled (not $v.clickhouse.url) }}
{{- fail "clickhouse.url: required when metering.enabled is true (or set metering.enabled=false)" }}
{{- end }}
{{- with $v.nats.tls }}
{{- if and .existingSecret (not (and .certKey .keyKey)) }}
{{- fail "nats.tls: with existingSecret, set certKey and keyKey (the Secret's keys of the certificate and its key)" }}
{{- end }}
{{- end }}
{{- with $v.nats.auth }}
{{- $ways := 0 }}
{{- if .tokenKey }}{{ $ways = add1 $ways }}{{ end }}
{{- if .credsKey }}{{ $ways = add1 $ways }}{{ end }}
{{- if or .userKey .passwordKey }}{{ $ways = add1 $ways }}{{ end }}
{{- if and .existingSecret (eq $ways 0) }}
{{- fail "nats.auth: with existingSecret, set tokenKey, credsKey, or userKey and passwordKey" }}
{{- end }}
{{- if gt $ways 1 }}
{{- fail "nats.auth: set one of tokenKey, credsKey, or userKey and passwordKey, not both" }}
{{- end }}
{{- if and (or .userKey .passwordKey) (not (and .userKey .passwordKey)) }}
{{- fail "nats.auth: userKey and passwordKey go together" }}
{{- end }}
{{- if and (not .existingSecret) (gt $ways 0) }}
{{- fail "nats.auth.existingSecret: required with tokenKey, credsKey, userKey or passwordKey" }}
{{- end }}
{{- end }}
{{- if and $v.caBundle.existingSecret $v.caBundle.existingConfigMap }}
{{- fail "caBundle: set existingSecret or existingConfigMap, not both" }}
{{- end }}
{{- $names := dict }}
{{- range $v.providerWorker.pools }}
{{- if hasKey $names .name }}
{{- fail (printf "providerWorker.pools: the name %q is used twice" .name) }}
{{- end }}
{{- $_ := set $names .name true }}
{{- end }}
{{- $enabled := dict }}
{{- range include "switchyard.workerPools" . | fromJsonArray }}{{ $_ := set $enabled .name true }}{{ end }}
{{- $default := $v.providerWorker.defaultPool }}
{{- if and $v.router.enabled (not (hasKey $enabled $default)) }}
{{- fail (printf "providerWorker.defaultPool: %q is not an enabled pool of providerWorker.pools (it serves every deployment without a worker_pool)" $default) }}
{{- end }}
{{- if and (hasKey $names "default") (ne $default "default") }}
{{- fail "providerWorker.defaultPool: must be \"default\" when a pool is named default (the router's name for its default pool)" }}
{{- end }}
{{- range $i, $m := $v.config.model_list | default list }}
{{- $pool := dig "litellm_params" "worker_pool" "" $m }}
{{- if and $pool $v.router.enabled (ne $pool "default") (not (hasKey $enabled $pool)) }}
{{- fail (printf "config.model_list[%d].litellm_params.worker_pool: %q is not an enabled pool of providerWorker.pools" $i $pool) }}
{{- end }}
{{- end }}
{{- end }}
