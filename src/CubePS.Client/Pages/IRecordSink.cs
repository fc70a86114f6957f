using System;
using System.Text.Json;

namespace CubePS.Pages;

/// <summary>What became of a record the reader was positioned on.</summary>
internal enum RecordOutcome
{
    /// <summary>Read; more records are wanted.</summary>
    Added,

    /// <summary>Read; no more records are wanted (-First is satisfied).</summary>
    Enough,

    /// <summary>The buffer ends inside the record: nothing was kept; read it again with more data.</summary>
    Incomplete,
}

/// <summary>Receives the records of a page, one at a time, straight from the JSON reader.</summary>
internal interface IRecordSink
{
    /// <summary>
    /// Reads the record whose StartObject the reader is on, leaving the reader after its EndObject.
    /// <paramref name="buffer"/> is what the reader reads, for copying nested values out of it.
    /// Throws <see cref="InvalidRecordException"/> for a record it cannot read.
    /// </summary>
    RecordOutcome AddRecord(ref Utf8JsonReader reader, ReadOnlySpan<byte> buffer);
}

/// <summary>A record holds data that CubePS cannot read (the page reader adds where it is).</summary>
internal sealed class InvalidRecordException : Exception
{
    public InvalidRecordException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
