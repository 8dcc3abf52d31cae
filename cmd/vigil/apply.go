package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/vigil-dev/vigil/ddapply"
)

func newApply(g *globals, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Sync generated objects to a monitoring service (datadog)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageErr("apply needs a service: vigil apply datadog DIR")
		},
	}
	cmd.AddCommand(newApplyDatadog(g, stdout))
	return cmd
}

func newApplyDatadog(g *globals, stdout io.Writer) *cobra.Command {
	var apply bool
	cmd := &cobra.Command{
		Use:   "datadog DIR",
		Short: "Create or update the Datadog SLOs, monitors and dashboards compiled into DIR",
		Long: `apply datadog reads DIR/datadog (written by vigil compile --target datadog),
lists the SLOs, monitors and dashboards vigil owns in the Datadog
organisation (tag managed-by:vigil and the spec's vigil-spec tag; a
marker line in dashboard descriptions), and prints a plan: create,
update or unchanged for each generated object, and the owned objects the
spec no longer generates (left alone). Objects vigil does not own are
never read for changes nor touched. Nothing changes without --apply;
with it SLOs are written first, so monitors and dashboards get their
ids.

Environment: DD_API_KEY and DD_APP_KEY (required, exit 2 when missing),
DD_SITE (datadoghq.com by default; datadoghq.eu, us5.datadoghq.com, ...;
or a URL such as http://127.0.0.1:8080 to send the requests there).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Missing keys, unreadable output and failing API calls are
			// all environment problems: exit 2.
			if _, err := ddapply.Run(g.context(), ddapply.Options{Dir: args[0], Apply: apply, Out: stdout}); err != nil {
				return &exitError{exitUsage, err}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&apply, "apply", false, "make the changes (default: only print the plan)")
	return cmd
}
