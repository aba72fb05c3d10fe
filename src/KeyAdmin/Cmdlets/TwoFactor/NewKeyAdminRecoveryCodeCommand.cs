using System.Management.Automation;

namespace KeyAdmin.Cmdlets.TwoFactor;

/// <summary>
/// <para type="synopsis">Replaces a person's recovery codes with ten new ones, confirmed by the person's authenticator; shown once.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "KeyAdminRecoveryCode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = SubjectParameters.Account)]
[OutputType(typeof(KeyAdminRecoveryCodes))]
public sealed class NewKeyAdminRecoveryCodeCommand : KeyAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = SubjectParameters.Account)]
    [ArgumentCompleter(typeof(Completion.AccountCompleter))]
    public string Account { get; set; } = string.Empty;

    /// <summary>The store administrator's recovery codes instead of an account's.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SubjectParameters.StoreAdministrator)]
    public SwitchParameter StoreAdministrator { get; set; }

    /// <summary>A code of the person's authenticator.</summary>
    [Parameter]
    public string? Code { get; set; }

    /// <summary>Draws the new codes on the host even when the session is not interactive.</summary>
    [Parameter]
    public SwitchParameter ShowRecoveryCodes { get; set; }

    protected override void BeginProcessing() => Handover.RequireHostThatDraws(this, ShowRecoveryCodes, nameof(ShowRecoveryCodes));

    protected override void ProcessRecord()
    {
        var who = SubjectParameters.Describe(StoreAdministrator, Account);
        PerItem(who, () =>
        {
            if (!ShouldProcess(who, "Replace the recovery codes with ten new ones"))
            {
                return;
            }

            var draws = Handover.Draws(this, ShowRecoveryCodes);
            if (draws)
            {
                Handover.WarnIfTranscribing(this, Handover.DrawingUnderTranscript);
            }

            var subject = SubjectParameters.Of(StoreAdministrator, Account);
            var codes = Authority.Authenticators.NewRecoveryCodes(subject, ProofFrom(Code));
            if (draws)
            {
                Handover.DrawRecoveryCodes(this, subject, codes);
            }

            WriteObject(new KeyAdminRecoveryCodes(subject, codes, DateTimeOffset.UtcNow));
        });
    }
}
