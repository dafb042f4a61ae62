#!/bin/sh
# Second stage of `azd up`: with the code deployed, the alertWebhook function has a key, so the
# action group (which reads it with listKeys inside the deployment) can be created.
set -eu

if [ -z "${PROBE_DOCTOR_ALERT_LOAD_BALANCER_IDS:-}" ]; then
  echo "probe-doctor: no PROBE_DOCTOR_ALERT_LOAD_BALANCER_IDS set; no alert rules to create."
  exit 0
fi
if [ "${PROBE_DOCTOR_ALERTS_ENABLED:-false}" = "true" ]; then
  echo "probe-doctor: alerts already enabled; 'azd provision' keeps them up to date."
  exit 0
fi
echo "probe-doctor: code deployed; enabling the DipAvailability alerts and provisioning again."
azd env set PROBE_DOCTOR_ALERTS_ENABLED true
azd provision --no-prompt
