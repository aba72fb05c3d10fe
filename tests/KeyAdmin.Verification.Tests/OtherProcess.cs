using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace KeyAdmin.Verification.Tests;

/// <summary>The example service started as its own OS process over the same store.</summary>
public sealed class OtherProcess : IDisposable
{
    private readonly Process process;

    private OtherProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static OtherProcess StartService(string storePath, params string[] options)
    {
        var port = FreePort();
        var service = Path.Combine(AppContext.BaseDirectory, "KeyAdmin.ExampleService.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { service, "--store", storePath, "--urls", $"http://127.0.0.1:{port}" }.Concat(options))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var address = new Uri($"http://127.0.0.1:{port}");
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("The example service exited: " + process.StandardError.ReadToEnd());
            }

            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return new OtherProcess(process, address);
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException("The example service did not start listening within 30 s.");
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
