#Requires -Version 7.4
# Windows Task Scheduler: rotates due keys of one account every Sunday at 02:30, as the current user.
param(
    [string] $ScriptPath = 'C:\KeyAdmin\rotate.ps1',
    [string] $Account = 'desk',
    [string] $JobVault = 'JobVault',
    [string] $ApiBase = 'https://api.example.com'
)
$arguments = "-NoProfile -NonInteractive -File `"$ScriptPath`" -Account $Account -JobVault $JobVault -ApiBase $ApiBase"
$action = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument $arguments
$trigger = New-ScheduledTaskTrigger -Weekly -DaysOfWeek Sunday -At '2:30am'
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Hours 1)
Register-ScheduledTask -TaskName "KeyAdmin rotation ($Account)" -Action $action -Trigger $trigger -Settings $settings
