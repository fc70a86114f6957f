using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Connections;
using CubePS.Customers;
using CubePS.Http;
using CubePS.Pages;

namespace CubePS.Fuzz;

/// <summary>
/// The fuzz target, shared by the fuzzer (tests/fuzz/Program.cs) and the regression test
/// (tests/CubePS.Client.Tests/FuzzRegressionTests.cs): one page of Cube's customer reply read by
/// <see cref="PageReader"/> into a <see cref="CustomerCollection"/> the way the downloader does
/// it, then every stored record read back as .NET values. The only acceptable ends are success
/// and a <see cref="CubeException"/>; anything else escapes (a crash to the fuzzer).
/// </summary>
/// <remarks>
/// An input is one control byte followed by the reply's bytes (an empty input is an empty reply):
/// <list type="bullet">
/// <item>bits 0-3: the size of the pieces the reply arrives in (<see cref="PieceSizes"/>), so that
/// split UTF-8 sequences, byte order marks, tokens and records are covered;</item>
/// <item>bits 4-5: -Skip/-First: none, First 1, Skip 1, Skip 1 and First 2;</item>
/// <item>bit 6: -UpdatedSince 2016-01-01;</item>
/// <item>bit 7: no memory for the spool: every closed chunk goes to the spill stream (in memory here).</item>
/// </list>
/// </remarks>
internal static class PageReaderHarness
{
    /// <summary>The secret that error messages mask wherever the reply quoted in them shows it.</summary>
    public const string Secret = "fuzz-token-0123456789";

    /// <summary>Piece sizes, chosen by the low four bits of the control byte.</summary>
    public static readonly int[] PieceSizes = { 1, 2, 3, 4, 5, 7, 8, 13, 16, 31, 64, 100, 1000, 4096, 65536, int.MaxValue };

    private static readonly RequestContext Context = new(
        9,
        1,
        new Uri("https://acme.headshed.com/crm/assignment_id/9/customers"),
        new SecretMasker(new[] { Secret }));

    /// <summary>Runs the target on one input; returns the CubeException it ended with, or null on success.</summary>
    public static CubeException? Run(ReadOnlySpan<byte> input)
    {
        var control = input.Length > 0 ? input[0] : (byte)0;
        var body = input.Length > 0 ? input.Slice(1).ToArray() : Array.Empty<byte>();
        var options = new CustomerCollectionOptions();
        switch ((control >> 4) & 3)
        {
            case 1:
                options.First = 1;
                break;
            case 2:
                options.Skip = 1;
                break;
            case 3:
                options.Skip = 1;
                options.First = 2;
                break;
        }

        if ((control & 0x40) != 0)
        {
            options.UpdatedSince = new DateTime(2016, 1, 1);
        }

        if ((control & 0x80) != 0)
        {
            options.SpoolMemoryBytes = 0;
            options.OpenSpillFile = () => new MemoryStream();
        }

        using var collection = new CustomerCollection(options);
        var sink = new CollectingSink(collection, null);
        var mark = collection.Mark();
        CubeException? failure = null;
        sink.BeginPage();
        try
        {
            // Every read completes at once, so this runs on the calling thread, start to end.
            var stream = new PieceStream(body, PieceSizes[control & 0x0F]);
            new PageReader(sink, Context).ParseAsync(stream, "application/json", CancellationToken.None).GetAwaiter().GetResult();
            sink.EndPage();
        }
        catch (CubeException e)
        {
            // As the downloader does: a page that fails leaves the collection as it was before it.
            collection.Rollback(mark);
            failure = e;
        }

        // What the cmdlets do next: the names, then every record as .NET values.
        _ = collection.PropertyNames;
        _ = collection.RenamedKeys;
        foreach (var values in collection.ReadRecords())
        {
            foreach (var value in values)
            {
                _ = value?.ToString();
            }
        }

        return failure;
    }

    /// <summary>A reply body that arrives in pieces of at most a given size, every read completed at once.</summary>
    private sealed class PieceStream : Stream
    {
        private readonly byte[] _data;
        private readonly int _piece;
        private int _position;

        public PieceStream(byte[] data, int piece)
        {
            _data = data;
            _piece = piece;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, _piece), _data.Length - _position);
            Array.Copy(_data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer, offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            var n = Math.Min(Math.Min(buffer.Length, _piece), _data.Length - _position);
            _data.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return new ValueTask<int>(n);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
