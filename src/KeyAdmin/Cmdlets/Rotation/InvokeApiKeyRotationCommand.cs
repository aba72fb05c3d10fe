using System.Management.Automation;
using KeyAdmin.Cmdlets.Keys;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Rotation;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Cmdlets.Rotation;

/// <summary>
/// <para type="synopsis">Rotates API keys without downtime: successor created, delivered, tested, then the old key retired.</para>
/// </summary>
/// <remarks>
/// Per key: the successor gets the same permissions, binding, memo and expiry policy; it is delivered to the
/// vault entry the applications read (read back and compared); -Test confirms it works; then the old key is
/// disabled, or left working for -GracePeriod, and deleted with -RemoveOld. A failure before retirement undoes
/// everything. Every step is journalled: after a crash, running the command again (or Resume-ApiKeyRotation)
/// completes or undoes the unfinished rotation.
/// </remarks>
[Cmdlet(VerbsLifecycle.Invoke, "ApiKeyRotation", DefaultParameterSetName = ById, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RotationOutcome))]
public sealed class InvokeApiKeyRotationCommand : ApiKeyTargetCmdlet
{
    private readonly RotationCmdletSupport support = new();
    private TwoFactorProof? proof;
    private int done;

    /// <summary>The vault to deliver to; by default the one the key was delivered to.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completion.VaultCompleter))]
    public string? Vault { get; set; }

    /// <summary>The vault entry; by default the key's current entry (the one the applications read).</summary>
    [Parameter]
    public string? SecretName { get; set; }

    /// <summary>{ param($credential, $passphrase) … }: throw or return $false when the successor does not work.</summary>
    [Parameter]
    public ScriptBlock? Test { get; set; }

    /// <summary>Leave the old key working this long (it then expires) instead of disabling it at once.</summary>
    [Parameter]
    public TimeSpan? GracePeriod { get; set; }

    /// <summary>Delete the old key once it is retired.</summary>
    [Parameter]
    public SwitchParameter RemoveOld { get; set; }

    /// <summary>A new passphrase for the successor of a key with one (7 to 32 characters, no spaces); by default the old key's passphrase is kept.</summary>
    [Parameter]
    public System.Security.SecureString? Passphrase { get; set; }

    /// <summary>A code of the account's authenticator: a rotation creates a key (and -RemoveOld deletes one).</summary>
    [Parameter]
    public string? Code { get; set; }

    protected override void BeginProcessing() => proof = ProofFrom(Code);

    protected override void ProcessRecord()
    {
        var options = new RotationOptions { Vault = Vault, SecretName = SecretName, GracePeriod = GracePeriod, RemoveOld = RemoveOld, Passphrase = Passphrase };
        var test = RotationCmdletSupport.Test(Test);
        ForEachTarget(key =>
        {
            var progress = new ProgressRecord(2, "Invoke-ApiKeyRotation", $"Rotating {key.AccountName}/{key.Name}") { StatusDescription = $"{done} key(s) rotated so far" };
            WriteProgress(progress);
            var unfinished = Authority.Rotations.List(unfinishedOnly: true).FirstOrDefault(r => r.OldKeyId == key.KeyId);
            if (unfinished is not null)
            {
                if (ShouldProcess(Describe(key), $"Complete the unfinished rotation {unfinished.RotationId} (at {unfinished.State})"))
                {
                    WriteObject(Authority.Rotations.Resume(unfinished.RotationId, proof!, support.Vault, test, undo: false));
                    done++;
                }

                return;
            }

            var plan = Authority.Rotations.Plan(key.KeyId, options, support.Vault);
            var action = $"Rotate: create a successor, deliver it to vault '{plan.Vault}' entry '{plan.SecretName}'" +
                (Test is null ? string.Empty : ", test it") + $", then {plan.Retirement}";
            if (ShouldProcess(Describe(key), action))
            {
                var outcome = Authority.Rotations.Rotate(key.KeyId, options, proof!, support.Vault, test);
                WriteObject(outcome);
                done++;
            }
        });
    }

    protected override void EndProcessing() =>
        WriteProgress(new ProgressRecord(2, "Invoke-ApiKeyRotation", "Done") { RecordType = ProgressRecordType.Completed });
}
