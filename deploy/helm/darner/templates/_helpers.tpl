{{- define "darner.name" -}}{{ .Release.Name | trunc 50 | trimSuffix "-" }}{{- end -}}

{{- define "darner.labels" -}}
app.kubernetes.io/name: darner
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "darner.image" -}}{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{- end -}}

{{- define "darner.tokenSecret" -}}{{ .Values.existingPeerTokenSecret | default (printf "%s-peer-token" (include "darner.name" .)) }}{{- end -}}

{{- define "darner.schedulerHost" -}}{{ include "darner.name" . }}-scheduler.{{ .Release.Namespace }}.svc{{- end -}}

{{- define "darner.snapshotterRoot" -}}{{ .Values.node.containerdRoot }}/io.containerd.snapshotter.v1.darner{{- end -}}
