using QRCoder;

namespace KeyAdmin.Core.TwoFactor;

/// <summary>Draws a QR code as text a phone can scan from a terminal.</summary>
public static class QrCodeText
{
    public static string Render(string payload)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(payload, QRCodeGenerator.ECCLevel.M);
        // Half blocks give square modules in a terminal; inverted suits the usual dark background.
        return new AsciiQRCode(data).GetGraphicSmall(drawQuietZones: true, invert: true);
    }
}
