using System;
using System.IO;
using CubePS.Storage;

namespace CubePS.Customers;

/// <summary>
/// A page fetched ahead of its turn: its bytes held within the call's <see cref="ReadAheadBudget"/>
/// with the reply's content type (so a web page on any page gets the same hint as on page 1), or
/// none at all when the page did not fit the budget and is to be read as it arrives instead.
/// </summary>
internal sealed class FetchedPage : IDisposable
{
    private readonly ReadAheadBudget? _budget;
    private SegmentedBuffer? _body;
    private long _counted;

    private FetchedPage(SegmentedBuffer? body, string? contentType, ReadAheadBudget? budget, long counted, string? nextLink)
    {
        _body = body;
        NextLink = nextLink;
        ContentType = contentType;
        _budget = budget;
        _counted = counted;
    }

    /// <summary>The page was too large for what was left of the budget: nothing is held, the reader requests it again itself.</summary>
    public bool IsHeld => _body is not null;

    public string? ContentType { get; }

    /// <summary>Bytes of the page (inflated).</summary>
    public long Length => _body?.Length ?? 0;

    /// <summary>
    /// The envelope's <c>next</c> link as the start of the page names it (before its results, as
    /// Cube sends it), read when the page came in; null when the start shows none. Only a hint for
    /// reading ahead: the page is read and its link checked in full when its turn comes.
    /// </summary>
    public string? NextLink { get; }

    public static FetchedPage Held(SegmentedBuffer body, string? contentType, ReadAheadBudget? budget, long counted) =>
        new(body, contentType, budget, counted, EnvelopeHead.ReadNext(body.First));

    public static FetchedPage NotHeld() => new(null, null, null, 0, null);

    public Stream OpenRead() => (_body ?? throw new InvalidOperationException("The page was not held.")).OpenRead();

    public void Dispose()
    {
        _body?.Dispose();
        _body = null;
        if (_counted > 0)
        {
            _budget?.Give(_counted);
            _counted = 0;
        }
    }
}
