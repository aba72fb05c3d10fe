using System.Management.Automation;
using KeyAdmin.Core.Rotation;
using KeyAdmin.Core.Vaults;

namespace KeyAdmin.Cmdlets.Rotation;

/// <summary>What the rotation cmdlets share: one adapter per vault per command, and the -Test script block.</summary>
internal sealed class RotationCmdletSupport
{
    private readonly Dictionary<string, ICredentialVault> vaults = new(StringComparer.OrdinalIgnoreCase);

    public ICredentialVault Vault(string name)
    {
        if (!vaults.TryGetValue(name, out var vault))
        {
            vault = Vaults.SecretManagementVault.Open(name);
            vaults[name] = vault;
        }

        return vault;
    }

    /// <summary>
    /// -Test { param($credential, $passphrase, $key) … } runs with the successor's credential (as the applications
    /// will read it), its passphrase as a SecureString for a key that has one, and the successor as an ApiKeyInfo (its
    /// IP binding, to test from an address inside it). It passes only when it writes no error and every object it
    /// outputs is $true, at least one: no output, $false, 0, 'FAILED', an error or an exception all fail it, and so
    /// does running longer than <paramref name="timeout"/> (it is stopped).
    /// </summary>
    public static Func<VaultCredential, bool>? Test(ScriptBlock? test, TimeSpan timeout, Core.Authority.KeyService keys) => test is null
        ? null
        : credential =>
        {
            using var shell = PowerShell.Create(RunspaceMode.CurrentRunspace);
            shell.AddScript("param($test, $credential, $passphrase, $key) & $test $credential $passphrase $key", useLocalScope: true)
                .AddArgument(test)
                .AddArgument(new PSCredential(credential.KeyId, credential.Secret))
                .AddArgument(credential.Passphrase)
                .AddArgument(new ApiKeyInfo(keys.Get(credential.KeyId), DateTimeOffset.UtcNow));
            var timedOut = false;
            using var timer = new Timer(_ =>
            {
                timedOut = true;
                shell.BeginStop(null, null);
            }, null, timeout, Timeout.InfiniteTimeSpan);

            System.Collections.ObjectModel.Collection<PSObject> output;
            try
            {
                output = shell.Invoke();
            }
            catch (Exception e) when (e is PipelineStoppedException || timedOut)
            {
                throw new RotationTestFailure($"the test did not finish within {timeout} (-TestTimeout) and was stopped");
            }
            catch (ActionPreferenceStopException e)
            {
                // An error the test wrote, made terminating by the caller's -ErrorAction Stop or $ErrorActionPreference.
                throw new RotationTestFailure("the test wrote an error: " + Redact(e.ErrorRecord.ToString()));
            }
            catch (RuntimeException e)
            {
                throw new RotationTestFailure("the test threw: " + Redact(e.Message));
            }

            timer.Change(Timeout.Infinite, Timeout.Infinite);
            if (timedOut)
            {
                throw new RotationTestFailure($"the test did not finish within {timeout} (-TestTimeout) and was stopped");
            }

            if (shell.Streams.Error.Count > 0)
            {
                throw new RotationTestFailure("the test wrote an error: " + Redact(shell.Streams.Error[0].ToString()));
            }

            var notTrue = output.FirstOrDefault(o => o?.BaseObject is not true);
            if (output.Count == 0 || notTrue is not null)
            {
                throw new RotationTestFailure(output.Count == 0
                    ? "the test returned nothing; it must return $true when the successor works"
                    : $"the test returned '{Redact(Describe(notTrue))}', not $true");
            }

            return true;
        };

    private static string Describe(PSObject? value) => value is null ? "$null" : value.BaseObject is bool b ? (b ? "$true" : "$false") : value.ToString();

    /// <summary>A test's messages go into the journal and the audit log: never a secret, and never a page of text.</summary>
    private static string Redact(string text)
    {
        var redacted = System.Text.RegularExpressions.Regex.Replace(text, "kas_[0-9A-Za-z]+", "kas_…");
        return redacted.Length <= 200 ? redacted : redacted[..200] + "…";
    }
}

/// <summary>A time span parameter that must be longer than zero (-TestTimeout).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ValidatePositiveAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        if (arguments is not TimeSpan span || span <= TimeSpan.Zero)
        {
            throw new ValidationMetadataException($"The value {arguments} is not longer than zero.");
        }
    }
}
