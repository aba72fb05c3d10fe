using System.Management.Automation;
using System.Management.Automation.Host;
using System.Reflection;
using System.Security;
using KeyAdmin.Core.Accounts;
using KeyAdmin.Core.TwoFactor;

namespace KeyAdmin.Cmdlets;

/// <summary>
/// How a secret, a seed or recovery codes are handed to a person: drawn on the host (never into the pipeline as
/// text), with every message written before the change that creates them, so that a stream preference that stops at
/// a message ($WarningPreference = 'Stop', -WarningAction Stop, -Debug) stops the command before anything exists,
/// never after it with the only copy of a secret lost.
/// </summary>
internal static class Handover
{
    // PowerShell exposes no public way to ask whether Start-Transcript is recording the host; this internal property
    // is what Start-Transcript itself sets. Tests run a real transcript, so a PowerShell that renames it fails them.
    private static readonly PropertyInfo? IsTranscribing =
        typeof(PSHostUserInterface).GetProperty("IsTranscribing", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>True when a transcript records what is written to the host.</summary>
    public static bool TranscriptRunning(PSCmdlet cmdlet)
    {
        try
        {
            return cmdlet.Host?.UI is { } ui && IsTranscribing?.GetValue(ui) is true;
        }
        catch (TargetInvocationException)
        {
            return false;
        }
    }

    /// <summary>What the drawing cmdlets say when a transcript runs: what reaches it, and what does not.</summary>
    public const string DrawingUnderTranscript =
        "A transcript is running: the QR code and recovery codes are drawn on the host only, never into the output the transcript records, " +
        "but anything else that records this terminal (a screen recorder, a terminal log) keeps them; clear the screen once they are written down.";

    /// <summary>
    /// Before a change whose secrets will reach the host: warns, once per session, that a transcript is running and
    /// what it does and does not record. Written before the change, so that a preference that stops at it stops the
    /// command before anything exists.
    /// </summary>
    public static void WarnIfTranscribing(KeyAdminCmdlet cmdlet, string warning)
    {
        if (cmdlet.Session.TranscriptWarned || !TranscriptRunning(cmdlet))
        {
            return;
        }

        cmdlet.WriteWarning(warning);
        cmdlet.Session.TranscriptWarned = true;
    }

    /// <summary>
    /// A change that creates secrets for a person, handed over: the transcript warning before it (so that a preference
    /// that stops at the warning stops the command before anything exists), the change, the secrets drawn on the host
    /// when it should show them, and then nothing but the output object.
    /// </summary>
    public static void HandOver<T>(KeyAdminCmdlet cmdlet, bool show, Func<T> change, Action<KeyAdminCmdlet, T> draw, Func<T, object> output)
    {
        var draws = Draws(cmdlet, show);
        if (draws)
        {
            WarnIfTranscribing(cmdlet, DrawingUnderTranscript);
        }

        var made = change();
        if (draws)
        {
            draw(cmdlet, made);
        }

        cmdlet.WriteObject(output(made));
    }

    /// <summary>Whether the enrolment is drawn on the host: in an interactive session, or when asked for.</summary>
    public static bool Draws(KeyAdminCmdlet cmdlet, bool showQrCode) => showQrCode || cmdlet.IsInteractive();

    /// <summary>Refuses, before any change, -ShowQrCode in a host that has nowhere to draw.</summary>
    public static void RequireHostThatDraws(KeyAdminCmdlet cmdlet, bool show, string parameter = "ShowQrCode")
    {
        if (show && !CanDraw(cmdlet))
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(
                new PSInvalidOperationException($"This host has no user interface to draw on; omit -{parameter} and read the SecureString properties of the output instead."),
                "KeyAdmin.HostCannotDraw",
                ErrorCategory.InvalidOperation,
                parameter));
        }
    }

    /// <summary>Draws a person's enrolment on the host: the QR code, the key for manual entry and the recovery codes.</summary>
    public static void DrawEnrolment(KeyAdminCmdlet cmdlet, Enrollment enrollment)
    {
        var who = enrollment.Account == StoreAdministrator.AccountName ? "the store administrator" : $"account '{enrollment.Account}'";
        Draw(cmdlet, ui =>
        {
            var uri = SecureText.ToPlain(enrollment.OtpAuthUri);
            ui.WriteLine($"Scan this QR code with Google Authenticator (or another RFC 6238 app) for {who}:");
            ui.WriteLine(QrCodeText.Render(uri));
            ui.WriteLine("Or type this key into the app: " + Grouped(SecureText.ToPlain(enrollment.Secret)));
            if (enrollment.RecoveryCodes.Count > 0)
            {
                WriteCodes(ui, who, enrollment.RecoveryCodes);
            }

            if (enrollment.CoolingOffUntil is { } until)
            {
                ui.WriteLine($"This reset cools off until {until:u}; until then the new authenticator cannot enable keys, grant Trade, Transfer or Withdraw, change bindings, lower withdrawal protection, register authenticators or remove anything.");
            }
        });
    }

    /// <summary>Draws new recovery codes on the host.</summary>
    public static void DrawRecoveryCodes(KeyAdminCmdlet cmdlet, string account, IReadOnlyList<SecureString> codes) =>
        Draw(cmdlet, ui => WriteCodes(ui, account == StoreAdministrator.AccountName ? "the store administrator" : $"account '{account}'", codes));

    private static void WriteCodes(PSHostUserInterface ui, string who, IReadOnlyList<SecureString> codes)
    {
        ui.WriteLine($"Recovery codes for {who}: each replaces a lost authenticator once, without a cooling-off. They are shown only now; write them down and keep them apart from the phone.");
        for (var i = 0; i < codes.Count; i += 2)
        {
            ui.WriteLine("    " + SecureText.ToPlain(codes[i]) + (i + 1 < codes.Count ? "    " + SecureText.ToPlain(codes[i + 1]) : string.Empty));
        }
    }

    private static bool CanDraw(PSCmdlet cmdlet) =>
        cmdlet.Host?.UI is not null && !string.Equals(cmdlet.Host.Name, "Default Host", StringComparison.Ordinal);

    /// <summary>
    /// Called after the change: a host that fails to draw must not fail the command, or its output (the only copy of
    /// the seed and codes) would be lost with it. The output object still carries them as SecureStrings.
    /// </summary>
    private static void Draw(KeyAdminCmdlet cmdlet, Action<PSHostUserInterface> draw)
    {
        if (!CanDraw(cmdlet))
        {
            return;
        }

        try
        {
            draw(cmdlet.Host.UI);
        }
        catch (Exception e) when (e is HostException or NotImplementedException or PSInvalidOperationException or IOException)
        {
            // A host that cannot draw (a custom host whose UI members throw NotImplementedException, a closed console):
            // the SecureString properties of the output still hold what could not be drawn.
        }
    }

    private static string Grouped(string base32) =>
        string.Join(' ', Enumerable.Range(0, (base32.Length + 3) / 4).Select(i => base32.Substring(i * 4, Math.Min(4, base32.Length - i * 4))));
}
