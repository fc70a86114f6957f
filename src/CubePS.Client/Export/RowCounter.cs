using System;
using System.Threading;

namespace CubePS.Export;

/// <summary>
/// Counts the rows an export has written. Every 4,096 rows it reports progress and honours Stop:
/// often enough to feel immediate, rare enough to cost nothing per row.
/// </summary>
internal sealed class RowCounter
{
    private const long ReportMask = 4096 - 1;

    private readonly Action<long>? _progress;
    private readonly CancellationToken _cancellationToken;

    public RowCounter(Action<long>? progress, CancellationToken cancellationToken)
    {
        _progress = progress;
        _cancellationToken = cancellationToken;
    }

    public long Rows { get; private set; }

    public void Add()
    {
        if ((++Rows & ReportMask) == 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            _progress?.Invoke(Rows);
        }
    }
}
