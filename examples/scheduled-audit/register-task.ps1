#Requires -Version 7.4
# Windows Task Scheduler: registers the audit to run daily at 06:00 as the current user, non-interactively.
param(
    [string] $ScriptPath = 'C:\KeyAdmin\audit.ps1',
    [string] $ReportFolder = "$env:LOCALAPPDATA\KeyAdmin\reports"
)
$action = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument "-NoProfile -NonInteractive -File `"$ScriptPath`" -ReportFolder `"$ReportFolder`" -FailOn High"
$trigger = New-ScheduledTaskTrigger -Daily -At 6am
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Minutes 30)
Register-ScheduledTask -TaskName 'KeyAdmin audit' -Action $action -Trigger $trigger -Settings $settings -Description 'KeyAdmin audit chain and key compliance'
