namespace KeyAdmin.Core.Keys;

/// <summary>
/// The status an administrator sees. Enabled, Disabled and Deleted are stored; Expired is derived from the
/// clock, so a key expires on time without anybody writing anything.
/// </summary>
public enum ApiKeyStatus
{
    Enabled,
    Disabled,
    Expired,
    Deleted,
}
