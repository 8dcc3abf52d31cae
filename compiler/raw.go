package compiler

import "encoding/json"

// The raw* types mirror the CUE schema field for field. A spec value that
// passed CUE validation is decoded into them (numbers kept as exact
// json.Number text) and then normalized into the IR. Optional fields are
// pointers or nil slices/maps so that "unset" is distinguishable.

type rawSpec struct {
	Name    string                     `json:"name"`
	Models  map[string]json.RawMessage `json:"models"`
	Links   *rawSpecLinks              `json:"links"`
	Teams   map[string]*rawTeam        `json:"teams"`
	Routing *rawRouting                `json:"routing"`
	Output  *rawOutput                 `json:"output"`
}

type rawSpecLinks struct {
	Runbooks          string `json:"runbooks"`
	Grafana           string `json:"grafana"`
	GrafanaDatasource string `json:"grafana_datasource"`
}

type rawTeam struct {
	Contacts  *rawContacts      `json:"contacts"`
	Receivers map[string]string `json:"receivers"`
}

type rawContacts struct {
	Chat  string `json:"chat"`
	Pager string `json:"pager"`
	Email string `json:"email"`
	Owner string `json:"owner"`
}

type rawRouting struct {
	DefaultReceiver string                  `json:"default_receiver"`
	Receivers       map[string]*rawReceiver `json:"receivers"`
	GroupBy         []string                `json:"group_by"`
	GroupWait       string                  `json:"group_wait"`
	GroupInterval   string                  `json:"group_interval"`
	RepeatInterval  string                  `json:"repeat_interval"`
	SeverityNames   *struct {
		Critical string `json:"critical"`
		Warning  string `json:"warning"`
		Info     string `json:"info"`
	} `json:"severity_names"`
}

type rawReceiver struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
	URL    string `json:"url"`
}

type rawModel struct {
	DisplayName    string                 `json:"display_name"`
	Description    string                 `json:"description"`
	Team           string                 `json:"team"`
	Contacts       *rawContacts           `json:"contacts"`
	Tier           string                 `json:"tier"`
	VersionLabel   string                 `json:"version_label"`
	Labels         map[string]string      `json:"labels"`
	Links          map[string]string      `json:"links"`
	Metrics        rawMetrics             `json:"metrics"`
	KPIs           map[string]*rawKPI     `json:"kpis"`
	Infrastructure *rawInfrastructure     `json:"infrastructure"`
	Pipeline       *rawPipeline           `json:"pipeline"`
	Features       map[string]*rawFeature `json:"features"`
	Drift          *rawDrift              `json:"drift"`
	SLOs           map[string]*rawSLO     `json:"slos"`
	Alerts         rawAlerts              `json:"alerts"`
	Runbook        *rawModelRunbook       `json:"runbook"`
	Retraining     *rawRetraining         `json:"retraining"`
}

type rawMetrics struct {
	Naming   string            `json:"naming"`
	Selector map[string]string `json:"selector"`
	Matchers []string          `json:"matchers"`
	Requests struct {
		rawSeries
		ErrorSelector map[string]string `json:"error_selector"`
		ErrorMatchers []string          `json:"error_matchers"`
	} `json:"requests"`
	Latency     rawHistogram `json:"latency"`
	Confidence  rawHistogram `json:"confidence"`
	Predictions struct {
		rawSeries
		Label string `json:"label"`
	} `json:"predictions"`
	Feedback struct {
		rawSeries
		PredictedLabel string   `json:"predicted_label"`
		ActualLabel    string   `json:"actual_label"`
		Classes        []string `json:"classes"`
	} `json:"feedback"`
	Drift struct {
		Prefix string `json:"prefix"`
	} `json:"drift"`
}

type rawSeries struct {
	Metric   string            `json:"metric"`
	Selector map[string]string `json:"selector"`
	Matchers []string          `json:"matchers"`
}

type rawHistogram struct {
	rawSeries
	Buckets []json.Number `json:"buckets"`
}

type rawKPI struct {
	Title       string `json:"title"`
	Query       string `json:"query"`
	Unit        string `json:"unit"`
	Description string `json:"description"`
}

type rawInfrastructure struct {
	CPU      string `json:"cpu"`
	Memory   string `json:"memory"`
	Replicas string `json:"replicas"`
}

type rawPipeline struct {
	LastSuccess string `json:"last_success"`
	Rows        string `json:"rows"`
	MaxAge      string `json:"max_age"`
}

type rawFeature struct {
	Type        string             `json:"type"`
	Column      string             `json:"column"`
	Description string             `json:"description"`
	Critical    bool               `json:"critical"`
	Test        rawDriftTest       `json:"test"`
	Runbook     *rawRunbookContent `json:"runbook"`
}

type rawDriftTest struct {
	Method      string       `json:"method"`
	Threshold   *json.Number `json:"threshold"`
	Bins        *int         `json:"bins"`
	Binning     string       `json:"binning"`
	Consecutive *int         `json:"consecutive"`
	Severity    string       `json:"severity"`
	Conventions string       `json:"conventions"`
}

type rawDrift struct {
	Reference      rawDataSource `json:"reference"`
	Current        rawDataSource `json:"current"`
	Schedule       string        `json:"schedule"`
	Cron           string        `json:"cron"`
	Window         string        `json:"window"`
	Consecutive    *int          `json:"consecutive"`
	Severity       string        `json:"severity"`
	Correction     string        `json:"correction"`
	ShareThreshold *json.Number  `json:"share_threshold"`
	Conventions    string        `json:"conventions"`
	Shards         *int          `json:"shards"`
}

type rawDataSource struct {
	Path       string `json:"path"`
	Format     string `json:"format"`
	TimeColumn string `json:"time_column"`
}

type rawSLO struct {
	Description  string      `json:"description"`
	Objective    json.Number `json:"objective"`
	Window       string      `json:"window"`
	Availability *struct{}   `json:"availability"`
	Latency      *struct {
		Threshold string `json:"threshold"`
	} `json:"latency"`
	Quality *struct {
		Metric          string       `json:"metric"`
		PositiveClass   string       `json:"positive_class"`
		RollingWindow   string       `json:"rolling_window"`
		MinFeedbackRate *json.Number `json:"min_feedback_rate"`
	} `json:"quality"`
	Freshness *struct {
		LastSuccess string `json:"last_success"`
		MaxAge      string `json:"max_age"`
	} `json:"freshness"`
	Ratio *struct {
		Errors string `json:"errors"`
		Total  string `json:"total"`
	} `json:"ratio"`
	Slices *struct {
		Length          string       `json:"length"`
		Percentile      *json.Number `json:"percentile"`
		MaxErrorPercent *json.Number `json:"max_error_percent"`
	} `json:"slices"`
	Alerting rawSLOAlerting     `json:"alerting"`
	Runbook  *rawRunbookContent `json:"runbook"`
}

type rawSLOAlerting struct {
	Page         *rawBurnPolicy  `json:"page"`
	Ticket       *rawBurnPolicy  `json:"ticket"`
	BudgetTiers  []rawBudgetTier `json:"budget_tiers"`
	MinBadEvents *json.Number    `json:"min_bad_events"`
	MinEventRate *json.Number    `json:"min_event_rate"`
}

type rawBurnPolicy struct {
	Enabled     *bool             `json:"enabled"`
	Severity    string            `json:"severity"`
	Windows     []rawBurnWindow   `json:"windows"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

type rawBurnWindow struct {
	Long          string       `json:"long"`
	Short         string       `json:"short"`
	Factor        *json.Number `json:"factor"`
	BudgetPercent *json.Number `json:"budget_percent"`
}

type rawBudgetTier struct {
	Consumed json.Number `json:"consumed"`
	Severity string      `json:"severity"`
}

type rawAlerts struct {
	Shares    map[string]*rawShareAlert   `json:"shares"`
	Anomalies map[string]*rawAnomalyAlert `json:"anomalies"`
	Absent    *struct {
		Enabled  *bool  `json:"enabled"`
		For      string `json:"for"`
		Severity string `json:"severity"`
	} `json:"absent"`
}

type rawShareAlert struct {
	Histogram  string             `json:"histogram"`
	Below      *json.Number       `json:"below"`
	Above      *json.Number       `json:"above"`
	MaxPercent json.Number        `json:"max_percent"`
	Window     string             `json:"window"`
	MinRate    *json.Number       `json:"min_rate"`
	For        string             `json:"for"`
	Severity   string             `json:"severity"`
	Runbook    *rawRunbookContent `json:"runbook"`
}

type rawAnomalyAlert struct {
	Query          string             `json:"query"`
	KPI            string             `json:"kpi"`
	Baseline       string             `json:"baseline"`
	BaselineWindow string             `json:"baseline_window"`
	Season         string             `json:"season"`
	ZThreshold     *json.Number       `json:"z_threshold"`
	Direction      string             `json:"direction"`
	For            string             `json:"for"`
	Severity       string             `json:"severity"`
	Runbook        *rawRunbookContent `json:"runbook"`
}

type rawRunbookContent struct {
	Summary    string   `json:"summary"`
	Diagnosis  []string `json:"diagnosis"`
	Mitigation []string `json:"mitigation"`
	Escalation []string `json:"escalation"`
}

type rawModelRunbook struct {
	Kinds      map[string]*rawRunbookContent `json:"kinds"`
	Escalation []string                      `json:"escalation"`
}

type rawRetraining struct {
	Receiver    string `json:"receiver"`
	Drift       string `json:"drift"`
	Quality     *bool  `json:"quality"`
	MinSeverity string `json:"min_severity"`
}

type rawOutput struct {
	Grafana *struct {
		Format         string            `json:"format"`
		Namespace      string            `json:"namespace"`
		InstanceLabels map[string]string `json:"instance_labels"`
		Folder         string            `json:"folder"`
	} `json:"grafana"`
	Drift *struct {
		Image     string `json:"image"`
		Namespace string `json:"namespace"`
	} `json:"drift"`
	Prometheus *struct {
		Format    string            `json:"format"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"prometheus"`
}
