{{/*
The NetworkPolicy of one component: it admits only the component's callers (the ingress: anyone, or
networkPolicy.ingressFrom; the router, policy and metering: the ingress; the provider workers: the router), the
metrics port only to networkPolicy.metricsFrom, and, with networkPolicy.egress.enabled, lets the pods reach only DNS,
the release's services they call and the configured outside rules.
*/}}
{{- define "switchyard.peer" -}}
podSelector:
  matchLabels:
    app.kubernetes.io/name: {{ include "switchyard.name" .root }}
    app.kubernetes.io/instance: {{ .root.Release.Name }}
    app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "switchyard.networkPolicy" -}}
{{- $root := .root }}
{{- $np := $root.Values.networkPolicy }}
{{- $callers := dict "router" "ingress" "policy" "ingress" "metering" "ingress" "provider-worker" "router" }}
{{- $callees := dict "ingress" (list "router" "policy" "metering") "router" (list "provider-worker") }}
{{- $ports := dict "router" 8082 "policy" 8083 "metering" 8085 "provider-worker" 8084 }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "switchyard.serviceName" . }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "switchyard.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "switchyard.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
    {{- if $np.egress.enabled }}
    - Egress
    {{- end }}
  ingress:
    {{- if eq .component "ingress" }}
    - ports:
        - { port: http, protocol: TCP }
        - { port: grpc, protocol: TCP }
      {{- with $np.ingressFrom }}
      from:
        {{- toYaml . | nindent 8 }}
        # The release's `helm test` Pod.
        - {{ include "switchyard.peer" (dict "root" $root "component" "test") | nindent 10 | trim }}
      {{- end }}
    {{- else }}
    - ports:
        - { port: http, protocol: TCP }
      from:
        - {{ include "switchyard.peer" (dict "root" $root "component" (get $callers .component)) | nindent 10 | trim }}
    {{- end }}
    {{- with $np.metricsFrom }}
    - ports:
        - { port: metrics, protocol: TCP }
      from:
        {{- toYaml . | nindent 8 }}
    {{- end }}
  {{- if $np.egress.enabled }}
  egress:
    {{- with $np.egress.dns }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- range $callee := get $callees .component | default list }}
    - to:
        - {{ include "switchyard.peer" (dict "root" $root "component" $callee) | nindent 10 | trim }}
      ports:
        - { port: {{ get $ports $callee }}, protocol: TCP }
    {{- end }}
    {{- if eq .component "router" }}
    {{- with $np.egress.kubeApiServer }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- end }}
    {{- if and $root.Values.nats.url (has .component (list "policy" "provider-worker" "metering")) }}
    {{- with $np.egress.nats }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- end }}
    {{- if eq .component "metering" }}
    {{- with $np.egress.clickhouse }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- end }}
    {{- if has .component (list "policy" "provider-worker") }}
    {{- with $np.egress.external }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- end }}
  {{- end }}
{{- end }}
