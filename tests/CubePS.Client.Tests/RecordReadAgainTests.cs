using System.Text;
using System.Text.Json;
using CubePS.Http;
using CubePS.Pages;

namespace CubePS.Client.Tests;

/// <summary>
/// A record cut off by the end of the buffer is read again once more bytes are in: only once twice
/// as many have come, so the work on a record stays linear in its size however small the reads.
/// </summary>
public class RecordReadAgainTests
{
    private static readonly RequestContext Context = new(9, 1, new Uri("https://acme.headshed.com/crm/assignment_id/9/customers"), new SecretMasker(Array.Empty<string>()));

    [Fact]
    public async Task A_large_record_arriving_in_small_reads_is_read_again_a_logarithmic_number_of_times()
    {
        // One record of 1 MB of repeated keys (review 18 F2), arriving 100 bytes at a time: read
        // again at every arrival it cost ~10,000 passes over the record (5M keys: minutes).
        var record = "{\"customer_id\":3" + new StringBuilder().Insert(0, ",\"k\":1", 1024 * 1024 / 6) + "}";
        var body = Encoding.UTF8.GetBytes("{\"count\":2,\"next\":null,\"results\":[" + record + ",{\"customer_id\":4}]}");
        var sink = new CountingSink();

        var page = await new PageReader(sink, Context).ParseAsync(new PieceStream(body, 100), "application/json", CancellationToken.None);

        Assert.Equal(2, page.Records);
        Assert.Equal(2, sink.Completed);
        Assert.InRange(sink.Passes, 2, 40);
    }

    [Fact]
    public async Task A_record_completed_by_the_last_bytes_held_back_is_read()
    {
        // The reply ends while fewer than twice the cut-off bytes have come: they are read at the end.
        var body = Encoding.UTF8.GetBytes("[{\"customer_id\":3,\"v\":\"" + new string('x', 300) + "\"}]");
        var sink = new CountingSink();

        var page = await new PageReader(sink, Context).ParseAsync(new PieceStream(body, 200), "application/json", CancellationToken.None);

        Assert.Equal(1, page.Records);
        Assert.Equal(1, sink.Completed);
    }

    private sealed class CountingSink : IRecordSink
    {
        public int Passes { get; private set; }

        public int Completed { get; private set; }

        public RecordOutcome AddRecord(ref Utf8JsonReader reader, ReadOnlySpan<byte> buffer)
        {
            Passes++;
            if (!reader.TrySkip())
            {
                return RecordOutcome.Incomplete;
            }

            Completed++;
            return RecordOutcome.Added;
        }
    }

    private sealed class PieceStream : ReadOnlyBodyStream
    {
        private readonly byte[] _data;
        private readonly int _piece;
        private int _position;

        public PieceStream(byte[] data, int piece)
        {
            _data = data;
            _piece = piece;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, _piece), _data.Length - _position);
            Buffer.BlockCopy(_data, _position, buffer, offset, n);
            _position += n;
            return n;
        }
    }
}
