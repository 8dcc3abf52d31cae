package sloth

import (
	"context"

	corednsAvailability "github.com/vigil-dev/vigil/importer/sloth/internal/common/coredns/availability"
	corednsLatency "github.com/vigil-dev/vigil/importer/sloth/internal/common/coredns/latency"
	haproxyFrontendAvailability "github.com/vigil-dev/vigil/importer/sloth/internal/common/haproxy/frontend/availability"
	istioV1Availability "github.com/vigil-dev/vigil/importer/sloth/internal/common/istio/v1/availability"
	istioV1Latency "github.com/vigil-dev/vigil/importer/sloth/internal/common/istio/v1/latency"
	kubernetesApiserverAvailability "github.com/vigil-dev/vigil/importer/sloth/internal/common/kubernetes/apiserver/availability"
	kubernetesApiserverLatency "github.com/vigil-dev/vigil/importer/sloth/internal/common/kubernetes/apiserver/latency"
	kubernetesKooperAvailability "github.com/vigil-dev/vigil/importer/sloth/internal/common/kubernetes/kooper/availability"
	kubernetesKooperLatency "github.com/vigil-dev/vigil/importer/sloth/internal/common/kubernetes/kooper/latency"
	kubernetesKooperQueuecongestion "github.com/vigil-dev/vigil/importer/sloth/internal/common/kubernetes/kooper/queuecongestion"
	kubernetesNginxIngressAvailability "github.com/vigil-dev/vigil/importer/sloth/internal/common/kubernetes/nginx-ingress/availability"
	noop "github.com/vigil-dev/vigil/importer/sloth/internal/common/noop"
	prometheusRulesEvalavailability "github.com/vigil-dev/vigil/importer/sloth/internal/common/prometheus/rules/evalavailability"
	prometheusTargetsAvailability "github.com/vigil-dev/vigil/importer/sloth/internal/common/prometheus/targets/availability"
	slokGoHttpMetricsAvailability "github.com/vigil-dev/vigil/importer/sloth/internal/common/slok-go-http-metrics/availability"
	slokGoHttpMetricsLatency "github.com/vigil-dev/vigil/importer/sloth/internal/common/slok-go-http-metrics/latency"
	traefikV1Availability "github.com/vigil-dev/vigil/importer/sloth/internal/common/traefik/v1/availability"
	traefikV1Latency "github.com/vigil-dev/vigil/importer/sloth/internal/common/traefik/v1/latency"
	traefikV2Availability "github.com/vigil-dev/vigil/importer/sloth/internal/common/traefik/v2/availability"
	traefikV2Latency "github.com/vigil-dev/vigil/importer/sloth/internal/common/traefik/v2/latency"
)

// commonPlugin is a Sloth SLI plugin's entry point.
type commonPlugin func(ctx context.Context, meta, labels, options map[string]string) (string, error)

// commonPlugins are the plugins of slok/sloth-common-sli-plugins
// (vendored under internal/common), by plugin ID.
var commonPlugins = map[string]commonPlugin{}

func init() {
	for _, p := range []struct {
		id string
		fn commonPlugin
	}{
		{corednsAvailability.SLIPluginID, corednsAvailability.SLIPlugin},
		{corednsLatency.SLIPluginID, corednsLatency.SLIPlugin},
		{haproxyFrontendAvailability.SLIPluginID, haproxyFrontendAvailability.SLIPlugin},
		{istioV1Availability.SLIPluginID, istioV1Availability.SLIPlugin},
		{istioV1Latency.SLIPluginID, istioV1Latency.SLIPlugin},
		{kubernetesApiserverAvailability.SLIPluginID, kubernetesApiserverAvailability.SLIPlugin},
		{kubernetesApiserverLatency.SLIPluginID, kubernetesApiserverLatency.SLIPlugin},
		{kubernetesKooperAvailability.SLIPluginID, kubernetesKooperAvailability.SLIPlugin},
		{kubernetesKooperLatency.SLIPluginID, kubernetesKooperLatency.SLIPlugin},
		{kubernetesKooperQueuecongestion.SLIPluginID, kubernetesKooperQueuecongestion.SLIPlugin},
		{kubernetesNginxIngressAvailability.SLIPluginID, kubernetesNginxIngressAvailability.SLIPlugin},
		{noop.SLIPluginID, noop.SLIPlugin},
		{prometheusRulesEvalavailability.SLIPluginID, prometheusRulesEvalavailability.SLIPlugin},
		{prometheusTargetsAvailability.SLIPluginID, prometheusTargetsAvailability.SLIPlugin},
		{slokGoHttpMetricsAvailability.SLIPluginID, slokGoHttpMetricsAvailability.SLIPlugin},
		{slokGoHttpMetricsLatency.SLIPluginID, slokGoHttpMetricsLatency.SLIPlugin},
		{traefikV1Availability.SLIPluginID, traefikV1Availability.SLIPlugin},
		{traefikV1Latency.SLIPluginID, traefikV1Latency.SLIPlugin},
		{traefikV2Availability.SLIPluginID, traefikV2Availability.SLIPlugin},
		{traefikV2Latency.SLIPluginID, traefikV2Latency.SLIPlugin},
	} {
		commonPlugins[p.id] = p.fn
	}
}
