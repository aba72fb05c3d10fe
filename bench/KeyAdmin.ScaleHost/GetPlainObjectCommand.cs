using System.Management.Automation;

namespace KeyAdmin.ScaleHost;

/// <summary>
/// The listing baseline: a compiled cmdlet that writes <see cref="Count"/> plain objects of the same shape as
/// Get-ApiKey's (sixteen properties), built from one template, so that it costs the pipeline and nothing else.
/// </summary>
[Cmdlet(VerbsCommon.Get, "PlainObject")]
[OutputType(typeof(PlainKey))]
public sealed class GetPlainObjectCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public long Count { get; set; }

    protected override void ProcessRecord()
    {
        var template = PlainKey.Template;
        for (long i = 0; i < Count; i++)
        {
            WriteObject(new PlainKey(template));
        }
    }
}

/// <summary>A plain object with the properties of ApiKeyInfo.</summary>
public sealed class PlainKey
{
    public static readonly PlainKey Template = new()
    {
        KeyId = "kak_0123456789ABCDEFGHIJKLmnopqr",
        Account = "acct00001",
        Name = "bot-000001",
        Status = "Enabled",
        Permissions = "Read, Trade",
        IpAddresses = ["203.0.113.7"],
        Memo = "Bot Trading – Server A",
        CreatedAt = DateTimeOffset.UnixEpoch,
        CreatedBy = "bench@bench-host",
    };

    public PlainKey()
    {
    }

    public PlainKey(PlainKey template)
    {
        KeyId = template.KeyId;
        Account = template.Account;
        Name = template.Name;
        Status = template.Status;
        Permissions = template.Permissions;
        IpAddresses = template.IpAddresses;
        UnboundSensitiveAllowed = template.UnboundSensitiveAllowed;
        Memo = template.Memo;
        CreatedAt = template.CreatedAt;
        CreatedBy = template.CreatedBy;
        ExpiresAt = template.ExpiresAt;
        LastUsedAt = template.LastUsedAt;
        LastUsedAddress = template.LastUsedAddress;
        DisabledAt = template.DisabledAt;
        DisabledReason = template.DisabledReason;
        DeletedAt = template.DeletedAt;
    }

    public string KeyId { get; init; } = string.Empty;

    public string Account { get; init; } = string.Empty;

    public string Name { get; init; } = string.Empty;

    public string Status { get; init; } = string.Empty;

    public string Permissions { get; init; } = string.Empty;

    public string[] IpAddresses { get; init; } = [];

    public bool UnboundSensitiveAllowed { get; init; }

    public string Memo { get; init; } = string.Empty;

    public DateTimeOffset CreatedAt { get; init; }

    public string CreatedBy { get; init; } = string.Empty;

    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; init; }

    public string? LastUsedAddress { get; init; }

    public DateTimeOffset? DisabledAt { get; init; }

    public string? DisabledReason { get; init; }

    public DateTimeOffset? DeletedAt { get; init; }
}
