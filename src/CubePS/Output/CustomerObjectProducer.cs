using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace CubePS.Output;

/// <summary>
/// Makes the objects of a call on two worker threads while the pipeline thread writes them: one
/// decodes records from the spool into values, the other builds PSObjects from the values, and the
/// pipeline thread hands them to whatever comes next (Export-Csv, Where-Object). Each stage costs
/// about as much as the others, so running them side by side instead of one after another is most
/// of the speed of a large call. Objects come out in record order, through small bounded queues,
/// so only a few hundred exist ahead of the pipeline.
/// </summary>
internal sealed class CustomerObjectProducer : IDisposable
{
    private const int BatchSize = 16;
    private const int BatchesAhead = 3;

    private readonly BlockingCollection<object?[][]> _decoded = new(BatchesAhead);

    // Value arrays go back and forth between the decoder and the builder instead of being made anew.
    private readonly ConcurrentBag<object?[]> _freeValues = new();
    private readonly BlockingCollection<PSObject[]> _built = new(BatchesAhead);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _decoder;
    private readonly Task _builder;

    public CustomerObjectProducer(IEnumerable<object?[]> records, CustomerObjectFactory factory)
    {
        _decoder = Task.Factory.StartNew(() => Decode(records), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _builder = Task.Factory.StartNew(() => Build(factory), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The objects, in order; rethrows what went wrong on a worker.</summary>
    public IEnumerable<PSObject> Objects()
    {
        foreach (var batch in _built.GetConsumingEnumerable())
        {
            foreach (var customer in batch)
            {
                if (customer is null)
                {
                    break;
                }

                yield return customer;
            }
        }

        // Both workers have finished: surface a failure, if any.
        _decoder.GetAwaiter().GetResult();
        _builder.GetAwaiter().GetResult();
    }

    /// <summary>Stops the workers and waits for them, so the records they read can be released.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            Task.WaitAll(_decoder, _builder);
        }
        catch (AggregateException)
        {
            // Already reported through Objects(), or nobody is listening any more.
        }

        _stop.Dispose();
        _decoded.Dispose();
        _built.Dispose();
    }

    private void Decode(IEnumerable<object?[]> records)
    {
        try
        {
            var batch = new object?[BatchSize][];
            var count = 0;
            foreach (var values in records)
            {
                // The spool reuses its array: hand the builder a copy.
                if (!_freeValues.TryTake(out var copy))
                {
                    copy = new object?[values.Length];
                }

                Array.Copy(values, copy, values.Length);
                batch[count++] = copy;
                if (count == BatchSize)
                {
                    _decoded.Add(batch, _stop.Token);
                    batch = new object?[BatchSize][];
                    count = 0;
                }
            }

            if (count > 0)
            {
                _decoded.Add(batch, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The pipeline stopped taking objects.
        }
        finally
        {
            _decoded.CompleteAdding();
        }
    }

    private void Build(CustomerObjectFactory factory)
    {
        try
        {
            foreach (var values in _decoded.GetConsumingEnumerable(_stop.Token))
            {
                var batch = new PSObject[BatchSize];
                for (var i = 0; i < values.Length && values[i] is not null; i++)
                {
                    batch[i] = factory.Create(values[i]!);
                    _freeValues.Add(values[i]!);
                }

                _built.Add(batch, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The pipeline stopped taking objects.
        }
        finally
        {
            _built.CompleteAdding();
        }
    }
}
