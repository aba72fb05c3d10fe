using System.Text;
using KeyAdmin.Core.Errors;
using KeyAdmin.Core.Keys;
using KeyAdmin.Core.Storage;
using KeyAdmin.Core.Storage.Sql;
using KeyAdmin.Core.Tests.Support;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// A listing reads each key as one value the engine packs (a JSON array, <see cref="PackedRow"/>). The attacks: a
/// stored value that looks like the packing itself, so that it could end one value and start another; and, where
/// SQLite keeps any value in any column, values of another kind than the column's, which the engine's JSON function
/// would refuse for the whole listing. Each key is decided by its own seal, as on every other read.
/// </summary>
public sealed class PackedListingTests : IDisposable
{
    private readonly StoreAttacker attacker = new();

    private Harness h => attacker.Harness;

    public void Dispose() => attacker.Dispose();

    [Theory]
    [InlineData("\", 1, null, \"")]
    [InlineData("],[\"x\"")]
    [InlineData("back\\slash \\\" \\u0000 quote\"")]
    [InlineData("non-ASCII: \u00e9 \u2013 \U0001F511")]
    public void Memo_ThatLooksLikeThePacking_IsListedAsWritten(string memo)
    {
        var key = h.CreateKey(attacker.Account, "bot", r => r with { Memo = memo }).Key;
        var other = h.CreateKey(attacker.Account, "other").Key;

        var listed = h.Authority.Keys.List().ToList();

        Assert.Equal(memo, Assert.Single(listed, k => k.KeyId == key.KeyId).Memo);
        Assert.Equal(key.Name, listed.Single(k => k.KeyId == key.KeyId).Name);
        Assert.Contains(listed, k => k.KeyId == other.KeyId);
        Assert.Equal(2, listed.Count);
    }

    [Fact]
    public void Memo_ChangedToThePackingOfAnotherKeysValues_IsRefusedByItsSeal()
    {
        // Whoever writes the database puts into one key's memo what would, were it spliced in unescaped, close the
        // memo and give the key other permissions and no binding. It stays one text; the seal refuses the change.
        var key = attacker.NewKey("bot", ApiKeyPermission.Read, "203.0.113.7").Key;
        attacker.Attack($"UPDATE api_keys SET memo = 'x\", 7, \"\", 1, \"Enabled' WHERE key_id = '{key.KeyId}'");

        var listed = h.Authority.Keys.ListChecked().Single();

        Assert.Null(listed.Value);
        Assert.Equal(KeyAdminError.StoreTampered, listed.Tampered!.Error);
        Assert.Equal(RowSeal.Ref(Tables.Keys, key.KeyId), listed.Tampered.Target);
    }

#if !POSTGRES
    [Theory]
    [InlineData("memo", "X'00FF'")]
    [InlineData("name", "X'6f7468'")]
    [InlineData("created_at", "'soon'")]
    [InlineData("permissions", "X'01'")]
    [InlineData("expires_at", "1.5")]
    [InlineData("row_mac", "'not a blob'")]
    [InlineData("row_version", "X'05'")]
    public void ColumnHoldingAnotherKindOfValue_RefusesThatKeyAlone(string column, string value)
    {
        // json_array refuses a BLOB outright: packed as stored, one such key would fail the whole listing. Cast to
        // its column's type, the value reads as the provider's typed getters read it, and the key's seal decides.
        var tampered = attacker.NewKey("bot", ApiKeyPermission.Read).Key;
        var intact = attacker.NewKey("other", ApiKeyPermission.Read).Key;
        attacker.Attack($"UPDATE api_keys SET {column} = {value} WHERE key_id = '{tampered.KeyId}'");

        var listed = h.Authority.Keys.ListChecked().ToList();

        Assert.Equal(2, listed.Count);
        Assert.Equal(intact.KeyId, Assert.Single(listed, k => k.Value is not null).Value!.KeyId);
        var refusal = Assert.Single(listed, k => k.Value is null).Tampered!;
        Assert.Equal(KeyAdminError.StoreTampered, refusal.Error);
        Assert.Equal(RowSeal.Ref(Tables.Keys, tampered.KeyId), refusal.Target);
    }

    [Theory]
    [InlineData("memo")]
    [InlineData("created_by")]
    public void TextStoredAsTheBlobOfItsOwnBytes_IsListedAsTheSameText(string column)
    {
        // Every other read takes a BLOB in a text column as the text of its bytes; so does the listing, and the seal,
        // over that text, holds.
        var key = h.CreateKey(attacker.Account, "bot", r => r with { Memo = "Bot Trading – Server A" }).Key;
        attacker.Attack($"UPDATE api_keys SET {column} = CAST({column} AS BLOB) WHERE key_id = '{key.KeyId}'");

        var listed = Assert.Single(h.Authority.Keys.List());

        Assert.Equal(key.Memo, listed.Memo);
        Assert.Equal(key.CreatedBy, listed.CreatedBy);
    }
#endif

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("[1, 2, 3, 4]")]
    [InlineData("[1, [2], 3]")]
    [InlineData("[1, {\"a\": 2}, 3]")]
    [InlineData("[1, 2.5, 3]")]
    [InlineData("[1, 2, 3] [4]")]
    [InlineData("{\"a\": 1}")]
    [InlineData("[1, 2, 3")]
    [InlineData("[1, 99999999999999999999, 3]")]
    [InlineData("")]
    [InlineData("[\"\xff\", 2, 3]")]
    public void PackedRow_ThatIsNotExactlyTheValuesAsked_IsAFormatError(string packed)
    {
        // Latin-1, so that "\xff" stays the one byte 0xFF: not UTF-8, as SQLite may pack a column's bytes.
        Assert.Throws<FormatException>(() => PackedRow.Parse(Encoding.Latin1.GetBytes(packed), 3));
    }

    [Fact]
    public void PackedRow_ReadsEachKindOnlyAsItself()
    {
        var row = PackedRow.Parse("[\"text\", 42, null, true, 0, \"0aff\"]"u8, 6);

        Assert.Equal("text", row.GetString(0));
        Assert.Equal(42, row.GetInt64(1));
        Assert.True(row.IsDBNull(2));
        Assert.True(row.GetBoolean(3));
        Assert.False(row.GetBoolean(4));
        Assert.Equal(new byte[] { 0x0a, 0xff }, row.GetFieldValue<byte[]>(5));
        Assert.Throws<InvalidCastException>(() => row.GetInt64(0));
        Assert.Throws<InvalidCastException>(() => row.GetString(1));
        Assert.Throws<InvalidCastException>(() => row.GetString(2));
        Assert.Throws<InvalidCastException>(() => row.GetBoolean(0));
        Assert.Throws<FormatException>(() => row.GetFieldValue<byte[]>(0));
        Assert.Throws<OverflowException>(() => PackedRow.Parse("[4294967296]"u8, 1).GetInt32(0));
    }
}
