using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace KeyAdmin.Benchmarks.Service;

/// <summary>What one wrk run measured, and how the service answered (counted by the script's response callback).</summary>
/// <param name="Accepted">HTTP 200 with KuCoin's success code 200000.</param>
/// <param name="Refused">HTTP 401 with KuCoin's 400003, the answer to a disabled (or unknown) key.</param>
/// <param name="Other">Any other answer.</param>
/// <param name="SocketErrors">wrk's connect, read and write errors and timeouts.</param>
public sealed record LoadRun(string Endpoint, long Requests, double Seconds, double P50Ms, double P90Ms, double P99Ms, double MaxMs, long Accepted, long Refused, long Other, long SocketErrors)
{
    public double RequestsPerSecond => Seconds > 0 ? Requests / Seconds : 0;

    /// <summary>The CPU time the service process used during the run (user and system).</summary>
    public double ServiceCpuSeconds { get; init; }

    /// <summary>The service's CPU time per response: what the machine's noise disturbs least.</summary>
    public double ServiceCpuMicrosecondsPerRequest => Requests > 0 ? ServiceCpuSeconds * 1e6 / Requests : 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{RequestsPerSecond,9:N0} req/s, p50 {P50Ms:0.000} ms, p99 {P99Ms:0.000} ms, service CPU {ServiceCpuMicrosecondsPerRequest:0.0} µs/request ({Requests:N0} responses: {Accepted:N0} accepted, {Refused:N0} refused, {Other:N0} other, {SocketErrors:N0} socket errors)");
}

/// <summary>
/// Runs wrk, a process of its own, against the service with a generated Lua script: <c>request()</c> returns the
/// request signed for the current second (<see cref="SignedGets"/>), <c>response()</c> counts the answers, and
/// <c>done()</c> prints the figures on one line that this class reads.
/// </summary>
public sealed class Wrk
{
    private const string Marker = "KEYADMIN-LOAD";
    private readonly string executable;
    private readonly ServiceOptions options;
    private readonly string work;
    private int runs;

    private Wrk(string executable, ServiceOptions options, string work)
    {
        this.executable = executable;
        this.options = options;
        this.work = work;
    }

    /// <summary>wrk from <paramref name="options"/> (a path, or a name on PATH); says how to install it when it is missing.</summary>
    public static Wrk Locate(ServiceOptions options, string work)
    {
        IEnumerable<string> candidates = options.Wrk.Contains('/', StringComparison.Ordinal)
            ? [options.Wrk]
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, options.Wrk));
        var found = candidates.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(
            $"wrk was not found ('{options.Wrk}'): install it (Debian/Ubuntu: apt-get install -y wrk; macOS: brew install wrk) or pass --wrk PATH.");
        return new Wrk(found, options, work);
    }

    /// <summary>One run of <paramref name="seconds"/> against <paramref name="target"/>, every request carrying <paramref name="signed"/>'s headers.</summary>
    public LoadRun Run(string endpoint, Uri service, SignedGets signed, string target, int seconds)
    {
        var script = Path.Combine(work, $"wrk-{++runs:00}-{endpoint}.lua");
        var first = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1;
        // wrk's own start and a slow end of the run must still find a request inside the window.
        File.WriteAllText(script, Script(signed, target, service, first, first + seconds + 15));
        var start = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "-t", options.Threads.ToString(CultureInfo.InvariantCulture), "-c", options.Connections.ToString(CultureInfo.InvariantCulture),
                     "-d", seconds.ToString(CultureInfo.InvariantCulture) + "s", "--timeout", "10s", "-s", script, service.ToString(),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit((seconds + 60) * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"wrk did not finish a {seconds} s run within {seconds + 60} s.");
        }

        var text = stdout.Result + stderr.Result;
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(Marker + " ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"wrk failed (exit code {process.ExitCode}): {text}");
        }

        return Parse(endpoint, line);
    }

    private static LoadRun Parse(string endpoint, string line)
    {
        var figures = line[(Marker.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => double.Parse(pair[1], NumberStyles.Float, CultureInfo.InvariantCulture), StringComparer.Ordinal);
        long Count(string name) => (long)figures[name];
        return new LoadRun(
            endpoint,
            Count("requests"),
            figures["duration_us"] / 1e6,
            figures["p50_us"] / 1000,
            figures["p90_us"] / 1000,
            figures["p99_us"] / 1000,
            figures["max_us"] / 1000,
            Count("accepted"),
            Count("refused"),
            Count("other"),
            Count("connect_errors") + Count("read_errors") + Count("write_errors") + Count("timeouts"));
    }

    /// <summary>The Lua script: the requests for seconds <paramref name="first"/> to <paramref name="last"/>, pre-formatted.</summary>
    private static string Script(SignedGets signed, string target, Uri service, long first, long last)
    {
        var text = new StringBuilder();
        text.AppendLine("-- Generated by KeyAdmin.Benchmarks' service command: one pre-signed request per second of the run.");
        text.AppendLine("local signed = {");
        for (var second = first; second <= last; second++)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  [{second}] = \"{LuaEscape(signed.RawRequest(second, target, service))}\",");
        }

        text.AppendLine("}");
        text.AppendLine(CultureInfo.InvariantCulture, $"local first, last = {first}, {last}");
        text.Append("""
            local threads = {}
            accepted, refused, other = 0, 0, 0

            function setup(thread)
              table.insert(threads, thread)
            end

            function request()
              local now = os.time()
              if now < first then now = first elseif now > last then now = last end
              return signed[now]
            end

            function response(status, headers, body)
              if status == 200 and string.find(body, '"code":"200000"', 1, true) then
                accepted = accepted + 1
              elseif status == 401 and string.find(body, '"code":"400003"', 1, true) then
                refused = refused + 1
              else
                other = other + 1
              end
            end

            function done(summary, latency, requests)
              local a, r, o = 0, 0, 0
              for _, thread in ipairs(threads) do
                a = a + thread:get("accepted")
                r = r + thread:get("refused")
                o = o + thread:get("other")
              end
              local e = summary.errors
              io.write(string.format("KEYADMIN-LOAD requests=%.0f duration_us=%.0f p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f accepted=%.0f refused=%.0f other=%.0f connect_errors=%.0f read_errors=%.0f write_errors=%.0f timeouts=%.0f\n",
                summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
                a, r, o, e.connect, e.read, e.write, e.timeout))
            end

            """);
        return text.ToString();
    }

    /// <summary>A Lua string literal's body: the request is ASCII without quotes or backslashes; only CR and LF need escapes.</summary>
    private static string LuaEscape(string value)
    {
        if (value.Any(c => c is '"' or '\\' || c > '~' || (c < ' ' && c is not ('\r' or '\n'))))
        {
            throw new ArgumentException("A request for the Lua script must be printable ASCII without quotes or backslashes.", nameof(value));
        }

        return value.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }
}
