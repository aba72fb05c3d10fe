using System.Globalization;
using System.Text;

namespace KeyAdmin.Benchmarks.Scale;

/// <summary>What the scale command measured, and the tables docs/PERFORMANCE.md shows.</summary>
public sealed class ScaleReport
{
    public string Machine { get; set; } = string.Empty;

    public Dictionary<string, double> Import { get; set; } = new(StringComparer.Ordinal);

    public List<SizeResult> Sizes { get; } = [];

    public sealed record SizeResult(long Keys, double SeedSeconds, long StoreBytes, IReadOnlyDictionary<string, double> Figures);

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine}");
        text.AppendLine();
        text.AppendLine("| keys | store | baseline: N plain objects | Get-ApiKey, streamed | ratio (goal ≤ 2) | Test-ApiKeyCompliance | findings | peak working set: baseline / Get-ApiKey / compliance | peak GC heap: Get-ApiKey / compliance | allocated per key: Get-ApiKey / compliance |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var size in Sizes)
        {
            var f = size.Figures;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {size.Keys:N0} | {size.StoreBytes / 1048576.0:0} MB | {f["baseline.ms"] / 1000:0.00} s | {f["getapikey.ms"] / 1000:0.00} s | **{f["getapikey.ratio"]:0.00}×** | {f["compliance.ms"] / 1000:0.00} s | {f["compliance.count"]:N0} | " +
                $"{f["baseline.peak.workingset.mb"]:0} / {f["getapikey.peak.workingset.mb"]:0} / {f["compliance.peak.workingset.mb"]:0} MB | " +
                $"{f["getapikey.peak.heap.mb"]:0} / {f["compliance.peak.heap.mb"]:0} MB | " +
                $"{f["getapikey.allocated.bytes.per.key"]:N0} / {f["compliance.allocated.bytes.per.key"]:N0} B |");
        }

        if (Import.Count > 0)
        {
            var i = Import;
            text.AppendLine();
            text.AppendLine("| import into a fresh runspace | KeyAdmin | empty binary module | ratio |");
            text.AppendLine("| --- | ---: | ---: | ---: |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| cold (new process, median) | {i["cold.keyadmin.ms"]:0} ms | {i["cold.empty.ms"]:0} ms | **{i["cold.ratio"]:0.0}×** |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| warm (new runspace, same process, median) | {i["warm.keyadmin.ms"]:0.0} ms | {i["warm.empty.ms"]:0.0} ms | **{i["warm.ratio"]:0.0}×** |");
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"First command after a cold import (Connect-KeyAdminStore + Get-ApiKey -KeyId): {i["first.command.ms"]:0} ms; the second Get-ApiKey -KeyId: {i["second.command.ms"]:0.0} ms.");
        }

        return text.ToString();
    }
}
