namespace KeyAdmin.Core.Accounts;

/// <summary>An account as listed: the record plus counts an administrator reviews.</summary>
public sealed record AccountSummary(Account Account, int KeyCount, int KeyLimit, bool TwoFactorActive, int RecoveryCodesLeft);
