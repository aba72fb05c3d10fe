using System.Collections;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace KeyAdmin.Core.Storage.Sql;

/// <summary>
/// One row that the engine packed into a single JSON array (<see cref="SqlDialect.PackRow"/>), read as a data
/// reader positioned on that row, so that the same mappings (<see cref="StoreRows"/>) and checks read it as they read
/// the engine's own reader.
/// </summary>
/// <remarks>
/// A listing reads thirty columns of every key. Through the ADO.NET provider each column is several native calls
/// (its type, its value, its length) and a conversion; packed, a row is one value the engine wrote in C and this
/// parses in one pass: a third of the time per key (docs/PERFORMANCE.md). The engine escapes every value it packs,
/// so nothing stored in a column can add, remove or move a value; a row that does not parse, or holds a value of
/// the wrong kind, is refused as a row KeyAdmin never wrote, as the engine's reader would refuse it. Blobs arrive
/// as hexadecimal text, numbers as JSON numbers, flags as numbers (SQLite) or booleans (PostgreSQL).
/// </remarks>
internal sealed class PackedRow : DbDataReader
{
    private readonly JsonValueKind[] kinds;
    private readonly long[] numbers;
    private readonly string?[] texts;

    private PackedRow(int count)
    {
        kinds = new JsonValueKind[count];
        numbers = new long[count];
        texts = new string?[count];
    }

    /// <summary>The row <paramref name="utf8"/> holds; FormatException when it is not an array of exactly <paramref name="count"/> values.</summary>
    public static PackedRow Parse(ReadOnlySpan<byte> utf8, int count)
    {
        var row = new PackedRow(count);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 1 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw new FormatException("A packed row is not a JSON array.");
            }

            var i = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (i == count)
                {
                    throw new FormatException($"A packed row holds more than {count} values.");
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.Null:
                        row.kinds[i] = JsonValueKind.Null;
                        break;
                    case JsonTokenType.String:
                        row.kinds[i] = JsonValueKind.String;
                        row.texts[i] = reader.GetString();
                        break;
                    case JsonTokenType.Number:
                        row.kinds[i] = JsonValueKind.Number;
                        row.numbers[i] = reader.TryGetInt64(out var number) ? number : throw new FormatException("A packed row holds a number that is not a 64-bit integer.");
                        break;
                    case JsonTokenType.True or JsonTokenType.False:
                        row.kinds[i] = JsonValueKind.True;
                        row.numbers[i] = reader.TokenType == JsonTokenType.True ? 1 : 0;
                        break;
                    default:
                        throw new FormatException("A packed row holds a value that is neither text, a number, a flag nor NULL.");
                }

                i++;
            }

            if (i != count || reader.TokenType != JsonTokenType.EndArray || reader.Read())
            {
                throw new FormatException($"A packed row does not hold exactly {count} values.");
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or text that is not UTF-8 (SQLite packs a column's bytes as they are).
            throw new FormatException("A packed row is not valid JSON.", e);
        }

        return row;
    }

    public override int FieldCount => kinds.Length;

    public override bool HasRows => true;

    public override bool IsClosed => false;

    public override int RecordsAffected => -1;

    public override int Depth => 0;

    public override object this[int ordinal] => GetValue(ordinal);

    public override object this[string name] => throw new NotSupportedException("A packed row's values have no names: read them by ordinal.");

    public override bool IsDBNull(int ordinal) => kinds[ordinal] == JsonValueKind.Null;

    public override string GetString(int ordinal) => kinds[ordinal] == JsonValueKind.String ? texts[ordinal]! : throw Mismatch(ordinal, "text");

    public override long GetInt64(int ordinal) => kinds[ordinal] == JsonValueKind.Number ? numbers[ordinal] : throw Mismatch(ordinal, "an integer");

    public override int GetInt32(int ordinal) => checked((int)GetInt64(ordinal));

    public override short GetInt16(int ordinal) => checked((short)GetInt64(ordinal));

    public override byte GetByte(int ordinal) => checked((byte)GetInt64(ordinal));

    // A flag is a boolean (PostgreSQL) or a number (SQLite, where any other than 0 is true, as its reader takes it).
    public override bool GetBoolean(int ordinal) => kinds[ordinal] is JsonValueKind.True or JsonValueKind.Number
        ? numbers[ordinal] != 0
        : throw Mismatch(ordinal, "a flag");

    /// <summary>A blob, packed as hexadecimal text.</summary>
    public byte[] GetBlob(int ordinal) => kinds[ordinal] == JsonValueKind.String ? Convert.FromHexString(texts[ordinal]!) : throw Mismatch(ordinal, "a blob");

    public override T GetFieldValue<T>(int ordinal) =>
        typeof(T) == typeof(byte[]) ? (T)(object)GetBlob(ordinal) : (T)GetValue(ordinal);

    public override object GetValue(int ordinal) => kinds[ordinal] switch
    {
        JsonValueKind.Null => DBNull.Value,
        JsonValueKind.String => texts[ordinal]!,
        JsonValueKind.True => numbers[ordinal] != 0,
        _ => numbers[ordinal],
    };

    public override int GetValues(object[] values)
    {
        var n = Math.Min(values.Length, FieldCount);
        for (var i = 0; i < n; i++)
        {
            values[i] = GetValue(i);
        }

        return n;
    }

    public override Type GetFieldType(int ordinal) => kinds[ordinal] switch
    {
        JsonValueKind.String => typeof(string),
        JsonValueKind.True => typeof(bool),
        JsonValueKind.Number => typeof(long),
        _ => typeof(DBNull),
    };

    public override string GetDataTypeName(int ordinal) => GetFieldType(ordinal).Name;

    public override string GetName(int ordinal) => ordinal.ToString(CultureInfo.InvariantCulture);

    public override int GetOrdinal(string name) => throw new NotSupportedException("A packed row's values have no names: read them by ordinal.");

    public override double GetDouble(int ordinal) => GetInt64(ordinal);

    public override float GetFloat(int ordinal) => GetInt64(ordinal);

    public override decimal GetDecimal(int ordinal) => GetInt64(ordinal);

    public override DateTime GetDateTime(int ordinal) => throw Mismatch(ordinal, "a date (KeyAdmin stores times as Unix milliseconds)");

    public override Guid GetGuid(int ordinal) => Guid.Parse(GetString(ordinal), CultureInfo.InvariantCulture);

    public override char GetChar(int ordinal) => GetString(ordinal) is { Length: 1 } one ? one[0] : throw Mismatch(ordinal, "one character");

    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) =>
        Copy(GetBlob(ordinal), dataOffset, buffer, bufferOffset, length);

    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length) =>
        Copy(GetString(ordinal).ToCharArray(), dataOffset, buffer, bufferOffset, length);

    // The row is the reader's only row: it is read once it is parsed.
    public override bool Read() => false;

    public override bool NextResult() => false;

    public override IEnumerator GetEnumerator() => new[] { this }.GetEnumerator();

    private static long Copy<T>(T[] source, long offset, T[]? destination, int destinationOffset, int length)
    {
        if (destination is null)
        {
            return source.Length;
        }

        var count = (int)Math.Clamp(source.Length - offset, 0, length);
        Array.Copy(source, offset, destination, destinationOffset, count);
        return count;
    }

    private InvalidCastException Mismatch(int ordinal, string wanted) =>
        new($"Value {ordinal} of a packed row is {(kinds[ordinal] == JsonValueKind.Null ? "NULL" : GetFieldType(ordinal).Name)}, not {wanted}.");
}
