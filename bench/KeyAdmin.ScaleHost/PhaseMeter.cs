using System.Diagnostics;

namespace KeyAdmin.ScaleHost;

/// <summary>
/// The time and memory of one phase: wall time, the process's peak resident set during the phase (Linux's
/// VmHWM, reset at the start of the phase through /proc/self/clear_refs, else sampled), the peak managed heap
/// (sampled every 5 ms) and the bytes allocated.
/// </summary>
public sealed class PhaseMeter : IDisposable
{
    private readonly Stopwatch watch = Stopwatch.StartNew();
    private readonly Thread sampler;
    private readonly long allocatedBefore;
    private readonly bool peakWasReset;
    private volatile bool stopping;
    private long peakHeap;
    private long peakWorkingSet;

    private PhaseMeter()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        peakWasReset = TryResetPeak();
        StartHeap = GC.GetTotalMemory(false);
        StartWorkingSet = Environment.WorkingSet;
        allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        sampler = new Thread(Sample) { IsBackground = true, Name = "PhaseMeter" };
        sampler.Start();
        watch.Restart();
    }

    public long StartHeap { get; }

    public long StartWorkingSet { get; }

    public TimeSpan Elapsed { get; private set; }

    /// <summary>Peak resident set of the process during the phase, in bytes.</summary>
    public long PeakWorkingSet { get; private set; }

    /// <summary>Peak managed heap during the phase (sampled), in bytes.</summary>
    public long PeakHeap { get; private set; }

    public long Allocated { get; private set; }

    public static PhaseMeter Start() => new();

    public void Stop()
    {
        Elapsed = watch.Elapsed;
        stopping = true;
        sampler.Join();
        Allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        PeakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
        var sampled = Math.Max(peakWorkingSet, Environment.WorkingSet);
        PeakWorkingSet = peakWasReset && ReadPeakResident() is { } hwm ? Math.Max(hwm, sampled) : sampled;
    }

    public void Dispose()
    {
        stopping = true;
        if (sampler.IsAlive)
        {
            sampler.Join();
        }
    }

    /// <summary>The process's peak resident set so far (VmHWM), in bytes; null where /proc is absent.</summary>
    public static long? ReadPeakResident()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static bool TryResetPeak()
    {
        try
        {
            // "5" resets the peak resident set size (Linux 4.0 and later).
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void Sample()
    {
        while (!stopping)
        {
            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
            peakWorkingSet = Math.Max(peakWorkingSet, Environment.WorkingSet);
            Thread.Sleep(5);
        }
    }
}
