# Second stage of `azd up` (see postdeploy.sh): create the action group and alert rules once the
# alertWebhook function, and so its key, exists.
$ErrorActionPreference = 'Stop'

if (-not $env:PROBE_DOCTOR_ALERT_LOAD_BALANCER_IDS) {
  Write-Host 'probe-doctor: no PROBE_DOCTOR_ALERT_LOAD_BALANCER_IDS set; no alert rules to create.'
  exit 0
}
if ($env:PROBE_DOCTOR_ALERTS_ENABLED -eq 'true') {
  Write-Host "probe-doctor: alerts already enabled; 'azd provision' keeps them up to date."
  exit 0
}
Write-Host 'probe-doctor: code deployed; enabling the DipAvailability alerts and provisioning again.'
azd env set PROBE_DOCTOR_ALERTS_ENABLED true
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
azd provision --no-prompt
exit $LASTEXITCODE
