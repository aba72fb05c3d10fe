using KeyAdmin.Core.Storage;

namespace KeyAdmin.Core.Tests;

/// <summary>
/// The read-ahead that listings stream through: the source on a thread of its own, the finishing step (a listed
/// key's decode and check) on the consumer's, the source given back however the consumer stops.
/// </summary>
public sealed class ReadAheadTests
{
    [Fact]
    public void Finish_RunsOnTheConsumersThread_AndTheSourceOnAnother()
    {
        var consumer = Environment.CurrentManagedThreadId;
        var sourceThreads = new HashSet<int>();
        var finishThreads = new HashSet<int>();

        var items = ReadAhead.Of(Source(1000, sourceThreads), i => { finishThreads.Add(Environment.CurrentManagedThreadId); return i * 2; }).ToList();

        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i * 2), items);
        Assert.Equal(new[] { consumer }, finishThreads);
        Assert.DoesNotContain(consumer, sourceThreads);
    }

    [Fact]
    public void SourceThatFails_DeliversWhatItReadFirst_ThenItsFailure()
    {
        var seen = new List<int>();

        var failure = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var item in ReadAhead.Of(Failing(300), i => i))
            {
                seen.Add(item);
            }
        });

        Assert.Equal("row 300", failure.Message);
        Assert.Equal(Enumerable.Range(0, 300), seen);
    }

    [Fact]
    public void ConsumerThatStopsEarly_DisposesTheSourceBeforeItsEnumerationEnds()
    {
        var disposed = new ManualResetEventSlim();

        var first = ReadAhead.Of(Disposing(1_000_000, disposed), i => i).Take(5).ToList();

        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, first);
        Assert.True(disposed.IsSet);
    }

    [Fact]
    public void FinishThatThrows_StopsTheSourceAndReachesTheConsumer()
    {
        var disposed = new ManualResetEventSlim();

        Assert.Throws<FormatException>(() => ReadAhead.Of(Disposing(1_000_000, disposed), i => i == 10 ? throw new FormatException() : i).ToList());

        Assert.True(disposed.IsSet);
    }

    private static IEnumerable<int> Source(int count, HashSet<int> threads)
    {
        for (var i = 0; i < count; i++)
        {
            lock (threads)
            {
                threads.Add(Environment.CurrentManagedThreadId);
            }

            yield return i;
        }
    }

    private static IEnumerable<int> Failing(int after)
    {
        for (var i = 0; ; i++)
        {
            if (i == after)
            {
                throw new InvalidOperationException($"row {i}");
            }

            yield return i;
        }
    }

    private static IEnumerable<int> Disposing(int count, ManualResetEventSlim disposed)
    {
        try
        {
            for (var i = 0; i < count; i++)
            {
                yield return i;
            }
        }
        finally
        {
            disposed.Set();
        }
    }
}
