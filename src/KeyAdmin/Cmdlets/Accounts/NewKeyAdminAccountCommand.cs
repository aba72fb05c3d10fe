using System.Management.Automation;

namespace KeyAdmin.Cmdlets.Accounts;

/// <summary>
/// <para type="synopsis">Creates an account and starts the enrolment of its authenticator (QR code shown once).</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "KeyAdminAccount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(KeyAdminEnrollment))]
public sealed class NewKeyAdminAccountCommand : KeyAdminCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Email { get; set; } = string.Empty;

    /// <summary>Shows the otpauth URI and the seed as text rather than SecureString.</summary>
    [Parameter]
    public SwitchParameter AsPlainText { get; set; }

    /// <summary>The first command of a new store: it creates the store where the session points.</summary>
    protected override bool CreatesStore => true;

    protected override void ProcessRecord() => PerItem(Name, () =>
    {
        if (ShouldChange(Name, "Create KeyAdmin account"))
        {
            WriteObject(new KeyAdminEnrollment(Authority.Accounts.Create(Name, Email), AsPlainText));
        }
    });
}
