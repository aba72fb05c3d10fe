using System.Globalization;
using System.Text;

namespace KeyAdmin.Core.Crypto;

/// <summary>
/// Length-prefixed fields ("5:hello|", "-1:|" for null; the length counts UTF-16 code units, the field follows in
/// UTF-8), so that no two different lists of fields share an encoding: the input of every MAC the store computes
/// (audit chain, row seals). Written straight into a byte buffer: a row's check on a verifier's lookup or in a
/// listing allocates nothing here.
/// </summary>
internal sealed class Canonical
{
    [ThreadStatic]
    private static Canonical? spare;

    private byte[] buffer = new byte[512];
    private int length;

    /// <summary>This thread's reusable instance, empty; give it back with <see cref="Return"/>.</summary>
    public static Canonical Rent()
    {
        var canonical = spare ?? new Canonical();
        spare = null;
        canonical.length = 0;
        return canonical;
    }

    public void Return()
    {
        if (buffer.Length <= 64 * 1024)
        {
            spare = this;
        }
    }

    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, length);

    public Canonical Add(string? field)
    {
        if (field is null)
        {
            Ascii("-1:|");
            return this;
        }

        Digits(field.Length);
        Byte((byte)':');
        Ensure(Encoding.UTF8.GetMaxByteCount(field.Length));
        length += Encoding.UTF8.GetBytes(field, buffer.AsSpan(length));
        Byte((byte)'|');
        return this;
    }

    public Canonical Add(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        value.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        Digits(written);
        Byte((byte)':');
        Ensure(written);
        digits[..written].CopyTo(buffer.AsSpan(length));
        length += written;
        Byte((byte)'|');
        return this;
    }

    public Canonical Add(long? value) => value is { } present ? Add(present) : Add((string?)null);

    public Canonical Add(bool value) => Add(value ? "1" : "0");

    public Canonical Add(DateTimeOffset? value) => Add(value?.ToUnixTimeMilliseconds());

    public byte[] ToBytes() => Span.ToArray();

    private void Digits(long value)
    {
        Ensure(20);
        value.TryFormat(buffer.AsSpan(length), out var written, default, CultureInfo.InvariantCulture);
        length += written;
    }

    private void Ascii(string text)
    {
        Ensure(text.Length);
        length += Encoding.ASCII.GetBytes(text, buffer.AsSpan(length));
    }

    private void Byte(byte value)
    {
        Ensure(1);
        buffer[length++] = value;
    }

    private void Ensure(int more)
    {
        if (length + more > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + more));
        }
    }
}
