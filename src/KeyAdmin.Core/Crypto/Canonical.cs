using System.Globalization;
using System.Text;

namespace KeyAdmin.Core.Crypto;

/// <summary>
/// Length-prefixed fields ("5:hello|", "-1:|" for null), so that no two different lists of fields share an
/// encoding: the input of every MAC the store computes (audit chain, row seals).
/// </summary>
internal sealed class Canonical
{
    private readonly StringBuilder builder = new(256);

    public Canonical Add(string? field)
    {
        builder.Append(field is null ? "-1" : field.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(field).Append('|');
        return this;
    }

    public Canonical Add(long value) => Add(value.ToString(CultureInfo.InvariantCulture));

    public Canonical Add(long? value) => Add(value?.ToString(CultureInfo.InvariantCulture));

    public Canonical Add(bool value) => Add(value ? "1" : "0");

    public Canonical Add(DateTimeOffset? value) => Add(value?.ToUnixTimeMilliseconds());

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(builder.ToString());
}
