{{/*
The environment of a component's container, as a YAML list. Every service reads the same listening and draining
variables (packages/runtime/src/env.ts); the rest is per component (services/<name>/src/config.ts). `secretEnv` and then
`extraEnv` come last, and an entry replaces an earlier one of the same name (server-side apply refuses duplicates).
*/}}
{{- define "switchyard.env" -}}
{{- $root := .root }}
{{- $v := .values }}
{{- $values := $root.Values }}
{{- $ms := 1000 }}
{{- $env := list }}
{{- $env = append $env (dict "name" "SWITCHYARD_CONFIG" "value" "/etc/switchyard/config/config.yaml") }}
{{- range $port := list "http" "grpc" "metrics" }}
{{- $address := include "switchyard.listenAddress" (dict "root" $root "port" (include "switchyard.containerPort" (dict "component" $.component "port" $port))) }}
{{- $env = append $env (dict "name" (printf "SWITCHYARD_%s_ADDR" (upper $port)) "value" $address) }}
{{- end }}
{{- $env = append $env (dict "name" "SWITCHYARD_DRAIN_DELAY_MS" "value" (mul $values.drain.delaySeconds $ms | int64 | toString)) }}
{{- $env = append $env (dict "name" "SWITCHYARD_DRAIN_GRACE_MS" "value" (mul $values.drain.graceSeconds $ms | int64 | toString)) }}
{{- $env = append $env (dict "name" "LOG_LEVEL" "value" $values.logLevel) }}
{{- if or $values.caBundle.existingSecret $values.caBundle.existingConfigMap }}
{{- $env = append $env (dict "name" "NODE_EXTRA_CA_CERTS" "value" "/etc/switchyard/ca/ca.crt") }}
{{- end }}
{{- $nats := $values.nats.url }}
{{- $natsAuth := list }}
{{- with $values.nats.auth }}
{{- if .existingSecret }}
{{- if .credsKey }}
{{- $natsAuth = append $natsAuth (dict "name" "SWITCHYARD_NATS_CREDS" "value" "/etc/switchyard/nats/user.creds") }}
{{- else if .tokenKey }}
{{- $natsAuth = append $natsAuth (dict "name" "SWITCHYARD_NATS_TOKEN" "valueFrom" (dict "secretKeyRef" (dict "name" .existingSecret "key" .tokenKey))) }}
{{- else }}
{{- $natsAuth = append $natsAuth (dict "name" "SWITCHYARD_NATS_USER" "valueFrom" (dict "secretKeyRef" (dict "name" .existingSecret "key" .userKey))) }}
{{- $natsAuth = append $natsAuth (dict "name" "SWITCHYARD_NATS_PASSWORD" "valueFrom" (dict "secretKeyRef" (dict "name" .existingSecret "key" .passwordKey))) }}
{{- end }}
{{- end }}
{{- end }}
{{- if $values.nats.tls.existingSecret }}
{{- $natsAuth = append $natsAuth (dict "name" "SWITCHYARD_NATS_TLS_CERT" "value" "/etc/switchyard/nats-tls/tls.crt") }}
{{- $natsAuth = append $natsAuth (dict "name" "SWITCHYARD_NATS_TLS_KEY" "value" "/etc/switchyard/nats-tls/tls.key") }}
{{- end }}
{{- if eq .component "ingress" }}
{{- $env = append $env (dict "name" "SWITCHYARD_ROUTER_ADDR" "value" (include "switchyard.serviceAddress" (dict "root" $root "component" "router"))) }}
{{- $env = append $env (dict "name" "SWITCHYARD_POLICY_ADDR" "value" (include "switchyard.serviceAddress" (dict "root" $root "component" "policy"))) }}
{{- if $values.metering.enabled }}
{{- $env = append $env (dict "name" "SWITCHYARD_METERING_ADDR" "value" (include "switchyard.serviceAddress" (dict "root" $root "component" "metering"))) }}
{{- end }}
{{- else if eq .component "router" }}
{{- /* Each pool's own headless Service: the default pool serves deployments without litellm_params.worker_pool. */}}
{{- range $pool := include "switchyard.workerPools" $root | fromJsonArray }}
{{- $service := include "switchyard.componentName" (dict "root" $root "component" "provider-worker" "pool" $pool.name) }}
{{- $slices := printf "%s/%s:http" $root.Release.Namespace $service }}
{{- if eq $pool.name $values.providerWorker.defaultPool }}
{{- $env = append $env (dict "name" "SWITCHYARD_WORKER_ENDPOINTSLICES" "value" $slices) }}
{{- end }}
{{- if ne $pool.name "default" }}
{{- $name := printf "SWITCHYARD_WORKER_POOL_%s_ENDPOINTSLICES" ($pool.name | replace "-" "_" | upper) }}
{{- $env = append $env (dict "name" $name "value" $slices) }}
{{- end }}
{{- end }}
{{- else if eq .component "policy" }}
{{- $masterKey := dict "name" $values.secrets.masterKey.existingSecret "key" $values.secrets.masterKey.key }}
{{- $env = append $env (dict "name" "SWITCHYARD_MASTER_KEY" "valueFrom" (dict "secretKeyRef" $masterKey)) }}
{{- if $nats }}
{{- $env = append $env (dict "name" "SWITCHYARD_NATS_URL" "value" $nats) }}
{{- $env = concat $env $natsAuth }}
{{- $hash := dict "name" $values.secrets.keyHashSecret.existingSecret "key" $values.secrets.keyHashSecret.key }}
{{- $env = append $env (dict "name" "SWITCHYARD_KEY_HASH_SECRET" "valueFrom" (dict "secretKeyRef" $hash)) }}
{{- end }}
{{- else if eq .component "provider-worker" }}
{{- if $nats }}
{{- $env = append $env (dict "name" "SWITCHYARD_NATS_URL" "value" $nats) }}
{{- $env = concat $env $natsAuth }}
{{- $env = append $env (dict "name" "SWITCHYARD_USAGE_SPOOL_DIR" "value" "/var/spool/switchyard") }}
{{- $env = append $env (dict "name" "SWITCHYARD_USAGE_SPOOL_MAX_BYTES" "value" ($values.usageSpool.maxBytes | int64 | toString)) }}
{{- end }}
{{- else if eq .component "metering" }}
{{- $ch := $values.clickhouse }}
{{- $env = append $env (dict "name" "SWITCHYARD_NATS_URL" "value" $nats) }}
{{- $env = concat $env $natsAuth }}
{{- $env = append $env (dict "name" "SWITCHYARD_CLICKHOUSE_URL" "value" $ch.url) }}
{{- $env = append $env (dict "name" "SWITCHYARD_CLICKHOUSE_DATABASE" "value" $ch.database) }}
{{- $env = append $env (dict "name" "SWITCHYARD_CLICKHOUSE_USER" "value" $ch.username) }}
{{- if $ch.password.existingSecret }}
{{- $password := dict "name" $ch.password.existingSecret "key" $ch.password.key }}
{{- $env = append $env (dict "name" "SWITCHYARD_CLICKHOUSE_PASSWORD" "valueFrom" (dict "secretKeyRef" $password)) }}
{{- end }}
{{- end }}
{{- range $v.secretEnv }}
{{- $ref := dict "name" .existingSecret "key" .key }}
{{- if hasKey . "optional" }}{{ $_ := set $ref "optional" .optional }}{{ end }}
{{- $env = append $env (dict "name" .name "valueFrom" (dict "secretKeyRef" $ref)) }}
{{- end }}
{{- range $v.extraEnv }}
{{- $env = append $env . }}
{{- end }}
{{- $byName := dict }}
{{- $order := list }}
{{- range $env }}
{{- if not (hasKey $byName .name) }}{{ $order = append $order .name }}{{ end }}
{{- $_ := set $byName .name . }}
{{- end }}
{{- range $order }}
- {{ get $byName . | toYaml | nindent 2 | trim }}
{{- end }}
{{- end }}
