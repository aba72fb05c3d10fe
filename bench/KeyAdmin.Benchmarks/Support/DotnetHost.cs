namespace KeyAdmin.Benchmarks.Support;

/// <summary>The <c>dotnet</c> that runs this program, for the processes it starts (the scale host, the example service).</summary>
public static class DotnetHost
{
    public static string Executable()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
