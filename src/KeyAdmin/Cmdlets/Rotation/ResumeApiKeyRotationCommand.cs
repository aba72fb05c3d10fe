using System.Management.Automation;
using KeyAdmin.Core.Rotation;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Cmdlets.Rotation;

/// <summary>
/// <para type="synopsis">Completes an unfinished rotation from its last journalled step, or undoes it with -Undo.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Resume, "ApiKeyRotation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(KeyAdmin.RotationOutcome))]
public sealed class ResumeApiKeyRotationCommand : KeyAdminCmdlet
{
    private readonly RotationCmdletSupport support = new();
    private TwoFactorProof? proof;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.RotationIdCompleter))]
    public string[] RotationId { get; set; } = Array.Empty<string>();

    /// <summary>{ param($credential, $passphrase, $key) … }: needed to complete a rotation that asked for a test and had not passed it; it must return $true.</summary>
    [Parameter]
    public ScriptBlock? Test { get; set; }

    /// <summary>How long -Test may run before it is stopped and counted as failed (default 2 minutes).</summary>
    [Parameter]
    [ValidatePositive]
    public TimeSpan TestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Undo instead: the vault gets the old credential back and the successor is destroyed.</summary>
    [Parameter]
    public SwitchParameter Undo { get; set; }

    /// <summary>Needed when completing removes the old key (-RemoveOld).</summary>
    [Parameter]
    public string? Code { get; set; }

    /// <summary>Goes ahead without the confirmation prompt (for scripts and scheduled jobs); -WhatIf still only reports.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void BeginProcessing() => proof = ProofFrom(Code);

    protected override void ProcessRecord()
    {
        foreach (var id in RotationId)
        {
            PerItem(id, () =>
            {
                var rotation = Authority.Rotations.Get(id);
                if (ShouldChange($"rotation {id} of key {rotation.OldKeyId} (at {rotation.State})", Undo ? "Undo rotation" : "Complete rotation"))
                {
                    WriteObject(new KeyAdmin.RotationOutcome(Authority.Rotations.Resume(id, proof!, support.Vault, RotationCmdletSupport.Test(Test, TestTimeout, Authority.Keys), Undo)));
                }
            });
        }
    }
}
