using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Crypto;

namespace KeyAdmin.Core.Storage;

/// <summary>The two MACs a store computes under keys derived from its key-encryption key: the audit chain and the row seal.</summary>
internal sealed record StoreIntegrity(AuditChain Chain, RowSeal Rows)
{
    public static StoreIntegrity From(SecretBox secrets) =>
        new(new AuditChain(secrets.DeriveKey("audit chain v1")), new RowSeal(secrets.DeriveKey("row seal v1")));
}
