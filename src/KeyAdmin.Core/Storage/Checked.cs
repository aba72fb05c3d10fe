using KeyAdmin.Core.Errors;

namespace KeyAdmin.Core.Storage;

/// <summary>
/// A row read from a stream: its value, or why it cannot be trusted (<see cref="KeyAdminError.StoreTampered"/>).
/// Streams carry the refusal in band, so that one bad row is reported where it stands and the rest still flow.
/// </summary>
public readonly record struct Checked<T>(T? Value, KeyAdminException? Tampered)
    where T : class
{
    public T Require() => Value ?? throw Tampered!;
}

/// <summary>A row that fails its integrity check, as the integrity scan reports it.</summary>
public sealed record TamperedRow(string Table, string RowId, string Problem);

/// <summary>
/// A key as a verifier reads it: what it decides on when the key's and its account's seals hold (else
/// <see cref="Tampered"/>), and the sealed secret and passphrase, which AES-GCM authenticates on their own.
/// </summary>
public sealed record KeyMaterial(Keys.KeyDecision? Key, KeyAdminException? Tampered, byte[]? SealedSecret, byte[]? SealedPassphrase);
