using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace KeyAdmin.Core.Storage;

/// <summary>
/// Enumerates a store stream on a worker thread, at most a few hundred items ahead of its consumer, so that
/// reading rows overlaps with what the consumer does with them: a listing reads its rows on the worker and decodes,
/// checks and writes each key down the pipeline on the consumer's thread; one after the other they cost their sum,
/// side by side the larger (docs/PERFORMANCE.md).
/// </summary>
/// <remarks>
/// Memory stays bounded (four batches of 128). The source runs in its own read transaction as before, only on another
/// thread; it is disposed (its connection given back) before the consumer's enumeration ends, whether it ran to
/// the end, stopped early or failed. A failure of the source reaches the consumer after the items read before it.
/// </remarks>
internal static class ReadAhead
{
    // Handed over in batches: one hand-over per key would cost a thread wake-up per key, more than the key itself.
    private const int BatchSize = 128;
    private const int Batches = 4;

    public static IEnumerable<T> Of<T>(IEnumerable<T> source) => Of(source, static item => item);

    /// <summary>
    /// As <see cref="Of{T}(IEnumerable{T})"/>, with <paramref name="finish"/> run on each item on the consumer's
    /// thread, as it takes the item: the work is shared between the two threads (a listing reads rows on one and
    /// decodes and checks them on the other).
    /// </summary>
    public static IEnumerable<T> Of<TSource, T>(IEnumerable<TSource> source, Func<TSource, T> finish)
    {
        using var queue = new BlockingCollection<List<TSource>>(Batches);
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? failure = null;
        var producer = Task.Run(() =>
        {
            var batch = new List<TSource>(BatchSize);
            try
            {
                foreach (var item in source)
                {
                    batch.Add(item);
                    if (batch.Count == BatchSize)
                    {
                        queue.Add(batch, stop.Token);
                        batch = new List<TSource>(BatchSize);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The consumer stopped early: the source is disposed by the foreach, nothing is lost.
                batch.Clear();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                // The last items, whole or read before a failure, go before the end (and the failure) is seen.
                try
                {
                    if (batch.Count > 0)
                    {
                        queue.Add(batch, stop.Token);
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
                finally
                {
                    queue.CompleteAdding();
                }
            }
        });

        try
        {
            foreach (var batch in queue.GetConsumingEnumerable())
            {
                foreach (var item in batch)
                {
                    yield return finish(item);
                }
            }

            producer.Wait();
            failure?.Throw();
        }
        finally
        {
            stop.Cancel();
            producer.Wait();
        }
    }
}
