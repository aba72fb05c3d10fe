using KeyAdmin.Core.Audit;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Tests.Support;

namespace KeyAdmin.Core.Tests;

/// <summary>The audit chain: intact after real work, and every kind of tampering named by its first broken record.</summary>
public sealed class AuditChainTests : IDisposable
{
    private readonly Harness h = new();

    public AuditChainTests()
    {
        var desk = h.NewAccount();
        h.CreateKey(desk, "bot-a");
        var b = h.CreateKey(desk, "bot-b");
        h.Authority.Keys.Disable(b.Key.KeyId, "rotated");
        h.Authority.Keys.Update(b.Key.KeyId, new KeyChanges { Memo = "old" }, KeyAdmin.Core.TwoFactor.TwoFactorProof.FromCode(null));
    }

    [Fact]
    public void Verify_AfterOrdinaryWork_IsIntactAndCoversEveryRecord()
    {
        var report = h.Authority.Audit.Verify();

        Assert.True(report.IsIntact, report.Problem);
        Assert.Equal(h.AuditCount(), report.RecordsChecked);
        Assert.Equal(h.Audit().Last().Hash, report.HeadHash);
        Assert.All(h.Audit(), e => Assert.Matches("^[0-9a-f]{64}$", e.Hash!));
    }

    [Fact]
    public void Verify_RecordEditedInTheDatabase_NamesThatRecord()
    {
        RawDb.Execute(h.StorePath, "UPDATE audit SET actor = 'mallory' WHERE seq = 3");

        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Equal(3, report.FirstBrokenSequence);
        Assert.Contains("was changed", report.Problem, StringComparison.Ordinal);
        Assert.Equal("mallory", report.FirstBroken!.Actor);
    }

    [Fact]
    public void Verify_RecordDeletedFromTheMiddle_NamesTheRecordAfterTheGap()
    {
        RawDb.Execute(h.StorePath, "DELETE FROM audit WHERE seq = 4");

        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Equal(5, report.FirstBrokenSequence);
        Assert.Contains("Records 4 to 4 are missing", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RecordsReordered_NamesTheFirstRecordOutOfPlace()
    {
        // Swap the contents of records 3 and 4, keeping their sequence numbers, as a careful forger would.
        RawDb.Execute(h.StorePath, """
            UPDATE audit SET seq = -3 WHERE seq = 3;
            UPDATE audit SET seq = 3 WHERE seq = 4;
            UPDATE audit SET seq = 4 WHERE seq = -3;
            """);

        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Equal(3, report.FirstBrokenSequence);
    }

    [Fact]
    public void Verify_RecordsCutOffTheEnd_SaysTheyAreMissing()
    {
        var last = h.Audit().Last().Sequence;
        RawDb.Execute(h.StorePath, $"DELETE FROM audit WHERE seq >= {last - 1}");

        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Contains($"Records {last - 1} to {last} are missing from the end", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ChainRecomputedWithoutTheKey_IsStillCaught()
    {
        // A forger with the database but not the key-encryption key edits a record and "fixes" its hash with
        // a plain SHA-256: the chain is keyed, so that fails.
#if POSTGRES
        RawDb.Execute(h.StorePath, "UPDATE audit SET detail = 'Permissions=Read', hash = md5(random()::text) || md5(random()::text) WHERE seq = 5");
#else
        RawDb.Execute(h.StorePath, "UPDATE audit SET detail = 'Permissions=Read', hash = lower(hex(randomblob(32))) WHERE seq = 5");
#endif

        var report = h.Authority.Audit.Verify();

        Assert.False(report.IsIntact);
        Assert.Equal(5, report.FirstBrokenSequence);
    }

    [Fact]
    public void Verify_HeadTampered_IsCaught()
    {
#if POSTGRES
        RawDb.Execute(h.StorePath, "UPDATE keyadmin_meta SET value = '1|' || substr(value, strpos(value, '|') + 1) WHERE name = 'audit_head'");
#else
        RawDb.Execute(h.StorePath, "UPDATE meta SET value = '1|' || substr(value, instr(value, '|') + 1) WHERE name = 'audit_head'");
#endif

        Assert.False(h.Authority.Audit.Verify().IsIntact);
    }

    [Fact]
    public void Append_AfterReopeningTheStore_ContinuesTheSameChain()
    {
        using (var reopened = h.OpenStore())
        {
            var authority = new KeyAdmin.Core.Authority.KeyAdminAuthority(reopened, h.Clock, new KeyAdmin.Core.Audit.Actor("second", "host-2"));
            h.SetPolicy(p => p with { MaxKeysPerAccount = 6 }, via: authority);
        }

        var report = h.Authority.Audit.Verify();

        Assert.True(report.IsIntact, report.Problem);
        Assert.Equal("Policy.Set", h.Audit().Last().Action);
    }

    [Fact]
    public void Read_FiltersByAccountActionOutcomeAndTime_NewestFirst()
    {
        var all = h.Authority.Audit.Read(new AuditQuery { NewestFirst = true }).ToList();
        var creates = h.Authority.Audit.Read(new AuditQuery { Account = "DESK", Outcome = AuditOutcome.Succeeded, NewestFirst = true })
            .Where(e => e.Action == "ApiKey.Create").ToList();
        var lastTwo = h.Authority.Audit.Read(new AuditQuery { NewestFirst = true, Limit = 2 }).ToList();
        var none = h.Authority.Audit.Read(new AuditQuery { Since = h.Now.AddMinutes(1) }).ToList();

        Assert.True(all.Select(e => e.Sequence).SequenceEqual(all.Select(e => e.Sequence).OrderDescending()));
        Assert.Equal(2, creates.Count);
        Assert.Equal(all.Take(2).Select(e => e.Sequence), lastTwo.Select(e => e.Sequence));
        Assert.Empty(none);
    }

    public void Dispose() => h.Dispose();
}
