using System.Management.Automation;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using KeyAdmin.Tests.Support;

namespace KeyAdmin.Tests;

/// <summary>
/// What the built module folder promises before any command runs: the manifest, the cmdlets it exports,
/// their -WhatIf and [OutputType], and format views that never show a secret.
/// </summary>
public sealed partial class ModuleContractTests
{
    /// <summary>The cmdlets of issues 2 and 13 that change the store (or the session's choice of store).</summary>
    private static readonly string[] StateChanging =
    {
        "New-KeyAdminAccount", "Remove-KeyAdminAccount", "New-KeyAdminStoreAdministrator",
        "Confirm-KeyAdminAuthenticator", "Reset-KeyAdminAuthenticator", "Register-KeyAdminAuthenticator", "Unregister-KeyAdminAuthenticator",
        "Stop-KeyAdminAuthenticatorReset", "New-KeyAdminRecoveryCode",
        "New-ApiKey", "Set-ApiKey", "Disable-ApiKey", "Enable-ApiKey", "Remove-ApiKey",
        "Set-KeyAdminPolicy", "Connect-KeyAdminStore",
    };

    /// <summary>Verbs that always change something, whatever cmdlet a later issue adds with them.</summary>
    private static readonly string[] ChangingVerbs = { "Set", "Remove", "Disable", "Enable", "Reset", "Register", "Unregister", "Connect", "Confirm", "Stop", "Invoke", "Resume" };

    [Fact]
    public void Manifest_CmdletsToExport_EqualsExportedCmdletsAndCmdletTypesInTheAssembly()
    {
        using var session = new ModuleSession(connect: false);

        var manifest = ManifestCmdlets(File.ReadAllText(ModulePaths.Manifest));
        var exported = Names(session.Run("(Get-Module KeyAdmin).ExportedCmdlets.Keys"));
        var commands = Names(session.Run("Get-Command -Module KeyAdmin -CommandType Cmdlet | ForEach-Object Name"));
        var inAssembly = CmdletTypes(Path.Combine(ModulePaths.ModuleFolder, "KeyAdmin.dll")).Select(c => c.Name).Order(StringComparer.OrdinalIgnoreCase).ToArray();

        Assert.NotEmpty(manifest);
        Assert.Contains("New-ApiKey", manifest);
        Assert.Equal(manifest, exported);
        Assert.Equal(manifest, commands);
        Assert.Equal(manifest, inAssembly);
        Assert.Empty(session.Run("Get-Command -Module KeyAdmin -CommandType Function, Alias").Output);
    }

    [Fact]
    public void EveryStateChangingCmdlet_SupportsWhatIfAndConfirm()
    {
        using var session = new ModuleSession(connect: false);
        var exported = Names(session.Run("Get-Command -Module KeyAdmin -CommandType Cmdlet | ForEach-Object Name"));
        var changing = StateChanging
            .Concat(exported.Where(n => ChangingVerbs.Contains(n.Split('-')[0], StringComparer.OrdinalIgnoreCase)))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();

        foreach (var name in changing)
        {
            Assert.Contains(name, exported);
            var parameters = session.Run("$c = Get-Command $args[0]; $c.Parameters.ContainsKey('WhatIf'); $c.Parameters.ContainsKey('Confirm')", name).ThrowOnError().Output;
            Assert.True((bool)parameters[0].BaseObject, $"{name} has no -WhatIf");
            Assert.True((bool)parameters[1].BaseObject, $"{name} has no -Confirm");
        }

        foreach (var name in exported.Where(n => n.StartsWith("Get-", StringComparison.OrdinalIgnoreCase)))
        {
            Assert.False((bool)session.Run("(Get-Command $args[0]).Parameters.ContainsKey('WhatIf')", name).Single().BaseObject, $"{name} only reads, yet offers -WhatIf");
        }
    }

    [Theory]
    [InlineData("Remove-ApiKey")]
    [InlineData("Remove-KeyAdminAccount")]
    [InlineData("Reset-KeyAdminAuthenticator")]
    [InlineData("Unregister-KeyAdminAuthenticator")]
    [InlineData("Set-KeyAdminPolicy")]
    [InlineData("Invoke-ApiKeyRotation")]
    [InlineData("Resume-ApiKeyRotation")]
    public void DestructiveCmdlet_HasHighConfirmImpact_AndForce(string name)
    {
        using var session = new ModuleSession(connect: false);

        var command = (CmdletInfo)session.Run("Get-Command $args[0]", name).Single().BaseObject;
        var attribute = command.ImplementingType.GetCustomAttributes(typeof(CmdletAttribute), inherit: false).Cast<CmdletAttribute>().Single();

        Assert.True(attribute.SupportsShouldProcess);
        Assert.Equal(ConfirmImpact.High, attribute.ConfirmImpact);
        Assert.True(command.Parameters.ContainsKey("Force"), $"{name} has no -Force");
    }

    [Fact]
    public void EveryHighImpactCmdlet_HasForce_AndDisableNeverAsks()
    {
        using var session = new ModuleSession(connect: false);

        var cmdlets = session.Run("Get-Command -Module KeyAdmin -CommandType Cmdlet").ThrowOnError().Output.Select(o => (CmdletInfo)o.BaseObject).ToList();
        var impact = cmdlets.ToDictionary(c => c.Name, c => c.ImplementingType.GetCustomAttributes(typeof(CmdletAttribute), inherit: false).Cast<CmdletAttribute>().Single().ConfirmImpact);

        Assert.All(cmdlets.Where(c => impact[c.Name] == ConfirmImpact.High), c => Assert.True(c.Parameters.ContainsKey("Force"), $"{c.Name} is High impact without -Force"));
        // Stopping a leaked key must never wait for a prompt that a scheduled job cannot answer.
        Assert.Equal(ConfirmImpact.Medium, impact["Disable-ApiKey"]);
    }

    [Fact]
    public void EveryCmdlet_DeclaresItsOutputType()
    {
        using var session = new ModuleSession(connect: false);

        var declared = session.Run(
            "Get-Command -Module KeyAdmin -CommandType Cmdlet | ForEach-Object { $_.Name + '=' + (@($_.OutputType | ForEach-Object Name) -join ',') }")
            .ThrowOnError().Output.Select(o => o.ToString()).ToList();

        Assert.NotEmpty(declared);
        Assert.All(declared, line => Assert.False(line.EndsWith('='), $"{line.TrimEnd('=')} has no [OutputType]"));
        Assert.Contains("Get-ApiKey=KeyAdmin.ApiKeyInfo", declared);
        // The secret once (NewApiKeyResult), or, delivered into a vault with -Vault, the key without it.
        Assert.Contains("New-ApiKey=KeyAdmin.NewApiKeyResult,KeyAdmin.ApiKeyInfo", declared);
    }

    [Fact]
    public void FormatFile_HasNoSecretOtpAuthUriOrSeedColumn()
    {
        var document = XDocument.Load(Path.Combine(ModulePaths.ModuleFolder, "KeyAdmin.format.ps1xml"));
        var views = document.Descendants("View").ToList();
        var shown = document.Descendants()
            .Where(e => e.Name.LocalName is "PropertyName" or "Label" or "ScriptBlock")
            .Select(e => e.Value)
            .ToList();

        Assert.NotEmpty(views);
        Assert.Contains("KeyId", shown);
        // "Secret" as a whole word: the vault entry's name (SecretName) is not the secret and may be shown.
        foreach (var forbidden in new[] { @"\bSecret\b", "OtpAuthUri", "Seed", "otpauth" })
        {
            Assert.DoesNotContain(shown, text => System.Text.RegularExpressions.Regex.IsMatch(text, forbidden, System.Text.RegularExpressions.RegexOptions.IgnoreCase));
        }

        Assert.Contains("SecretName", shown);
    }

    [Fact]
    public void Import_LoadsTheFormatFileOfTheBuiltFolder()
    {
        using var session = new ModuleSession(connect: false);

        var formats = session.Run("(Get-Module KeyAdmin).ExportedFormatFiles").ThrowOnError().Output.Select(o => o.ToString()).ToList();

        Assert.Equal(new[] { Path.Combine(ModulePaths.ModuleFolder, "KeyAdmin.format.ps1xml") }, formats);
    }

    [Fact]
    public void Display_OfNewApiKeyWithPlainTextSecret_ShowsTheKeyButNotTheSecret()
    {
        var host = new PromptingHost();
        using var session = new ModuleSession(host);
        var desk = session.NewConfirmedAccount();

        var created = session.Run("$k = New-ApiKey -Account desk -Name bot-a -Code $args[0] -AsPlainText; $k | Out-Host; $k", desk.NextCode()).Single();

        var secret = (string)created.Property("Secret")!;
        Assert.StartsWith("kas_", secret, StringComparison.Ordinal);
        Assert.Contains(created.Text("KeyId")!, host.Transcript, StringComparison.Ordinal);
        Assert.Contains("bot-a", host.Transcript, StringComparison.Ordinal);
        Assert.False(host.Transcript.Contains(secret, StringComparison.Ordinal), "The table view of a new key showed its secret.");
    }

    [Fact]
    public void Display_OfAnEnrolment_ShowsTheNextStepAndNeitherSeedNorUri()
    {
        var host = new PromptingHost();
        using var session = new ModuleSession(host);

        var enrollment = session.Run("$e = New-KeyAdminAccount -Name desk -Email desk@example.com; $e").Single();
        var drawn = host.Transcript.Length;
        session.Run("$e | Out-Host").ThrowOnError();

        var view = host.Transcript[drawn..];
        var seed = Secure.ToPlain(enrollment.Property("Secret"));
        Assert.Contains("Confirm-KeyAdminAuthenticator", view, StringComparison.Ordinal);
        Assert.Contains("10 one-time codes (SecureString)", view, StringComparison.Ordinal);
        Assert.DoesNotContain(seed, view, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("otpauth://", view, StringComparison.Ordinal);
        Assert.DoesNotContain("█", view, StringComparison.Ordinal);
    }

    private static string[] Names(ScriptResult result) =>
        result.ThrowOnError().Output.Select(o => o.ToString()).Order(StringComparer.OrdinalIgnoreCase).ToArray();

    private static string[] ManifestCmdlets(string manifest)
    {
        var list = CmdletsToExportPattern().Match(manifest);
        Assert.True(list.Success, "The manifest has no CmdletsToExport list.");
        return QuotedPattern().Matches(list.Groups["list"].Value).Select(m => m.Groups[1].Value).Order(StringComparer.OrdinalIgnoreCase).ToArray();
    }

    /// <summary>Verb-Noun of every type in the assembly file that carries [Cmdlet], read from metadata without loading it.</summary>
    private static IReadOnlyList<(string Name, string Type)> CmdletTypes(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var found = new List<(string, string)>();
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            foreach (var attributeHandle in type.GetCustomAttributes())
            {
                var attribute = reader.GetCustomAttribute(attributeHandle);
                if (AttributeTypeName(reader, attribute) != "System.Management.Automation.CmdletAttribute")
                {
                    continue;
                }

                var value = attribute.DecodeValue(new TypeNameProvider());
                found.Add(($"{value.FixedArguments[0].Value}-{value.FixedArguments[1].Value}", reader.GetString(type.Name)));
            }
        }

        return found;
    }

    private static string AttributeTypeName(MetadataReader reader, CustomAttribute attribute)
    {
        if (attribute.Constructor.Kind != HandleKind.MemberReference)
        {
            return string.Empty;
        }

        var parent = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
        if (parent.Kind != HandleKind.TypeReference)
        {
            return string.Empty;
        }

        var typeReference = reader.GetTypeReference((TypeReferenceHandle)parent);
        return reader.GetString(typeReference.Namespace) + "." + reader.GetString(typeReference.Name);
    }

    [GeneratedRegex(@"CmdletsToExport\s*=\s*@\((?<list>[^)]*)\)", RegexOptions.Singleline)]
    private static partial Regex CmdletsToExportPattern();

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex QuotedPattern();

    /// <summary>Just enough of a type provider to decode attribute arguments (strings, bools and int-based enums).</summary>
    private sealed class TypeNameProvider : ICustomAttributeTypeProvider<string>
    {
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

        public string GetSystemType() => "System.Type";

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
            reader.GetString(reader.GetTypeDefinition(handle).Name);

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            var type = reader.GetTypeReference(handle);
            return reader.GetString(type.Namespace) + "." + reader.GetString(type.Name);
        }

        public string GetTypeFromSerializedName(string name) => name;

        public PrimitiveTypeCode GetUnderlyingEnumType(string type) => PrimitiveTypeCode.Int32;

        public bool IsSystemType(string type) => type == "System.Type";
    }
}
